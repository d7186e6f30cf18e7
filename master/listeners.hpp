// The listening sockets: bound by the master (possibly as root) before any worker
// exists, inherited by every worker. Runs in the master; never accepts a connection.
#pragma once

#include "ipc/sys/unique_fd.hpp"
#include "master/config.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace ftpd::master {

struct Listener {
    ListenAddress address;
    ipc::sys::unique_fd fd;
    std::uint16_t bound_port = 0;      // the real port (differs when the config said 0)
    std::string describe() const;      // "127.0.0.1:2121", "[::1]:2121"
};

// Binds and listens on one address (SO_REUSEADDR; IPV6_V6ONLY for IPv6). Throws
// std::runtime_error with an operator hint, e.g. address in use.
Listener bind_listener(const ListenAddress& address);

// The sockets for `wanted`: those already in `current` (same text) are moved over, the
// others are bound. Throws if any new one cannot be bound (current stays untouched then).
std::vector<Listener> rebind(std::vector<Listener>& current, const std::vector<ListenAddress>& wanted);

}  // namespace ftpd::master
