// Commands on names in the session's root: PWD CWD CDUP MKD RMD DELE RNFR RNTO SIZE MDTM.
// Runs in a worker's session; every path goes through FsRoot (never leaves the root), on a
// file-system thread (fs_call), never on the loop.
#include "worker/file_facts.hpp"
#include "worker/protocol/listing.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"
#include <sys/stat.h>

namespace ftpd::worker {
namespace code = protocol::code;

namespace {

// RFC 959 appendix II: a '"' inside the quoted path name is doubled.
std::string quote_path(std::string_view path) {
    std::string out = "\"";
    for (char c : path) {
        out += c;
        if (c == '"') out += '"';
    }
    return out + "\"";
}

}  // namespace

awaitable<void> Session::cmd_pwd(const std::string&) {
    reply(code::kPathCreated, quote_path(cwd_) + " is the current directory");
    co_return;
}

awaitable<void> Session::cmd_cwd(const std::string& arg) {
    std::string path = resolve(arg);
    auto st = co_await fs_stat(path);
    if (!st) {
        reply_fs_error(st.ec, arg);
    } else if (!S_ISDIR(st.value.st_mode)) {
        reply_file_error(protocol::FileError::not_directory, arg);
    } else {
        cwd_ = path;
        reply(code::kFileActionOk, "Directory successfully changed.");
    }
}

awaitable<void> Session::cmd_cdup(const std::string&) {
    static const std::string kParent = "..";
    co_await cmd_cwd(kParent);
}

awaitable<void> Session::cmd_mkd(const std::string& arg) {
    if (refuse_write()) co_return;
    std::string path = resolve(arg);
    fs::Call<fs::Done> mkdir_call = [root = root_, path, mode = creation_mode(0777)] {
        fs::Result<fs::Done> out;
        root->mkdir(path, mode, out.ec);
        return out;
    };
    auto r = co_await fs_call<fs::Done>(fs::Op::mkdir, path, std::move(mkdir_call));
    if (!r)
        reply_fs_error(r.ec, arg);
    else {
        report_change(ipc::EventType::dir_created, path);
        reply(code::kPathCreated, quote_path(path) + " created");
    }
}

awaitable<void> Session::cmd_rmd(const std::string& arg) {
    if (refuse_write()) co_return;
    std::string path = resolve(arg);
    fs::Call<fs::Done> rmdir_call = [root = root_, path] {
        fs::Result<fs::Done> out;
        root->rmdir(path, out.ec);
        return out;
    };
    auto r = co_await fs_call<fs::Done>(fs::Op::rmdir, path, std::move(rmdir_call));
    if (!r)
        reply_fs_error(r.ec, arg);
    else {
        report_change(ipc::EventType::dir_removed, path);
        reply(code::kFileActionOk, "Remove directory operation successful.");
    }
}

awaitable<void> Session::cmd_dele(const std::string& arg) {
    if (refuse_write()) co_return;
    std::string path = resolve(arg);
    auto removed = co_await quota_file_size(path);  // its bytes leave the user's quota usage
    fs::Call<fs::Done> remove_call = [root = root_, path] {
        fs::Result<fs::Done> out;
        root->unlink(path, out.ec);
        return out;
    };
    auto r = co_await fs_call<fs::Done>(fs::Op::remove, path, std::move(remove_call));
    if (!r)
        reply_fs_error(r.ec, arg);
    else {
        report_change(ipc::EventType::file_deleted, path);
        if (removed.first) quota_add(-removed.second, -1);
        reply(code::kFileActionOk, "Delete operation successful.");
    }
}

// RNFR names what the RNTO right after it renames (dispatch forgets it otherwise).
awaitable<void> Session::cmd_rnfr(const std::string& arg) {
    if (refuse_write()) co_return;
    std::string path = resolve(arg);
    fs::Call<struct stat> stat_call = [root = root_, path] {
        fs::Result<struct stat> out;
        root->lstat(path, out.value, out.ec);
        return out;
    };
    auto st = co_await fs_call<struct stat>(fs::Op::stat, path, std::move(stat_call));
    if (!st) {
        reply_fs_error(st.ec, arg);
        co_return;
    }
    rename_from_ = path;
    reply(code::kPendingFurtherInfo, "Ready for RNTO.");
}

// With upload_overwrite = no, renaming onto an existing name is refused (553), as STOR is.
awaitable<void> Session::cmd_rnto(const std::string& arg) {
    if (!rename_from_) {
        reply(code::kBadSequence, "RNFR required first.");
        co_return;
    }
    std::string from = std::move(*rename_from_);
    rename_from_.reset();
    if (refuse_write()) co_return;
    std::string to = resolve(arg);
    auto replaced = co_await quota_file_size(to);  // a file the rename replaces leaves the usage
    fs::Call<fs::Done> rename_call = [root = root_, from, to, no_replace = !settings_.upload_overwrite] {
        fs::Result<fs::Done> out;
        root->rename(from, to, no_replace, out.ec);
        return out;
    };
    auto r = co_await fs_call<fs::Done>(fs::Op::rename, from, std::move(rename_call));
    if (!r)
        reply_fs_error(r.ec, arg);
    else {
        report_change(ipc::EventType::file_renamed, from, to);
        if (replaced.first && from != to) quota_add(-replaced.second, -1);
        reply(code::kFileActionOk, "Rename successful.");
    }
}

awaitable<void> Session::cmd_size(const std::string& arg) {
    auto st = co_await fs_stat(resolve(arg));
    if (!st)
        reply_fs_error(st.ec, arg);
    else if (!S_ISREG(st.value.st_mode))
        reply(code::kFileUnavailable, arg + ": Not a regular file.");
    else
        reply(code::kFileStatus, std::to_string(st.value.st_size));
}

awaitable<void> Session::cmd_mdtm(const std::string& arg) {
    auto st = co_await fs_stat(resolve(arg));
    if (!st)
        reply_fs_error(st.ec, arg);
    else if (!S_ISREG(st.value.st_mode))
        reply(code::kFileUnavailable, arg + ": Not a regular file.");
    else
        reply(code::kFileStatus, protocol::format_mdtm(st.value.st_mtime));
}

}  // namespace ftpd::worker
