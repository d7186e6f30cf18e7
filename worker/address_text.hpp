// How client addresses are written in log lines, status rows and limits: "127.0.0.1" or
// "[::1]" (an IPv4-mapped IPv6 address as plain IPv4). Include from worker/*.cpp only.
#pragma once

#include "worker/net.hpp"

#include <string>

namespace ftpd::worker {

// The address without an IPv4-mapped prefix.
inline net::ip::address unmapped(const net::ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6());
    return a;
}

// "127.0.0.1" or "[::1]": the host part of a status row's client text.
inline std::string host_text(const net::ip::address& a) {
    auto u = unmapped(a);
    return u.is_v6() ? "[" + u.to_string() + "]" : u.to_string();
}

// "127.0.0.1:40000" or "[::1]:40000".
inline std::string client_text(const tcp::endpoint& ep) {
    return host_text(ep.address()) + ":" + std::to_string(ep.port());
}

}  // namespace ftpd::worker
