// The master process: owns the configuration, the listening sockets, the pid file and
// the pool; its loop waits on a signalfd and acts on signals in order (nginx's cycle).
// Runs in the master only; never touches a client connection.
#pragma once

#include "master/config.hpp"
#include "master/daemon.hpp"
#include "master/upgrade.hpp"

#include <optional>
#include <string>

namespace ftpd::master {

// Exit statuses of ftpd (see ftpd(8)).
constexpr int kExitOk = 0;
constexpr int kExitConfig = 1;
constexpr int kExitUsage = 2;
constexpr int kExitStart = 3;

// Runs the daemon with cfg until it is stopped; returns the exit status. detacher, when
// detached, is told ready() once the workers are started or failed() with the reason.
// binary: what SIGUSR2 execs (start_path()). inherited: set when started by an upgrade;
// then the detacher reports to the old master, once every worker runs.
int run_master(Config cfg, bool foreground, Detacher& detacher, const std::string& binary,
               std::optional<Inheritance> inherited);

// The log target for cfg: log_file, or stderr in the foreground and syslog otherwise.
std::string log_target(const Config& cfg, bool foreground);

}  // namespace ftpd::master
