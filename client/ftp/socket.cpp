// RAII TCP sockets with poll()-based deadlines for the ftp client. The only file of
// the client that calls socket functions; it never knows about FTP.
#include "client/ftp/socket.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "client/ftp/interrupt.hpp"

namespace ftpd::client {
namespace {

[[noreturn]] void throw_errno(int err, const std::string& what) {
    throw std::system_error(err, std::generic_category(), what);
}

protocol::HostPort endpoint_of(const sockaddr_storage& ss) {
    char buf[INET6_ADDRSTRLEN] = {};
    protocol::HostPort hp;
    if (ss.ss_family == AF_INET) {
        const auto& sin = reinterpret_cast<const sockaddr_in&>(ss);
        ::inet_ntop(AF_INET, &sin.sin_addr, buf, sizeof buf);
        hp.port = ntohs(sin.sin_port);
    } else {
        const auto& sin6 = reinterpret_cast<const sockaddr_in6&>(ss);
        ::inet_ntop(AF_INET6, &sin6.sin6_addr, buf, sizeof buf);
        hp.port = ntohs(sin6.sin6_port);
    }
    // IPv4-mapped IPv6 comes back as plain IPv4 (PORT needs it, EPRT prefers it).
    hp.host = protocol::canonical_host(buf).value_or(buf);
    hp.family = hp.host.find(':') == std::string::npos ? 4 : 6;
    return hp;
}

std::string describe(const std::string& host, std::uint16_t port) {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// One non-blocking connect() with a deadline; returns the connected fd or -errno.
int try_connect(const addrinfo& ai, Timeout timeout) {
    const int fd = ::socket(ai.ai_family, ai.ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai.ai_protocol);
    if (fd < 0) return -errno;
    Socket guard(fd);
    if (::connect(fd, ai.ai_addr, ai.ai_addrlen) == 0) return guard.release();
    if (errno != EINPROGRESS) return -errno;
    pollfd p{fd, POLLOUT, 0};
    int n;
    do {
        n = ::poll(&p, 1, static_cast<int>(timeout.count()));
        if (n < 0 && errno == EINTR) check_interrupt();
    } while (n < 0 && errno == EINTR);
    if (n == 0) return -ETIMEDOUT;
    if (n < 0) return -errno;
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return -err;
    return guard.release();
}

}  // namespace

Socket& Socket::operator=(Socket&& other) noexcept {
    if (this != &other) {
        close();
        fd_ = other.release();
    }
    return *this;
}

int Socket::release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
}

void Socket::close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

Socket Socket::connect(const std::string& host, std::uint16_t port, Timeout timeout) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0) {
        throw std::runtime_error(host + ": " + ::gai_strerror(rc));
    }
    int last_error = EHOSTUNREACH;
    for (const addrinfo* ai = res; ai; ai = ai->ai_next) {
        const int fd = try_connect(*ai, timeout);
        if (fd >= 0) {
            ::freeaddrinfo(res);
            const int one = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            return Socket(fd);
        }
        last_error = -fd;
    }
    ::freeaddrinfo(res);
    throw_errno(last_error, "connect to " + describe(host, port));
}

Socket Socket::listen_on(const protocol::HostPort& local) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (local.family == 6) {
        auto& sin6 = reinterpret_cast<sockaddr_in6&>(ss);
        sin6.sin6_family = AF_INET6;
        if (::inet_pton(AF_INET6, local.host.c_str(), &sin6.sin6_addr) != 1) throw_errno(EINVAL, "listen on " + local.host);
        len = sizeof sin6;
    } else {
        auto& sin = reinterpret_cast<sockaddr_in&>(ss);
        sin.sin_family = AF_INET;
        if (::inet_pton(AF_INET, local.host.c_str(), &sin.sin_addr) != 1) throw_errno(EINVAL, "listen on " + local.host);
        len = sizeof sin;
    }
    Socket s(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!s.is_open()) throw_errno(errno, "socket");
    if (::bind(s.fd(), reinterpret_cast<sockaddr*>(&ss), len) < 0) throw_errno(errno, "bind " + local.host);
    if (::listen(s.fd(), 1) < 0) throw_errno(errno, "listen");
    return s;
}

Socket Socket::accept(Timeout timeout) {
    wait_for(POLLIN, timeout, "waiting for the server's data connection");
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) throw_errno(errno, "accept");
    return Socket(fd);
}

void Socket::wait_for(short events, Timeout timeout, const char* what) {
    pollfd p{fd_, events, 0};
    for (;;) {
        const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
        if (n > 0) return;  // ready, or an error the next call reports
        if (n == 0) throw_errno(ETIMEDOUT, what);
        if (errno != EINTR) throw_errno(errno, "poll");
        check_interrupt();
    }
}

void Socket::wait_readable(Timeout timeout, const char* what) { wait_for(POLLIN, timeout, what); }

void Socket::wait_writable(Timeout timeout, const char* what) { wait_for(POLLOUT, timeout, what); }

std::size_t Socket::read_some(std::span<char> buf, Timeout timeout) {
    for (;;) {
        const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
        if (n >= 0) return static_cast<std::size_t>(n);
        if (errno == EINTR) {
            check_interrupt();
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) throw_errno(errno, "read");
        wait_for(POLLIN, timeout, "read");
    }
}

void Socket::write_all(std::string_view data, Timeout timeout) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) {
            check_interrupt();
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) throw_errno(errno, "write");
        wait_for(POLLOUT, timeout, "write");
    }
}

void Socket::shutdown_write() noexcept {
    if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

protocol::HostPort Socket::local_endpoint() const {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) < 0) throw_errno(errno, "getsockname");
    return endpoint_of(ss);
}

protocol::HostPort Socket::peer_endpoint() const {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&ss), &len) < 0) throw_errno(errno, "getpeername");
    return endpoint_of(ss);
}

}  // namespace ftpd::client
