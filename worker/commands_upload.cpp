// Uploads: STOR and STOU go to a temporary name beside the target and are renamed into
// place only when complete; APPE and REST+STOR write in place (DESIGN: resume writes in
// place). Runs in a worker's session; every file-system step runs on a file-system thread.
// A broken upload never leaves a truncated file under the real name, and with
// upload_overwrite = no no upload changes bytes that exist.
#include "worker/printable.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"
#include "worker/worker.hpp"

#include <spdlog/spdlog.h>

#include <sys/stat.h>
#include <unistd.h>

namespace ftpd::worker {
namespace code = protocol::code;

namespace {

bool disk_full(const std::error_code& ec) {
    return !fs::is_fs_errc(ec) && (ec.value() == ENOSPC || ec.value() == EDQUOT);
}

}  // namespace

std::string Session::upload_temp_name() {
    return ".ftpd-upload." + std::to_string(::getpid()) + "." + std::to_string(id_) + "." +
           std::to_string(worker_.next_upload_id());
}

// After the 150: receives into file under the control monitor. A client that vanished closes
// the data connection too, which looks like the end of the file: an upload whose control
// connection is gone counts as broken.
awaitable<std::error_code> Session::receive_upload(const fs::FilePtr& file, const std::string& path,
                                                   std::uint64_t& received) {
    worker_.status().transfer_started(row_, path);
    max_rate_ = rate_up_;
    start_monitor("STOR " + path, 0);
    auto result = co_await receive_file(file, path, received);
    result = co_await end_transfer(result);
    if (!result && (closing_ || control_closed())) result = std::make_error_code(std::errc::connection_aborted);
    co_return result;
}

awaitable<void> Session::upload_via_temp(const fs::UploadPtr& upload, const std::string& path, const std::string& shown,
                                         std::string_view what, bool no_replace) {
    // Removes the temporary file on a file-system thread, even if this session ends first.
    auto discard = [this, upload, path] { fs_detached(fs::Op::cleanup, path, [upload] { fs::discard_upload(*upload); }); };
    if (!co_await open_data(what)) {
        discard();
        co_return;
    }
    auto start = Clock::now();
    std::uint64_t received = 0;
    auto result = co_await receive_upload(upload->file, path, received);
    if (result) {
        // The temporary file is gone before the reply says the upload failed; only a call
        // the pool refused (busy: it never ran) is left to a detached thread.
        fs::Call<fs::Done> discard_call = [upload] {
            fs::discard_upload(*upload);
            return fs::Result<fs::Done>{};
        };
        auto gone = co_await fs_call<fs::Done>(fs::Op::cleanup, path, std::move(discard_call));
        if (!gone && fs::is_fs_errc(gone.ec) && static_cast<fs::errc>(gone.ec.value()) == fs::errc::busy) discard();
        quota_add(-static_cast<std::int64_t>(received), 0);  // the temporary file goes
        spdlog::info("{}: upload of {} failed after {} bytes: {}", log_prefix(), printable(path), received,
                     result.message());
        report_transfer('i', path, received, start, false);
        if (std::exchange(quota_cut_, false)) {
            transfer_fs_error_ = {};
            close_data();
            reply(code::kExceededStorage, "Transfer aborted: exceeded storage allocation (" + quota_text() +
                                              "); nothing was stored.");
            co_return;
        }
        if (disk_full(transfer_fs_error_)) {
            close_data();
            reply_fs_error(std::exchange(transfer_fs_error_, {}), shown);  // 451 or 552, after the 150
            co_return;
        }
        finish_data(result, "");
        co_return;
    }
    close_data();
    auto old_file = co_await quota_file_size(path);  // what the upload replaces, if anything
    fs::Call<fs::Done> commit_call = [upload, no_replace, sync = settings_.upload_sync] {
        return fs::commit_upload(*upload, no_replace, sync);
    };
    auto committed = co_await fs_call<fs::Done>(fs::Op::commit, path, std::move(commit_call));
    if (!committed) {
        quota_add(-static_cast<std::int64_t>(received), 0);  // the temporary file is removed
        report_transfer('i', path, received, start, false);
        reply_fs_error(committed.ec, shown);  // e.g. EEXIST: the name was taken meanwhile (553)
        co_return;
    }
    if (old_file.first)
        quota_add(-old_file.second, 0);
    else
        quota_add(0, 1);
    spdlog::info("{}: stored {} ({} bytes)", log_prefix(), printable(path), received);
    report_transfer('i', path, received, start, true);
    finish_data({}, "Transfer complete.");
}

awaitable<void> Session::upload_in_place(const std::string& path, const std::string& shown, bool append,
                                         std::uint64_t offset) {
    auto before = co_await quota_file_size(path);
    if (!co_await admit_upload(!before.first)) co_return;
    if (!append) {  // a restart needs the file it resumes
        auto st = co_await fs_stat(path);
        if (!st) {
            reply_fs_error(st.ec, shown);
            co_return;
        }
        if (!may_restart(st.value, shown, offset, true)) co_return;
    }
    fs::Call<fs::FilePtr> open_call = [root = root_, path, append, mode = creation_mode(0666)] {
        return fs::open_for_write(*root, path, append, mode);  // APPE creates
    };
    auto opened = co_await fs_call<fs::FilePtr>(fs::Op::open, path, std::move(open_call));
    if (!opened) {
        reply_fs_error(opened.ec, shown);
        co_return;
    }
    auto file = std::move(opened.value);
    if (append && !before.first) quota_add(0, 1);  // APPE created it
    if (!append) {
        if (!may_restart(file->st, shown, offset, true)) co_return;  // it may have changed
        // A restart's result is the first `offset` bytes plus what the client sends now.
        fs::Call<fs::Done> write_call = [file, offset] { return fs::truncate_at(*file, offset); };
        auto cut = co_await fs_call<fs::Done>(fs::Op::write, path, std::move(write_call));
        if (!cut) {
            reply_fs_error(cut.ec, shown);
            co_return;
        }
        quota_add(static_cast<std::int64_t>(offset) - file->st.st_size, 0);
    }
    if (!co_await open_data("Ok to send data.")) co_return;
    auto start = Clock::now();
    std::uint64_t received = 0;
    auto result = co_await receive_upload(file, path, received);
    report_transfer('i', path, received, start, !result);
    if (result)
        spdlog::info("{}: upload to {} stopped after {} bytes: {}", log_prefix(), printable(path), received,
                     result.message());
    if (std::exchange(quota_cut_, false)) {
        transfer_fs_error_ = {};
        close_data();
        reply(code::kExceededStorage, "Transfer aborted: exceeded storage allocation (" + quota_text() +
                                          "); the bytes before it were kept.");
        co_return;
    }
    if (disk_full(transfer_fs_error_)) {
        close_data();
        reply_fs_error(std::exchange(transfer_fs_error_, {}), shown);
        co_return;
    }
    finish_data(result, "Transfer complete.");
}

awaitable<void> Session::cmd_stor(const std::string& arg) {
    if (refuse_write()) co_return;
    std::uint64_t offset = std::exchange(rest_, 0);
    range_.reset();  // RANG is for RETR and HASH
    std::string path = resolve(arg);
    if (offset > 0) {
        co_await upload_in_place(path, arg, false, offset);
        co_return;
    }
    bool overwrite = settings_.upload_overwrite;
    if (quota_bytes_ || quota_files_) {
        auto existing = co_await quota_file_size(path);
        if (!co_await admit_upload(!existing.first)) co_return;
    }
    fs::Call<fs::UploadPtr> create_call = [root = root_, path, temp = upload_temp_name(), overwrite, mode = creation_mode(0666)] {
            return fs::create_upload(*root, path, temp, overwrite, mode);
        };
    auto created = co_await fs_call<fs::UploadPtr>(fs::Op::create, path, std::move(create_call));
    if (!created) {
        if (created.ec.value() == EEXIST && !fs::is_fs_errc(created.ec))
            reply(code::kNameNotAllowed, arg + ": File exists; overwriting is not allowed.");
        else
            reply_fs_error(created.ec, arg);
        co_return;
    }
    co_await upload_via_temp(std::move(created.value), path, arg, "Ok to send data.", !overwrite);
}

// RFC 959 STOU: a name unused in the working directory (the argument, if any, is the
// stem), announced in the 150 as "FILE: name" (RFC 1123 4.1.2.9).
awaitable<void> Session::cmd_stou(const std::string& arg) {
    if (refuse_write()) co_return;
    rest_ = 0;
    range_.reset();
    std::string stem = arg.empty() ? std::string("ftpd-upload") : std::string(fs::base_name(fs::normalize_path("/", arg)));
    if (stem.empty() || stem.front() == '.') stem = "ftpd-upload" + stem;
    if (!co_await admit_upload(true)) co_return;
    fs::Call<fs::UploadPtr> create_call = [root = root_, dir = cwd_, stem, temp = upload_temp_name(), mode = creation_mode(0666)] {
            return fs::create_unique_upload(*root, dir, stem, temp, mode);
        };
    auto created = co_await fs_call<fs::UploadPtr>(fs::Op::create, cwd_, std::move(create_call));
    if (!created) {
        if (created.ec.value() == EEXIST && !fs::is_fs_errc(created.ec))
            reply(code::kNameNotAllowed, "Could not find a unique file name.");
        else
            reply_fs_error(created.ec, ".");
        co_return;
    }
    std::string name = created.value->name;
    co_await upload_via_temp(std::move(created.value), resolve(name), name, "FILE: " + name, true);
}

awaitable<void> Session::cmd_appe(const std::string& arg) {
    if (refuse_write()) co_return;
    rest_ = 0;
    range_.reset();
    co_await upload_in_place(resolve(arg), arg, true, 0);
}

}  // namespace ftpd::worker
