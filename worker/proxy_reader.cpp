// The PROXY header on an accepted socket: wait until readable, peek, and take only the
// bytes the parser says belong to the header (the same trick HAProxy uses on its own
// accept side). Runs in a worker's event loop; a timer bounds the whole read.
#include "worker/proxy_reader.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

namespace ftpd::worker {

namespace {

protocol::ProxyHeader failed(std::string why) {
    protocol::ProxyHeader h;
    h.status = protocol::ProxyHeader::Status::invalid;
    h.error = std::move(why);
    return h;
}

}  // namespace

awaitable<protocol::ProxyHeader> read_proxy_header(tcp::socket& socket, std::chrono::seconds timeout) {
    // The timer's handler may run after this frame is gone: it shares only this flag and
    // cancels through the socket's (still open) descriptor while the read is pending.
    auto timed_out = std::make_shared<bool>(false);
    auto pending = std::make_shared<bool>(true);
    net::steady_timer timer(socket.get_executor(), timeout);
    timer.async_wait([timed_out, pending, &socket](const boost::system::error_code& ec) {
        if (ec || !*pending) return;
        *timed_out = true;
        boost::system::error_code ignored;
        socket.cancel(ignored);
    });
    struct Done {
        std::shared_ptr<bool> pending;
        net::steady_timer& timer;
        ~Done() {
            *pending = false;
            timer.cancel();
        }
    } done{pending, timer};

    const int fd = socket.native_handle();
    std::string got;  // bytes taken off the socket so far: all of them header
    char buf[4096];
    for (;;) {
        boost::system::error_code ec;
        co_await socket.async_wait(tcp::socket::wait_read, net::redirect_error(use_awaitable, ec));
        if (*timed_out) co_return failed("no complete PROXY header within " + std::to_string(timeout.count()) + " s");
        if (ec) co_return failed(ec.message());
        ssize_t n = ::recv(fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0) co_return failed(got.empty() ? "closed before sending a PROXY header" : "closed inside the PROXY header");
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
            co_return failed(std::string("recv: ") + std::strerror(errno));
        }
        std::string candidate = got;
        candidate.append(buf, static_cast<std::size_t>(n));
        auto header = protocol::parse_proxy_header(candidate);
        if (header.status == protocol::ProxyHeader::Status::invalid) co_return header;
        // Incomplete: every peeked byte is header. Complete: only up to its end.
        std::size_t take = header.status == protocol::ProxyHeader::Status::complete ? header.length - got.size()
                                                                                    : static_cast<std::size_t>(n);
        ssize_t taken = ::recv(fd, buf, take, MSG_DONTWAIT);
        if (taken != static_cast<ssize_t>(take)) co_return failed("short read of peeked PROXY header bytes");
        got.append(buf, take);
        if (header.status == protocol::ProxyHeader::Status::complete) co_return header;
    }
}

}  // namespace ftpd::worker
