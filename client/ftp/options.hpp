// The ftp client's command line (`ftp [-p|-A] [-n] [-v] [-s] [-k | --cacert FILE] [-c CMDS]
// [HOST [PORT] | URL]`) and its ftp:// and ftps:// URLs (RFC 1738 section 3.2). Pure
// parsing for the ftp client; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ftpd::client {

inline constexpr std::uint16_t kDefaultFtpPort = 21;
inline constexpr std::uint16_t kDefaultFtpsPort = 990;  // implicit TLS (ftps://)

// How the control connection is protected: not at all, by AUTH TLS after the
// greeting (RFC 4217, -s), or by TLS from the first byte (ftps://, port 990).
enum class Security { none, explicit_tls, implicit_tls };

// ftp:// or ftps://[user[:password]@]host[:port][/path], percent-escapes decoded.
struct FtpUrl {
    bool ftps = false;                    // the ftps:// scheme: implicit TLS
    std::optional<std::string> user;      // none: log in anonymously
    std::optional<std::string> password;  // none: ask (or the anonymous default)
    std::string host;                     // IPv6 without its brackets
    std::uint16_t port = kDefaultFtpPort;  // kDefaultFtpsPort for ftps://
    std::string path;  // after the '/' that ends host[:port], decoded; "" for none
    bool operator==(const FtpUrl&) const = default;
};

// True when `text` starts with "ftp://" or "ftps://" (any case).
bool looks_like_url(std::string_view text);

// Parses an ftp:// or ftps:// URL. Throws std::invalid_argument naming what is wrong
// ("missing host", "bad port '99999'", "bad %-escape").
FtpUrl parse_url(std::string_view text);

// A TCP port 1..65535 in decimal; throws std::invalid_argument otherwise.
std::uint16_t parse_port(std::string_view text);

struct Options {
    bool passive = true;      // -p (default) / -A
    bool auto_login = true;   // -n turns it off
    bool verbose = false;     // -v
    bool help = false;        // -h, --help
    bool version = false;     // -V, --version
    std::optional<std::string> commands;  // -c "cmd; cmd"
    std::optional<std::string> host;
    std::uint16_t port = kDefaultFtpPort;
    std::optional<FtpUrl> url;  // set instead of host when the operand was a URL
    Security security = Security::none;  // -s: explicit; an ftps:// URL: implicit
    bool verify_peer = true;              // -k, --insecure turn it off
    std::optional<std::string> ca_file;   // --cacert FILE: trust these instead of the system's
};

// Parses argv[1..]. Flags may be bundled ("-nv") and come before the operands; "--"
// ends them. -k and --cacert need TLS (-s or ftps://) and exclude each other.
// Throws std::invalid_argument with a one-line reason on bad usage.
Options parse_options(const std::vector<std::string>& args);

// The usage synopsis printed by --help and after a usage error.
std::string_view usage_text();

}  // namespace ftpd::client
