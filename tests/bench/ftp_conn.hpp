// The benchmark's FTP client connection: one control connection (and its data
// connection) driven by coroutines, with a deadline that closes both sockets so no
// operation can hang the load generator. Optionally FTPS (RFC 4217, explicit: AUTH TLS,
// PBSZ 0, PROT P; data connections resume the control connection's session; no
// certificate verification, like curl -k). Runs in ftpload only; loopback only.
#pragma once

#include <boost/asio/read.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "worker/net.hpp"
#include "worker/protocol/address.hpp"
#include "worker/protocol/line_buffer.hpp"
#include "worker/protocol/reply.hpp"

namespace ftpd::bench {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using net::awaitable;
using net::use_awaitable;

// A reply other than the one a step of the benchmark needs.
struct UnexpectedReply : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class FtpConn {
public:
    // tls: a client context for FTPS, or nullptr for plain FTP. It must outlive the connection.
    explicit FtpConn(const net::any_io_executor& ex, net::ssl::context* tls = nullptr)
        : sockets_(std::make_shared<Sockets>(ex)), timer_(ex), lines_(8192), tls_(tls) {}
    FtpConn(const FtpConn&) = delete;
    FtpConn& operator=(const FtpConn&) = delete;
    ~FtpConn() { close(); }

    // From now on, both sockets are closed (and pending operations fail) after d.
    void arm(std::chrono::steady_clock::duration d) {
        timer_.expires_after(d);
        timer_.async_wait([w = std::weak_ptr<Sockets>(sockets_)](const boost::system::error_code& ec) {
            if (auto s = w.lock(); s && !ec) s->close();
        });
    }

    awaitable<void> connect(const tcp::endpoint& ep) {
        co_await sockets_->control.async_connect(ep, use_awaitable);
        sockets_->control.set_option(tcp::no_delay(true));  // commands are small: no Nagle delay
    }

    // The next complete reply; throws on EOF, errors and malformed replies.
    awaitable<protocol::Reply> reply() {
        for (;;) {
            while (auto line = lines_.next()) {
                if (line->too_long) throw UnexpectedReply("overlong reply line");
                if (auto r = parser_.feed_line(line->text)) co_return std::move(*r);
            }
            auto span = lines_.prepare(4096);
            auto buf = net::buffer(span.data(), span.size());
            std::size_t n = 0;
            if (sockets_->control_tls)
                n = co_await sockets_->control_tls->async_read_some(buf, use_awaitable);
            else
                n = co_await sockets_->control.async_read_some(buf, use_awaitable);
            lines_.commit(n);
        }
    }

    awaitable<void> send(std::string_view line) {
        out_.assign(line);
        out_ += "\r\n";
        if (sockets_->control_tls)
            co_await net::async_write(*sockets_->control_tls, net::buffer(out_), use_awaitable);
        else
            co_await net::async_write(sockets_->control, net::buffer(out_), use_awaitable);
    }

    // Sends line, reads the reply and checks its first digit is want_class (1..5).
    awaitable<protocol::Reply> command(std::string_view line, int want_class) {
        co_await send(line);
        co_return co_await expect(line, want_class);
    }

    awaitable<protocol::Reply> expect(std::string_view what, int want_class) {
        auto r = co_await reply();
        if (r.code / 100 != want_class)
            throw UnexpectedReply(std::string(what) + " -> " + std::to_string(r.code) + " " + r.text);
        co_return r;
    }

    // Greeting, [AUTH TLS and the handshake], USER (anonymous by default), PASS unless USER already
    // logged in (vsftpd's no_anon_password answers USER with 230), [PBSZ 0, PROT P].
    awaitable<void> login(std::string_view user = "anonymous", std::string_view password = "bench@example.com") {
        co_await expect("greeting", 2);
        if (tls_) {
            co_await command("AUTH TLS", 2);
            sockets_->control_tls.emplace(sockets_->control, *tls_);
            if (resume_ && *resume_) ::SSL_set_session(sockets_->control_tls->native_handle(), resume_->get());
            co_await sockets_->control_tls->async_handshake(net::ssl::stream_base::client, use_awaitable);
        }
        // Named, not temporaries in the co_await expressions (g++ 12 destroys those twice).
        std::string user_line = "USER " + std::string(user), pass_line = "PASS " + std::string(password);
        co_await send(user_line);
        auto r = co_await reply();
        if (r.code / 100 == 3)
            co_await command(pass_line, 2);
        else if (r.code / 100 != 2)
            throw UnexpectedReply("USER -> " + std::to_string(r.code) + " " + r.text);
        if (tls_) {
            co_await command("PBSZ 0", 2);
            co_await command("PROT P", 2);
            // TLS 1.3 tickets come after the handshake: by now they have been read.
            if (resume_) resume_->reset(::SSL_get1_session(sockets_->control_tls->native_handle()));
        }
    }

    // Under TLS, offer this session (and keep the newest one here) on the next control
    // connections: resumption, as clients that reconnect do. nullptr: full handshakes.
    using SessionPtr = std::unique_ptr<SSL_SESSION, decltype(&::SSL_SESSION_free)>;
    void resume_from(SessionPtr* cache) { resume_ = cache; }
    bool resumed() const {
        return sockets_->control_tls && ::SSL_session_reused(const_cast<SSL*>(sockets_->control_tls->native_handle()));
    }

    bool tls() const { return tls_ != nullptr; }
    // "TLSv1.3 TLS_AES_256_GCM_SHA384" once the control connection is TLS, else "".
    std::string tls_description() const {
        if (!sockets_->control_tls) return {};
        auto* ssl = const_cast<SSL*>(sockets_->control_tls->native_handle());
        return std::string(::SSL_get_version(ssl)) + " " + ::SSL_get_cipher_name(ssl);
    }

    // EPSV (or PASV), then connects the data socket to the announced port.
    awaitable<void> open_data(bool use_pasv) {
        tcp::endpoint ep = sockets_->control.remote_endpoint();
        if (use_pasv) {
            auto r = co_await command("PASV", 2);
            auto hp = protocol::parse_pasv_reply(r.text);
            if (!hp) throw UnexpectedReply("bad 227 reply: " + r.text);
            ep = tcp::endpoint(net::ip::make_address(hp->host), hp->port);
        } else {
            auto r = co_await command("EPSV", 2);
            auto port = protocol::parse_epsv_reply(r.text);
            if (!port) throw UnexpectedReply("bad 229 reply: " + r.text);
            ep.port(*port);
        }
        sockets_->data.emplace(sockets_->control.get_executor());
        co_await sockets_->data->async_connect(ep, use_awaitable);
        sockets_->data->set_option(tcp::no_delay(true));
    }

    // Under PROT P, after the transfer command is sent: the data connection's TLS handshake,
    // resuming the control connection's session (RFC 4217 section 10). Servers differ in
    // whether they send the 150 before or after it, so it runs before the 150 is read.
    awaitable<void> start_data_tls() {
        if (!tls_) co_return;
        auto& s = sockets_->data_tls.emplace(*sockets_->data, *tls_);
        SSL_SESSION* session = ::SSL_get1_session(sockets_->control_tls->native_handle());
        if (session) {
            ::SSL_set_session(s.native_handle(), session);
            ::SSL_SESSION_free(session);
        }
        co_await s.async_handshake(net::ssl::stream_base::client, use_awaitable);
    }

    // The data connection's bytes (through TLS under PROT P). EOF and a TLS close_notify
    // (or a close without one) come back as net::error::eof in ec.
    awaitable<std::size_t> read_data(net::mutable_buffer b, boost::system::error_code& ec) {
        if (!sockets_->data_tls) co_return co_await sockets_->data->async_read_some(b, net::redirect_error(use_awaitable, ec));
        std::size_t n = co_await sockets_->data_tls->async_read_some(b, net::redirect_error(use_awaitable, ec));
        if (ec == net::ssl::error::stream_truncated) ec = net::error::eof;
        co_return n;
    }
    awaitable<void> write_data(net::const_buffer b) {
        if (sockets_->data_tls)
            co_await net::async_write(*sockets_->data_tls, b, use_awaitable);
        else
            co_await net::async_write(*sockets_->data, b, use_awaitable);
    }
    // The end of the data we send: close_notify under TLS (the server waits for it), else a
    // TCP half-close. After a download under TLS it answers the server's close_notify.
    // Errors are ignored (the server may have closed already).
    awaitable<void> end_data() {
        boost::system::error_code ec;
        if (sockets_->data_tls)
            co_await sockets_->data_tls->async_shutdown(net::redirect_error(use_awaitable, ec));
        else
            sockets_->data->shutdown(tcp::socket::shutdown_send, ec);
    }

    tcp::socket& data() { return *sockets_->data; }
    void close_data() {
        sockets_->data_tls.reset();
        if (sockets_->data) {
            boost::system::error_code ec;
            sockets_->data->close(ec);
            sockets_->data.reset();
        }
    }
    void close() {
        timer_.cancel();
        sockets_->close();
    }

private:
    struct Sockets {
        explicit Sockets(const net::any_io_executor& ex) : control(ex) {}
        tcp::socket control;
        std::optional<tcp::socket> data;
        std::optional<net::ssl::stream<tcp::socket&>> control_tls;  // over control, after AUTH TLS
        std::optional<net::ssl::stream<tcp::socket&>> data_tls;     // over *data, under PROT P
        void close() {
            boost::system::error_code ec;
            control.close(ec);
            if (data) data->close(ec);
        }
    };
    std::shared_ptr<Sockets> sockets_;
    net::steady_timer timer_;
    protocol::LineBuffer lines_;
    protocol::ReplyParser parser_;
    std::string out_;
    net::ssl::context* tls_;
    SessionPtr* resume_ = nullptr;
};

}  // namespace ftpd::bench
