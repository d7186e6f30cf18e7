// Webhooks: POSTs the event's JSON to a URL over HTTP or HTTPS (Boost.Beast, OpenSSL; the
// certificate is verified against the system's CAs or webhook_cacert), signed with
// webhook_secret, retried with back-off on a connection error or a 5xx up to webhook_retries.
// Runs in the hook runner; every step is asynchronous and bounded by hook_timeout.
#pragma once

#include "ipc/event.hpp"
#include "master/hooks/hook_settings.hpp"
#include "worker/net.hpp"

#include <memory>
#include <optional>

namespace ftpd::master::hooks {

class WebhookClient {
public:
    explicit WebhookClient(boost::asio::io_context& io) : io_(io) {}

    // Builds the TLS context for these settings (webhook_cacert); a CA file that cannot be
    // loaded is logged, and HTTPS deliveries then fail.
    void configure(const HookSettings& settings);

    // Delivers the event to settings->webhooks[index]; true once a 2xx answered.
    boost::asio::awaitable<bool> deliver(std::shared_ptr<const HookSettings> settings, std::size_t index,
                                         HookEvent type, ipc::Event event);

private:
    boost::asio::io_context& io_;
    std::shared_ptr<boost::asio::ssl::context> tls_;  // shared with deliveries in flight
};

}  // namespace ftpd::master::hooks
