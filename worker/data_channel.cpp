// The data connection: passive listen with peer check, or active connect.
// Runs in workers. Never accepts a data connection from an address other than the
// control connection's peer (pure-ftpd's behaviour: drop it and keep waiting).
#include "worker/data_channel.hpp"

#include "worker/address_text.hpp"

#include <spdlog/spdlog.h>

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

awaitable<void> DataChannel::start_tls(net::ssl::context& ctx, bool& reused, std::error_code& ec) {
    tls_.emplace(socket_, ctx);
    // No TLS 1.3 session tickets here: a client that only uploads never reads them, and its
    // close() with unread bytes sends a RST that discards the end of its upload (curl).
    // It resumes with the control connection's ticket anyway.
    ::SSL_set_num_tickets(tls_->native_handle(), 0);
    boost::system::error_code bec;
    co_await tls_->async_handshake(net::ssl::stream_base::server, net::redirect_error(use_awaitable, bec));
    reused = !bec && ::SSL_session_reused(tls_->native_handle()) == 1;
    // OpenSSL's reasons are not errno values: any failure is a protocol error here.
    ec = bec ? std::make_error_code(std::errc::protocol_error) : std::error_code{};
}

awaitable<std::size_t> DataChannel::read_some(net::mutable_buffer buffer, boost::system::error_code& ec) {
    if (tls_) {
        std::size_t n = co_await tls_->async_read_some(buffer, net::redirect_error(use_awaitable, ec));
        // A client that closes without close_notify (stream_truncated) ends its upload like
        // one that sends it: vsftpd's strict_ssl_read_eof = NO.
        if (ec == net::ssl::error::stream_truncated) ec = net::error::eof;
        co_return n;
    }
    co_return co_await socket_.async_read_some(buffer, net::redirect_error(use_awaitable, ec));
}

awaitable<void> DataChannel::write(net::const_buffer buffer, boost::system::error_code& ec) {
    if (tls_)
        co_await net::async_write(*tls_, buffer, net::redirect_error(use_awaitable, ec));
    else
        co_await net::async_write(socket_, buffer, net::redirect_error(use_awaitable, ec));
}

awaitable<void> DataChannel::shutdown_tls() {
    if (!tls_ || !socket_.is_open()) co_return;
    boost::system::error_code ignored;
    co_await tls_->async_shutdown(net::redirect_error(use_awaitable, ignored));
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
    socket_.close(ignored);
}

}  // namespace ftpd::worker
