// A small RAII TCP socket for the ftp client: blocking-style calls with a deadline
// each (poll on a non-blocking fd), so the client never hangs on a silent peer.
// Failures throw std::system_error naming the call and the peer; Ctrl-C under an
// InterruptGuard throws Interrupted.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "worker/protocol/address.hpp"

namespace ftpd::client {

using Timeout = std::chrono::milliseconds;

class Socket {
public:
    Socket() = default;
    explicit Socket(int fd) noexcept : fd_(fd) {}
    ~Socket() { close(); }
    Socket(Socket&& other) noexcept : fd_(other.release()) {}
    Socket& operator=(Socket&& other) noexcept;
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;

    // Resolves `host` (name or numeric) and connects to the first address that answers
    // within `timeout`. Throws std::system_error ("connect to host:port: ...").
    static Socket connect(const std::string& host, std::uint16_t port, Timeout timeout);

    // A listening socket on `local` (numeric host of the control connection) and an
    // ephemeral port, for active mode (PORT/EPRT).
    static Socket listen_on(const protocol::HostPort& local);

    // The next connection on a listening socket; throws on timeout.
    Socket accept(Timeout timeout);

    // Up to buf.size() bytes; 0 at end of stream. Throws on error or timeout.
    std::size_t read_some(std::span<char> buf, Timeout timeout);

    // All of `data`, or throws.
    void write_all(std::string_view data, Timeout timeout);

    // Half-close (the peer sees end of stream, we can still read).
    void shutdown_write() noexcept;

    // Wait until the socket is readable (writable) or the deadline passes, for a layer
    // above that does its own reads (TLS). Throw ETIMEDOUT naming `what`, or Interrupted.
    void wait_readable(Timeout timeout, const char* what);
    void wait_writable(Timeout timeout, const char* what);

    protocol::HostPort local_endpoint() const;
    protocol::HostPort peer_endpoint() const;

    bool is_open() const noexcept { return fd_ >= 0; }
    int fd() const noexcept { return fd_; }
    int release() noexcept;
    void close() noexcept;

private:
    // Waits for `events` until the deadline; throws ETIMEDOUT, or Interrupted on Ctrl-C.
    void wait_for(short events, Timeout timeout, const char* what);

    int fd_ = -1;
};

}  // namespace ftpd::client
