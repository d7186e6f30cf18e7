// Uploads: STOR and STOU go to a temporary name beside the target and are renamed into
// place only when complete; APPE and REST+STOR write in place (DESIGN: resume writes in
// place). Runs in a worker's session. A broken upload never leaves a truncated file under
// the real name, and with upload_overwrite = no no upload changes bytes that exist.
#include "worker/file_facts.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"
#include "worker/worker.hpp"
#include "ipc/sys/syscall.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ftpd::worker {
namespace code = protocol::code;
namespace sys = ipc::sys;

namespace {

constexpr int kMaxUniqueTries = 1000;  // STOU: name, name.1, ... name.999

bool disk_full(const std::error_code& ec) { return ec.value() == ENOSPC || ec.value() == EDQUOT; }

}  // namespace

// After the 150: receives into fd under the control monitor. A client that vanished closes
// the data connection too, which looks like the end of the file: an upload whose control
// connection is gone counts as broken.
awaitable<std::error_code> Session::receive_upload(int fd, const std::string& path, std::uint64_t& received) {
    worker_.status().transfer_started(row_, path);
    start_monitor("STOR " + path, 0);
    auto result = co_await receive_file(fd, received);
    result = co_await end_transfer(result);
    if (!result && (closing_ || control_closed())) result = std::make_error_code(std::errc::connection_aborted);
    co_return result;
}

awaitable<void> Session::upload_via_temp(int dir, const std::string& name, const std::string& path,
                                         const std::string& shown, std::string_view what, bool no_replace) {
    std::string temp = ".ftpd-upload." + std::to_string(::getpid()) + "." + std::to_string(id_) + "." +
                       std::to_string(worker_.next_upload_id());
    sys::unique_fd file;
    {
        ScopedUmask mask(umask_);
        file = sys::unique_fd(::openat(dir, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    }
    if (!file) {
        reply_fs_error(sys::errno_code(), shown);
        co_return;
    }
    if (!co_await open_data(what)) {
        ::unlinkat(dir, temp.c_str(), 0);
        co_return;
    }
    auto start = Clock::now();
    std::uint64_t received = 0;
    auto result = co_await receive_upload(file.get(), path, received);
    file.reset();
    if (!result) {
        if (::renameat2(dir, temp.c_str(), dir, name.c_str(), no_replace ? RENAME_NOREPLACE : 0) == 0) {
            spdlog::info("{}: stored {} ({} bytes)", log_prefix(), path, received);
            report_transfer('i', path, received, start, true);
            finish_data({}, "Transfer complete.");
            co_return;
        }
        result = sys::errno_code();  // e.g. EEXIST: the name was taken meanwhile (553)
        ::unlinkat(dir, temp.c_str(), 0);
        report_transfer('i', path, received, start, false);
        close_data();
        reply_fs_error(result, shown);
        co_return;
    }
    ::unlinkat(dir, temp.c_str(), 0);
    spdlog::info("{}: upload of {} failed after {} bytes: {}", log_prefix(), path, received, result.message());
    report_transfer('i', path, received, start, false);
    if (disk_full(result)) {
        close_data();
        reply_fs_error(result, shown);  // 452 or 552
        co_return;
    }
    finish_data(result, "");
}

awaitable<void> Session::upload_in_place(const std::string& path, const std::string& shown, bool append,
                                         std::uint64_t offset) {
    std::error_code ec;
    struct stat st {};
    if (!append && !root_->stat(path, st, ec)) {  // a restart needs the file it resumes
        reply_fs_error(ec, shown);
        co_return;
    }
    if (!append && !may_restart(st, shown, offset, true)) co_return;
    sys::unique_fd file;
    {
        ScopedUmask mask(umask_);
        file = root_->open(path, O_WRONLY | (append ? O_CREAT | O_APPEND : 0), 0666, ec);  // APPE creates
    }
    if (!ec) sys::check(ec, [&] { return ::fstat(file.get(), &st); });
    if (ec) {
        reply_fs_error(ec, shown);
        co_return;
    }
    if (append ? !S_ISREG(st.st_mode) : !may_restart(st, shown, offset, true)) {  // it may have changed
        if (append) reply(code::kNameNotAllowed, shown + ": Not a plain file.");
        co_return;
    }
    // A restart's result is the first `offset` bytes plus what the client sends now.
    if (!append && (::ftruncate(file.get(), static_cast<off_t>(offset)) != 0 ||
                    ::lseek(file.get(), static_cast<off_t>(offset), SEEK_SET) < 0)) {
        reply_fs_error(sys::errno_code(), shown);
        co_return;
    }
    if (!co_await open_data("Ok to send data.")) co_return;
    auto start = Clock::now();
    std::uint64_t received = 0;
    auto result = co_await receive_upload(file.get(), path, received);
    report_transfer('i', path, received, start, !result);
    if (result)
        spdlog::info("{}: upload to {} stopped after {} bytes: {}", log_prefix(), path, received, result.message());
    if (disk_full(result)) {
        close_data();
        reply_fs_error(result, shown);
        co_return;
    }
    finish_data(result, "Transfer complete.");
}

awaitable<void> Session::cmd_stor(const std::string& arg) {
    if (refuse_write()) co_return;
    std::uint64_t offset = std::exchange(rest_, 0);
    std::string path = resolve(arg);
    if (offset > 0) {
        co_await upload_in_place(path, arg, false, offset);
        co_return;
    }
    std::error_code ec;
    std::string name;
    auto dir = root_->open_parent(path, name, ec);
    if (ec) {
        reply_fs_error(ec, arg);
        co_return;
    }
    struct stat st {};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(st.st_mode)) {
            reply(code::kNameNotAllowed, arg + ": Is a directory.");
            co_return;
        }
        if (!settings_.upload_overwrite) {
            reply(code::kNameNotAllowed, arg + ": File exists; overwriting is not allowed.");
            co_return;
        }
    }
    co_await upload_via_temp(dir.get(), name, path, arg, "Ok to send data.", !settings_.upload_overwrite);
}

// RFC 959 STOU: a name unused in the working directory (the argument, if any, is the
// stem), announced in the 150 as "FILE: name" (RFC 1123 4.1.2.9).
awaitable<void> Session::cmd_stou(const std::string& arg) {
    if (refuse_write()) co_return;
    rest_ = 0;
    std::error_code ec;
    auto dir = root_->open(cwd_, O_PATH | O_DIRECTORY, 0, ec);
    if (ec) {
        reply_fs_error(ec, ".");
        co_return;
    }
    std::string stem = arg.empty() ? std::string("ftpd-upload") : std::string(base_name(normalize_path("/", arg)));
    if (stem.empty() || stem.front() == '.') stem = "ftpd-upload" + stem;
    std::string name;
    for (int i = 0; i < kMaxUniqueTries && name.empty(); ++i) {
        std::string candidate = i == 0 ? stem : stem + "." + std::to_string(i);
        struct stat st {};
        if (::fstatat(dir.get(), candidate.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
            name = candidate;
    }
    if (name.empty()) {
        reply(code::kNameNotAllowed, "Could not find a unique file name.");
        co_return;
    }
    co_await upload_via_temp(dir.get(), name, resolve(name), name, "FILE: " + name, true);
}

awaitable<void> Session::cmd_appe(const std::string& arg) {
    if (refuse_write()) co_return;
    rest_ = 0;
    co_await upload_in_place(resolve(arg), arg, true, 0);
}

}  // namespace ftpd::worker
