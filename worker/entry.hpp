// The worker's entry point, all the master needs of the worker: what a forked child is
// given (WorkerContext) and the call that runs it. Included by master/pool.*; it must not
// pull in the worker's event loop, status reporter or Boost.Interprocess.
#pragma once

#include "worker/settings.hpp"

#include <string>
#include <vector>

namespace ftpd::worker {

// Exit status of a worker that could not start (privilege drop, root): the master
// backs off instead of respawning it in a loop.
constexpr int kBootFailed = 70;

// One inherited listening socket and how its connections start.
struct ListenSocket {
    int fd = -1;
    bool implicit_tls = false;    // TLS from the first byte (listen_implicit)
    bool proxy_protocol = false;  // a PROXY header from a proxy_trusted balancer comes first
};

struct WorkerContext {
    unsigned slot = 0;                 // the pool slot, "worker N" in logs
    unsigned generation = 1;           // config generation this worker serves
    int master_pid = 0;
    std::vector<ListenSocket> listeners;  // inherited listening sockets
    int log_channel = -1;              // Unix socket: the master passes re-opened log files
    int users_channel = -1;            // Unix socket: the master passes the users file when it changed
    std::string users_file;            // its path, for log lines
    Settings settings;
    std::string user = "nobody";       // switch to this account when started as root
};

// Runs the worker until it is told to stop (or the master dies and its sessions end).
// Returns the process exit status. Never throws.
int run_worker(const WorkerContext& ctx) noexcept;

}  // namespace ftpd::worker
