// Logging set-up shared by the master and its workers: spdlog to stderr, a file or
// syslog; every line names the process ("master", "worker 3") and its pid.
// Runs in the master before fork and in each worker right after it.
#pragma once

#include "ipc/sys/unique_fd.hpp"

#include <string>

namespace ftpd::worker {

// Installs the default logger. target is "stderr", "syslog" or a file path; level is a
// spdlog level name (trace, debug, info, warning, error, critical, off). Throws
// std::runtime_error (e.g. the file cannot be opened).
void setup_logging(const std::string& target, const std::string& level, const std::string& name);

// Renames the process in log lines (a freshly forked worker: "worker 3").
void set_log_name(const std::string& name);

// Re-opens the log file (SIGUSR1, after logrotate moved it). No-op for stderr/syslog.
void reopen_logs();

// The log file's path, or "" when logging to stderr or syslog.
std::string log_file_path();

// Logs to `fd` from now on: the new log file, opened by the master and passed on, since
// a worker cannot open a file logrotate re-created as root after its privilege drop.
void reopen_logs(ipc::sys::unique_fd fd);

// True when level names a spdlog level.
bool valid_log_level(const std::string& level);

}  // namespace ftpd::worker
