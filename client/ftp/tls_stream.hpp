// A TLS client connection over a Socket for the ftp client: the control connection
// after AUTH TLS (or from the first byte, ftps://) and PROT P data connections, which
// resume the control connection's session (RFC 4217 section 10). Non-blocking OpenSSL
// calls driven by the socket's poll() deadlines; SIGPIPE never kills the client.
#pragma once

#include <memory>
#include <string>

#include "client/ftp/stream.hpp"
#include "client/ftp/tls_client.hpp"

namespace ftpd::client {

class TlsStream final : public Stream {
public:
    // The client handshake over `socket` to `host` (SNI and certificate check), resuming
    // `resume` when given. Throws TlsError ("TLS: certificate verify failed: ...",
    // "TLS: handshake failed: ...") or std::system_error (timeout); the socket is closed.
    static std::unique_ptr<TlsStream> connect(const TlsClient& client, Socket socket, const std::string& host,
                                              SSL_SESSION* resume, Timeout timeout);

    // 0 at the server's close_notify; an end without one (truncation) throws TlsError.
    std::size_t read_some(std::span<char> buf, Timeout timeout) override;
    void write_all(std::string_view data, Timeout timeout) override;
    // Sends close_notify and waits (10 s at most) for the server's, so that closing
    // cannot send a RST that discards the end of an upload.
    void finish(Timeout timeout) override;
    std::string protection() const override;
    Socket& socket() override { return socket_; }
    const Socket& socket() const override { return socket_; }

    // The session to resume on a data connection, or null while none is resumable
    // (TLS 1.3: the server's ticket arrives after the handshake, with the next reply).
    SslSessionPtr resumable_session() const;

    // The handshake resumed a session instead of a full one.
    bool resumed() const;

private:
    TlsStream(Socket socket, SslPtr ssl) : socket_(std::move(socket)), ssl_(std::move(ssl)) {}

    // Repeats `op` (an SSL call) while OpenSSL waits for the socket; returns the call's
    // result once it is positive, else 0 with `error` set to SSL_get_error's code.
    template <class Op>
    int drive(Op op, Timeout timeout, const char* what, int& error);

    // Words for a failed call with SSL_get_error code `error`.
    std::string failure(int error) const;

    Socket socket_;
    SslPtr ssl_;  // declared after socket_: freed first (it never closes the fd itself)
};

}  // namespace ftpd::client
