// Data-connection set-up for the ftp client (EPSV/PASV, EPRT/PORT) with the address
// codecs of the protocol core. Runs in the ftp client; moves no file data itself.
#include "client/ftp/data_channel.hpp"

#include "client/ftp/ftp_error.hpp"
#include "worker/protocol/address.hpp"

namespace ftpd::client {

namespace code = protocol::code;

DataChannel DataChannel::open(ControlConnection& control, DataSettings& settings, Timeout timeout) {
    if (settings.mode == DataMode::passive) return open_passive(control, settings, timeout);
    return open_active(control, settings);
}

DataChannel DataChannel::open_passive(ControlConnection& control, DataSettings& settings, Timeout timeout) {
    // The data connection goes to the control connection's peer, whatever address a
    // 227 names: a server behind NAT often announces one we cannot reach (curl does
    // the same), and it never lets us be bounced elsewhere.
    const protocol::HostPort peer = control.peer_endpoint();
    if (settings.epsv_works) {
        const auto reply = control.command("EPSV");
        if (reply.code == code::kEnteringExtendedPassive) {
            const auto port = protocol::parse_epsv_reply(reply.text);
            if (!port) throw CommandError("cannot parse the EPSV reply: " + reply_line(reply));
            return DataChannel(Socket::connect(peer.host, *port, timeout), true);
        }
        if (!reply.permanent_negative()) throw FtpError(reply);
        settings.epsv_works = false;  // RFC 2428 not spoken here: fall back to PASV
    }
    if (peer.family == 6) throw CommandError("the server refused EPSV, and PASV cannot work over IPv6");
    const auto reply = control.command("PASV");
    if (reply.code != code::kEnteringPassive) throw FtpError(reply);
    const auto hp = protocol::parse_pasv_reply(reply.text);
    if (!hp) throw CommandError("cannot parse the PASV reply: " + reply_line(reply));
    return DataChannel(Socket::connect(peer.host, hp->port, timeout), true);
}

DataChannel DataChannel::open_active(ControlConnection& control, DataSettings& settings) {
    const protocol::HostPort local = control.local_endpoint();
    Socket listener = Socket::listen_on(local);
    const protocol::HostPort here = listener.local_endpoint();
    if (settings.eprt_works) {
        const auto reply = control.command("EPRT " + protocol::format_eprt_arg(here));
        if (reply.positive_completion()) return DataChannel(std::move(listener), false);
        if (!reply.permanent_negative() || here.family == 6) throw FtpError(reply);
        settings.eprt_works = false;  // fall back to PORT, which only knows IPv4
    }
    const auto reply = control.command("PORT " + protocol::format_port_arg(here));
    if (!reply.positive_completion()) throw FtpError(reply);
    return DataChannel(std::move(listener), false);
}

Socket DataChannel::establish(Timeout timeout) {
    if (passive_) return std::move(socket_);
    Socket data = socket_.accept(timeout);
    socket_.close();
    return data;
}

}  // namespace ftpd::client
