// Paths inside a session's root. Every name a client gives is joined to the session's
// virtual working directory, normalised lexically, and then resolved by the kernel with
// openat2(RESOLVE_IN_ROOT): "..", absolute paths and symlinks never leave the root.
// Runs in workers. Errors are returned as std::error_code (they are the user's mistakes).
#pragma once

#include "ipc/sys/unique_fd.hpp"

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace ftpd::worker {

// Joins arg to the virtual directory cwd ("/pub") and normalises the result: "." and
// empty components vanish, ".." goes up but never above "/". Returns an absolute
// virtual path without a trailing slash ("/" for the root). Pure.
std::string normalize_path(std::string_view cwd, std::string_view arg);

// The last component of a normalised virtual path ("" for "/").
std::string_view base_name(std::string_view vpath);
// The parent of a normalised virtual path ("/" for "/a" and for "/").
std::string parent_path(std::string_view vpath);

struct DirEntry {
    std::string name;
    struct stat st {};
};

class FsRoot {
public:
    // Opens root_path as the root. Throws std::system_error if it is not a directory.
    explicit FsRoot(const std::string& root_path);

    // openat2(vpath, flags, mode) confined to the root.
    ipc::sys::unique_fd open(std::string_view vpath, int flags, mode_t mode, std::error_code& ec) const;

    // stat() of the object at vpath (symlinks followed, inside the root).
    bool stat(std::string_view vpath, struct stat& st, std::error_code& ec) const;

    // The entries of the directory at vpath, sorted by name, with stat data (symlinks
    // resolved inside the root; entries whose target is outside or missing are left out).
    std::vector<DirEntry> list(std::string_view vpath, bool show_hidden, std::error_code& ec) const;

    void mkdir(std::string_view vpath, mode_t mode, std::error_code& ec) const;
    void rmdir(std::string_view vpath, std::error_code& ec) const;
    void unlink(std::string_view vpath, std::error_code& ec) const;
    // Renames within the root; with no_replace, an existing target gives EEXIST.
    void rename(std::string_view from, std::string_view to, bool no_replace, std::error_code& ec) const;

    // Opens the directory containing vpath (O_PATH); name receives the last component.
    ipc::sys::unique_fd open_parent(std::string_view vpath, std::string& name, std::error_code& ec) const;

private:
    ipc::sys::unique_fd root_;
};

}  // namespace ftpd::worker
