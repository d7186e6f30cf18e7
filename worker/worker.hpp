// A worker process: one io_context, the inherited listening sockets raced on accept()
// with the other workers, one coroutine per session. Runs in a child forked by the
// master; it knows nothing of the pool and leaves with _exit() (by its caller).
#pragma once

#include "worker/fs/fs_root.hpp"
#include "worker/settings.hpp"
#include "worker/status_reporter.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
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

class Session;
class CryptPool;
namespace fs {
class Pool;
}

// The state sessions share inside one worker.
class Worker {
public:
    // Opens the root and attaches to the status segment and event queue: call before the
    // privilege drop. Throws if either fails.
    explicit Worker(const WorkerContext& ctx);

    const Settings& settings() const { return ctx_.settings; }
    StatusReporter& status() { return status_; }
    // The config's root, opened before the privilege drop; shared with sessions and their calls.
    const std::shared_ptr<const fs::FsRoot>& anonymous_root() const { return anonymous_root_; }
    std::uint64_t next_upload_id() { return ++uploads_; }
    // The virtual users new logins are checked against: Settings::users at start, then
    // what UsersChannel last read. A login keeps the list it started with.
    std::shared_ptr<const std::vector<Account>> users() const { return users_; }
    void set_users(std::shared_ptr<const std::vector<Account>> users) { users_ = std::move(users); }
    // Where password checks run (set by run_worker; outlives every session).
    CryptPool& crypt_pool() { return *crypt_pool_; }
    void set_crypt_pool(CryptPool* pool) { crypt_pool_ = pool; }
    // Where file-system calls run (set by run_worker; outlives every session).
    fs::Pool& fs_pool() { return *fs_pool_; }
    void set_fs_pool(fs::Pool* pool) { fs_pool_ = pool; }

    // Called by a session as its coroutine ends.
    void session_ended(std::uint64_t id);

    // A session (of any worker) took over a passive listener: session `id` of this worker,
    // or (on SIGURG, and with each heartbeat) every session, looks at its status row and
    // closes its listener if it was the one.
    void check_passive_revoked(std::uint64_t id);
    void check_passive_revocations();

    const WorkerContext& context() const { return ctx_; }

private:
    friend class WorkerLoop;
    const WorkerContext& ctx_;
    std::shared_ptr<const fs::FsRoot> anonymous_root_;
    StatusReporter status_;
    std::uint64_t uploads_ = 0;
    std::shared_ptr<const std::vector<Account>> users_;
    CryptPool* crypt_pool_ = nullptr;
    fs::Pool* fs_pool_ = nullptr;
    std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions_;
    bool draining_ = false;
    void (*on_idle_)(void*) = nullptr;
    void* on_idle_arg_ = nullptr;
};

}  // namespace ftpd::worker
