// A worker process: one io_context, the inherited listening sockets raced on accept()
// with the other workers, one coroutine per session. Runs in a child forked by the
// master; it knows nothing of the pool and leaves with _exit() (by its caller).
#pragma once

#include "worker/entry.hpp"
#include "worker/fs/fs_root.hpp"
#include "worker/settings.hpp"
#include "worker/status_reporter.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ftpd::worker {

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

    // The event loop's side (worker.cpp): sessions are registered as they start, the loop
    // looks at them to drain, stop and kick, and `on_idle` runs when the last one of a
    // draining worker has ended.
    std::unordered_map<std::uint64_t, std::weak_ptr<Session>>& sessions() { return sessions_; }
    bool draining() const { return draining_; }
    void set_draining() { draining_ = true; }
    void on_idle(std::function<void()> hook) { on_idle_ = std::move(hook); }

private:
    const WorkerContext& ctx_;
    std::shared_ptr<const fs::FsRoot> anonymous_root_;
    StatusReporter status_;
    std::uint64_t uploads_ = 0;
    std::shared_ptr<const std::vector<Account>> users_;
    CryptPool* crypt_pool_ = nullptr;
    fs::Pool* fs_pool_ = nullptr;
    std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions_;
    bool draining_ = false;
    std::function<void()> on_idle_;
};

}  // namespace ftpd::worker
