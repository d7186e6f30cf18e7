// One logged-in (or logging-in) connection to an FTP server, as the ftp client's
// commands use it: simple commands, transfers with REST/ABOR handled, listings,
// SIZE/MDTM, and the server's FEAT list. Blocking, with deadlines; no terminal I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "client/ftp/control_connection.hpp"
#include "client/ftp/data_channel.hpp"
#include "client/ftp/ftp_error.hpp"

namespace ftpd::client {

inline constexpr Timeout kConnectTimeout{std::chrono::seconds(30)};
inline constexpr Timeout kReplyTimeout{std::chrono::seconds(120)};
inline constexpr Timeout kDataTimeout{std::chrono::seconds(120)};

// A name in a remote directory, for globs and completion.
struct RemoteEntry {
    std::string name;  // without any directory part
    char type = '?';   // 'd' directory, 'f' file, 'l' link, '?' unknown (NLST)
};

class FtpConnection {
public:
    FtpConnection(const std::string& host, std::uint16_t port, ControlConnection::ReplyObserver on_reply);

    ControlConnection& control() { return control_; }
    const std::string& host() const { return host_; }
    std::uint16_t port() const { return port_; }
    DataSettings& data_settings() { return data_; }

    // Sends a command and returns its (final) reply, whatever the code.
    protocol::Reply command(std::string_view line);

    // command(), then throws FtpError unless the reply is 2yz.
    protocol::Reply expect_ok(std::string_view line);

    // FEAT, remembered; harmless when the server has no FEAT.
    void load_features();
    bool has_feature(std::string_view name) const;  // "MLST", "SIZE", "REST", "EPSV"

    // TYPE I or TYPE A, sent only when it changes.
    void set_type(bool binary);
    bool binary() const { return binary_; }

    // A transfer: data channel, then REST `rest` if non-zero, then `command`; once the
    // server says 1yz, `body` moves the bytes over the data socket, which is then
    // closed, and the final reply (2yz) is returned. A failure in the body (Ctrl-C,
    // local I/O) aborts with ABOR and rethrows. A REST the server refuses throws
    // RestRefused with that reply; any other refusal FtpError.
    protocol::Reply transfer(std::string_view command, std::uint64_t rest,
                             const std::function<void(Socket&)>& body);

    // LIST/NLST/MLSD output with CR LF turned into LF.
    std::string listing(std::string_view verb, std::string_view path);

    // Names in `dir` ("" = current): MLSD when the server has MLST, else LIST lines
    // in `ls -l` form, else NLST (types unknown).
    std::vector<RemoteEntry> directory_entries(std::string dir);

    // SIZE; nullopt when the server refuses or answers something unparsable.
    std::optional<std::uint64_t> size(std::string_view path);

    // QUIT, politely; never throws.
    void quit() noexcept;

private:
    void abort_transfer(Socket& data);
    void drain_replies(Timeout timeout);

    std::string host_;
    std::uint16_t port_;
    ControlConnection control_;
    DataSettings data_;
    std::set<std::string> features_;
    bool binary_ = false;
    bool type_known_ = false;
};

}  // namespace ftpd::client
