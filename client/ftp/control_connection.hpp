// The ftp client's control connection: commands out, replies in, assembled by the
// protocol core's LineBuffer and ReplyParser (never parsed here a second time).
// Every reply can be shown as it arrives (-v); a 421 or a lost connection throws.
// The connection is plain TCP or TLS (implicit, or after AUTH TLS: start_tls()).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "client/ftp/socket.hpp"
#include "client/ftp/stream.hpp"
#include "client/ftp/tls_client.hpp"
#include "worker/protocol/line_buffer.hpp"
#include "worker/protocol/reply.hpp"

namespace ftpd::client {

class TlsStream;

// The server closed the control connection, sent 421, or stopped answering; the
// session is over and the caller drops it.
struct ConnectionLost : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class ControlConnection {
public:
    using ReplyObserver = std::function<void(const protocol::Reply&)>;
    using CommandObserver = std::function<void(std::string_view line)>;

    // Connects, runs the TLS handshake first when `implicit_tls` is given (ftps://),
    // and reads the greeting (returned by greeting()); throws std::system_error,
    // TlsError or ConnectionLost.
    ControlConnection(const std::string& host, std::uint16_t port, Timeout timeout,
                      ReplyObserver on_reply, const TlsClient* implicit_tls = nullptr);
    ~ControlConnection();

    const protocol::Reply& greeting() const { return greeting_; }

    // After the server's 234 to AUTH TLS: the handshake, verifying `host`. Throws
    // TlsError, or ConnectionLost when the server sent anything after its 234 (it
    // would be read as if protected: the STARTTLS injection).
    void start_tls(const TlsClient& client, const std::string& host);

    // "TLSv1.3, TLS_AES_256_GCM_SHA384", or "" in clear text.
    std::string protection() const { return stream_->protection(); }
    bool is_tls() const { return tls_ != nullptr; }

    // The TLS session for a data connection to resume (RFC 4217 section 10), or null.
    SslSessionPtr tls_session() const;

    // Sends one command line (CRLF added). CR, LF and NUL inside are refused with
    // std::invalid_argument: they would end or forge a command.
    void send(std::string_view line);

    // The next complete reply (any code, 1yz included).
    protocol::Reply read_reply();

    // The next reply if one completes within `wait`, else nullopt (after ABOR).
    std::optional<protocol::Reply> read_reply_within(Timeout wait);

    // send() then read_reply().
    protocol::Reply command(std::string_view line);

    // Optional: sees each command as sent (PASS hidden), for debugging output.
    void set_command_observer(CommandObserver observer) { on_command_ = std::move(observer); }

    protocol::HostPort local_endpoint() const { return stream_->socket().local_endpoint(); }
    protocol::HostPort peer_endpoint() const { return stream_->socket().peer_endpoint(); }

private:
    std::optional<protocol::Reply> next_reply(Timeout wait, bool timeout_is_error);

    std::unique_ptr<Stream> stream_;
    TlsStream* tls_ = nullptr;  // stream_ when it is TLS
    Timeout timeout_;
    protocol::LineBuffer lines_{64 * 1024};
    protocol::ReplyParser parser_;
    ReplyObserver on_reply_;
    CommandObserver on_command_;
    protocol::Reply greeting_;
};

// The reply's first line, "550 nosuch.txt: No such file or directory." style.
std::string reply_line(const protocol::Reply& reply);

// The reply's lines with their codes, as a server sent them (multi-line: "211-..." first).
std::string reply_lines(const protocol::Reply& reply);

}  // namespace ftpd::client
