// The data connection of one session: passive (PASV/EPSV: we listen, and accept only
// the control connection's peer) or active (PORT/EPRT: we connect). Runs in workers;
// owns at most one listening socket and one connected socket at a time. Under PROT P the
// connection's OpenSSL object works on the socket itself (not through Asio's ssl::stream,
// whose memory BIOs cost an event-loop round trip and a copy per 16 KiB record).
#pragma once

#include "worker/net.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <system_error>

namespace ftpd::worker {

class DataChannel {
public:
    explicit DataChannel(net::any_io_executor ex) : acceptor_(ex), socket_(ex) {}

    // PASV/EPSV: listens on `local` with a port from [low, high] (0, 0: any free port)
    // and returns the port. Throws std::system_error(EADDRINUSE) when the range is
    // exhausted, or another error when the socket cannot be opened.
    std::uint16_t listen_passive(const net::ip::address& local, std::uint16_t low, std::uint16_t high);

    // PORT/EPRT: the next transfer connects to target.
    void set_active(const tcp::endpoint& target);

    // True once PASV/EPSV/PORT/EPRT chose how the next transfer connects.
    bool prepared() const { return passive_ || active_.has_value(); }
    bool passive() const { return passive_; }
    // The port of the passive listener still waiting for its connection; 0: none.
    std::uint16_t passive_port() const;

    // Makes the connection: accepts one from `peer` (connections from other addresses are
    // closed, logged with `log_prefix`, and the wait goes on) or connects to the PORT
    // target. Errors (cancelled by the watchdog, refused) come back in ec.
    awaitable<void> connect(const net::ip::address& peer, const std::string& log_prefix, std::error_code& ec);

    tcp::socket& socket() { return socket_; }

    // PROT P (RFC 4217): the TLS server handshake on the connected socket, after the 150.
    // reused: the client resumed a session of `ctx` (tls_require_reuse). Errors in ec.
    awaitable<void> start_tls(net::ssl::context& ctx, bool& reused, std::error_code& ec);
    bool tls() const { return tls_ != nullptr; }

    // The connection's bytes, through TLS when start_tls() succeeded.
    awaitable<std::size_t> read_some(net::mutable_buffer buffer, boost::system::error_code& ec);
    awaitable<void> write(net::const_buffer buffer, boost::system::error_code& ec);
    // A completed transfer under TLS: close_notify both ways (errors ignored; bounded by the
    // session's data deadline, which cancels the channel).
    awaitable<void> shutdown_tls();

    // Closes the listener and the connection; the next transfer needs a new PASV/PORT.
    void reset();

    // Cancels whatever waits on the channel (used by the session's watchdog and ABOR).
    void cancel();

private:
    tcp::acceptor acceptor_;
    tcp::socket socket_;
    // Runs one SSL_* call until it makes progress, waiting on the socket as OpenSSL asks.
    // Returns its result (> 0), or 0 with ec set (EOF: net::error::eof).
    template <class Call>
    awaitable<int> tls_io(Call call, boost::system::error_code& ec);

    struct SslFree {
        void operator()(SSL* s) const noexcept { ::SSL_free(s); }
    };
    std::unique_ptr<SSL, SslFree> tls_;  // on socket_'s descriptor, under PROT P
    bool passive_ = false;
    std::optional<tcp::endpoint> active_;
};

}  // namespace ftpd::worker
