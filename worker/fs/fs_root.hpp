// Paths inside a session's root. Every name a client gives is joined to the session's
// virtual working directory, normalised lexically, and then resolved by the kernel with
// openat2(RESOLVE_IN_ROOT): "..", absolute paths and symlinks never leave the root.
// Runs in workers, on the file-system threads (worker/fs/pool.hpp): every member but the
// pure path functions may block. Errors are returned as std::error_code (the user's mistakes).
#pragma once

#include "ipc/sys/unique_fd.hpp"

#include <sys/stat.h>
#include <time.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace ftpd::worker::fs {

// Joins arg to the virtual directory cwd ("/pub") and normalises the result: "." and
// empty components vanish, ".." goes up but never above "/". Returns an absolute
// virtual path without a trailing slash ("/" for the root). Pure.
std::string normalize_path(std::string_view cwd, std::string_view arg);

// The last component of a normalised virtual path ("" for "/").
std::string_view base_name(std::string_view vpath);
// The parent of a normalised virtual path ("/" for "/a" and for "/").
std::string parent_path(std::string_view vpath);

// renameat2() of (from_dir, from) to (to_dir, to); with no_replace an existing target gives
// EEXIST. Where the file system lacks RENAME_NOREPLACE (NFS, FUSE: EINVAL), link() and
// unlink() keep the guarantee atomically; where it also lacks hard links, the target is
// checked first (a name created in between would be replaced). Returns 0, or -1 and errno.
int rename_at(int from_dir, const char* from, int to_dir, const char* to, bool no_replace);

class FsRoot {
public:
    // Opens root_path as the root. Throws std::system_error if it is not a directory.
    explicit FsRoot(const std::string& root_path);

    // The root's path as configured ("/srv/ftp").
    const std::string& path() const { return path_; }

    // openat2(vpath, flags, mode) confined to the root.
    ipc::sys::unique_fd open(std::string_view vpath, int flags, mode_t mode, std::error_code& ec) const;

    // stat() of the object at vpath (symlinks followed, inside the root).
    bool stat(std::string_view vpath, struct stat& st, std::error_code& ec) const;

    // lstat() of the name at vpath itself (a symlink is not followed), inside the root.
    bool lstat(std::string_view vpath, struct stat& st, std::error_code& ec) const;

    // mode is used as given: workers run with umask 0 and apply the session's umask first.
    void mkdir(std::string_view vpath, mode_t mode, std::error_code& ec) const;
    void rmdir(std::string_view vpath, std::error_code& ec) const;
    void unlink(std::string_view vpath, std::error_code& ec) const;
    // Renames within the root; with no_replace, an existing target gives EEXIST. A target
    // that exists and is not a regular file or a symlink is left alone: EISDIR for a
    // directory, ENXIO for a FIFO, socket or device.
    void rename(std::string_view from, std::string_view to, bool no_replace, std::error_code& ec) const;

    // chmod() of the object at vpath (symlinks followed, inside the root).
    void chmod(std::string_view vpath, mode_t mode, std::error_code& ec) const;

    // Sets the modification time (and the access time, when given; else it is left alone)
    // of the object at vpath (symlinks followed, inside the root). Needs the owner's rights.
    void set_times(std::string_view vpath, const timespec& modify, const timespec* access, std::error_code& ec) const;

    // Opens the directory containing vpath (O_PATH); name receives the last component.
    ipc::sys::unique_fd open_parent(std::string_view vpath, std::string& name, std::error_code& ec) const;

private:
    std::string path_;
    ipc::sys::unique_fd root_;
};

}  // namespace ftpd::worker::fs
