// A set of client addresses written as a list of addresses and CIDR prefixes, IPv4 and
// IPv6 ("127.0.0.1, 10.0.0.0/8, ::1, 2001:db8::/32"): the proxy_trusted key. Pure: parsed
// with inet_pton, matched bit by bit, no name lookup.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ftpd::protocol {

class AddressSet {
public:
    // Entries separated by commas and/or blanks; an address without /N is a single host.
    // Bits beyond the prefix are ignored. Throws std::invalid_argument naming the first bad
    // entry (not numeric, prefix not a number or longer than 32/128).
    static AddressSet parse(std::string_view text);

    // True when the numeric host (IPv4, IPv6, or IPv4-mapped IPv6, which counts as its
    // IPv4 address) lies in one of the entries. False for anything not numeric.
    bool contains(std::string_view host) const;

    bool empty() const { return entries_.empty(); }
    // The entries in canonical form, "10.0.0.0/8, ::1/128", for log lines.
    std::string to_string() const;

private:
    struct Entry {
        int family = 4;  // 4 or 6
        std::array<std::uint8_t, 16> bytes{};
        unsigned prefix = 32;
    };
    std::vector<Entry> entries_;
};

}  // namespace ftpd::protocol
