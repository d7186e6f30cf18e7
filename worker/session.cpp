// One FTP control connection, read top to bottom: greet, then read a command, dispatch
// it through the verb table, flush the replies; a watchdog enforces the login, idle and
// data timeouts. Runs in a worker; an exception ends this session only.
#include "worker/session.hpp"

#include "worker/address_text.hpp"
#include "worker/command_table.hpp"
#include "worker/printable.hpp"

#include "worker/protocol/command.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/worker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace ftpd::worker {
namespace code = protocol::code;

Session::Session(Worker& worker, tcp::socket socket, std::uint64_t id, const tcp::endpoint& client,
                 bool implicit_tls, std::optional<tcp::endpoint> balancer)
    : worker_(worker),
      settings_(worker.settings()),
      socket_(std::move(socket)),
      id_(id),
      implicit_tls_(implicit_tls),
      in_(kMaxLine),
      data_(socket_.get_executor()),
      timer_(socket_.get_executor()),
      fs_(worker.fs_pool(), socket_.get_executor(), std::chrono::seconds(settings_.fs_timeout)),
      monitor_done_(socket_.get_executor()),
      umask_(settings_.umask) {
    if (settings_.tls_context) {
        // net::ssl::context frees its handle: it gets a reference of its own.
        ::SSL_CTX_up_ref(settings_.tls_context.get());
        tls_context_.emplace(settings_.tls_context.get());
    }
    if (balancer) via_ = unmapped(balancer->address()).to_string() + " port " + std::to_string(balancer->port());
    peer_addr_ = client.address();
    peer_text_ = unmapped(client.address()).to_string() + " port " + std::to_string(client.port());
    client_ = client_text(client);
    boost::system::error_code ec;
    local_addr_ = socket_.local_endpoint(ec).address();
    socket_.set_option(tcp::no_delay(true), ec);
    // Clients send ABOR (and Telnet IP/DM) as urgent data: keep the urgent byte in the
    // stream, or the kernel takes it out and the line loses its LF (ftplib) or its IAC.
    socket_.set_option(net::socket_base::out_of_band_inline(true), ec);
}

// "session 17 from 127.0.0.1 port 40000", then " user 'bob'" once logged in: grep for
// one session, one client or one user. (fail2ban's filter matches the part before ':'.)
// Built once, and again at login (the user cannot change after it): every log line of a
// session starts with it.
const std::string& Session::log_prefix() const {
    if (log_prefix_.empty() || log_prefix_logged_in_ != logged_in_) {
        log_prefix_ = "session " + std::to_string(id_) + " from " + peer_text_;
        if (logged_in_) log_prefix_ += " user '" + printable(user_) + "'";
        log_prefix_logged_in_ = logged_in_;
    }
    return log_prefix_;
}

awaitable<void> Session::run() {
    auto self = shared_from_this();
    if (via_.empty())
        spdlog::info("{}: connected", log_prefix());
    else
        spdlog::info("{}: connected (PROXY protocol, via {})", log_prefix(), via_);
    row_ = worker_.status().session_opened(id_, client_);
    net::co_spawn(socket_.get_executor(), [self]() { return self->watchdog(); }, net::detached);
    try {
        co_await serve();
    } catch (const std::exception& e) {
        spdlog::error("{}: {}", log_prefix(), printable(e.what()));
        if (socket_.is_open()) send_now(protocol::format_reply(code::kServiceNotAvailable, "Internal error; closing."));
    }
    closing_ = true;
    timer_.cancel();
    data_.reset();
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    spdlog::info("{}: closed", log_prefix());
    auto seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    worker_.status().session_closed(row_, id_, client_, logged_in_ ? user_ : std::string(), seconds, tls_.has_value());
    worker_.session_ended(id_);
}

void Session::stop() {
    if (closing_) return;
    closing_ = true;
    send_now(protocol::format_reply(code::kServiceNotAvailable, "Server shutting down."));
    boost::system::error_code ec;
    socket_.close(ec);
    data_.cancel();
    fs_.interrupt();
    timer_.cancel();
}

bool Session::kick_requested() { return worker_.status().kick_requested(row_, id_); }

void Session::kick() {
    if (closing_) return;
    spdlog::info("{}: ended by 'ftpctl user del --kick'", log_prefix());
    closing_ = true;
    send_now(protocol::format_reply(code::kServiceNotAvailable, "Your account was removed; closing."));
    boost::system::error_code ec;
    socket_.close(ec);
    data_.cancel();
    fs_.interrupt();
    timer_.cancel();
}

awaitable<void> Session::serve() {
    set_control_deadline(Clock::now() + std::chrono::seconds(settings_.login_timeout));
    // RFC 4217 implicit TLS: the handshake comes first, then the 220 under TLS.
    if (implicit_tls_ && !co_await start_control_tls()) co_return;
    reply(code::kServiceReady, settings_.banner);
    co_await flush();
    std::string line;
    while (!closing_) {
        if (logged_in_) set_control_deadline(Clock::now() + std::chrono::seconds(settings_.idle_timeout));
        if (!co_await read_line(line)) break;
        if (logged_in_) set_control_deadline(Clock::time_point::max());
        co_await dispatch(line);
        co_await flush();
    }
}

awaitable<void> Session::dispatch(const std::string& line) {
    // DESIGN "Quality bars": bad input gets a reply and a log line. The log names only the
    // verb (ASCII letters) or a length, so no client text can forge a log line.
    auto cmd = protocol::parse_command(protocol::strip_telnet(line));
    if (!cmd) {
        spdlog::info("{}: unrecognized command line ({} bytes)", log_prefix(), line.size());
        reply(code::kSyntaxError, "Syntax error, command unrecognized.");
        co_return;
    }
    const CommandSpec* spec = find_command(cmd->verb);
    spdlog::debug("{}: {} {}", log_prefix(), cmd->verb, spec && (spec->needs & kSecret) ? "****" : printable(cmd->arg));
    if (!spec) {
        const int refused = unknown_verb_code(cmd->verb);
        const bool known = refused == code::kNotImplemented;
        spdlog::info("{}: {} command {}", log_prefix(), known ? "unimplemented" : "unknown", cmd->verb);
        reply(refused, known ? "Command not implemented." : "Unknown command.");
        co_return;
    }
    CommandState state{.logged_in = logged_in_, .clear_text_forbidden = settings_.tls == TlsMode::required && !tls_};
    if (auto refused = refusal_of(*spec, cmd->arg, state)) {
        if (refused->rule == Refusal::Rule::tls_required)
            spdlog::info("{}: {} refused before AUTH TLS (tls = required)", log_prefix(), spec->verb);
        else if (refused->rule == Refusal::Rule::unsafe_argument)
            spdlog::info("{}: {} refused: NUL, CR or LF in its argument", log_prefix(), cmd->verb);
        reply(refused->code, refused->text);
        co_return;
    }
    if (!(spec->needs & kAfterRnfr)) rename_from_.reset();
    verb_ = spec->verb;
    data_started_ = false;
    aborted_ = false;
    worker_.status().command(row_, spec->verb);
    co_await (this->*(spec->handler))(cmd->arg);
    // RFC 959 ABOR: the aborted command's own reply (426, or its refusal), then ABOR's 226.
    if (aborted_) {
        aborted_ = false;
        reply(code::kClosingData, "Abort successful.");
    }
    worker_.status().command(row_, logged_in_ ? "idle" : "login");
}

awaitable<bool> Session::read_line(std::string& line) {
    while (!pending_.empty()) {  // read by the control monitor during a transfer, in order
        line = std::move(pending_.front());
        pending_.pop_front();
        if (line != kTooLongLine) co_return true;
        reply(code::kSyntaxError, "Command line too long.");
        co_await flush();
    }
    for (;;) {
        while (auto next = in_.next()) {
            if (next->too_long) {
                spdlog::warn("{}: command line too long", log_prefix());
                reply(code::kSyntaxError, "Command line too long.");
                co_await flush();
                continue;
            }
            line.assign(next->text);
            co_return true;
        }
        if (control_eof_) co_return false;
        auto space = in_.prepare(kControlRead);
        boost::system::error_code ec;
        std::size_t n = co_await control_read_some(net::buffer(space.data(), space.size()), ec);
        if (ec || closing_) co_return false;
        in_.commit(n);
    }
}

std::string Session::help_text(std::string_view verb) {
    if (!verb.empty()) {
        const CommandSpec* spec = find_command(verb);
        return spec ? "Syntax: " + std::string(spec->syntax) : std::string();
    }
    std::string text = "The following commands are recognized.";
    std::size_t column = 0;
    for (const auto& spec : commands()) {
        if (column++ % 14 == 0) text += "\n";
        text += ' ';
        text += spec.verb;
        text.append(4 - std::min<std::size_t>(4, spec.verb.size()), ' ');
    }
    return text + "\nHelp OK.";
}

void Session::reply(int code, std::string_view text) { out_ += protocol::format_reply(code, text); }

awaitable<void> Session::flush() {
    if (out_.empty() || closing_) co_return;
    // A client that never reads its replies fills the socket buffer: the write may take
    // no longer than idle_timeout, then the watchdog closes the connection.
    auto saved = control_deadline_;
    set_control_deadline(std::min(saved, Clock::now() + std::chrono::seconds(settings_.idle_timeout)));
    boost::system::error_code ec;
    co_await control_write(net::buffer(out_), ec);
    control_deadline_ = saved;
    out_.clear();
    if (ec) closing_ = true;
}

awaitable<std::size_t> Session::control_read_some(net::mutable_buffer buffer, boost::system::error_code& ec) {
    if (tls_) co_return co_await tls_->async_read_some(buffer, net::redirect_error(use_awaitable, ec));
    co_return co_await socket_.async_read_some(buffer, net::redirect_error(use_awaitable, ec));
}

awaitable<void> Session::control_write(net::const_buffer buffer, boost::system::error_code& ec) {
    if (tls_)
        co_await net::async_write(*tls_, buffer, net::redirect_error(use_awaitable, ec));
    else
        co_await net::async_write(socket_, buffer, net::redirect_error(use_awaitable, ec));
}

void Session::send_now(std::string_view msg) {
    if (tls_ || implicit_tls_) return;  // a TLS record cannot be written without waiting
    boost::system::error_code ec;
    socket_.non_blocking(true, ec);
    socket_.write_some(net::buffer(msg.data(), msg.size()), ec);
}

void Session::set_control_deadline(Clock::time_point t) {
    control_deadline_ = t;
    if (t < timer_.expiry()) timer_.cancel();
}

void Session::set_data_deadline(Clock::time_point t) {
    data_deadline_ = t;
    if (t < timer_.expiry()) timer_.cancel();
}

void Session::set_passive_deadline(Clock::time_point t) {
    passive_deadline_ = t;
    if (t < timer_.expiry()) timer_.cancel();
}

// Wakes at the earliest deadline. Control deadline passed: 421 and close. Data deadline
// passed: cancel the data connection (the transfer then fails with 426 or 425).
awaitable<void> Session::watchdog() {
    try {
        while (!closing_) {
            timer_.expires_at(std::min({control_deadline_, data_deadline_, passive_deadline_}));
            boost::system::error_code ec;
            co_await timer_.async_wait(net::redirect_error(use_awaitable, ec));
            if (closing_) break;
            auto now = Clock::now();
            if (now >= control_deadline_) {
                spdlog::info("{}: {} timeout, closing", log_prefix(), logged_in_ ? "idle" : "login");
                closing_ = true;
                send_now(protocol::format_reply(code::kServiceNotAvailable, "Timeout; closing control connection."));
                socket_.close(ec);
                data_.cancel();
                fs_.interrupt();
                break;
            }
            if (now >= passive_deadline_) {
                passive_deadline_ = Clock::time_point::max();
                lose_passive("Passive data connection not made within " + std::to_string(settings_.accept_timeout) +
                                 " s (accept_timeout); use PASV or EPSV again.",
                             "no data connection within accept_timeout");
            }
            if (now >= data_deadline_) {
                spdlog::info("{}: data connection timeout", log_prefix());
                data_timed_out_ = true;
                data_deadline_ = Clock::time_point::max();
                data_.cancel();
            }
        }
    } catch (const std::exception& e) {
        spdlog::error("{}: watchdog: {}", log_prefix(), printable(e.what()));
    }
}

bool Session::refuse_write() {
    if (may_write_) return false;
    reply_file_error(protocol::FileError::permission, "");  // 553 for STOR, 550 for DELE, ...
    return true;
}

}  // namespace ftpd::worker
