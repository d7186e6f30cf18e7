// The worker pool: fork, reap, respawn with back-off, drain. Runs in the master only;
// a forked child runs the worker and leaves with _exit(), never unwinding the master.
#include "master/pool.hpp"

#include "ipc/sys/fd_passing.hpp"
#include "ipc/sys/syscall.hpp"
#include "worker/entry.hpp"

#include <spdlog/spdlog.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace ftpd::master {
namespace {

// A worker that dies sooner than this after its start counts as a quick death.
constexpr auto kQuickDeath = std::chrono::seconds(2);
constexpr auto kMaxBackoff = std::chrono::seconds(30);

std::chrono::milliseconds backoff(unsigned failures) {
    if (failures == 0) return std::chrono::milliseconds(0);
    auto ms = std::chrono::milliseconds(100) * (1u << std::min(failures - 1, 9u));
    return std::min<std::chrono::milliseconds>(ms, kMaxBackoff);
}

}  // namespace

void Pool::start_generation(const Config& cfg, unsigned generation, const std::vector<Listener>& listeners) {
    // The old generation drains under its own shutdown_timeout, plus a grace period.
    signal_all(SIGQUIT, std::chrono::seconds(cfg_.server.shutdown_timeout + 5));
    pending_.clear();
    cfg_ = cfg;
    listeners_.clear();
    for (const auto& l : listeners)
        listeners_.push_back({l.fd.get(), l.address.implicit_tls, l.address.proxy_protocol});
    generation_ = generation;
    failures_.assign(max_slots_, 0);
    unsigned started = 0;
    for (unsigned slot = 0; slot < max_slots_ && started < cfg.workers; ++slot) {
        if (slot_taken(slot)) continue;
        spawn(slot, false);
        ++started;
    }
    if (started < cfg.workers)
        spdlog::error("only {} of {} workers started: no free status slot", started, cfg.workers);
}

bool Pool::slot_taken(unsigned slot) const {
    return std::any_of(children_.begin(), children_.end(), [&](auto& c) { return c.slot == slot; }) ||
           std::any_of(pending_.begin(), pending_.end(), [&](auto& p) { return p.slot == slot; });
}

unsigned Pool::free_slots() const {
    unsigned n = 0;
    for (unsigned slot = 0; slot < max_slots_; ++slot) n += slot_taken(slot) ? 0 : 1;
    return n;
}

unsigned Pool::slots_in_use_end() const {
    unsigned end = 0;
    for (const auto& c : children_) end = std::max(end, c.slot + 1);
    for (const auto& p : pending_) end = std::max(end, p.slot + 1);
    return end;
}

void Pool::kill_slot(unsigned slot, const std::string& why) {
    for (auto& c : children_) {
        if (c.slot != slot || c.killed) continue;
        c.killed = true;
        spdlog::error("worker {} (pid {}) {}; killing it", c.slot, c.pid, why);
        ::kill(c.pid, SIGKILL);
    }
}

pid_t Pool::spawn(unsigned slot, bool restart) {
    before_spawn_(slot, restart);
    worker::WorkerContext ctx;
    ctx.slot = slot;
    ctx.generation = generation_;
    ctx.master_pid = ::getpid();
    ctx.settings = cfg_.server;
    ctx.user = cfg_.user;
    ctx.listeners = listeners_;

    ipc::sys::SocketPair channel;  // how the master passes a re-opened log file on
    ipc::sys::SocketPair users;    // and the users file when it changed
    try {
        channel = ipc::sys::datagram_socket_pair();
        users = ipc::sys::datagram_socket_pair();
    } catch (const std::exception& e) {
        spdlog::error("cannot start worker {}: {}", slot, e.what());
        pending_.push_back({slot, Clock::now() + std::chrono::seconds(1)});
        return -1;
    }
    pid_t pid = ::fork();
    if (pid < 0) {
        spdlog::error("cannot fork worker {}: {}", slot, std::strerror(errno));
        pending_.push_back({slot, Clock::now() + std::chrono::seconds(1)});
        return -1;
    }
    if (pid == 0) {
        for (int fd : close_in_child_) ::close(fd);
        for (auto& [other, fd] : log_channels_) ::close(fd.release());
        for (auto& [other, fd] : users_channels_) ::close(fd.release());
        ::close(channel.first.release());
        ::close(users.first.release());
        ctx.log_channel = channel.second.release();
        ctx.users_channel = users.second.release();
        ctx.users_file = cfg_.users_file;
        ::_exit(worker::run_worker(ctx));
    }
    log_channels_[pid] = std::move(channel.first);
    users_channels_[pid] = std::move(users.first);
    children_.push_back({pid, slot, generation_, Clock::now(), false, Clock::time_point::max()});
    spdlog::info("worker {} started (pid {})", slot, pid);
    return pid;
}

void Pool::send_log_fd(int fd) {
    for (const auto& [pid, channel] : log_channels_) {
        try {
            ipc::sys::send_fd(channel.get(), fd);
        } catch (const std::exception& e) {
            spdlog::error("cannot pass the log file to the worker with pid {}: {}", pid, e.what());
        }
    }
}

void Pool::update_users(std::vector<worker::Account> users, int fd) {
    cfg_.server.users = std::move(users);
    for (const auto& c : children_) {
        if (c.generation != generation_ || c.draining) continue;
        auto it = users_channels_.find(c.pid);
        if (it == users_channels_.end()) continue;
        try {
            ipc::sys::send_fd(it->second.get(), fd);
        } catch (const std::exception& e) {
            spdlog::error("cannot pass the users file to worker {} (pid {}): {}", c.slot, c.pid, e.what());
        }
    }
}

void Pool::reap() {
    for (;;) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid <= 0) return;
        auto it = std::find_if(children_.begin(), children_.end(), [&](auto& c) { return c.pid == pid; });
        if (it == children_.end()) {
            if (other_child_) other_child_(pid, status);
            continue;
        }
        ChildProcess child = *it;
        children_.erase(it);
        log_channels_.erase(pid);
        users_channels_.erase(pid);
        reaped_(child.slot);
        if (WIFSIGNALED(status))
            spdlog::warn("worker {} (pid {}) killed by signal {}", child.slot, pid, WTERMSIG(status));
        else if (WEXITSTATUS(status) == worker::kBootFailed)
            spdlog::error("worker {} (pid {}) could not start (exit status {})", child.slot, pid, WEXITSTATUS(status));
        else if (WEXITSTATUS(status) != 0 || !child.draining)
            spdlog::warn("worker {} (pid {}) exited with status {}", child.slot, pid, WEXITSTATUS(status));
        else
            spdlog::info("worker {} (pid {}) finished draining", child.slot, pid);

        if (stopping_ || child.draining || child.generation != generation_) continue;
        bool quick = Clock::now() - child.started < kQuickDeath ||
                     (WIFEXITED(status) && WEXITSTATUS(status) == worker::kBootFailed);
        unsigned& failures = failures_[child.slot];
        failures = quick ? failures + 1 : 0;
        auto delay = backoff(failures);
        if (delay.count() > 0)
            spdlog::warn("worker {} died {} time(s) in a row; respawning in {} ms", child.slot, failures,
                         delay.count());
        pending_.push_back({child.slot, Clock::now() + delay});
    }
}

void Pool::tick() {
    auto now = Clock::now();
    auto due = pending_;
    pending_.clear();
    for (const auto& p : due) {
        if (p.when <= now && !stopping_)
            spawn(p.slot, true);
        else if (!stopping_)
            pending_.push_back(p);
    }
    for (auto& c : children_) {
        if (c.draining && c.drain_deadline <= now) {
            spdlog::warn("worker {} (pid {}) still draining after the deadline; killing it", c.slot, c.pid);
            ::kill(c.pid, SIGKILL);
            c.drain_deadline = Clock::time_point::max();
        }
    }
}

std::chrono::milliseconds Pool::next_timeout() const {
    auto now = Clock::now();
    auto next = now + std::chrono::seconds(1);
    for (const auto& p : pending_) next = std::min(next, p.when);
    for (const auto& c : children_)
        if (c.draining) next = std::min(next, c.drain_deadline);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now);
    return std::max(ms, std::chrono::milliseconds(0));
}

void Pool::signal_all(int sig, std::chrono::seconds grace) {
    for (auto& c : children_) {
        ::kill(c.pid, sig);
        c.draining = true;
        c.drain_deadline = std::min(c.drain_deadline, Clock::now() + grace);
    }
}

}  // namespace ftpd::master
