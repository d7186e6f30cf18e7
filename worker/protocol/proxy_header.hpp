// The PROXY protocol header a load balancer (HAProxy send-proxy / send-proxy-v2) puts in
// front of a connection to tell the real client's address: version 1 (one text line) and
// version 2 (binary), as in HAProxy's proxy-protocol.txt. Pure functions, no sockets;
// the worker feeds it the bytes it has read so far and reads no further than it says.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ftpd::protocol {

// Longest version 1 header, "PROXY TCP6 <39> <39> 65535 65535\r\n" (spec: 107 bytes).
constexpr std::size_t kProxyV1MaxLength = 107;
// Version 2: the 12-byte signature, version/command, family, 16-bit length.
constexpr std::size_t kProxyV2FixedLength = 16;
constexpr std::size_t kProxyV2MaxLength = kProxyV2FixedLength + 65535;

// The addresses a header carries: the client (source) and the address it connected to
// on the balancer (destination). Hosts are canonical numeric text ("203.0.113.7", "::1").
struct ProxyAddresses {
    int family = 4;  // 4 or 6
    std::string source_host;
    std::uint16_t source_port = 0;
    std::string destination_host;
    std::uint16_t destination_port = 0;
    bool operator==(const ProxyAddresses&) const = default;
};

struct ProxyHeader {
    enum class Status {
        incomplete,  // every byte given belongs to the header; more are needed
        complete,    // the header is the first `length` bytes
        invalid,     // not a PROXY header, or a malformed one: close the connection
    } status = Status::incomplete;
    int version = 0;          // 1 or 2 once the signature is recognised
    std::size_t length = 0;   // complete: bytes of the header (never more than given)
    // complete: the client's addresses, or nullopt when the header says to use the real
    // connection's (v1 UNKNOWN, v2 LOCAL, v2 UNSPEC or AF_UNIX).
    std::optional<ProxyAddresses> addresses;
    std::string error;        // invalid: why, for a log line (never echoes the input)
};

// Reads a PROXY header at the start of `bytes` (the first bytes of a connection, possibly
// followed by the client's own bytes, which are never looked at). Decides as early as
// possible: a prefix that cannot start a header is invalid at once, a v1 line without
// CRLF in 107 bytes is invalid, a v2 header is complete after 16 + its length bytes
// (TLVs after the addresses are skipped). Never throws except bad_alloc.
ProxyHeader parse_proxy_header(std::string_view bytes);

// Formatters (tests, and anyone who must speak to a PROXY-protocol listener). Throw
// std::invalid_argument when a host is not a numeric address of `family`.
std::string format_proxy_v1(const ProxyAddresses& a);
std::string format_proxy_v2(const ProxyAddresses& a);

}  // namespace ftpd::protocol
