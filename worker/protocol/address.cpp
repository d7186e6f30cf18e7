// PORT/PASV (RFC 959) and EPRT/EPSV (RFC 2428) codecs, and the pasv_ports value.
// Pure: addresses are checked with inet_pton, never looked up.
#include "worker/protocol/address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace ftpd::protocol {
namespace {

using Octets = std::array<std::uint8_t, 4>;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

// A non-empty run of decimal digits, nothing else, whose value is at most max.
std::optional<unsigned> parse_decimal(std::string_view s, unsigned max) {
    if (s.empty()) return std::nullopt;
    unsigned value = 0;
    for (char c : s) {
        if (!is_digit(c)) return std::nullopt;
        value = value * 10 + static_cast<unsigned>(c - '0');
        if (value > max) return std::nullopt;
    }
    return value;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    for (;;) {
        const std::size_t at = s.find(sep);
        parts.push_back(s.substr(0, at));
        if (at == std::string_view::npos) return parts;
        s.remove_prefix(at + 1);
    }
}

// The four octets of an IPv4 address, given plainly or IPv4-mapped in IPv6.
std::optional<Octets> ipv4_octets(const std::string& host) {
    if (host.find('\0') != std::string::npos) return std::nullopt;  // inet_pton stops at NUL
    Octets octets{};
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
        std::memcpy(octets.data(), &v4, 4);
        return octets;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_V4MAPPED(&v6)) {
        std::memcpy(octets.data(), v6.s6_addr + 12, 4);
        return octets;
    }
    return std::nullopt;
}

std::string six_numbers(const HostPort& hp) {
    const auto octets = ipv4_octets(hp.host);
    if (!octets) throw std::invalid_argument("not an IPv4 address: '" + hp.host + "'");
    std::string out;
    for (std::uint8_t o : *octets) out += std::to_string(o) + ',';
    out += std::to_string(hp.port >> 8) + ',' + std::to_string(hp.port & 0xff);
    return out;
}

HostPort from_six(const std::array<unsigned, 6>& n) {
    return HostPort{std::to_string(n[0]) + '.' + std::to_string(n[1]) + '.' + std::to_string(n[2]) +
                        '.' + std::to_string(n[3]),
                    static_cast<std::uint16_t>(n[4] * 256 + n[5]), 4};
}

// Six comma-separated numbers 0..255 starting at text[pos] (blanks allowed around commas).
std::optional<HostPort> six_numbers_at(std::string_view text, std::size_t pos) {
    std::array<unsigned, 6> n{};
    for (std::size_t k = 0; k < n.size(); ++k) {
        const std::size_t start = pos;
        while (pos < text.size() && is_digit(text[pos]) && pos - start < 4) ++pos;  // 4: too big
        const auto value = parse_decimal(text.substr(start, pos - start), 255);
        if (!value) return std::nullopt;
        n[k] = *value;
        if (k + 1 == n.size()) break;
        while (pos < text.size() && is_blank(text[pos])) ++pos;
        if (pos >= text.size() || text[pos] != ',') return std::nullopt;
        ++pos;
        while (pos < text.size() && is_blank(text[pos])) ++pos;
    }
    return from_six(n);
}

bool is_delimiter(char c) { return c >= 33 && c <= 126; }

}  // namespace

std::optional<std::string> canonical_host(std::string_view host) {
    if (host.find('\0') != std::string_view::npos) return std::nullopt;  // inet_pton stops at NUL
    const std::string h(host);
    if (const auto octets = ipv4_octets(h)) {
        return std::to_string((*octets)[0]) + '.' + std::to_string((*octets)[1]) + '.' +
               std::to_string((*octets)[2]) + '.' + std::to_string((*octets)[3]);
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, h.c_str(), &v6) != 1) return std::nullopt;
    char buf[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, &v6, buf, sizeof buf) == nullptr) return std::nullopt;
    return std::string(buf);
}

std::optional<HostPort> parse_port_arg(std::string_view arg) {
    const auto fields = split(arg, ',');
    if (fields.size() != 6) return std::nullopt;
    std::array<unsigned, 6> n{};
    for (std::size_t k = 0; k < n.size(); ++k) {
        const auto value = parse_decimal(trim_blanks(fields[k]), 255);
        if (!value) return std::nullopt;
        n[k] = *value;
    }
    return from_six(n);
}

std::string format_port_arg(const HostPort& hp) { return six_numbers(hp); }

std::string format_pasv_reply_text(const HostPort& hp) {
    return "Entering Passive Mode (" + six_numbers(hp) + ").";
}

std::optional<HostPort> parse_pasv_reply(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!is_digit(text[i]) || (i > 0 && is_digit(text[i - 1]))) continue;
        if (auto hp = six_numbers_at(text, i)) return hp;
    }
    return std::nullopt;
}

std::optional<HostPort> parse_eprt_arg(std::string_view arg) {
    if (arg.size() < 2 || !is_delimiter(arg.front()) || arg.back() != arg.front()) {
        return std::nullopt;
    }
    const auto fields = split(arg.substr(1, arg.size() - 2), arg.front());
    if (fields.size() != 3) return std::nullopt;
    const int af = fields[0] == "1" ? AF_INET : fields[0] == "2" ? AF_INET6 : 0;
    const auto port = parse_decimal(fields[2], 65535);
    if (af == 0 || !port || *port == 0) return std::nullopt;

    if (fields[1].find('\0') != std::string_view::npos) return std::nullopt;  // inet_pton stops at NUL
    const std::string host(fields[1]);
    unsigned char addr[sizeof(in6_addr)];
    char buf[INET6_ADDRSTRLEN];
    if (inet_pton(af, host.c_str(), addr) != 1) return std::nullopt;
    if (inet_ntop(af, addr, buf, sizeof buf) == nullptr) return std::nullopt;
    return HostPort{buf, static_cast<std::uint16_t>(*port), af == AF_INET ? 4 : 6};
}

std::string format_eprt_arg(const HostPort& hp) {
    if (hp.host.find('\0') != std::string::npos) throw std::invalid_argument("NUL in an address");
    unsigned char addr[sizeof(in6_addr)];
    char buf[INET6_ADDRSTRLEN];
    for (const auto& [af, tag] : {std::pair{AF_INET, "|1|"}, std::pair{AF_INET6, "|2|"}}) {
        if (inet_pton(af, hp.host.c_str(), addr) == 1 &&
            inet_ntop(af, addr, buf, sizeof buf) != nullptr) {
            return tag + std::string(buf) + '|' + std::to_string(hp.port) + '|';
        }
    }
    throw std::invalid_argument("not a numeric address: '" + hp.host + "'");
}

std::string format_epsv_reply_text(std::uint16_t port) {
    return "Entering Extended Passive Mode (|||" + std::to_string(port) + "|)";
}

std::optional<std::uint16_t> parse_epsv_reply(std::string_view text) {
    for (std::size_t i = 0; i + 4 < text.size(); ++i) {
        const char d = text[i];
        if (!is_delimiter(d) || is_digit(d) || text[i + 1] != d || text[i + 2] != d) continue;
        const std::size_t end = text.find(d, i + 3);
        if (end == std::string_view::npos) continue;
        const auto port = parse_decimal(text.substr(i + 3, end - i - 3), 65535);
        if (port && *port != 0) return static_cast<std::uint16_t>(*port);
    }
    return std::nullopt;
}

std::optional<EpsvArg> parse_epsv_arg(std::string_view arg) {
    arg = trim_blanks(arg);
    if (arg.empty()) return EpsvArg{EpsvArg::Kind::any, 0};
    if (arg.size() == 3 && (arg[0] | 0x20) == 'a' && (arg[1] | 0x20) == 'l' &&
        (arg[2] | 0x20) == 'l') {
        return EpsvArg{EpsvArg::Kind::all, 0};
    }
    if (arg == "1") return EpsvArg{EpsvArg::Kind::family, 4};
    if (arg == "2") return EpsvArg{EpsvArg::Kind::family, 6};
    return std::nullopt;
}

std::optional<std::pair<std::uint16_t, std::uint16_t>> parse_port_range(std::string_view value) {
    value = trim_blanks(value);
    if (value == "0") return std::pair<std::uint16_t, std::uint16_t>{0, 0};
    const auto bounds = split(value, '-');
    if (bounds.size() != 2) return std::nullopt;
    const auto low = parse_decimal(trim_blanks(bounds[0]), 65535);
    const auto high = parse_decimal(trim_blanks(bounds[1]), 65535);
    if (!low || !high || *low < 1024 || *low > *high) return std::nullopt;
    return std::pair<std::uint16_t, std::uint16_t>{static_cast<std::uint16_t>(*low),
                                                   static_cast<std::uint16_t>(*high)};
}

}  // namespace ftpd::protocol
