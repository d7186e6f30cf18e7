// The benchmark's FTP client connection: one control connection (and its data
// connection) driven by coroutines, with a deadline that closes both sockets so no
// operation can hang the load generator. Runs in ftpload only; loopback only.
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
    explicit FtpConn(const net::any_io_executor& ex)
        : sockets_(std::make_shared<Sockets>(ex)), timer_(ex), lines_(8192) {}
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

    awaitable<void> connect(const tcp::endpoint& ep) { co_await sockets_->control.async_connect(ep, use_awaitable); }

    // The next complete reply; throws on EOF, errors and malformed replies.
    awaitable<protocol::Reply> reply() {
        for (;;) {
            while (auto line = lines_.next()) {
                if (line->too_long) throw UnexpectedReply("overlong reply line");
                if (auto r = parser_.feed_line(line->text)) co_return std::move(*r);
            }
            auto span = lines_.prepare(4096);
            std::size_t n = co_await sockets_->control.async_read_some(net::buffer(span.data(), span.size()),
                                                                        use_awaitable);
            lines_.commit(n);
        }
    }

    awaitable<void> send(std::string_view line) {
        out_.assign(line);
        out_ += "\r\n";
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

    // Greeting, USER anonymous, PASS unless USER already logged in (vsftpd's
    // no_anon_password answers USER with 230).
    awaitable<void> login() {
        co_await expect("greeting", 2);
        co_await send("USER anonymous");
        auto r = co_await reply();
        if (r.code / 100 == 2) co_return;
        if (r.code / 100 != 3) throw UnexpectedReply("USER -> " + std::to_string(r.code) + " " + r.text);
        co_await command("PASS bench@example.com", 2);
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
    }

    tcp::socket& data() { return *sockets_->data; }
    void close_data() {
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
};

}  // namespace ftpd::bench
