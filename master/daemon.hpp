// Daemon chores of the master: the locked pid file, and detaching from the terminal
// while the starting process waits until the daemon is ready (or says why it is not).
// Runs in the master only.
#pragma once

#include "ipc/sys/unique_fd.hpp"

#include <string>

namespace ftpd::master {

// The pid file, held with an exclusive flock(2) for the master's lifetime, so a second
// ftpd on the same file refuses to start even if the file was left behind.
class PidFile {
public:
    // Opens and locks path. Throws std::runtime_error naming the running master's pid.
    explicit PidFile(const std::string& path);
    // Takes over an already open and locked pid file (a binary upgrade: the old master's
    // descriptor, sharing its lock, so the file is never unlocked in between).
    PidFile(const std::string& path, ipc::sys::unique_fd locked);
    ~PidFile();  // removes the file, in the process that wrote it only
    PidFile(const PidFile&) = delete;
    PidFile& operator=(const PidFile&) = delete;

    void write(int pid);
    // The file now belongs to a new master: this process will not remove it on exit.
    void hand_over() { writer_ = 0; }
    int fd() const { return fd_.get(); }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    ipc::sys::unique_fd fd_;
    int writer_ = 0;
};

// Detaching: the starting process forks and waits on a pipe; the daemon reports
// ready() or failed(). The starting process exits 0 on ready, else prints the message.
class Detacher {
public:
    // Returns in the daemon (new session, cwd "/"). The starting process never returns:
    // it exits with the daemon's verdict.
    void detach();
    // Daemon: startup succeeded; stdin/stdout/stderr now go to /dev/null.
    void ready();
    // Daemon: startup failed with this message and exit status.
    void failed(const std::string& message, int status);
    bool detached() const { return static_cast<bool>(pipe_); }
    // A binary upgrade: the verdict goes to the old master on this pipe instead of to a
    // starting process. quiet: ready() also points stdin/stdout/stderr at /dev/null.
    void adopt(ipc::sys::unique_fd pipe, bool quiet) {
        pipe_ = std::move(pipe);
        quiet_ = quiet;
    }

private:
    ipc::sys::unique_fd pipe_;
    bool quiet_ = true;
};

// Tells systemd (Type=notify) our state, e.g. "READY=1\nMAINPID=123"; a no-op when not
// started by systemd ($NOTIFY_SOCKET unset) or built without libsystemd.
void notify_systemd(const std::string& state);

}  // namespace ftpd::master
