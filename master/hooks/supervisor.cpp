// Fork, channel, respawn and counters of the hook runner. Runs in the master; every send is
// non-blocking (MSG_DONTWAIT): a slow or dead runner costs dropped events, never a stall.
#include "master/hooks/supervisor.hpp"

#include "ipc/sys/capabilities.hpp"
#include "ipc/sys/fd_passing.hpp"
#include "ipc/sys/syscall.hpp"
#include "master/hooks/hook_event.hpp"
#include "master/hooks/runner.hpp"
#include "worker/logging.hpp"

#include <spdlog/spdlog.h>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace ftpd::master::hooks {
namespace {

constexpr auto kQuickDeath = std::chrono::seconds(2);
constexpr int kChannelBuffer = 4 << 20;  // bytes queued towards the runner

void add(ipc::HookCounters& to, const ipc::HookCounters& from) {
    to.done += from.done;
    to.failed += from.failed;
    to.dropped += from.dropped;
    for (std::size_t e = 0; e < ipc::kHookEvents; ++e)
        for (std::size_t r = 0; r < ipc::kHookResults; ++r) to.by_event[e][r] += from.by_event[e][r];
}

}  // namespace

HookSupervisor::~HookSupervisor() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        channel_ = {};
    }
}

void HookSupervisor::configure(const HookSettings& settings, const std::string& user) {
    if (pid_ > 0 && !settings_.user.empty() && settings.user != settings_.user)
        spdlog::warn("reload: hook_user changes take effect when the hook runner restarts; keeping {}",
                     settings_.user);
    settings_ = settings;
    if (settings_.user.empty()) settings_.user = user;
    events_ = settings_.events();
    data_.configured = settings_.any() ? 1 : 0;
    changed_ = true;
    if (pid_ > 0) {
        std::string msg = kMsgSettings + encode_settings(settings_);
        if (msg.size() > kMaxMessage || ::send(channel_.get(), msg.data(), msg.size(), MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
            spdlog::error("cannot pass the new hook settings to the hook runner: {}; restarting it",
                          msg.size() > kMaxMessage ? "too large" : std::strerror(errno));
        else
            return;
        ::kill(pid_, SIGKILL);
        return;
    }
    if (settings_.any() && !stopping_ && respawn_at_ == Clock::time_point::max()) spawn();
}

void HookSupervisor::spawn() {
    respawn_at_ = Clock::time_point::max();
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
        spdlog::error("cannot start the hook runner: socketpair: {}", std::strerror(errno));
        respawn_at_ = Clock::now() + std::chrono::seconds(1);
        return;
    }
    ipc::sys::unique_fd ours(pair[0]), theirs(pair[1]);
    int size = kChannelBuffer;
    if (::setsockopt(ours.get(), SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
        ::setsockopt(ours.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    if (::setsockopt(theirs.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
        ::setsockopt(theirs.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    ipc::sys::SocketPair log_pair;
    try {
        log_pair = ipc::sys::datagram_socket_pair();
    } catch (const std::exception& e) {
        spdlog::error("cannot start the hook runner: {}", e.what());
        respawn_at_ = Clock::now() + std::chrono::seconds(1);
        return;
    }
    const pid_t master = ::getpid();
    auto close_fds = fds_to_close_();
    pid_t pid = ::fork();
    if (pid < 0) {
        spdlog::error("cannot fork the hook runner: {}", std::strerror(errno));
        respawn_at_ = Clock::now() + std::chrono::seconds(1);
        return;
    }
    if (pid == 0) {
        for (int fd : close_fds) ::close(fd);
        ::close(ours.release());
        ::close(log_pair.first.release());
        worker::set_log_name("hooks");
        try {
            ipc::sys::become_user(settings_.user, "hooks");
        } catch (const std::exception& e) {
            spdlog::critical("cannot start: {}", e.what());
            ::_exit(2);
        }
        // The parent-death signal is cleared by the credential change: set it after.
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != master) ::_exit(0);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::_exit(run_hook_runner(theirs.release(), log_pair.second.release(), settings_));
    }
    pid_ = pid;
    channel_ = std::move(ours);
    log_channel_ = std::move(log_pair.first);
    started_ = Clock::now();
    current_ = {};
    data_.pid = pid;
    data_.state = ipc::WorkerState::running;
    data_.start_time_ms = ipc::realtime_ms();
    changed_ = true;
    spdlog::info("hook runner started (pid {}, user {})", pid, settings_.user);
}

void HookSupervisor::drop(const ipc::Event& e, const char* why) {
    auto type = hook_event_of(e);
    if (!type) return;
    // Every hook that would have run counts one dropped job, as in the runner.
    std::uint64_t jobs = 0;
    for (const auto& c : settings_.commands) jobs += (c.events & mask_of(*type)) ? 1 : 0;
    for (const auto& w : settings_.webhooks) jobs += (w.events & mask_of(*type)) ? 1 : 0;
    base_.dropped += jobs;
    base_.by_event[static_cast<std::size_t>(*type)][ipc::hook_dropped] += jobs;
    changed_ = true;
    spdlog::warn("hooks: dropped the {} event of session {}: {}", to_string(*type), e.session_id, why);
}

void HookSupervisor::submit(const ipc::Event& e) {
    auto type = hook_event_of(e);
    if (!type || !(events_ & mask_of(*type))) return;
    if (pid_ <= 0) {
        drop(e, "the hook runner is not running");
        return;
    }
    char buf[1 + ipc::kMaxEventSize];
    buf[0] = kMsgEvent;
    std::size_t n = ipc::encode(e, std::span<char>(buf + 1, ipc::kMaxEventSize));
    if (::send(channel_.get(), buf, n + 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
        drop(e, errno == EAGAIN ? "the hook runner's channel is full" : std::strerror(errno));
}

void HookSupervisor::receive() {
    char buf[1 + sizeof(ipc::HookCounters) + 16];
    for (;;) {
        ssize_t n = ::recv(channel_.get(), buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) return;
        if (n != 1 + static_cast<ssize_t>(sizeof(ipc::HookCounters)) || buf[0] != kMsgCounters) continue;
        std::memcpy(&current_, buf + 1, sizeof current_);
        changed_ = true;
    }
}

bool HookSupervisor::reaped(pid_t pid, int status) {
    if (pid != pid_ || pid <= 0) return false;
    receive();  // its last report
    ipc::HookCounters last = current_;
    add(base_, last);
    base_.dropped += last.queued + last.running;  // what it held is lost
    current_ = {};
    pid_ = 0;
    channel_ = {};
    log_channel_ = {};
    data_.pid = 0;
    data_.state = ipc::WorkerState::dead;
    changed_ = true;
    if (WIFSIGNALED(status))
        spdlog::warn("hook runner (pid {}) killed by signal {}; {} queued and {} running job(s) lost", pid,
                     WTERMSIG(status), last.queued, last.running);
    else
        spdlog::log(stopping_ ? spdlog::level::info : spdlog::level::warn, "hook runner (pid {}) exited with status {}",
                    pid, WEXITSTATUS(status));
    if (stopping_ || !settings_.any()) return true;
    failures_ = Clock::now() - started_ < kQuickDeath ? failures_ + 1 : 0;
    auto delay = failures_ == 0 ? std::chrono::milliseconds(0)
                                : std::min<std::chrono::milliseconds>(
                                      std::chrono::milliseconds(100 << std::min(failures_ - 1, 9u)), std::chrono::seconds(30));
    respawn_at_ = Clock::now() + delay;
    ++data_.restarts;
    return true;
}

void HookSupervisor::tick() {
    if (!stopping_ && pid_ <= 0 && respawn_at_ <= Clock::now()) spawn();
}

std::chrono::milliseconds HookSupervisor::next_timeout() const {
    if (respawn_at_ == Clock::time_point::max()) return std::chrono::seconds(1);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(respawn_at_ - Clock::now());
    return std::max(ms, std::chrono::milliseconds(0));
}

void HookSupervisor::reopen_logs(int fd) {
    if (pid_ <= 0) return;
    if (fd >= 0) {
        try {
            ipc::sys::send_fd(log_channel_.get(), fd);
        } catch (const std::exception& e) {
            spdlog::error("cannot pass the log file to the hook runner: {}", e.what());
        }
    }
    ::kill(pid_, SIGUSR1);
}

void HookSupervisor::stop() {
    if (stopping_) return;
    stopping_ = true;
    respawn_at_ = Clock::time_point::max();
    if (pid_ > 0) ::kill(pid_, SIGTERM);
}

ipc::HookRunnerData HookSupervisor::status(bool& changed) {
    changed = changed_;
    changed_ = false;
    ipc::HookCounters total = base_;
    add(total, current_);
    total.queued = current_.queued;
    total.running = current_.running;
    data_.counters = total;
    return data_;
}

}  // namespace ftpd::master::hooks
