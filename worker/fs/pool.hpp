// The worker's file-system threads: a fixed pool (fs_threads) that runs blocking calls off
// the event loop, with a bounded queue, and the accounting of calls that take too long (a
// slow or hung NFS server). Runs in workers: the loop submits a job and gets its completion
// posted back; a thread runs only the job's own work and never touches a socket, a session
// or an object of the loop.
#pragma once

#include "worker/net.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace ftpd::worker::fs {

// What a call does, for the log, STAT and `ftpctl status`.
enum class Op : std::uint8_t {
    open, stat, list, read, write, sendfile, create, commit, remove, rename, mkdir, rmdir, chmod, login, cleanup,
    utime, hash, scan,
};

// "open", "stat", ... as the log and the status row spell it.
std::string_view to_string(Op op) noexcept;

class Pool {
public:
    using Clock = std::chrono::steady_clock;
    struct Job;

    // threads: how many calls run at once; stuck_after: a call running longer counts (and is
    // logged) as stuck; max_queue: calls waiting for a thread at most. Threads start on
    // first use, with every signal blocked (signals stay with the loop's thread).
    Pool(net::any_io_executor loop, unsigned threads, std::chrono::seconds stuck_after, std::size_t max_queue);
    // Drops queued calls, lets idle threads go and leaves a thread still inside a call to
    // finish on its own: nothing it does afterwards reaches the loop. Call before the loop's
    // io_context goes; submit() refuses from then on. The destructor does it too.
    void shutdown();
    ~Pool();
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    // Queues `work` for a thread; once it ran, `done` runs on the loop. `path` names the call
    // in log lines. Both functions must own what they use (copies, shared_ptr): the caller
    // may be gone by the time they run. Returns null, and runs neither, when the pool is
    // saturated: every thread is stuck, or max_queue calls wait already.
    std::shared_ptr<Job> submit(Op op, std::string path, std::function<void()> work, std::function<void()> done);

    // Takes a job that has not started out of the queue (neither function runs then);
    // false when a thread already runs it (or it is done).
    bool cancel(const std::shared_ptr<Job>& job);

    struct Stats {
        unsigned threads = 0;  // the configured size
        unsigned running = 0;  // calls on a thread now
        unsigned queued = 0;   // calls waiting for a thread
        unsigned stuck = 0;    // calls running longer than stuck_after
        unsigned oldest_s = 0; // seconds the oldest running call has run
    };
    Stats stats() const;

    // Called about once a second on the loop: logs each call that has run longer than
    // stuck_after (its operation, path and age, on the thread it holds), once when it passes
    // that age and again each minute; its end is logged too.
    void check_stuck();

private:
    struct Shared;
    std::shared_ptr<Shared> shared_;
};

}  // namespace ftpd::worker::fs
