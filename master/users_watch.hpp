// Watching the users file for new logins without a reload: the master (root, so a 0600
// file is fine) compares the file's identity at most once a second and, when it changed,
// reads it and hands it to the pool. Runs in the master; one stat() a second of a local
// file, never anything a worker waits on.
#pragma once

#include "worker/accounts.hpp"

#include "ipc/sys/unique_fd.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace ftpd::master {

// What tells a changed file: a rename over it (device, inode) or an edit in place (size,
// modification and change times in nanoseconds).
struct FileStamp {
    std::uint64_t dev = 0, ino = 0, size = 0;
    std::int64_t mtime_ns = 0, ctime_ns = 0;
    bool operator==(const FileStamp&) const = default;
};

// The stamp of path; nullopt when it cannot be stat()ed.
std::optional<FileStamp> stamp_of(const std::string& path);

class UsersWatch {
public:
    using Clock = std::chrono::steady_clock;

    // `known`: the stamp of the file as the configuration read it.
    UsersWatch(std::string path, std::optional<FileStamp> known) : path_(std::move(path)), known_(known) {}

    struct Change {
        ipc::sys::unique_fd fd;       // the file, opened read-only, for the workers
        worker::UsersFile users;      // parsed; errors name the file and line
    };

    // At most once a second (earlier calls return nullopt at once): when the file changed
    // and has stayed as it is since the previous look, opens and parses it. A file that vanished or cannot be opened is
    // logged once per change and nothing is returned (the users in force stay).
    std::optional<Change> poll(Clock::time_point now);

private:
    std::string path_;
    std::optional<FileStamp> known_;
    std::optional<std::optional<FileStamp>> pending_;  // what the last look saw, if it differed
    Clock::time_point next_{};
};

}  // namespace ftpd::master
