// The server's TLS context (RFC 4217): certificate chain, key, protocol floor, ciphers and
// the session cache that data connections resume. Built in the master, which may read
// root-only key files, and inherited by the workers through fork(). OpenSSL only, no Asio.
#pragma once

#include <memory>
#include <string>

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace ftpd::worker {

// `tls` in ftpd.conf: off; explicit (AUTH TLS offered); required (no login and no data
// connection without TLS); implicit (TLS from the first byte on every listener).
enum class TlsMode { off, explicit_tls, required, implicit };

// Parses "off", "explicit", "required" or "implicit"; throws std::invalid_argument.
TlsMode parse_tls_mode(const std::string& text);

struct TlsOptions {
    std::string cert;              // PEM certificate chain
    std::string key;               // PEM private key
    std::string ciphers;           // OpenSSL cipher list for TLS 1.2; empty: OpenSSL's default
    int min_version = 0x0303;      // TLS1_2_VERSION or TLS1_3_VERSION
};

using TlsContext = std::shared_ptr<ssl_ctx_st>;

// Loads cert and key (checked to match) and returns a server context with a session
// cache. Throws std::runtime_error naming the file and OpenSSL's reason.
TlsContext make_tls_context(const TlsOptions& options);

}  // namespace ftpd::worker
