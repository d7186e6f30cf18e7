// Reading the PROXY protocol header a trusted balancer sends before the client's first
// byte (listen ... proxy_protocol). Runs in a worker, before the session exists; reads
// exactly the header's bytes, so whatever follows (FTP, a TLS ClientHello) stays unread.
#pragma once

#include "worker/net.hpp"
#include "worker/protocol/proxy_header.hpp"

#include <chrono>

namespace ftpd::worker {

// Reads the header from `socket` within `timeout`. Returns it complete, or invalid with
// `error` saying why (malformed, timeout, connection closed first). Never throws except
// bad_alloc; never reads a byte past the header.
awaitable<protocol::ProxyHeader> read_proxy_header(tcp::socket& socket, std::chrono::seconds timeout);

}  // namespace ftpd::worker
