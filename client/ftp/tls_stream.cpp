// TLS over the ftp client's sockets: handshake, reads, writes and close_notify with
// OpenSSL on a non-blocking fd, waiting in Socket's poll() with its deadlines and
// Ctrl-C handling. Runs in the ftp client; knows nothing of FTP.
#include "client/ftp/tls_stream.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <system_error>

namespace ftpd::client {
namespace {

constexpr Timeout kCloseNotifyWait{std::chrono::seconds(10)};  // as curl's SSL_SHUTDOWN_TIMEOUT

// OpenSSL writes with write(), not send(MSG_NOSIGNAL): while it runs, a server that
// has gone away must give EPIPE rather than kill us. Restored afterwards, so that
// commands run by `!` start with the default disposition (curl's sigpipe_ignore).
class SigpipeIgnored {
public:
    SigpipeIgnored() {
        struct sigaction ignore{};
        ignore.sa_handler = SIG_IGN;
        ::sigemptyset(&ignore.sa_mask);
        ::sigaction(SIGPIPE, &ignore, &saved_);
    }
    ~SigpipeIgnored() { ::sigaction(SIGPIPE, &saved_, nullptr); }
    SigpipeIgnored(const SigpipeIgnored&) = delete;
    SigpipeIgnored& operator=(const SigpipeIgnored&) = delete;

private:
    struct sigaction saved_{};
};

int clamp_size(std::size_t n) { return static_cast<int>(std::min<std::size_t>(n, INT_MAX)); }

}  // namespace

std::unique_ptr<TlsStream> TlsStream::connect(const TlsClient& client, Socket socket, const std::string& host,
                                              SSL_SESSION* resume, Timeout timeout) {
    SslPtr ssl = client.new_ssl(host);
    if (::SSL_set_fd(ssl.get(), socket.fd()) != 1) throw TlsError("TLS: " + openssl_reason("SSL_set_fd failed"));
    if (resume && ::SSL_set_session(ssl.get(), resume) != 1)
        throw TlsError("TLS: cannot resume the session: " + openssl_reason("SSL_set_session failed"));
    std::unique_ptr<TlsStream> stream(new TlsStream(std::move(socket), std::move(ssl)));
    SigpipeIgnored no_sigpipe;
    int error = 0;
    if (stream->drive([&] { return ::SSL_connect(stream->ssl_.get()); }, timeout, "TLS handshake", error) > 0)
        return stream;
    // A failed verification leaves its reason here; any other failure leaves X509_V_OK.
    const long verify = ::SSL_get_verify_result(stream->ssl_.get());
    if (client.verifies_peer() && verify != X509_V_OK) {
        ::ERR_clear_error();
        throw TlsError(std::string("TLS: certificate verify failed: ") + ::X509_verify_cert_error_string(verify));
    }
    throw TlsError("TLS: handshake failed: " + stream->failure(error));
}

template <class Op>
int TlsStream::drive(Op op, Timeout timeout, const char* what, int& error) {
    for (;;) {
        ::ERR_clear_error();
        errno = 0;
        const int r = op();
        if (r > 0) return r;
        error = ::SSL_get_error(ssl_.get(), r);
        if (error == SSL_ERROR_WANT_READ) {
            socket_.wait_readable(timeout, what);
        } else if (error == SSL_ERROR_WANT_WRITE) {
            socket_.wait_writable(timeout, what);
        } else {
            return 0;
        }
    }
}

std::string TlsStream::failure(int error) const {
    if (error == SSL_ERROR_ZERO_RETURN) return "connection closed by the server";
    if (error == SSL_ERROR_SYSCALL && ::ERR_peek_error() == 0) {
        return errno != 0 ? std::strerror(errno) : "connection closed by the server";
    }
    return openssl_reason("error " + std::to_string(error));
}

std::size_t TlsStream::read_some(std::span<char> buf, Timeout timeout) {
    SigpipeIgnored no_sigpipe;  // a read may write too (TLS 1.3 key updates)
    int error = 0;
    const int n = drive([&] { return ::SSL_read(ssl_.get(), buf.data(), clamp_size(buf.size())); }, timeout, "read",
                        error);
    if (n > 0) return static_cast<std::size_t>(n);
    if (error == SSL_ERROR_ZERO_RETURN) return 0;  // close_notify: the orderly end
    throw TlsError("TLS: " + failure(error));
}

void TlsStream::write_all(std::string_view data, Timeout timeout) {
    SigpipeIgnored no_sigpipe;
    while (!data.empty()) {
        int error = 0;
        // After WANT_WRITE, OpenSSL needs the same buffer again: data is unchanged.
        const int n = drive([&] { return ::SSL_write(ssl_.get(), data.data(), clamp_size(data.size())); }, timeout,
                            "write", error);
        if (n <= 0) throw TlsError("TLS: " + failure(error));
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

void TlsStream::finish(Timeout timeout) {
    SigpipeIgnored no_sigpipe;
    for (;;) {
        ::ERR_clear_error();
        const int r = ::SSL_shutdown(ssl_.get());
        if (r == 1) return;  // ours sent, theirs already read (after a download)
        if (r == 0) break;   // ours sent
        const int error = ::SSL_get_error(ssl_.get(), r);
        if (error == SSL_ERROR_WANT_WRITE) {
            socket_.wait_writable(timeout, "sending close_notify");
        } else if (error == SSL_ERROR_WANT_READ) {
            socket_.wait_readable(timeout, "sending close_notify");
        } else {
            throw TlsError("TLS: close_notify: " + failure(error));
        }
    }
    // The server's close_notify: a close() with it unread would reset the connection.
    // A server that never sends one is not waited for long, nor is it an error.
    const Timeout wait = std::min(timeout, kCloseNotifyWait);
    char scratch[4096];
    try {
        int error = 0;
        auto read = [&] { return ::SSL_read(ssl_.get(), scratch, sizeof scratch); };
        while (drive(read, wait, "close_notify", error) > 0) {
        }
    } catch (const std::system_error& e) {
        if (e.code().value() != ETIMEDOUT) throw;
    }
    ::ERR_clear_error();
}

std::string TlsStream::protection() const {
    return std::string(::SSL_get_version(ssl_.get())) + ", " + ::SSL_get_cipher_name(ssl_.get());
}

SslSessionPtr TlsStream::resumable_session() const {
    SslSessionPtr session(::SSL_get1_session(ssl_.get()));
    if (session && ::SSL_SESSION_is_resumable(session.get()) != 1) session.reset();
    return session;
}

bool TlsStream::resumed() const { return ::SSL_session_reused(ssl_.get()) == 1; }

}  // namespace ftpd::client
