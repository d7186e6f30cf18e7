// UsersWatch (users_watch.hpp): stat, compare, open, read, parse.
#include "master/users_watch.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ftpd::master {

std::optional<FileStamp> stamp_of(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return FileStamp{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
                     static_cast<std::uint64_t>(st.st_size),
                     static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                     static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec};
}

std::optional<UsersWatch::Change> UsersWatch::poll(Clock::time_point now) {
    if (now < next_) return std::nullopt;
    next_ = now + std::chrono::seconds(1);
    auto stamp = stamp_of(path_);
    if (stamp == known_) return std::nullopt;
    // Only a file at rest since the last look is read: an editor that truncates and then
    // writes, or a copy in progress, is seen whole one look later.
    bool settled = pending_ && stamp == *pending_;
    pending_ = stamp;
    if (!settled) return std::nullopt;
    known_ = stamp;
    if (!stamp) {
        spdlog::error("users file {}: {}; the users read before stay in force", path_, std::strerror(errno));
        return std::nullopt;
    }
    Change change;
    change.fd.reset(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (!change.fd) {
        spdlog::error("users file {}: cannot open: {}; the users read before stay in force", path_,
                      std::strerror(errno));
        return std::nullopt;
    }
    std::string text;
    char buf[65536];
    for (off_t pos = 0;;) {
        ssize_t n = ::pread(change.fd.get(), buf, sizeof buf, pos);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            spdlog::error("users file {}: cannot read: {}; the users read before stay in force", path_,
                          std::strerror(errno));
            return std::nullopt;
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
        pos += n;
    }
    if (stamp_of(path_) != stamp) {  // written while we read: take it at the next look
        known_.reset();
        pending_.reset();
        return std::nullopt;
    }
    change.users = worker::parse_users(text, path_);
    return change;
}

}  // namespace ftpd::master
