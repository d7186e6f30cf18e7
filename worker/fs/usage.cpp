// scan_usage() (worker/fs/usage.hpp): a depth-first walk with openat(O_NOFOLLOW) from the
// root's own descriptor, so nothing outside the root is ever reached.
#include "worker/fs/usage.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace ftpd::worker::fs {

namespace {

constexpr int kMaxDepth = 256;  // deeper trees are not counted further (descriptors)

void walk(int dfd, Usage& usage, int depth) {
    DIR* dir = ::fdopendir(dfd);
    if (!dir) {
        ::close(dfd);
        return;
    }
    while (dirent* d = ::readdir(dir)) {
        if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0) continue;
        struct stat st {};
        if (::fstatat(::dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISREG(st.st_mode)) {
            usage.bytes += st.st_size;
            usage.files += 1;
        } else if (S_ISDIR(st.st_mode) && depth < kMaxDepth) {
            int sub = ::openat(::dirfd(dir), d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) walk(sub, usage, depth + 1);
        }
    }
    ::closedir(dir);
}

}  // namespace

Result<Usage> scan_usage(const FsRoot& root) {
    Result<Usage> out;
    auto fd = root.open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, out.ec);
    if (out.ec) return out;
    walk(fd.release(), out.value, 0);
    return out;
}

}  // namespace ftpd::worker::fs
