// Commands on names in the session's root: PWD CWD CDUP MKD RMD DELE RNFR RNTO SIZE MDTM.
// Runs in a worker's session; every path goes through FsRoot (never leaves the root).
#include "worker/file_facts.hpp"
#include "worker/protocol/listing.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"
#include "ipc/sys/syscall.hpp"

#include <fcntl.h>
#include <sys/stat.h>

namespace ftpd::worker {
namespace code = protocol::code;
namespace sys = ipc::sys;

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
    struct stat st {};
    std::error_code ec;
    if (!root_->stat(path, st, ec)) {
        reply_fs_error(ec, arg);
    } else if (!S_ISDIR(st.st_mode)) {
        reply(code::kFileUnavailable, arg + ": Not a directory.");
    } else {
        cwd_ = path;
        reply(code::kFileActionOk, "Directory successfully changed.");
    }
    co_return;
}

awaitable<void> Session::cmd_cdup(const std::string&) {
    static const std::string kParent = "..";
    co_await cmd_cwd(kParent);
}

awaitable<void> Session::cmd_mkd(const std::string& arg) {
    if (refuse_write()) co_return;
    std::string path = resolve(arg);
    std::error_code ec;
    {
        ScopedUmask mask(umask_);
        root_->mkdir(path, 0777, ec);
    }
    if (ec)
        reply_fs_error(ec, arg);
    else
        reply(code::kPathCreated, quote_path(path) + " created");
}

awaitable<void> Session::cmd_rmd(const std::string& arg) {
    if (refuse_write()) co_return;
    std::error_code ec;
    root_->rmdir(resolve(arg), ec);
    if (ec)
        reply_fs_error(ec, arg);
    else
        reply(code::kFileActionOk, "Remove directory operation successful.");
}

awaitable<void> Session::cmd_dele(const std::string& arg) {
    if (refuse_write()) co_return;
    std::error_code ec;
    root_->unlink(resolve(arg), ec);
    if (ec)
        reply_fs_error(ec, arg);
    else
        reply(code::kFileActionOk, "Delete operation successful.");
}

// RNFR names what the RNTO right after it renames (dispatch forgets it otherwise).
awaitable<void> Session::cmd_rnfr(const std::string& arg) {
    if (refuse_write()) co_return;
    std::string path = resolve(arg);
    std::string name;
    std::error_code ec;
    auto dir = root_->open_parent(path, name, ec);
    struct stat st {};
    if (!ec) sys::check(ec, [&] { return ::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW); });
    if (ec) {
        reply_fs_error(ec, arg);
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
    std::error_code ec;
    root_->rename(from, resolve(arg), !settings_.upload_overwrite, ec);
    if (ec)
        reply_fs_error(ec, arg);
    else
        reply(code::kFileActionOk, "Rename successful.");
}

awaitable<void> Session::cmd_size(const std::string& arg) {
    struct stat st {};
    std::error_code ec;
    if (!root_->stat(resolve(arg), st, ec))
        reply_fs_error(ec, arg);
    else if (!S_ISREG(st.st_mode))
        reply(code::kFileUnavailable, arg + ": Not a regular file.");
    else
        reply(code::kFileStatus, std::to_string(st.st_size));
    co_return;
}

awaitable<void> Session::cmd_mdtm(const std::string& arg) {
    struct stat st {};
    std::error_code ec;
    if (!root_->stat(resolve(arg), st, ec))
        reply_fs_error(ec, arg);
    else if (!S_ISREG(st.st_mode))
        reply(code::kFileUnavailable, arg + ": Not a regular file.");
    else
        reply(code::kFileStatus, protocol::format_mdtm(st.st_mtime));
    co_return;
}

}  // namespace ftpd::worker
