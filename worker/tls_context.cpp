// Building the server's SSL_CTX from PEM files. Runs in the master (start, ftpd -t, SIGHUP);
// a failure throws and leaves any context already in use untouched.
#include "worker/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace ftpd::worker {

namespace {

// The reason of OpenSSL's most recent error, for the operator ("no such file",
// "key values mismatch"); the error queue is cleared.
std::string openssl_reason() {
    unsigned long last = 0;
    while (unsigned long e = ::ERR_get_error()) last = e;
    if (last == 0) return "unknown OpenSSL error";
    const char* reason = ::ERR_reason_error_string(last);
    return reason ? reason : "OpenSSL error " + std::to_string(last);
}

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + openssl_reason()); }

}  // namespace

TlsMode parse_tls_mode(const std::string& text) {
    if (text == "off") return TlsMode::off;
    if (text == "explicit") return TlsMode::explicit_tls;
    if (text == "required") return TlsMode::required;
    if (text == "implicit") return TlsMode::implicit;
    throw std::invalid_argument("expected off, explicit, required or implicit, got '" + text + "'");
}

TlsContext make_tls_context(const TlsOptions& options) {
    ::ERR_clear_error();
    TlsContext ctx(::SSL_CTX_new(::TLS_server_method()), ::SSL_CTX_free);
    if (!ctx) fail("cannot create a TLS context");
    SSL_CTX* c = ctx.get();
    if (::SSL_CTX_set_min_proto_version(c, options.min_version) != 1) fail("tls_min_version");
    ::SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    if (!options.ciphers.empty() && ::SSL_CTX_set_cipher_list(c, options.ciphers.c_str()) != 1)
        fail("tls_ciphers '" + options.ciphers + "'");
    if (::SSL_CTX_use_certificate_chain_file(c, options.cert.c_str()) != 1)
        fail("tls_cert '" + options.cert + "'");
    if (::SSL_CTX_use_PrivateKey_file(c, options.key.c_str(), SSL_FILETYPE_PEM) != 1)
        fail("tls_key '" + options.key + "'");
    if (::SSL_CTX_check_private_key(c) != 1) fail("tls_key '" + options.key + "' does not match tls_cert");
    // RFC 4217 section 10: data connections resume the control connection's session. The
    // cache (and the ticket keys) are made here, before fork(), so every worker has them.
    static const unsigned char kSessionContext[] = "ftpd";
    ::SSL_CTX_set_session_id_context(c, kSessionContext, sizeof kSessionContext - 1);
    // No automatic flush: OpenSSL would walk the whole cache (up to 20,480 sessions) on
    // every 255th handshake; the cache stays bounded by its size, oldest out first.
    ::SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_AUTO_CLEAR);
    ::SSL_CTX_set_timeout(c, 24 * 3600);
    // One TLS 1.3 ticket per handshake, not two: a client resumes the control connection's
    // session on each data connection (and on reconnects) with the same ticket.
    ::SSL_CTX_set_num_tickets(c, 1);
    return ctx;
}

}  // namespace ftpd::worker
