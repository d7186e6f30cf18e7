// The data connection of one session: passive (PASV/EPSV: we listen, and accept only
// the control connection's peer) or active (PORT/EPRT: we connect). Runs in workers;
// owns at most one listening socket and one connected socket at a time.
#pragma once

#include "worker/net.hpp"

#include <cstdint>
#include <optional>
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

    // Makes the connection: accepts one from `peer` (connections from other addresses are
    // closed, logged with `log_prefix`, and the wait goes on) or connects to the PORT
    // target. Errors (cancelled by the watchdog, refused) come back in ec.
    awaitable<void> connect(const net::ip::address& peer, const std::string& log_prefix, std::error_code& ec);

    tcp::socket& socket() { return socket_; }

    // Closes the listener and the connection; the next transfer needs a new PASV/PORT.
    void reset();

    // Cancels whatever waits on the channel (used by the session's watchdog and ABOR).
    void cancel();

private:
    tcp::acceptor acceptor_;
    tcp::socket socket_;
    bool passive_ = false;
    std::optional<tcp::endpoint> active_;
};

}  // namespace ftpd::worker
