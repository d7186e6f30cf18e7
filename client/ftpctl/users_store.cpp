// UsersFileLock, read_users_document(), write_users_document() (users_store.hpp).
#include "client/ftpctl/users_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace ftpd::client {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
    throw UsersStoreError(what + "(" + path + "): " + std::strerror(err));
}

std::string directory_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

void write_all(int fd, const std::string& text, const std::string& path) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("write", path, errno);
        done += static_cast<std::size_t>(n);
    }
}

}  // namespace

UsersFileLock::UsersFileLock(const std::string& users_path, std::chrono::milliseconds wait) {
    const std::string path = users_path + ".lock";
    fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd_) fail("open", path, errno);
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) fail("flock", path, errno);
        if (std::chrono::steady_clock::now() >= deadline)
            throw UsersStoreError("another ftpctl is editing " + users_path + " (" + path + " is locked)");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

worker::UsersDocument read_users_document(const std::string& path) {
    ipc::sys::unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd && errno == ENOENT) return worker::parse_users_document("", path);
    if (!fd) fail("open", path, errno);
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("read", path, errno);
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    return worker::parse_users_document(text, path);
}

void write_users_document(const std::string& path, const worker::UsersDocument& doc) {
    struct stat old {};
    bool exists = ::stat(path.c_str(), &old) == 0;
    if (!exists && errno != ENOENT) fail("stat", path, errno);
    std::string tmpl = path + ".XXXXXX";
    int raw = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (raw < 0) fail("mkstemp", tmpl, errno);
    ipc::sys::unique_fd fd(raw);
    const std::string tmp = tmpl;
    try {
        mode_t mode = exists ? (old.st_mode & 07777) : 0600;
        if (::fchmod(fd.get(), mode) != 0) fail("fchmod", tmp, errno);
        if (exists && (old.st_uid != ::geteuid() || old.st_gid != ::getegid()) &&
            ::fchown(fd.get(), old.st_uid, old.st_gid) != 0)
            fail("fchown", tmp, errno);
        write_all(fd.get(), doc.render(), tmp);
        if (::fsync(fd.get()) != 0) fail("fsync", tmp, errno);
        if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename", tmp, errno);
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    const std::string dir = directory_of(path);
    ipc::sys::unique_fd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd || ::fsync(dfd.get()) != 0) fail("fsync", dir, errno);
}

}  // namespace ftpd::client
