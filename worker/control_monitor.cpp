// The control connection while data moves: a monitor coroutine reads control lines into
// the session's LineBuffer, so ABOR cancels the transfer, STAT reports progress, and every
// other line (QUIT too) waits in order for the session loop. Runs in a worker's session, on
// its single-threaded executor; it writes to the control connection only while the
// transfer handler does not, and never outlives end_transfer().
#include "worker/protocol/command.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"

#include <spdlog/spdlog.h>

namespace ftpd::worker {
namespace code = protocol::code;

namespace {

// Lines a client may pipeline behind a transfer; past this the monitor stops reading
// (and the rest waits in the socket for the session loop), so memory stays bounded.
constexpr std::size_t kMaxPendingLines = 64;

}  // namespace

// Starts the monitor once the transfer's 150 is written (so the two never write at once).
void Session::start_monitor(std::string what, std::uint64_t size) {
    aborted_ = false;
    monitor_stop_ = false;
    monitor_running_ = true;
    transfer_what_ = std::move(what);
    transfer_bytes_ = 0;
    transfer_size_ = size;
    transfer_start_ = Clock::now();
    monitor_done_.expires_at(Clock::time_point::max());
    auto self = shared_from_this();
    net::co_spawn(
        socket_.get_executor(), [self]() { return self->monitor_control(); },
        [self](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    spdlog::error("{}: control monitor: {}", self->log_prefix(), ex.what());
                }
            }
            // The event end_transfer() waits for; set here so that even a throwing monitor
            // releases it.
            self->monitor_running_ = false;
            self->monitor_done_.cancel();
        });
}

// Stop, then wait: cancelling a pending read either aborts it with no bytes taken (they stay
// in the socket) or, if it already completed, its bytes are committed to in_ before the
// monitor sees monitor_stop_ and leaves them there. Either way the session loop reads each
// byte exactly once. A monitor that is writing a STAT reply is not cancelled; it finishes.
awaitable<std::error_code> Session::end_transfer(std::error_code result) {
    monitor_stop_ = true;
    if (monitor_reading_) {
        boost::system::error_code ignored;
        socket_.cancel(ignored);
    }
    while (monitor_running_) {
        boost::system::error_code ignored;
        co_await monitor_done_.async_wait(net::redirect_error(use_awaitable, ignored));
    }
    if (aborted_) co_return std::make_error_code(std::errc::operation_canceled);
    if (!result) co_await data_.shutdown_tls();  // close_notify both ways: the client's unwrap() waits for it
    co_return result;
}

awaitable<void> Session::monitor_control() {
    while (!monitor_stop_ && !closing_) {
        while (!monitor_stop_ && pending_.size() < kMaxPendingLines) {
            auto next = in_.next();
            if (!next) break;
            if (next->too_long) {
                spdlog::warn("{}: command line too long", log_prefix());
                pending_.emplace_back(kTooLongLine);  // the loop answers it when it gets there
                continue;
            }
            co_await monitor_line(std::string(next->text));
        }
        if (monitor_stop_ || closing_ || control_eof_ || pending_.size() >= kMaxPendingLines) break;
        auto space = in_.prepare(kControlRead);
        boost::system::error_code ec;
        monitor_reading_ = true;
        std::size_t n = co_await control_read_some(net::buffer(space.data(), space.size()), ec);
        monitor_reading_ = false;
        in_.commit(n);
        if (ec == net::error::operation_aborted) break;  // end_transfer() or stop()
        if (ec) control_eof_ = true;                     // EOF or reset: the loop ends after the transfer
    }
}

awaitable<void> Session::monitor_line(std::string line) {
    auto cmd = protocol::parse_command(protocol::strip_telnet(line));
    if (cmd && cmd->verb == "ABOR") {
        // RFC 959: close the data connection; the transfer handler answers 426, then 226.
        if (!aborted_) spdlog::info("{}: ABOR during {}", log_prefix(), transfer_what_);
        aborted_ = true;
        data_.cancel();
        co_return;
    }
    if (cmd && cmd->verb == "STAT" && cmd->arg.empty()) {
        std::string text = "Transfer in progress: " + transfer_what_ + ", " + std::to_string(transfer_bytes_);
        if (transfer_size_ > 0) text += " of " + std::to_string(transfer_size_);
        std::string msg = protocol::format_reply(code::kFileStatus, text + " bytes.");
        boost::system::error_code ec;
        co_await control_write(net::buffer(msg), ec);
        if (ec) control_eof_ = true;
        co_return;
    }
    pending_.push_back(std::move(line));  // QUIT included: RFC 959 lets the transfer finish
}

// ABOR outside a transfer (one in progress is seen by the monitor, not here).
awaitable<void> Session::cmd_abor(const std::string&) {
    if (data_.prepared()) close_data();  // RFC 959: close an open data connection
    reply(code::kDataOpenNoTransfer, "No transfer to abort.");
    co_return;
}

}  // namespace ftpd::worker
