// Webhook delivery with Boost.Beast: one connection per attempt, Host and SNI from the URL,
// peer verification with the host name (RFC 6125), X-Ftpd-Signature: sha256=HMAC(body).
// Runs in the hook runner only.
#include "master/hooks/webhook.hpp"

#include "master/hooks/hook_event.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

namespace ftpd::master::hooks {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using net::awaitable;
using net::use_awaitable;

constexpr auto kFirstBackoff = std::chrono::milliseconds(500);
constexpr auto kMaxBackoff = std::chrono::seconds(60);

struct Outcome {
    bool delivered = false;
    bool retry = false;
    std::string what;  // for the log
};

http::request<http::string_body> make_request(const Url& url, const HookSettings& s, HookEvent type,
                                              const std::string& body) {
    http::request<http::string_body> req{http::verb::post, url.target, 11};
    bool default_port = url.port == (url.https ? "443" : "80");
    std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    req.set(http::field::host, default_port ? host : host + ":" + url.port);
    req.set(http::field::user_agent, "ftpd");
    req.set(http::field::content_type, "application/json");
    req.set("X-Ftpd-Event", std::string(to_string(type)));
    if (!s.secret.empty()) req.set("X-Ftpd-Signature", "sha256=" + hmac_sha256_hex(s.secret, body));
    req.body() = body;
    req.prepare_payload();
    return req;
}

Outcome judge(unsigned status) {
    if (status >= 200 && status < 300) return {true, false, "HTTP " + std::to_string(status)};
    return {false, status >= 500, "HTTP " + std::to_string(status)};
}

template <class Stream>
awaitable<unsigned> exchange(Stream& stream, http::request<http::string_body>& req) {
    co_await http::async_write(stream, req, use_awaitable);
    beast::flat_buffer buf;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1 << 20);
    co_await http::async_read(stream, buf, parser, use_awaitable);
    co_return parser.get().result_int();
}

// One attempt; a connection error, a timeout or a 5xx may be retried, a 4xx may not.
awaitable<Outcome> attempt(const Url& url, const HookSettings& s, std::shared_ptr<net::ssl::context> tls,
                           http::request<http::string_body>& req) {
    auto ex = co_await net::this_coro::executor;
    const auto deadline = std::chrono::seconds(s.timeout);
    try {
        tcp::resolver resolver(ex);
        auto endpoints = co_await resolver.async_resolve(url.host, url.port, use_awaitable);
        if (!url.https) {
            beast::tcp_stream stream(ex);
            stream.expires_after(deadline);
            co_await stream.async_connect(endpoints, use_awaitable);
            unsigned status = co_await exchange(stream, req);
            beast::error_code ec;
            stream.socket().shutdown(tcp::socket::shutdown_both, ec);
            co_return judge(status);
        }
        if (!tls) co_return Outcome{false, false, "no TLS context (webhook_cacert could not be loaded)"};
        beast::ssl_stream<beast::tcp_stream> stream(ex, *tls);
        if (!::SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()))
            throw beast::system_error(beast::error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category()));
        stream.set_verify_callback(net::ssl::host_name_verification(url.host));
        beast::get_lowest_layer(stream).expires_after(deadline);
        co_await beast::get_lowest_layer(stream).async_connect(endpoints, use_awaitable);
        co_await stream.async_handshake(net::ssl::stream_base::client, use_awaitable);
        unsigned status = co_await exchange(stream, req);
        beast::error_code ec;
        beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
        co_return judge(status);
    } catch (const boost::system::system_error& e) {
        // A certificate that does not verify will not verify next time either.
        bool tls_failure = e.code().category() == net::error::get_ssl_category();
        co_return Outcome{false, !tls_failure, e.code().message()};
    }
}

}  // namespace

void WebhookClient::configure(const HookSettings& settings) {
    auto ctx = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
    ctx->set_verify_mode(net::ssl::verify_peer);
    try {
        if (settings.cacert.empty())
            ctx->set_default_verify_paths();
        else
            ctx->load_verify_file(settings.cacert);
        tls_ = std::move(ctx);
    } catch (const std::exception& e) {
        spdlog::error("webhook_cacert '{}': {}; HTTPS webhooks will fail", settings.cacert, e.what());
        tls_.reset();
    }
}

awaitable<bool> WebhookClient::deliver(std::shared_ptr<const HookSettings> settings, std::size_t index,
                                       HookEvent type, ipc::Event event) {
    auto ex = co_await net::this_coro::executor;
    const Webhook& hook = settings->webhooks[index];
    auto tls = tls_;
    const std::string body = hook_json(type, event);
    auto backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstBackoff);
    for (unsigned n = 0;; ++n) {
        auto req = make_request(hook.url, *settings, type, body);
        Outcome out = co_await attempt(hook.url, *settings, tls, req);
        if (out.delivered) {
            spdlog::info("webhook {}: {} answered {}", to_string(type), hook.url.text, out.what);
            co_return true;
        }
        if (!out.retry || n >= settings->retries) {
            spdlog::error("webhook {}: {} failed after {} attempt(s): {}", to_string(type), hook.url.text, n + 1,
                          out.what);
            co_return false;
        }
        spdlog::warn("webhook {}: {}: {}; retrying in {} ms", to_string(type), hook.url.text, out.what,
                     backoff.count());
        net::steady_timer timer(ex, backoff);
        co_await timer.async_wait(use_awaitable);
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
    }
}

}  // namespace ftpd::master::hooks
