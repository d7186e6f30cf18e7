// The control connection while the session waits: during a data transfer, or for a call on
// the file-system threads, a monitor coroutine reads control lines into the session's
// LineBuffer, so ABOR cancels, STAT reports progress, QUIT ends a wait for the file system,
// and every other line waits in order for the session loop (what each verb does is a
// column of the verb table, command_table.hpp). Runs in a worker's session, on its
// single-threaded executor; it writes to the control connection only while the session
// loop does not, and never outlives stop_monitor().
#include "worker/command_table.hpp"
#include "worker/printable.hpp"
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

// How long a file-system call may keep a QUIT waiting (see WhileBusy::quit).
constexpr auto kQuitGrace = std::chrono::seconds(1);

}  // namespace

// For a transfer, once its 150 is written (so the two never write at once).
void Session::start_monitor(std::string what, std::uint64_t size) {
    aborted_ = false;
    monitor_transfer_ = true;
    transfer_what_ = std::move(what);
    transfer_bytes_ = 0;
    transfer_size_ = size;
    transfer_start_ = Clock::now();
    start_control_monitor();
}

void Session::start_control_monitor() {
    if (monitor_running_) return;
    monitor_stop_ = false;
    monitor_running_ = true;
    monitor_done_.expires_at(Clock::time_point::max());
    auto self = shared_from_this();
    net::co_spawn(
        socket_.get_executor(), [self]() { return self->monitor_control(); },
        [self](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    spdlog::error("{}: control monitor: {}", self->log_prefix(), printable(ex.what()));
                }
            }
            // The event stop_monitor() waits for; set here so that even a throwing monitor
            // releases it.
            self->monitor_running_ = false;
            self->monitor_done_.cancel();
        });
}

// Stop, then wait: cancelling a pending read either aborts it with no bytes taken (they stay
// in the socket) or, if it already completed, its bytes are committed to in_ before the
// monitor sees monitor_stop_ and leaves them there. Either way the session loop reads each
// byte exactly once. A monitor that is writing a STAT reply is not cancelled; it finishes.
awaitable<void> Session::stop_monitor() {
    monitor_stop_ = true;
    if (monitor_reading_) {
        boost::system::error_code ignored;
        socket_.cancel(ignored);
    }
    while (monitor_running_) {
        boost::system::error_code ignored;
        co_await monitor_done_.async_wait(net::redirect_error(use_awaitable, ignored));
    }
}

awaitable<std::error_code> Session::end_transfer(std::error_code result) {
    co_await stop_monitor();
    monitor_transfer_ = false;
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
        if (ec == net::error::operation_aborted) break;  // stop_monitor() or stop()
        if (ec) {
            // EOF or reset: the loop ends after the transfer; a client that left does not
            // wait long for the file system (as QUIT).
            control_eof_ = true;
            if (!monitor_transfer_)
                if (auto call = fs_.outstanding(); call && !call->abandoned) fs_.interrupt_at(call->since + kQuitGrace);
        }
    }
}

awaitable<void> Session::monitor_line(std::string line) {
    auto cmd = protocol::parse_command(protocol::strip_telnet(line));
    const CommandSpec* spec = cmd ? find_command(cmd->verb) : nullptr;
    switch (while_busy_of(spec, cmd ? std::string_view(cmd->arg) : std::string_view())) {
        case WhileBusy::abort:
            // RFC 959: close the data connection; the command answers 426 (or its refusal),
            // then dispatch adds ABOR's 226. A call on a file-system thread goes on, abandoned.
            if (!aborted_)
                spdlog::info("{}: ABOR during {}", log_prefix(), printable(monitor_transfer_ ? transfer_what_ : std::string(verb_)));
            aborted_ = true;
            data_.cancel();
            fs_.interrupt();
            co_return;
        case WhileBusy::status: {
            std::string msg = protocol::format_reply(monitor_transfer_ ? code::kFileStatus : code::kSystemStatus,
                                                     progress_text());
            boost::system::error_code ec;
            co_await control_write(net::buffer(msg), ec);
            if (ec) control_eof_ = true;
            co_return;
        }
        case WhileBusy::quit:
            // RFC 959 lets a transfer finish before QUIT's 221, and a QUIT sent behind a
            // command lets the command run; but a wait for the file system that has lasted
            // kQuitGrace (and may never end) does not hold a client that wants to leave.
            if (!monitor_transfer_)
                if (auto call = fs_.outstanding(); call && !call->abandoned) fs_.interrupt_at(call->since + kQuitGrace);
            break;
        case WhileBusy::queue:
            break;
    }
    pending_.push_back(std::move(line));
}

std::string Session::progress_text() const {
    std::string text;
    if (monitor_transfer_) {
        text = "Transfer in progress: " + transfer_what_ + ", " + std::to_string(transfer_bytes_);
        if (transfer_size_ > 0) text += " of " + std::to_string(transfer_size_);
        text += " bytes.";
    }
    if (auto call = fs_.outstanding()) {
        auto waited = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - call->since).count();
        if (!text.empty()) text += "\n";
        text += "Waiting for the file system: " + std::string(fs::to_string(call->op)) + " " + call->path + " for " +
                std::to_string(waited) + " s.";
    }
    return text.empty() ? "No transfer in progress." : text;
}

// ABOR outside a transfer (one in progress is seen by the monitor, not here).
awaitable<void> Session::cmd_abor(const std::string&) {
    if (data_.prepared()) close_data();  // RFC 959: close an open data connection
    reply(code::kDataOpenNoTransfer, "No transfer to abort.");
    co_return;
}

}  // namespace ftpd::worker
