// A byte stream between the ftp client and a server, plain TCP or TLS: the control
// connection and the data connections read and write through it without knowing
// which. Implementations: PlainStream here, TlsStream in tls_stream.hpp.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "client/ftp/socket.hpp"

namespace ftpd::client {

class Stream {
public:
    virtual ~Stream() = default;

    // Up to buf.size() bytes; 0 at the (orderly) end of the stream. Throws on error or
    // timeout (std::system_error; TlsError for a TLS failure).
    virtual std::size_t read_some(std::span<char> buf, Timeout timeout) = 0;

    // All of `data`, or throws.
    virtual void write_all(std::string_view data, Timeout timeout) = 0;

    // The orderly end of a data connection, before it is closed: an upload is only
    // complete for the server after this. TLS: close_notify both ways. Throws on error.
    virtual void finish(Timeout timeout) = 0;

    // "TLSv1.3, TLS_AES_256_GCM_SHA384"; "" for a plain stream.
    virtual std::string protection() const = 0;

    // The TCP socket underneath (endpoints, closing).
    virtual Socket& socket() = 0;
    virtual const Socket& socket() const = 0;
};

class PlainStream final : public Stream {
public:
    explicit PlainStream(Socket socket) : socket_(std::move(socket)) {}

    std::size_t read_some(std::span<char> buf, Timeout timeout) override { return socket_.read_some(buf, timeout); }
    void write_all(std::string_view data, Timeout timeout) override { socket_.write_all(data, timeout); }
    void finish(Timeout) override {}  // close() is the end of file
    std::string protection() const override { return {}; }
    Socket& socket() override { return socket_; }
    const Socket& socket() const override { return socket_; }

private:
    Socket socket_;
};

}  // namespace ftpd::client
