// A session's side of the file-system layer: each call waits for a file-system thread
// without blocking the loop (the control monitor answers ABOR, STAT and QUIT meanwhile),
// shows in the status row what it waits for, and its failure becomes the reply RFC 959
// lists for the command. Runs in a worker's session.
#include "worker/printable.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"
#include "worker/worker.hpp"

#include <spdlog/spdlog.h>

namespace ftpd::worker {
namespace code = protocol::code;

namespace {

protocol::FileError file_error_of(const std::error_code& ec) {
    if (fs::is_fs_errc(ec)) {
        switch (static_cast<fs::errc>(ec.value())) {
            case fs::errc::busy: return protocol::FileError::busy;
            case fs::errc::timed_out: return protocol::FileError::timed_out;
            case fs::errc::interrupted: return protocol::FileError::aborted;
        }
    }
    return protocol::file_error_of_errno(ec.value());
}

}  // namespace

void Session::reply_file_error(protocol::FileError error, std::string_view name) {
    auto phase = data_started_ ? protocol::Phase::after_data : protocol::Phase::before_data;
    auto r = protocol::file_error_reply(verb_, error, phase, name);
    reply(r.code, r.text);
}

void Session::reply_fs_error(const std::error_code& ec, std::string_view name) {
    auto error = file_error_of(ec);
    // The user's own mistakes are not logged; the server's trouble is.
    if (error == protocol::FileError::local || error == protocol::FileError::busy ||
        error == protocol::FileError::timed_out)
        spdlog::warn("{}: {} {}: {}", log_prefix(), verb_, printable(name), ec.message());
    reply_file_error(error, name);
}

bool Session::begin_fs_wait(fs::Op op, const std::string& path) {
    worker_.status().fs_wait(row_, fs::to_string(op));
    if (monitor_running_ || closing_) return false;
    start_control_monitor();
    return true;
}

awaitable<void> Session::end_fs_wait(bool own_monitor) {
    worker_.status().fs_wait(row_, {});
    if (own_monitor) co_await stop_monitor();
}

awaitable<fs::Result<struct stat>> Session::fs_stat(const std::string& path) {
    fs::Call<struct stat> stat_call = [root = root_, path] {
        fs::Result<struct stat> r;
        root->stat(path, r.value, r.ec);
        return r;
    };
    co_return co_await fs_call<struct stat>(fs::Op::stat, path, std::move(stat_call));
}

void Session::fs_detached(fs::Op op, std::string path, std::function<void()> fn) {
    auto job = worker_.fs_pool().submit(op, path, std::move(fn), {});
    if (!job) spdlog::warn("{}: file system busy: {} {} left undone", log_prefix(), fs::to_string(op), printable(path));
}

}  // namespace ftpd::worker
