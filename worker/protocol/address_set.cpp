// proxy_trusted: addresses and CIDR prefixes, matched bit by bit. Pure.
#include "worker/protocol/address_set.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <stdexcept>

namespace ftpd::protocol {
namespace {

// The 4 or 16 bytes of a numeric host; IPv4-mapped IPv6 becomes IPv4. 0 if not numeric.
int host_bytes(std::string_view host, std::array<std::uint8_t, 16>& out) {
    if (host.empty() || host.size() >= INET6_ADDRSTRLEN || host.find('\0') != std::string_view::npos) return 0;
    std::string text(host);
    out.fill(0);
    if (inet_pton(AF_INET, text.c_str(), out.data()) == 1) return 4;
    if (inet_pton(AF_INET6, text.c_str(), out.data()) != 1) return 0;
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(out.data(), kMapped, 12) == 0) {
        std::memmove(out.data(), out.data() + 12, 4);
        std::memset(out.data() + 4, 0, 12);
        return 4;
    }
    return 6;
}

bool same_prefix(const std::uint8_t* a, const std::uint8_t* b, unsigned bits) {
    unsigned whole = bits / 8, rest = bits % 8;
    if (std::memcmp(a, b, whole) != 0) return false;
    if (rest == 0) return true;
    std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

}  // namespace

AddressSet AddressSet::parse(std::string_view text) {
    AddressSet set;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text[i] == ',' || text[i] == ' ' || text[i] == '\t') {
            ++i;
            continue;
        }
        std::size_t end = text.find_first_of(", \t", i);
        if (end == std::string_view::npos) end = text.size();
        std::string_view item = text.substr(i, end - i);
        i = end;
        std::string_view host = item.substr(0, item.find('/'));
        Entry e;
        e.family = host_bytes(host, e.bytes);
        if (e.family == 0) throw std::invalid_argument("'" + std::string(item) + "' is not a numeric address or ADDR/BITS");
        e.prefix = e.family == 4 ? 32 : 128;
        if (host.size() < item.size()) {
            std::string_view bits = item.substr(host.size() + 1);
            unsigned n = 0;
            bool ok = !bits.empty() && bits.size() <= 3;
            for (char c : bits) {
                ok = ok && c >= '0' && c <= '9';
                n = n * 10 + static_cast<unsigned>(c - '0');
            }
            if (!ok || n > e.prefix)
                throw std::invalid_argument("'" + std::string(item) + "': the prefix length must be 0.." +
                                            std::to_string(e.prefix));
            e.prefix = n;
        }
        set.entries_.push_back(e);
    }
    return set;
}

bool AddressSet::contains(std::string_view host) const {
    std::array<std::uint8_t, 16> bytes;
    int family = host_bytes(host, bytes);
    if (family == 0) return false;
    for (const auto& e : entries_)
        if (e.family == family && same_prefix(e.bytes.data(), bytes.data(), e.prefix)) return true;
    return false;
}

std::string AddressSet::to_string() const {
    std::string out;
    for (const auto& e : entries_) {
        char text[INET6_ADDRSTRLEN] = {};
        inet_ntop(e.family == 4 ? AF_INET : AF_INET6, e.bytes.data(), text, sizeof text);
        out += (out.empty() ? "" : ", ") + std::string(text) + "/" + std::to_string(e.prefix);
    }
    return out;
}

}  // namespace ftpd::protocol
