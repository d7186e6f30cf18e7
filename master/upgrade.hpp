// The binary upgrade (SIGUSR2, `ftpctl upgrade`), nginx-style, both sides of it.
// The old master starts the installed binary (its start path, re-resolved) as a child with
// the listening sockets, the locked pid file and a report pipe passed by descriptor (listed
// in FTPD_UPGRADE_* environment variables); the new master takes them over, starts its pool
// and reports "ok" or why it failed on the pipe, like a detached start does. Runs in the
// master only.
#pragma once

#include "ipc/sys/unique_fd.hpp"
#include "master/config.hpp"
#include "master/listeners.hpp"

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace ftpd::master {

// The new master's inheritance, read from the environment (and removed from it, so workers
// and a later upgrade never see it). Every descriptor is made close-on-exec again.
struct Inheritance {
    int old_master_pid = 0;
    std::vector<Listener> listeners;  // as the old master had them bound
    ipc::sys::unique_fd pid_file;     // the old master's open, flock()ed pid file
    ipc::sys::unique_fd report;       // write end: "ok\n" or "<status><message>\n"
};

// nullopt when this ftpd was not started by an upgrade. Throws std::runtime_error when the
// variables are present but malformed or name descriptors that are not open.
std::optional<Inheritance> inheritance_from_environment();

// argv[0] as an absolute path (made absolute against the current directory, or found in
// PATH), for the exec of a later upgrade; symlinks are not resolved, so a replaced file or
// a re-pointed symlink is what the upgrade runs.
std::string start_path(const char* argv0);

// The old master's child: the new binary, started with what it needs to take over.
struct UpgradeChild {
    pid_t pid = 0;
    ipc::sys::unique_fd report;  // read end of the report pipe, non-blocking
};

// Forks and execs `binary -c config_path [-f]` with the listening sockets, the pid file and
// the write end of a report pipe inherited. If the exec fails, the child reports why on the
// pipe and exits 127. The child runs with an empty signal mask and default dispositions.
// Throws std::system_error when the pipe or the fork fails.
UpgradeChild start_new_binary(const std::string& binary, const std::string& config_path, bool foreground,
                              const std::vector<Listener>& listeners, int pid_file_fd);

}  // namespace ftpd::master
