// The ftp client's TLS configuration (RFC 4217): one SSL_CTX for the whole run, with
// certificate verification on unless -k (system CAs, or --cacert's file), and the
// RAII owners of OpenSSL objects. Runs in the ftp client; does no I/O itself.
#pragma once

#include <openssl/types.h>  // SSL, SSL_CTX; SSL_SESSION is only in ssl.h:
typedef struct ssl_session_st SSL_SESSION;

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace ftpd::client {

struct SslCtxDeleter {
    void operator()(SSL_CTX* p) const noexcept;
};
struct SslDeleter {
    void operator()(SSL* p) const noexcept;
};
struct SslSessionDeleter {
    void operator()(SSL_SESSION* p) const noexcept;
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;
using SslPtr = std::unique_ptr<SSL, SslDeleter>;
using SslSessionPtr = std::unique_ptr<SSL_SESSION, SslSessionDeleter>;

// A TLS failure, worded for the user: "TLS: certificate verify failed: self-signed
// certificate", "TLS: handshake failed: wrong version number".
struct TlsError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct TlsSettings {
    bool verify_peer = true;             // false: -k / --insecure
    std::optional<std::string> ca_file;  // --cacert: trusted instead of the system's CAs
};

class TlsClient {
public:
    // Throws TlsError when --cacert's file cannot be loaded or the system CAs cannot.
    explicit TlsClient(const TlsSettings& settings);

    bool verifies_peer() const { return verify_peer_; }

    // A new SSL for a connection to `host`, the name or address the user gave: SNI
    // for names and, when verifying, a certificate that must name that host or IP.
    SslPtr new_ssl(const std::string& host) const;

private:
    SslCtxPtr ctx_;
    bool verify_peer_;
};

// The reason of OpenSSL's most recent queued error ("wrong version number"); clears
// the queue. `fallback` when the queue is empty.
std::string openssl_reason(const std::string& fallback);

// True for an IPv4 or IPv6 address literal (no brackets), false for a host name.
bool is_ip_literal(const std::string& host);

}  // namespace ftpd::client
