// One logged-in (or logging-in) connection to an FTP server, as the ftp client's
// commands use it: simple commands, transfers with REST/ABOR handled, listings,
// SIZE/MDTM, and the server's FEAT list; FTPS (RFC 4217) when asked: AUTH TLS or
// implicit TLS, then PROT P data connections. Blocking, with deadlines; no terminal I/O.
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
#include "client/ftp/options.hpp"
#include "client/ftp/stream.hpp"
#include "client/ftp/tls_client.hpp"

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
    // Connects and reads the greeting; with Security::implicit_tls the TLS handshake
    // comes first. `tls` is needed (and kept) unless `security` is none.
    FtpConnection(const std::string& host, std::uint16_t port, Security security, const TlsClient* tls,
                  ControlConnection::ReplyObserver on_reply);

    ControlConnection& control() { return control_; }
    const std::string& host() const { return host_; }
    std::uint16_t port() const { return port_; }
    DataSettings& data_settings() { return data_; }

    // RFC 4217 explicit FTPS, after the 220: AUTH TLS, then the handshake. A refusal
    // throws CommandError (never a fall back to clear text); a failed handshake TlsError.
    void start_tls();

    // After login on a TLS connection: PBSZ 0 and PROT P, so that every data connection
    // is TLS too, resuming the control connection's session. Throws FtpError if refused.
    void protect_data();
    bool data_protected() const { return data_protected_; }
    Security security() const { return security_; }

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
    // ended (TLS: close_notify) and closed, and the final reply (2yz) is returned. A failure in the body (Ctrl-C,
    // local I/O) aborts with ABOR and rethrows. A REST the server refuses throws
    // RestRefused with that reply; any other refusal FtpError.
    protocol::Reply transfer(std::string_view command, std::uint64_t rest,
                             const std::function<void(Stream&)>& body);

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
    // The data connection as the transfer uses it: TLS under PROT P.
    std::unique_ptr<Stream> data_stream(Socket socket);
    // ABOR, close `data`, collect the replies; returns the first (throws ConnectionLost
    // when none comes).
    protocol::Reply abort_transfer(std::unique_ptr<Stream>& data);
    void drain_replies(Timeout timeout);

    std::string host_;
    std::uint16_t port_;
    Security security_;
    const TlsClient* tls_;
    bool data_protected_ = false;
    ControlConnection control_;
    DataSettings data_;
    std::set<std::string> features_;
    bool binary_ = false;
    bool type_known_ = false;
};

}  // namespace ftpd::client
