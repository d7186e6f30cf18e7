// RFC 4217 (FTP over TLS): AUTH TLS, PBSZ, PROT, CCC, the control connection's handshake
// (explicit after AUTH, implicit before the 220) and PROT P on data connections, which must
// resume the control connection's session when tls_require_reuse is set. Runs in a worker's
// session; never reads or writes clear text once TLS is up.
#include "worker/protocol/command.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"
#include "worker/printable.hpp"
#include "worker/worker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

namespace ftpd::worker {
namespace code = protocol::code;

using protocol::to_upper_ascii;

awaitable<bool> Session::start_control_tls() {
    tls_.emplace(socket_, *tls_context_);
    // A client that never finishes the handshake is closed at login_timeout, even after login
    // (when the session loop has lifted the idle deadline for the command).
    auto saved = control_deadline_;
    set_control_deadline(std::min(saved, Clock::now() + std::chrono::seconds(settings_.login_timeout)));
    boost::system::error_code ec;
    co_await tls_->async_handshake(net::ssl::stream_base::server, net::redirect_error(use_awaitable, ec));
    control_deadline_ = saved;
    if (ec) {
        spdlog::info("{}: TLS handshake failed: {}", log_prefix(), ec.message());
        co_return false;
    }
    // The server name the client asked for (SNI) is the client's text: printable() it.
    const char* sni = ::SSL_get_servername(tls_->native_handle(), TLSEXT_NAMETYPE_host_name);
    spdlog::info("{}: TLS {} {}{}{}", log_prefix(), ::SSL_get_version(tls_->native_handle()),
                 ::SSL_get_cipher_name(tls_->native_handle()), sni ? " server name " : "",
                 sni ? printable(sni) : std::string());
    worker_.status().tls(row_);
    if (implicit_tls_) pbsz_ = prot_p_ = true;  // implicit TLS: data is protected from the start
    co_return true;
}

// The transfer commands refuse clear-text data (521) under tls = required and on implicit
// listeners.
bool Session::data_protection_required() const {
    return settings_.tls == TlsMode::required || implicit_tls_;
}

awaitable<void> Session::cmd_auth(const std::string& arg) {
    if (!tls_context_) {
        reply(code::kNotImplemented, "TLS is not enabled on this server.");
        co_return;
    }
    std::string mech = to_upper_ascii(arg);
    if (mech != "TLS" && mech != "TLS-C" && mech != "SSL") {
        reply(code::kNotImplementedParam, "AUTH " + arg + " not supported; use AUTH TLS.");
        co_return;
    }
    if (tls_) {
        reply(code::kBadSequence, "TLS is already active.");
        co_return;
    }
    reply(code::kSecurityExchangeOk, "AUTH " + mech + " OK.");
    co_await flush();
    // Clear text that arrived behind AUTH must not be read as if it came through TLS
    // (the STARTTLS command-injection attack).
    if (in_.buffered() > 0) {
        spdlog::warn("{}: {} bytes of clear text after AUTH dropped", log_prefix(), in_.buffered());
        in_.clear();
    }
    if (!co_await start_control_tls()) closing_ = true;
}

awaitable<void> Session::cmd_pbsz(const std::string& arg) {
    if (!tls_context_) {
        reply(code::kNotImplemented, "TLS is not enabled on this server.");
    } else if (!tls_) {
        reply(code::kBadSequence, "PBSZ needs AUTH TLS first.");
    } else if (arg.find_first_not_of("0123456789") != std::string::npos) {
        reply(code::kSyntaxErrorArgs, "PBSZ needs a number.");
    } else {
        pbsz_ = true;
        reply(code::kOk, "PBSZ=0");  // RFC 4217 section 8: TLS needs no buffer size
    }
    co_return;
}

awaitable<void> Session::cmd_prot(const std::string& arg) {
    std::string level = to_upper_ascii(arg);
    if (!tls_context_) {
        reply(code::kNotImplemented, "TLS is not enabled on this server.");
    } else if (!tls_ || !pbsz_) {
        reply(code::kBadSequence, "PROT needs AUTH TLS and PBSZ first.");
    } else if (level == "P") {
        prot_p_ = true;
        reply(code::kOk, "Protection level set to Private.");
    } else if (level == "C") {
        prot_p_ = false;
        reply(code::kOk, "Protection level set to Clear.");
    } else if (level == "S" || level == "E") {
        reply(code::kDataProtectionNotSupported, "PROT " + level + " not supported; use C or P.");
    } else {
        reply(code::kNotImplementedParam, "PROT " + arg + " not understood.");
    }
    co_return;
}

// RFC 4217 section 12: CCC would put the rest of the session in clear text; refused.
awaitable<void> Session::cmd_ccc(const std::string&) {
    reply(tls_ ? code::kPolicyDenied : code::kBadSequence,
          tls_ ? "CCC refused: the control connection stays protected." : "CCC needs AUTH TLS first.");
    co_return;
}

// After the 150 (clients start the data handshake once they have read it). With
// tls_require_reuse, a data connection that does not resume a session of ours is refused,
// as vsftpd and proftpd do: otherwise anyone racing to the passive port could take the data.
awaitable<bool> Session::protect_data() {
    if (!prot_p_) co_return true;
    bool reused = false;
    std::error_code ec;
    co_await data_.start_tls(*tls_context_, reused, ec);
    if (ec) {
        spdlog::info("{}: TLS handshake on the data connection failed", log_prefix());
        close_data();
        reply(code::kCantOpenData, data_timed_out_ ? "Data connection timed out." : "TLS handshake on the data connection failed.");
        co_return false;
    }
    if (settings_.tls_require_reuse && !reused) {
        spdlog::warn("{}: refused data connection: TLS session not resumed (tls_require_reuse)", log_prefix());
        close_data();
        reply(code::kCantOpenData, "Data connection must resume the control connection's TLS session.");
        co_return false;
    }
    co_return true;
}

}  // namespace ftpd::worker
