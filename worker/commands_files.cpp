// Commands on names in the session's root: PWD CWD CDUP MKD RMD DELE SIZE MDTM.
// Runs in a worker's session; every path goes through FsRoot (never leaves the root).
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
    root_->mkdir(path, 0777, ec);
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
