// Data-connection addresses on the control connection: PORT/PASV (RFC 959) and
// EPRT/EPSV (RFC 2428), both directions, plus the pasv_ports config value.
// Pure functions; hosts are numeric only (no name lookup ever happens here).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace ftpd::protocol {

struct HostPort {
    std::string host;  // numeric: "1.2.3.4" or "::1"
    std::uint16_t port = 0;
    int family = 4;  // 4 or 6
    bool operator==(const HostPort&) const = default;
};

// The canonical numeric form of an IPv4 or IPv6 address (inet_ntop's spelling), with
// IPv4-mapped IPv6 ("::ffff:1.2.3.4") turned into plain IPv4; nullopt if not numeric.
// Compare peers through it. Never throws except bad_alloc.
std::optional<std::string> canonical_host(std::string_view host);

// "h1,h2,h3,h4,p1,p2" (six numbers 0..255, blanks allowed around them) ->
// {"h1.h2.h3.h4", p1*256+p2, 4}; nullopt on anything else.
std::optional<HostPort> parse_port_arg(std::string_view arg);

// The PORT argument for an IPv4 (or IPv4-mapped IPv6) address.
// Throws std::invalid_argument for any other host.
std::string format_port_arg(const HostPort& hp);

// "Entering Passive Mode (h1,h2,h3,h4,p1,p2)." for an IPv4 or IPv4-mapped address.
// Throws std::invalid_argument for any other host.
std::string format_pasv_reply_text(const HostPort& hp);

// Client side: the first "h1,h2,h3,h4,p1,p2" group anywhere in a 227 reply's text,
// with or without parentheses (RFC 1123 4.1.2.6); nullopt if there is none.
std::optional<HostPort> parse_pasv_reply(std::string_view text);

// "<d>1<d>132.235.1.2<d>6275<d>" or "|2|::1|5282|" (any delimiter 33..126); the
// address must be valid for its family, the port 1..65535. Host comes back canonical.
std::optional<HostPort> parse_eprt_arg(std::string_view arg);

// "|1|1.2.3.4|port|" or "|2|addr|port|", family taken from the host's spelling.
// Throws std::invalid_argument if host is not a numeric address.
std::string format_eprt_arg(const HostPort& hp);

// "Entering Extended Passive Mode (|||port|)". Never throws except bad_alloc.
std::string format_epsv_reply_text(std::uint16_t port);

// Client side: the port of a 229 reply's "(|||port|)" (any delimiter 33..126,
// parentheses optional); nullopt if there is none or it is 0.
std::optional<std::uint16_t> parse_epsv_reply(std::string_view text);

// The EPSV argument: "" -> any, "ALL" (any case) -> all, "1"/"2" -> family 4/6.
struct EpsvArg {
    // Scoped: an unscoped enumerator "family" would clash with the member below.
    enum class Kind { any, all, family } kind = Kind::any;
    int family = 0;  // 4 or 6 when kind == Kind::family, else 0
    bool operator==(const EpsvArg&) const = default;
};

// Parses an EPSV argument (surrounding blanks ignored); nullopt for anything else,
// including protocol numbers other than 1 and 2 (the server answers 522 or 501).
std::optional<EpsvArg> parse_epsv_arg(std::string_view arg);

// The pasv_ports config value: "LOW-HIGH" with 1024 <= LOW <= HIGH <= 65535, or
// "0" -> {0, 0} meaning any port. Blanks around numbers allowed; nullopt otherwise.
std::optional<std::pair<std::uint16_t, std::uint16_t>> parse_port_range(std::string_view value);

}  // namespace ftpd::protocol
