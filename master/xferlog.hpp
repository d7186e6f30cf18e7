// The transfer log in the wu-ftpd/vsftpd `xferlog` format, one line per RETR/STOR, written
// by the master from the workers' transfer events. Runs in the master only.
#pragma once

#include "ipc/event.hpp"

#include <cstdio>
#include <string>

namespace ftpd::master {

// One xferlog line (with '\n') for a transfer_finished event:
// "Mon Nov 23 02:40:00 2026 1 127.0.0.1 1234 /pub/a b _ o a anonymous ftp 0 * c"
// (current-time transfer-time remote-host bytes filename type action direction
// access-mode user service auth-method auth-user-id status). Spaces in the file name
// become '_' so the line stays splittable on blanks. Times in local time, as wu-ftpd.
std::string format_xferlog(const ipc::Event& e);

class Xferlog {
public:
    // Opens path for appending (empty path: no log). Throws std::runtime_error.
    explicit Xferlog(const std::string& path);
    ~Xferlog();
    Xferlog(const Xferlog&) = delete;
    Xferlog& operator=(const Xferlog&) = delete;

    void write(const ipc::Event& e);
    void reopen();  // SIGUSR1, after logrotate
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::FILE* file_ = nullptr;
};

}  // namespace ftpd::master
