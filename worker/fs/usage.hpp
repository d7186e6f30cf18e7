// Quota usage: what a user's root holds, counted by walking it. Runs on a file-system
// thread (it blocks); the walk never leaves the root and never follows a symlink.
#pragma once

#include "worker/fs/fs_root.hpp"
#include "worker/fs/result.hpp"

#include <cstdint>

namespace ftpd::worker::fs {

struct Usage {
    std::int64_t bytes = 0;  // sizes of the regular files
    std::int64_t files = 0;  // regular files
};

// Every regular file under the root, in every directory (dot-files and the temporary files
// of uploads in progress too: they take room). Directories it cannot read are skipped;
// an error only when the root itself cannot be opened.
Result<Usage> scan_usage(const FsRoot& root);

}  // namespace ftpd::worker::fs
