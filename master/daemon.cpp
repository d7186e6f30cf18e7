// The pid file and detaching. Runs in the master only.
#include "master/daemon.hpp"

#include "ipc/sys/syscall.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef FTPD_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace ftpd::master {
namespace sys = ipc::sys;

PidFile::PidFile(const std::string& path) : path_(path) {
    fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd_) throw std::runtime_error("cannot open pid_file " + path + ": " + std::strerror(errno));
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
        char buf[32] = {};
        ssize_t n = ::pread(fd_.get(), buf, sizeof buf - 1, 0);
        std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
        while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
        throw std::runtime_error("ftpd is already running (pid " + pid + ", pid_file " + path + ")");
    }
}

PidFile::PidFile(const std::string& path, ipc::sys::unique_fd locked) : path_(path), fd_(std::move(locked)) {}

PidFile::~PidFile() {
    if (writer_ != 0 && writer_ == ::getpid()) ::unlink(path_.c_str());
}

void PidFile::write(int pid) {
    std::string text = std::to_string(pid) + "\n";
    sys::check("ftruncate(pid_file)", [&] { return ::ftruncate(fd_.get(), 0); });
    sys::check("write(pid_file)", [&] { return ::pwrite(fd_.get(), text.data(), text.size(), 0); });
    writer_ = pid;
}

void Detacher::detach() {
    int fds[2];
    sys::check("pipe", [&] { return ::pipe2(fds, O_CLOEXEC); });
    pid_t child = sys::check("fork", [] { return ::fork(); });
    if (child > 0) {
        ::close(fds[1]);
        // Wait for the daemon's verdict, one line ("" at EOF: it died early). Workers
        // inherit the write end, so the line's end, not EOF, ends the wait.
        std::string msg;
        char buf[512];
        ssize_t n;
        while (msg.find('\n') == std::string::npos &&
               ((n = ::read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)))
            if (n > 0) msg.append(buf, static_cast<std::size_t>(n));
        if (auto nl = msg.find('\n'); nl != std::string::npos) msg.erase(nl);
        if (msg == "ok") ::_exit(0);
        int status = 3;
        if (!msg.empty() && msg[0] >= '0' && msg[0] <= '9') {
            status = msg[0] - '0';
            msg.erase(0, 1);
        } else if (msg.empty()) {
            msg = "ftpd: the daemon exited during startup (see the log)";
        }
        std::fprintf(stderr, "%s\n", msg.c_str());
        ::_exit(status);
    }
    ::close(fds[0]);
    pipe_.reset(fds[1]);
    ::setsid();
    if (::chdir("/") != 0) { /* "/" always exists */ }
}

void Detacher::ready() {
    if (!pipe_) return;
    (void)!::write(pipe_.get(), "ok\n", 3);
    pipe_.reset();
    if (!quiet_) return;
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
        ::dup2(null, 0);
        ::dup2(null, 1);
        ::dup2(null, 2);
        if (null > 2) ::close(null);
    }
}

void Detacher::failed(const std::string& message, int status) {
    if (!pipe_) return;
    std::string text = std::to_string(status % 10) + message + "\n";
    (void)!::write(pipe_.get(), text.data(), text.size());
    pipe_.reset();
}

void notify_systemd(const std::string& state) {
#ifdef FTPD_HAVE_SYSTEMD
    ::sd_notify(0, state.c_str());
#else
    (void)state;
#endif
}

}  // namespace ftpd::master
