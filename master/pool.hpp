// The worker pool: forks workers into numbered slots, reaps them, respawns a dead
// worker of the current generation into its slot (with back-off when workers die in a
// loop), and drains the workers of an old generation. Runs in the master only.
#pragma once

#include "master/config.hpp"
#include "master/listeners.hpp"
#include "worker/entry.hpp"

#include "ipc/sys/unique_fd.hpp"

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ftpd::master {

struct ChildProcess {
    pid_t pid = 0;
    unsigned slot = 0;
    unsigned generation = 0;
    std::chrono::steady_clock::time_point started;
    bool draining = false;
    std::chrono::steady_clock::time_point drain_deadline = std::chrono::steady_clock::time_point::max();
    bool killed = false;  // SIGKILL sent; it is reaped soon (killed and logged once)
};

class Pool {
public:
    using Clock = std::chrono::steady_clock;

    // fds_to_close_in_child: the master's own descriptors (signalfd, pid file) that a
    // worker must not keep.
    // max_slots: slots in the status segment. before_spawn(slot, restart) runs in the master
    // before each fork (re-initialise the slot and its queue; restart: a dead worker is
    // being replaced).
    // reaped(slot) runs after a worker of that slot was reaped.
    Pool(std::vector<int> fds_to_close_in_child, unsigned max_slots,
         std::function<void(unsigned slot, bool restart)> before_spawn, std::function<void(unsigned slot)> reaped)
        : close_in_child_(std::move(fds_to_close_in_child)),
          max_slots_(max_slots),
          before_spawn_(std::move(before_spawn)),
          reaped_(std::move(reaped)) {}

    // Slots free for a new generation (not held by a live or respawning worker).
    unsigned free_slots() const;
    // The highest slot held by a live or respawning worker, plus one (0: none).
    unsigned slots_in_use_end() const;
    // After the status segment was re-created larger.
    void set_max_slots(unsigned max_slots) { max_slots_ = max_slots; failures_.resize(max_slots, 0); }

    // Kills (SIGKILL) the worker in slot, logging why; reap() then replaces it.
    void kill_slot(unsigned slot, const std::string& why);

    // Starts `cfg.workers` workers of generation `generation` serving `listeners`.
    // Workers of older generations are told to drain (SIGQUIT) and are not respawned.
    void start_generation(const Config& cfg, unsigned generation, const std::vector<Listener>& listeners);

    // Reaps every exited child (waitpid WNOHANG), logs how it died, and schedules a
    // respawn for current-generation workers unless stopping. A child that is not a worker
    // (the new master of a binary upgrade, the hook runner) goes to the other_child callback
    // with its status.
    void reap();
    void on_other_child(std::function<void(pid_t pid, int status)> fn) { other_child_ = std::move(fn); }

    // Runs what is due: respawns, and SIGKILL of drained workers past their deadline.
    void tick();

    // How long the master may sleep before tick() has something to do.
    std::chrono::milliseconds next_timeout() const;

    // Sends sig to every live child and marks it draining: SIGKILL after `grace`.
    void signal_all(int sig, std::chrono::seconds grace);
    void stop_respawning() { stopping_ = true; }

    // Passes a copy of fd (the re-opened log file) to every live worker; a worker takes
    // it on its next SIGUSR1. Failures are logged.
    void send_log_fd(int fd);

    // New virtual users for new logins: workers spawned from now on get `users`, and every
    // live worker of the current generation gets a copy of fd (the users file) to read.
    void update_users(std::vector<worker::Account> users, int fd);

    bool empty() const { return children_.empty(); }
    const std::vector<ChildProcess>& children() const { return children_; }

private:
    pid_t spawn(unsigned slot, bool restart);
    bool slot_taken(unsigned slot) const;

    struct PendingRespawn {
        unsigned slot;
        Clock::time_point when;
    };

    std::vector<int> close_in_child_;
    unsigned max_slots_;
    std::function<void(unsigned, bool)> before_spawn_;
    std::function<void(unsigned)> reaped_;
    std::function<void(pid_t, int)> other_child_;
    Config cfg_;
    std::vector<worker::ListenSocket> listeners_;  // fds owned by the master's current listeners
    unsigned generation_ = 0;
    std::vector<ChildProcess> children_;
    std::unordered_map<pid_t, ipc::sys::unique_fd> log_channels_;  // by worker pid: our end
    std::unordered_map<pid_t, ipc::sys::unique_fd> users_channels_;  // by worker pid: our end
    std::vector<PendingRespawn> pending_;
    std::vector<unsigned> failures_;   // consecutive quick deaths, by slot
    bool stopping_ = false;
};

}  // namespace ftpd::master
