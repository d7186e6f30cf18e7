// PROXY protocol v1 and v2 headers (HAProxy's proxy-protocol.txt). Pure: addresses are
// checked and formatted with inet_pton/inet_ntop, nothing else.
#include "worker/protocol/proxy_header.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

namespace ftpd::protocol {
namespace {

using Status = ProxyHeader::Status;

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr char kV2Signature[12] = {'\r', '\n', '\r', '\n', '\0', '\r', '\n', 'Q', 'U', 'I', 'T', '\n'};
constexpr std::string_view kV2Sig{kV2Signature, sizeof kV2Signature};

ProxyHeader invalid(int version, std::string why) {
    ProxyHeader h;
    h.status = Status::invalid;
    h.version = version;
    h.error = std::move(why);
    return h;
}

ProxyHeader incomplete(int version) {
    ProxyHeader h;
    h.version = version;
    return h;
}

ProxyHeader complete(int version, std::size_t length, std::optional<ProxyAddresses> addresses) {
    ProxyHeader h;
    h.status = Status::complete;
    h.version = version;
    h.length = length;
    h.addresses = std::move(addresses);
    return h;
}

// True when `bytes` (shorter than `full`) could still grow into it.
bool prefix_of(std::string_view bytes, std::string_view full) {
    return full.substr(0, std::min(bytes.size(), full.size())) == bytes.substr(0, std::min(bytes.size(), full.size()));
}

// inet_ntop's spelling of a 4- or 16-byte address.
std::string host_from_bytes(int family, const unsigned char* bytes) {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes, text, sizeof text);
    return text;
}

// A v1 address field: numeric for its family, returned in canonical spelling.
std::optional<std::string> v1_host(std::string_view field, int family) {
    // inet_pton stops at a NUL: "1.2.3.4\0junk" must not pass as 1.2.3.4.
    if (field.empty() || field.size() >= INET6_ADDRSTRLEN || field.find('\0') != std::string_view::npos)
        return std::nullopt;
    std::string text(field);
    unsigned char buf[16];
    if (inet_pton(family == 4 ? AF_INET : AF_INET6, text.c_str(), buf) != 1) return std::nullopt;
    return host_from_bytes(family, buf);
}

// A v1 port field: decimal 0..65535, no sign, no leading zero.
std::optional<std::uint16_t> v1_port(std::string_view field) {
    if (field.empty() || field.size() > 5 || (field.size() > 1 && field.front() == '0')) return std::nullopt;
    unsigned n = 0;
    for (char c : field) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<unsigned>(c - '0');
    }
    if (n > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(n);
}

// "PROXY TCP4 src dst sport dport\r\n", "PROXY TCP6 ...", "PROXY UNKNOWN<anything>\r\n".
ProxyHeader parse_v1(std::string_view bytes) {
    auto window = bytes.substr(0, kProxyV1MaxLength);
    auto cr = window.find('\r');
    auto lf = window.find('\n');
    if (lf != std::string_view::npos && (cr == std::string_view::npos || lf < cr))
        return invalid(1, "v1 header with a bare LF");
    if (cr == std::string_view::npos) {
        if (window.size() >= kProxyV1MaxLength) return invalid(1, "v1 header without CRLF in 107 bytes");
        return incomplete(1);
    }
    if (cr + 1 == window.size()) {
        if (window.size() >= kProxyV1MaxLength) return invalid(1, "v1 header without CRLF in 107 bytes");
        return incomplete(1);
    }
    if (window[cr + 1] != '\n') return invalid(1, "v1 header with a CR not followed by LF");
    const std::size_t length = cr + 2;
    std::string_view line = window.substr(kV1Prefix.size(), cr - kV1Prefix.size());
    // The spec: after UNKNOWN the rest of the line is to be ignored.
    if (line == "UNKNOWN" || line.substr(0, 8) == "UNKNOWN ") return complete(1, length, std::nullopt);

    std::array<std::string_view, 5> f;
    std::size_t n = 0;
    while (n < f.size()) {
        auto sp = line.find(' ');
        f[n++] = line.substr(0, sp);
        if (sp == std::string_view::npos) break;
        line.remove_prefix(sp + 1);
        if (n == f.size()) return invalid(1, "v1 header with too many fields");
    }
    int family = f[0] == "TCP4" ? 4 : f[0] == "TCP6" ? 6 : 0;
    if (family == 0) return invalid(1, "v1 header with an unknown protocol");
    if (n != f.size()) return invalid(1, "v1 header with too few fields");
    auto src = v1_host(f[1], family);
    auto dst = v1_host(f[2], family);
    if (!src || !dst) return invalid(1, "v1 header with a bad address");
    auto sport = v1_port(f[3]);
    auto dport = v1_port(f[4]);
    if (!sport || !dport) return invalid(1, "v1 header with a bad port");
    return complete(1, length, ProxyAddresses{family, *src, *sport, *dst, *dport});
}

std::uint16_t be16(const unsigned char* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

// 12-byte signature, ver_cmd (0x20 LOCAL, 0x21 PROXY), family/transport, length (network
// order), then the address block and TLVs.
ProxyHeader parse_v2(std::string_view bytes) {
    if (bytes.size() < kProxyV2FixedLength) {
        if (bytes.size() > 12 && (static_cast<unsigned char>(bytes[12]) >> 4) != 2)
            return invalid(2, "v2 header with an unknown version");
        return incomplete(2);
    }
    auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const unsigned version = p[12] >> 4, command = p[12] & 0x0f;
    const unsigned family = p[13] >> 4, transport = p[13] & 0x0f;
    const std::size_t length = kProxyV2FixedLength + be16(p + 14);
    if (version != 2) return invalid(2, "v2 header with an unknown version");
    if (command > 1) return invalid(2, "v2 header with an unknown command");
    if (family > 3 || transport > 2) return invalid(2, "v2 header with an unknown address family");
    if (bytes.size() < length) return incomplete(2);
    // LOCAL: a connection of the balancer's own (health check): the real endpoints count.
    if (command == 0) return complete(2, length, std::nullopt);
    // UNSPEC (either part) and AF_UNIX: no client address to take; the real endpoints count.
    if (family == 0 || transport == 0 || family == 3) return complete(2, length, std::nullopt);
    if (transport != 1) return invalid(2, "v2 header for a datagram connection");
    const std::size_t need = family == 1 ? 12 : 36;
    if (length - kProxyV2FixedLength < need) return invalid(2, "v2 header with a short address block");
    const unsigned char* a = p + kProxyV2FixedLength;
    ProxyAddresses out;
    out.family = family == 1 ? 4 : 6;
    const std::size_t size = family == 1 ? 4 : 16;
    out.source_host = host_from_bytes(out.family, a);
    out.destination_host = host_from_bytes(out.family, a + size);
    out.source_port = be16(a + 2 * size);
    out.destination_port = be16(a + 2 * size + 2);
    return complete(2, length, std::move(out));  // TLVs, if any, are skipped
}

// The 4 or 16 bytes of a numeric host of `family`, or invalid_argument.
void host_bytes(const std::string& host, int family, unsigned char* out) {
    if (host.find('\0') != std::string::npos ||
        inet_pton(family == 4 ? AF_INET : AF_INET6, host.c_str(), out) != 1)
        throw std::invalid_argument("not a numeric IPv" + std::to_string(family) + " address: " + host);
}

}  // namespace

ProxyHeader parse_proxy_header(std::string_view bytes) {
    if (bytes.empty()) return incomplete(0);
    if (bytes.front() == 'P') {
        if (!prefix_of(bytes, kV1Prefix)) return invalid(0, "not a PROXY protocol header");
        if (bytes.size() <= kV1Prefix.size()) return incomplete(1);
        return parse_v1(bytes);
    }
    if (!prefix_of(bytes, kV2Sig)) return invalid(0, "not a PROXY protocol header");
    if (bytes.size() < kV2Sig.size()) return incomplete(2);
    return parse_v2(bytes);
}

std::string format_proxy_v1(const ProxyAddresses& a) {
    unsigned char buf[16];
    host_bytes(a.source_host, a.family, buf);
    host_bytes(a.destination_host, a.family, buf);
    return std::string("PROXY ") + (a.family == 4 ? "TCP4 " : "TCP6 ") + a.source_host + " " + a.destination_host +
           " " + std::to_string(a.source_port) + " " + std::to_string(a.destination_port) + "\r\n";
}

std::string format_proxy_v2(const ProxyAddresses& a) {
    const std::size_t size = a.family == 4 ? 4 : 16;
    std::string out(kV2Sig);
    out += '\x21';                               // version 2, PROXY
    out += a.family == 4 ? '\x11' : '\x21';      // INET or INET6, STREAM
    const std::size_t block = 2 * size + 4;
    out += static_cast<char>(block >> 8);
    out += static_cast<char>(block & 0xff);
    unsigned char buf[16];
    host_bytes(a.source_host, a.family, buf);
    out.append(reinterpret_cast<const char*>(buf), size);
    host_bytes(a.destination_host, a.family, buf);
    out.append(reinterpret_cast<const char*>(buf), size);
    for (std::uint16_t port : {a.source_port, a.destination_port}) {
        out += static_cast<char>(port >> 8);
        out += static_cast<char>(port & 0xff);
    }
    return out;
}

}  // namespace ftpd::protocol
