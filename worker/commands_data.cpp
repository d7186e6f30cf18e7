// The data connection's commands and life cycle: PASV EPSV PORT EPRT (and EPSV ALL), then
// open_data (connect, 150) and finish_data (226, 426, or 426+226 after ABOR).
// Runs in a worker's session. No FTP bounce: active connections go only to the client.
#include "worker/protocol/address.hpp"
#include "worker/printable.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/address_text.hpp"
#include "worker/session.hpp"
#include "worker/worker.hpp"

#include <spdlog/spdlog.h>

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace ftpd::worker {
namespace code = protocol::code;

// RFC 2428: after EPSV ALL, refuse PORT, PASV and EPRT.
bool Session::refuse_after_epsv_all(std::string_view verb) {
    if (!epsv_all_) return false;
    reply(code::kBadSequence, std::string(verb) + " not allowed after EPSV ALL.");
    return true;
}

awaitable<void> Session::cmd_pasv(const std::string&) {
    if (refuse_after_epsv_all("PASV")) co_return;
    auto local = unmapped(local_addr_);
    if (!local.is_v4() && settings_.pasv_address.empty()) {
        reply(code::kCantOpenData, "PASV needs IPv4; use EPSV.");
        co_return;
    }
    auto port = co_await open_passive();
    if (!port) co_return;
    protocol::HostPort hp;
    hp.host = settings_.pasv_address.empty() ? local.to_string() : settings_.pasv_address;
    hp.port = *port;
    reply(code::kEnteringPassive, protocol::format_pasv_reply_text(hp));
}

awaitable<void> Session::cmd_epsv(const std::string& arg) {
    // Behind a balancer with pasv_address, the client would take EPSV's port to the
    // balancer's address (RFC 2428: the control connection's), not to this node: refuse,
    // so clients fall back to PASV and its announced address (curl and lftp do).
    if (!via_.empty() && !settings_.pasv_address.empty()) {
        reply(code::kNotImplemented, "EPSV is not available through the balancer; use PASV.");
        co_return;
    }
    auto parsed = protocol::parse_epsv_arg(arg);
    if (!parsed) {
        reply(code::kSyntaxErrorArgs, "Bad EPSV argument.");
        co_return;
    }
    if (parsed->kind == protocol::EpsvArg::Kind::all) {
        epsv_all_ = true;
        reply(code::kOk, "EPSV ALL ok.");
        co_return;
    }
    int family = unmapped(local_addr_).is_v4() ? 4 : 6;
    if (parsed->kind == protocol::EpsvArg::Kind::family && parsed->family != family) {
        reply(code::kNetworkProtocolNotSupported,
              family == 4 ? "Network protocol not supported, use (1)" : "Network protocol not supported, use (2)");
        co_return;
    }
    auto port = co_await open_passive();
    if (port) reply(code::kEnteringExtendedPassive, protocol::format_epsv_reply_text(*port));
}

// The passive-port policy (ftpd(8), SECURITY): with a pasv_ports range, no client address
// holds more than half of it; when it is exhausted, the listener that has waited longest
// (over kTakeOverAfter) for its connection is taken over, in whichever worker it is, so a
// client that asks now wins over one that asked and never came.
awaitable<std::optional<std::uint16_t>> Session::open_passive() {
    drop_passive();
    passive_lost_.clear();
    const std::uint16_t low = settings_.pasv_low, high = settings_.pasv_high;
    if (low != 0) {
        const unsigned cap = std::max(1u, (high - low + 1u) / 2);
        const unsigned held = worker_.status().passive_from(host_text(peer_addr_), low, high);
        if (held >= cap) {
            if (!std::exchange(passive_cap_logged_, true))
                spdlog::warn("{}: passive port refused: the address holds {} of pasv_ports {}-{} (at most half)",
                             log_prefix(), held, low, high);
            reply(code::kCantOpenData,
                  "Too many passive ports open from your address (the limit is " + std::to_string(cap) + ").");
            co_return std::nullopt;
        }
    }
    std::uint16_t port = 0;
    std::string error;
    bool exhausted = false;
    try {
        port = data_.listen_passive(local_addr_, low, high);
    } catch (const std::system_error& e) {
        error = e.what();
        exhausted = low != 0 && e.code() == std::errc::address_in_use;
    }
    if (exhausted) port = co_await take_over_passive();
    if (port == 0) {
        spdlog::warn("{}: cannot open a passive port ({}-{}): {}", log_prefix(), low, high, error);
        reply(code::kCantOpenData, "No passive port available.");
        co_return std::nullopt;
    }
    worker_.status().passive(row_, port);
    passive_published_ = true;
    set_passive_deadline(Clock::now() + std::chrono::seconds(settings_.accept_timeout));
    co_return port;
}

awaitable<std::uint16_t> Session::take_over_passive() {
    constexpr std::chrono::milliseconds kTakeOverAfter{1000};  // younger ones may be on their way
    constexpr std::chrono::milliseconds kReleaseWait{2000};    // for the owner to close it
    auto victim = worker_.status().revoke_oldest_passive(settings_.pasv_low, settings_.pasv_high,
                                                         ipc::monotonic_ms() - kTakeOverAfter.count());
    if (!victim) co_return 0;
    if (victim->pid == ::getpid())
        worker_.check_passive_revoked(victim->session_id);
    else if (victim->pid > 0)  // never 0 or -1: kill() would signal a whole group
        ::kill(victim->pid, SIGURG);  // its worker looks at its rows now (and once a second anyway)
    net::steady_timer pause(socket_.get_executor());
    const auto deadline = Clock::now() + kReleaseWait;
    for (;;) {
        try {
            std::uint16_t port = data_.listen_passive(local_addr_, victim->port, victim->port);
            if (!std::exchange(passive_taken_logged_, true))
                spdlog::info("{}: pasv_ports exhausted: took over port {} from session {} (unused for {} ms)",
                             log_prefix(), port, victim->session_id, ipc::monotonic_ms() - victim->since_ms);
            co_return port;
        } catch (const std::system_error&) {
        }
        if (closing_ || Clock::now() >= deadline) co_return 0;
        pause.expires_after(std::chrono::milliseconds(10));
        boost::system::error_code ec;
        co_await pause.async_wait(net::redirect_error(use_awaitable, ec));
    }
}

void Session::drop_passive() {
    if (passive_published_) worker_.status().passive(row_, 0);
    passive_published_ = false;
    passive_deadline_ = Clock::time_point::max();
    if (data_.passive()) data_.reset();
}

void Session::lose_passive(std::string why, std::string_view log_text) {
    std::uint16_t port = data_.passive_port();
    drop_passive();
    passive_lost_ = std::move(why);
    if (!std::exchange(passive_lost_logged_, true))
        spdlog::info("{}: passive port {} closed unused: {}", log_prefix(), port, log_text);
}

void Session::check_passive_revoked() {
    std::uint16_t port = worker_.status().passive_revoked(row_);
    if (port == 0 || !passive_published_ || data_.passive_port() != port) return;
    lose_passive("Passive port given to another session: it waited too long for your connection.",
                 "taken over by another session (pasv_ports exhausted)");
}

awaitable<void> Session::cmd_port(const std::string& arg) {
    if (refuse_after_epsv_all("PORT")) co_return;
    auto hp = protocol::parse_port_arg(arg);
    if (!hp) {
        reply(code::kSyntaxErrorArgs, "Bad PORT argument.");
        co_return;
    }
    co_await cmd_eprt("|1|" + hp->host + "|" + std::to_string(hp->port) + "|");
}

// RFC 2428. No FTP bounce: only to the client's own address and a port >= 1024.
awaitable<void> Session::cmd_eprt(const std::string& arg) {
    if (refuse_after_epsv_all("EPRT")) co_return;
    if (!settings_.active_mode) {
        reply(code::kNotImplemented, "Active mode (PORT/EPRT) is disabled; use PASV or EPSV.");
        co_return;
    }
    auto hp = protocol::parse_eprt_arg(arg);
    if (!hp) {
        reply(code::kSyntaxErrorArgs, "Bad EPRT argument.");
        co_return;
    }
    boost::system::error_code ec;
    auto addr = unmapped(net::ip::make_address(hp->host, ec));
    if (ec || addr != unmapped(peer_addr_) || hp->port < 1024) {
        spdlog::warn("{}: refused active data connection to {} port {}", log_prefix(), printable(hp->host), hp->port);
        reply(code::kSyntaxError, "Illegal PORT command: only to your own address and a port >= 1024.");
        co_return;
    }
    // Connect from the same family as the control connection's local socket.
    if (peer_addr_.is_v6() && addr.is_v4()) addr = net::ip::make_address_v6(net::ip::v4_mapped, addr.to_v4());
    drop_passive();
    passive_lost_.clear();
    data_.set_active(tcp::endpoint(addr, hp->port));
    reply(code::kOk, "PORT command successful. Consider using PASV.");
}

// Connects the data channel, then 150. False (and 425 sent) when that fails.
awaitable<bool> Session::open_data(std::string_view what) {
    if (!data_.prepared()) {
        reply(code::kCantOpenData, passive_lost_.empty() ? std::string("Use PORT, PASV or EPSV first.")
                                                         : std::exchange(passive_lost_, {}));
        co_return false;
    }
    if (data_protection_required() && !prot_p_) {  // RFC 4217 section 9
        close_data();
        reply(code::kProtSettingRefused, "Data connections must be protected: use PBSZ 0 and PROT P.");
        co_return false;
    }
    data_timed_out_ = false;
    set_data_deadline(Clock::now() + std::chrono::seconds(settings_.data_timeout));
    std::error_code ec;
    co_await data_.connect(peer_addr_, log_prefix(), ec);
    if (passive_published_) {  // connected, or failed: the listener is gone either way
        worker_.status().passive(row_, 0);
        passive_published_ = false;
        passive_deadline_ = Clock::time_point::max();
    }
    if (ec) {
        set_data_deadline(Clock::time_point::max());
        data_.reset();
        std::string why = !passive_lost_.empty() ? std::exchange(passive_lost_, {})
                          : data_timed_out_      ? "Data connection timed out."
                                                 : "Failed to establish connection.";
        reply(code::kCantOpenData, why);
        co_return false;
    }
    reply(code::kFileStatusOk, what);
    data_started_ = true;
    co_await flush();
    co_return co_await protect_data();
}

void Session::close_data() {
    drop_passive();
    set_data_deadline(Clock::time_point::max());
    boost::system::error_code ignored;
    data_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    data_.reset();
}

bool Session::control_closed() {
    if (control_eof_) return true;
    char c;
    ssize_t n = ::recv(socket_.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

void Session::finish_data(const std::error_code& ec, std::string_view what) {
    close_data();
    if (aborted_) {  // RFC 959 ABOR: the aborted command's 426 (dispatch adds ABOR's own 226)
        reply(code::kTransferAborted, "Transfer aborted.");
    } else if (transfer_fs_error_) {
        reply_fs_error(std::exchange(transfer_fs_error_, {}), "");
    } else if (fs::is_fs_errc(ec)) {
        reply_fs_error(ec, "");
    } else if (!ec) {
        reply(code::kClosingData, what);
    } else if (data_timed_out_) {
        reply(code::kTransferAborted, "Data connection timed out; transfer aborted.");
    } else {
        reply(code::kTransferAborted, "Data connection closed; transfer aborted.");
    }
}

}  // namespace ftpd::worker
