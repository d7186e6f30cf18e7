// Opening data connections for the ftp client: passive (EPSV, falling back to PASV)
// or active (EPRT, falling back to PORT), per RFC 959 and RFC 2428. A command that a
// server refuses with 5yz is not tried again on that connection.
#pragma once

#include "client/ftp/control_connection.hpp"
#include "client/ftp/socket.hpp"

namespace ftpd::client {

enum class DataMode { passive, active };

// What this connection learned about the server's data commands.
struct DataSettings {
    DataMode mode = DataMode::passive;
    bool epsv_works = true;
    bool eprt_works = true;
};

class DataChannel {
public:
    // Negotiates the channel on `control` (EPSV/PASV and connect, or listen and
    // EPRT/PORT). Throws FtpError on a refusal with no fallback left, std::system_error
    // when the connection cannot be made.
    static DataChannel open(ControlConnection& control, DataSettings& settings, Timeout timeout);

    // The connected data socket, once the server answered the transfer command with
    // 1yz: in active mode this is when the server connects to us.
    Socket establish(Timeout timeout);

private:
    DataChannel(Socket s, bool passive) : socket_(std::move(s)), passive_(passive) {}
    static DataChannel open_passive(ControlConnection& control, DataSettings& settings, Timeout timeout);
    static DataChannel open_active(ControlConnection& control, DataSettings& settings);

    Socket socket_;  // passive: connected; active: listening
    bool passive_;
};

}  // namespace ftpd::client
