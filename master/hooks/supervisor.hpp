// The master's side of the hook runner: forks it (privileges dropped to hook_user), passes
// it the events some hook listens to without ever blocking (a full channel drops the event,
// counted and logged), hands it new settings on reload, respawns it when it dies, and
// publishes its counters in the status segment. Runs in the master only.
#pragma once

#include "ipc/event.hpp"
#include "ipc/status_layout.hpp"
#include "ipc/sys/unique_fd.hpp"
#include "master/hooks/hook_settings.hpp"

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace ftpd::master::hooks {

class HookSupervisor {
public:
    using Clock = std::chrono::steady_clock;

    // fds_to_close: the master's descriptors (signalfd, pid file, listeners) the runner
    // must not keep, asked for at each fork.
    explicit HookSupervisor(std::function<std::vector<int>()> fds_to_close) : fds_to_close_(std::move(fds_to_close)) {}
    ~HookSupervisor();

    // At start and after each reload: new settings for later events (queued ones keep
    // theirs); starts the runner when the first hook appears. user: the workers' account,
    // for an empty hook_user.
    void configure(const HookSettings& settings, const std::string& user);

    // Passes e on if some hook listens to it. Never blocks.
    void submit(const ipc::Event& e);

    // The channel, to poll for the runner's reports (-1 while no runner runs), and reading them.
    int fd() const { return channel_.get(); }
    void receive();

    // After waitpid: true when pid was the runner (it is then respawned with back-off).
    bool reaped(pid_t pid, int status);
    // Respawns when due.
    void tick();
    std::chrono::milliseconds next_timeout() const;

    // SIGUSR1 for the runner, with a copy of fd (the re-opened log file) queued first.
    void reopen_logs(int fd);

    // Stops the runner (SIGTERM) and respawns it no more.
    void stop();
    bool running() const { return pid_ > 0; }

    // What ftpctl shows; `changed` is set when it differs from the last call's.
    ipc::HookRunnerData status(bool& changed);

private:
    void spawn();
    void drop(const ipc::Event& e, const char* why);

    std::function<std::vector<int>()> fds_to_close_;
    HookSettings settings_;
    std::string user_;
    EventMask events_ = 0;
    pid_t pid_ = 0;
    ipc::sys::unique_fd channel_;
    ipc::sys::unique_fd log_channel_;  // our end: the re-opened log file goes through it
    Clock::time_point started_{};
    Clock::time_point respawn_at_ = Clock::time_point::max();
    unsigned failures_ = 0;
    bool stopping_ = false;
    ipc::HookRunnerData data_{};
    ipc::HookCounters base_{};     // of runners that died, and of the master's own drops
    ipc::HookCounters current_{};  // the running runner's last report
    bool changed_ = true;
};

}  // namespace ftpd::master::hooks
