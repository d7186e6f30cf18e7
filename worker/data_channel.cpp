// The data connection: passive listen with peer check, or active connect.
// Runs in workers. Never accepts a data connection from an address other than the
// control connection's peer (pure-ftpd's behaviour: drop it and keep waiting).
#include "worker/data_channel.hpp"

#include "worker/address_text.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <random>

namespace ftpd::worker {

namespace {

bool same_host(const net::ip::address& a, const net::ip::address& b) { return unmapped(a) == unmapped(b); }

}  // namespace

std::uint16_t DataChannel::listen_passive(const net::ip::address& local, std::uint16_t low,
                                          std::uint16_t high) {
    reset();
    tcp::endpoint ep(local, 0);
    acceptor_.open(ep.protocol());
    // Ports of recent transfers linger in TIME_WAIT: without this a busy pasv_ports range
    // runs dry (two listeners still cannot share a port; that would take SO_REUSEPORT).
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    if (low == 0) {
        acceptor_.bind(ep);
    } else {
        // Start at a random port of the range so concurrent sessions rarely collide.
        static thread_local std::minstd_rand rng{std::random_device{}()};
        unsigned span = high - low + 1u;
        unsigned start = rng() % span;
        boost::system::error_code ec;
        for (unsigned i = 0; i < span; ++i) {
            ep.port(static_cast<std::uint16_t>(low + (start + i) % span));
            acceptor_.bind(ep, ec);
            if (!ec) break;
        }
        if (ec) {
            acceptor_.close();
            throw std::system_error(std::make_error_code(std::errc::address_in_use),
                                    "passive port range exhausted");
        }
    }
    acceptor_.listen(1);
    passive_ = true;
    return acceptor_.local_endpoint().port();
}

std::uint16_t DataChannel::passive_port() const {
    boost::system::error_code ec;
    if (!passive_ || !acceptor_.is_open()) return 0;
    auto ep = acceptor_.local_endpoint(ec);
    return ec ? 0 : ep.port();
}

void DataChannel::set_active(const tcp::endpoint& target) {
    reset();
    active_ = target;
}

awaitable<void> DataChannel::connect(const net::ip::address& peer, const std::string& log_prefix,
                                     std::error_code& ec) {
    tls_.reset();
    boost::system::error_code bec;
    if (passive_) {
        for (;;) {
            tcp::socket s(acceptor_.get_executor());
            co_await acceptor_.async_accept(s, net::redirect_error(use_awaitable, bec));
            if (bec) break;
            auto remote = s.remote_endpoint(bec);
            if (bec) continue;
            if (same_host(remote.address(), peer)) {
                socket_ = std::move(s);
                break;
            }
            spdlog::warn("{}: refused data connection from {} port {} (not the client's address)",
                         log_prefix, remote.address().to_string(), remote.port());
        }
        acceptor_.close();
        passive_ = false;
    } else if (active_) {
        socket_.open(active_->protocol(), bec);
        if (!bec) co_await socket_.async_connect(*active_, net::redirect_error(use_awaitable, bec));
        active_.reset();
    } else {
        bec = make_error_code(boost::system::errc::not_connected);
    }
    ec = bec ? std::error_code(bec.value(), std::generic_category()) : std::error_code{};
}

template <class Call>
awaitable<int> DataChannel::tls_io(Call call, boost::system::error_code& ec) {
    ec.clear();
    for (;;) {
        // After cancel() the descriptor number may already belong to another connection:
        // OpenSSL must not touch it (Asio's own calls check the same).
        if (!socket_.is_open()) {
            ec = net::error::bad_descriptor;
            co_return 0;
        }
        ::ERR_clear_error();
        errno = 0;
        int r = call();
        if (r > 0) co_return r;
        int err = ::SSL_get_error(tls_.get(), r);
        tcp::socket::wait_type wait;
        if (err == SSL_ERROR_WANT_READ) {
            wait = tcp::socket::wait_read;
        } else if (err == SSL_ERROR_WANT_WRITE) {
            wait = tcp::socket::wait_write;
        } else {
            // close_notify, or (OpenSSL 3: SSL_ERROR_SSL "unexpected eof", older: SYSCALL with
            // errno 0) a close without one: both end the stream, as vsftpd's
            // strict_ssl_read_eof = NO has it. Anything else is an error of the connection.
            bool eof = err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && errno == 0);
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
            eof = eof || (err == SSL_ERROR_SSL &&
                          ERR_GET_REASON(::ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING);
#endif
            if (eof)
                ec = net::error::eof;
            else if (err == SSL_ERROR_SYSCALL && errno != 0)
                ec = boost::system::error_code(errno, boost::system::system_category());
            else
                ec = make_error_code(boost::system::errc::protocol_error);
            ::ERR_clear_error();
            co_return 0;
        }
        co_await socket_.async_wait(wait, net::redirect_error(use_awaitable, ec));
        if (ec) co_return 0;  // cancelled (ABOR, timeout, stop) or the socket failed
    }
}

awaitable<void> DataChannel::start_tls(net::ssl::context& ctx, bool& reused, std::error_code& ec) {
    tls_.reset(::SSL_new(ctx.native_handle()));
    boost::system::error_code bec;
    socket_.native_non_blocking(true, bec);
    if (!tls_ || bec || ::SSL_set_fd(tls_.get(), socket_.native_handle()) != 1) {
        tls_.reset();
        ec = std::make_error_code(std::errc::protocol_error);
        co_return;
    }
    // One SSL_write() sends a whole chunk, record after record, without a return to the
    // event loop (no partial-write mode: that returns after every 16 KiB record); when the
    // socket is full it is retried with the same bytes once the socket is writable.
    ::SSL_set_mode(tls_.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    ::SSL_set_read_ahead(tls_.get(), 1);  // uploads: fewer, larger reads
    // No TLS 1.3 session tickets here: a client that only uploads never reads them, and its
    // close() with unread bytes sends a RST that discards the end of its upload (curl).
    // It resumes with the control connection's ticket anyway.
    ::SSL_set_num_tickets(tls_.get(), 0);
    co_await tls_io([this] { return ::SSL_accept(tls_.get()); }, bec);
    reused = !bec && ::SSL_session_reused(tls_.get()) == 1;
    // OpenSSL's reasons are not errno values: any failure is a protocol error here.
    ec = bec ? std::make_error_code(std::errc::protocol_error) : std::error_code{};
}

awaitable<std::size_t> DataChannel::read_some(net::mutable_buffer buffer, boost::system::error_code& ec) {
    if (tls_) {
        int want = static_cast<int>(std::min<std::size_t>(buffer.size(), INT_MAX));
        int n = co_await tls_io([&] { return ::SSL_read(tls_.get(), buffer.data(), want); }, ec);
        co_return static_cast<std::size_t>(n);
    }
    co_return co_await socket_.async_read_some(buffer, net::redirect_error(use_awaitable, ec));
}

awaitable<void> DataChannel::write(net::const_buffer buffer, boost::system::error_code& ec) {
    if (!tls_) {
        co_await net::async_write(socket_, buffer, net::redirect_error(use_awaitable, ec));
        co_return;
    }
    const char* p = static_cast<const char*>(buffer.data());
    std::size_t left = buffer.size();
    while (left > 0) {
        int want = static_cast<int>(std::min<std::size_t>(left, INT_MAX));
        int n = co_await tls_io([&] { return ::SSL_write(tls_.get(), p, want); }, ec);
        if (ec) co_return;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

awaitable<void> DataChannel::shutdown_tls() {
    // Our close_notify, then the client's: SSL_shutdown() returns 0 once ours is out, and
    // SSL_read() then reports theirs as EOF (bytes before it are dropped). Errors ignored;
    // the wait is bounded by the session's data deadline, which cancels the channel.
    if (!tls_) co_return;
    boost::system::error_code ec;
    int sent = co_await tls_io([this] { return ::SSL_shutdown(tls_.get()) >= 0 ? 1 : -1; }, ec);
    if (ec || sent <= 0 || (::SSL_get_shutdown(tls_.get()) & SSL_RECEIVED_SHUTDOWN)) co_return;
    char sink[512];
    while (!ec) co_await tls_io([&] { return ::SSL_read(tls_.get(), sink, sizeof sink); }, ec);
}

void DataChannel::reset() {
    tls_.reset();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    socket_.close(ignored);
    passive_ = false;
    active_.reset();
}

void DataChannel::cancel() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    // A file-system thread may be sending on its own dup() of the socket: shut the
    // connection itself down, so that it stops too and the client sees the end now.
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
}

}  // namespace ftpd::worker
