// TLS context of the ftp client: minimum TLS 1.2, peer verification with the system's
// CA store or --cacert, host name / IP checks and SNI per connection. Runs in the ftp
// client; a bad CA file throws before any connection is made.
#include "client/ftp/tls_client.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace ftpd::client {

void SslCtxDeleter::operator()(SSL_CTX* p) const noexcept { ::SSL_CTX_free(p); }
void SslDeleter::operator()(SSL* p) const noexcept { ::SSL_free(p); }
void SslSessionDeleter::operator()(SSL_SESSION* p) const noexcept { ::SSL_SESSION_free(p); }

std::string openssl_reason(const std::string& fallback) {
    unsigned long last = 0;
    while (const unsigned long e = ::ERR_get_error()) last = e;
    if (last == 0) return fallback;
    const char* reason = ::ERR_reason_error_string(last);
    return reason ? reason : "OpenSSL error " + std::to_string(last);
}

bool is_ip_literal(const std::string& host) {
    unsigned char buf[16];
    return ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

TlsClient::TlsClient(const TlsSettings& settings) : verify_peer_(settings.verify_peer) {
    ::ERR_clear_error();
    ctx_.reset(::SSL_CTX_new(::TLS_client_method()));
    if (!ctx_) throw TlsError("TLS: cannot create a context: " + openssl_reason("out of memory"));
    SSL_CTX* ctx = ctx_.get();
    ::SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    ::SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (!verify_peer_) {
        ::SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
        return;
    }
    ::SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (settings.ca_file) {
        // As curl's --cacert: this file replaces the system's store, it does not add to it.
        if (::SSL_CTX_load_verify_locations(ctx, settings.ca_file->c_str(), nullptr) != 1)
            throw TlsError("TLS: cannot load --cacert '" + *settings.ca_file + "': " +
                           openssl_reason("no certificates in it"));
    } else if (::SSL_CTX_set_default_verify_paths(ctx) != 1) {
        throw TlsError("TLS: cannot load the system's CA certificates: " + openssl_reason("unknown error"));
    }
}

SslPtr TlsClient::new_ssl(const std::string& host) const {
    SslPtr ssl(::SSL_new(ctx_.get()));
    if (!ssl) throw TlsError("TLS: " + openssl_reason("cannot create a connection"));
    const bool ip = is_ip_literal(host);
    // RFC 6066: SNI names hosts only, never addresses.
    if (!ip && ::SSL_set_tlsext_host_name(ssl.get(), host.c_str()) != 1)
        throw TlsError("TLS: bad host name for SNI: " + host);
    if (verify_peer_) {
        const int ok = ip ? ::X509_VERIFY_PARAM_set1_ip_asc(::SSL_get0_param(ssl.get()), host.c_str())
                          : ::SSL_set1_host(ssl.get(), host.c_str());
        if (ok != 1) throw TlsError("TLS: cannot check the certificate against " + host);
    }
    return ssl;
}

}  // namespace ftpd::client
