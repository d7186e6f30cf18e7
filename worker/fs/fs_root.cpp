// Paths inside a session's root: lexical normalisation plus openat2(RESOLVE_IN_ROOT).
// Runs on a worker's file-system threads; never follows a path outside the root, never
// throws for user errors.
#include "worker/fs/fs_root.hpp"

#include "ipc/sys/syscall.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace ftpd::worker::fs {
namespace sys = ipc::sys;

std::string normalize_path(std::string_view cwd, std::string_view arg) {
    std::vector<std::string_view> parts;
    auto push = [&](std::string_view path) {
        std::size_t i = 0;
        while (i <= path.size()) {
            std::size_t j = path.find('/', i);
            if (j == std::string_view::npos) j = path.size();
            std::string_view part = path.substr(i, j - i);
            if (part == "..") {
                if (!parts.empty()) parts.pop_back();
            } else if (!part.empty() && part != ".") {
                parts.push_back(part);
            }
            i = j + 1;
        }
    };
    if (arg.empty() || arg.front() != '/') push(cwd);
    push(arg);
    std::string out;
    for (auto p : parts) {
        out += '/';
        out += p;
    }
    return out.empty() ? "/" : out;
}

std::string_view base_name(std::string_view vpath) {
    auto slash = vpath.rfind('/');
    return slash == std::string_view::npos ? vpath : vpath.substr(slash + 1);
}

std::string parent_path(std::string_view vpath) {
    auto slash = vpath.rfind('/');
    if (slash == std::string_view::npos || slash == 0) return "/";
    return std::string(vpath.substr(0, slash));
}

namespace {

// "/a/b" -> "a/b"; "/" -> "." (openat2 wants a relative path under RESOLVE_IN_ROOT).
std::string relative(std::string_view vpath) {
    while (!vpath.empty() && vpath.front() == '/') vpath.remove_prefix(1);
    return vpath.empty() ? std::string(".") : std::string(vpath);
}

int openat2_in_root(int root, const std::string& rel, int flags, mode_t mode) {
    open_how how{};
    // O_NONBLOCK: opening a FIFO (or a device) a client names must never block the worker;
    // it has no effect on regular files, and callers refuse what is not one.
    if (!(flags & O_PATH)) flags |= O_NONBLOCK;
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    return static_cast<int>(::syscall(SYS_openat2, root, rel.c_str(), &how, sizeof how));
}

}  // namespace

int rename_at(int from_dir, const char* from, int to_dir, const char* to, bool no_replace) {
    if (!no_replace) return ::renameat(from_dir, from, to_dir, to);
    if (::renameat2(from_dir, from, to_dir, to, RENAME_NOREPLACE) == 0) return 0;
    if (errno != EINVAL && errno != ENOSYS) return -1;
    if (::linkat(from_dir, from, to_dir, to, 0) == 0) {
        ::unlinkat(from_dir, from, 0);
        return 0;
    }
    if (errno == EEXIST) return -1;
    struct stat st {};
    if (::fstatat(to_dir, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        errno = EEXIST;
        return -1;
    }
    return ::renameat(from_dir, from, to_dir, to);
}

FsRoot::FsRoot(const std::string& root_path)
    : path_(root_path),
      root_(sys::check(sys::call_on("open", root_path),
                       [&] { return ::open(root_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC); })) {}

sys::unique_fd FsRoot::open(std::string_view vpath, int flags, mode_t mode, std::error_code& ec) const {
    std::string rel = relative(vpath);
    int fd = sys::check(ec, [&] { return openat2_in_root(root_.get(), rel, flags, mode); });
    return sys::unique_fd(fd);
}

bool FsRoot::stat(std::string_view vpath, struct stat& st, std::error_code& ec) const {
    auto fd = open(vpath, O_PATH, 0, ec);
    if (ec) return false;
    sys::check(ec, [&] { return ::fstat(fd.get(), &st); });
    return !ec;
}

bool FsRoot::lstat(std::string_view vpath, struct stat& st, std::error_code& ec) const {
    std::string name;
    auto dir = open_parent(vpath, name, ec);
    if (!ec) sys::check(ec, [&] { return ::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW); });
    return !ec;
}

void FsRoot::chmod(std::string_view vpath, mode_t mode, std::error_code& ec) const {
    auto fd = open(vpath, O_PATH, 0, ec);
    if (ec) return;
    // fchmod() refuses O_PATH descriptors; the /proc link reaches the same inode.
    std::string link = "/proc/self/fd/" + std::to_string(fd.get());
    sys::check(ec, [&] { return ::chmod(link.c_str(), mode); });
}

void FsRoot::set_times(std::string_view vpath, const timespec& modify, const timespec* access,
                       std::error_code& ec) const {
    auto fd = open(vpath, O_PATH, 0, ec);
    if (ec) return;
    timespec times[2] = {access ? *access : timespec{0, UTIME_OMIT}, modify};
    // As chmod: the /proc link reaches the inode the confined open found.
    std::string link = "/proc/self/fd/" + std::to_string(fd.get());
    sys::check(ec, [&] { return ::utimensat(AT_FDCWD, link.c_str(), times, 0); });
}

sys::unique_fd FsRoot::open_parent(std::string_view vpath, std::string& name, std::error_code& ec) const {
    name = std::string(base_name(vpath));
    if (name.empty()) {  // the root itself has no parent inside the root
        ec = sys::errno_code(EPERM);
        return {};
    }
    return open(parent_path(vpath), O_PATH | O_DIRECTORY, 0, ec);
}

void FsRoot::mkdir(std::string_view vpath, mode_t mode, std::error_code& ec) const {
    std::string name;
    auto dir = open_parent(vpath, name, ec);
    if (!ec) sys::check(ec, [&] { return ::mkdirat(dir.get(), name.c_str(), mode); });
}

void FsRoot::rmdir(std::string_view vpath, std::error_code& ec) const {
    std::string name;
    auto dir = open_parent(vpath, name, ec);
    if (!ec) sys::check(ec, [&] { return ::unlinkat(dir.get(), name.c_str(), AT_REMOVEDIR); });
}

void FsRoot::unlink(std::string_view vpath, std::error_code& ec) const {
    std::string name;
    auto dir = open_parent(vpath, name, ec);
    if (ec) return;
    struct stat st {};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
        ec = sys::errno_code(EISDIR);
        return;
    }
    sys::check(ec, [&] { return ::unlinkat(dir.get(), name.c_str(), 0); });
}

void FsRoot::rename(std::string_view from, std::string_view to, bool no_replace, std::error_code& ec) const {
    std::string from_name, to_name;
    auto from_dir = open_parent(from, from_name, ec);
    if (ec) return;
    auto to_dir = open_parent(to, to_name, ec);
    if (ec) return;
    // RNTO replaces a file or a symlink, never a FIFO, socket, device or directory (an empty
    // directory would go without a word).
    struct stat st {};
    if (::fstatat(to_dir.get(), to_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode) &&
        !S_ISLNK(st.st_mode)) {
        ec = sys::errno_code(S_ISDIR(st.st_mode) ? EISDIR : ENXIO);
        return;
    }
    sys::check(ec, [&] { return rename_at(from_dir.get(), from_name.c_str(), to_dir.get(), to_name.c_str(), no_replace); });
}

}  // namespace ftpd::worker::fs
