// The master's loop: signals arrive on a signalfd and are handled in order — SIGCHLD
// reap and respawn, SIGHUP reload (a bad config keeps the old one), SIGTERM/SIGINT fast
// stop, SIGQUIT graceful stop, SIGUSR1 reopen logs, SIGUSR2 binary upgrade (a new binary
// that fails keeps this one serving). Runs in the master only.
#include "master/master.hpp"

#include "ipc/event_queue.hpp"
#include "ipc/names.hpp"
#include "ipc/status_segment.hpp"
#include "ipc/sys/capabilities.hpp"
#include "ipc/sys/syscall.hpp"
#include "master/listeners.hpp"
#include "master/pool.hpp"
#include "master/upgrade.hpp"
#include "master/xferlog.hpp"
#include "worker/logging.hpp"

#include <spdlog/spdlog.h>

#include <linux/capability.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <map>
#include <memory>

namespace ftpd::master {
namespace sys = ipc::sys;

std::string log_target(const Config& cfg, bool foreground) {
    if (!cfg.log_file.empty()) return cfg.log_file;
    return foreground ? "stderr" : "syslog";
}

namespace {

constexpr std::size_t kQueueCapacity = 512;      // events per worker queue
constexpr std::size_t kEventsPerTick = 256;      // per queue and loop turn

// Slots: the pool, plus as many for the workers of one generation still draining. Rows:
// one worker may hold every session.
ipc::Geometry geometry_for(const Config& cfg) { return {2 * cfg.workers + 2, cfg.server.max_clients}; }

// One line for the log and the status header: newlines become ';'.
std::string one_line(std::string text) {
    for (auto& c : text)
        if (c == '\n') c = ';';
    return text;
}

// How a child ended, for a log line: "exited with status 1", "was killed by signal 9".
std::string ending_of(int status) {
    if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
    return "exited with status " + std::to_string(WEXITSTATUS(status));
}

class Master {
public:
    Master(Config cfg, bool foreground, std::string binary)
        : cfg_(std::move(cfg)), foreground_(foreground), binary_(std::move(binary)) {}

    int run(Detacher& detacher, std::optional<Inheritance> inherited) {
        detacher_ = &detacher;
        try {
            if (inherited) {
                // A binary upgrade: the old master's sockets (never closed, so no connection
                // is refused) and its locked pid file, written once our workers are ready.
                old_master_pid_ = inherited->old_master_pid;
                pid_file_ = std::make_unique<PidFile>(cfg_.pid_file, std::move(inherited->pid_file));
                listeners_ = rebind(inherited->listeners, cfg_.listen);
                inherited->listeners.clear();  // those the new config does not name
            } else {
                pid_file_ = std::make_unique<PidFile>(cfg_.pid_file);
                listeners_ = rebind(listeners_, cfg_.listen);
            }
        } catch (const std::exception& e) {
            spdlog::critical("{}", e.what());
            detacher.failed(std::string("ftpd: ") + e.what(), kExitStart);
            return kExitStart;
        }
        raise_fd_limit();
        if (!old_master_pid_) pid_file_->write(::getpid());
        for (const auto& l : listeners_) spdlog::info("listening on {}", l.describe());
        try {
            start_ipc();
            xferlog_ = std::make_unique<Xferlog>(cfg_.xferlog);
        } catch (const std::exception& e) {
            spdlog::critical("{}", e.what());
            detacher.failed(std::string("ftpd: ") + e.what(), kExitStart);
            return kExitStart;
        }

        if (::geteuid() == 0) keep_only_supervisor_capabilities();

        sigset_t set = handled_signals();
        sys::check("sigprocmask", [&] { return ::sigprocmask(SIG_BLOCK, &set, nullptr); });
        sys::unique_fd sigfd(sys::check("signalfd", [&] { return ::signalfd(-1, &set, SFD_CLOEXEC); }));
        ::signal(SIGPIPE, SIG_IGN);

        pool_ = std::make_unique<Pool>(
            std::vector<int>{sigfd.get(), pid_file_->fd()}, status_->geometry().slots,
            [this](unsigned slot, bool restart) {
                status_->reset_slot(slot);
                queues_[slot].recreate();  // a worker killed inside a send wedges only this
                if (restart) status_->add_restart(slot);
                slot_segment_[slot] = status_.get();
            },
            [this](unsigned slot) { segment_of(slot).reset_slot(slot); });
        pool_->on_other_child([this](pid_t pid, int status) { other_child_exited(pid, status); });
        pool_->start_generation(cfg_, generation_, listeners_);
        if (old_master_pid_) {
            status_->set_upgrade_state(ipc::UpgradeState::replacing, old_master_pid_);
            workers_ready_deadline_ = Pool::Clock::now() + std::chrono::seconds(cfg_.worker_timeout);
            spdlog::info("upgrade: taking over from master {}; waiting for {} worker(s)", old_master_pid_,
                         cfg_.workers);
        } else {
            spdlog::info("ready: generation {}, {} worker(s), pid {}", generation_, cfg_.workers, ::getpid());
            detacher.ready();
            notify_systemd("READY=1\nMAINPID=" + std::to_string(::getpid()));
        }

        while (!(stopping_ && pool_->empty())) {
            pollfd pfds[2] = {{sigfd.get(), POLLIN, 0}, {upgrade_report_.get(), POLLIN, 0}};
            int timeout = static_cast<int>(std::min<long>(pool_->next_timeout().count(), 100));
            int n = ::poll(pfds, upgrade_report_ ? 2 : 1, timeout);
            if (n < 0 && errno != EINTR) sys::throw_sys("poll");
            if (n > 0 && pfds[0].revents) drain_signals(sigfd.get());
            if (n > 0 && upgrade_report_ && pfds[1].revents) read_upgrade_report();
            drain_events();
            check_users_file();
            check_heartbeats();
            check_upgrade();
            pool_->tick();
        }
        spdlog::info("stopped");
        return exit_status_;
    }

private:
    // Each session may hold a control, a data and a passive listening socket and a file;
    // one worker may hold every session. Workers inherit the limit.
    void raise_fd_limit() {
        rlimit lim{};
        ::getrlimit(RLIMIT_NOFILE, &lim);
        rlim_t want = rlim_t{cfg_.server.max_clients} * 4 + 64;
        if (lim.rlim_cur >= want) return;
        rlimit next{std::min(want, lim.rlim_max), lim.rlim_max};
        if (want > lim.rlim_max && ::geteuid() == 0) next = {want, want};
        if (::setrlimit(RLIMIT_NOFILE, &next) != 0) next = lim;
        if (next.rlim_cur < want)
            spdlog::error("open file limit is {} but max_clients = {} needs {}: sessions beyond about {} will fail "
                          "(raise the hard limit, e.g. LimitNOFILE= in the systemd unit, or lower max_clients)",
                          next.rlim_cur, cfg_.server.max_clients, want, (next.rlim_cur - 64) / 4);
    }

    // Started as root, the master keeps only what supervising needs: bind ports below 1024
    // on reload, switch forked workers to `user`, signal them, and read configuration, users
    // and key files whatever their owner. Workers lose everything when they drop to `user`.
    void keep_only_supervisor_capabilities() {
        try {
            sys::restrict_capabilities({CAP_NET_BIND_SERVICE, CAP_SETUID, CAP_SETGID, CAP_KILL, CAP_DAC_READ_SEARCH});
        } catch (const std::exception& e) {
            spdlog::warn("cannot restrict the master's capabilities: {}", e.what());
        }
    }

    // The status segment and one event queue per slot; leftovers of dead masters go first.
    void start_ipc() {
        int stale = ipc::remove_stale_objects();
        if (stale > 0) spdlog::info("removed {} IPC object(s) left by a dead ftpd", stale);
        status_ = std::make_unique<ipc::SegmentOwner>(::getpid(), geometry_for(cfg_), cfg_.path);
        status_->set_generation(generation_);
        for (std::uint32_t slot = 0; slot < status_->geometry().slots; ++slot)
            queues_.emplace_back(::getpid(), slot, kQueueCapacity);
    }

    // Events of live workers only: a dead worker's queue may be wedged; it is re-created
    // before the replacement starts.
    void drain_events() {
        for (const auto& c : pool_->children()) {
            auto result = queues_[c.slot].drain([this](const ipc::Event& e) { handle_event(e); }, kEventsPerTick);
            if (result.wedged) pool_->kill_slot(c.slot, "wedged its event queue");
        }
    }

    void handle_event(const ipc::Event& e) {
        switch (e.type) {
            case ipc::EventType::transfer_finished:
                try {
                    xferlog_->write(e);
                } catch (const std::exception& ex) {
                    spdlog::error("xferlog: {}", ex.what());
                }
                break;
            case ipc::EventType::worker_fatal:
                spdlog::error("worker {} (pid {}) reported: {}", e.slot, e.pid, e.message);
                break;
            default:
                break;
        }
    }

    // A worker whose heartbeat is older than worker_timeout is hung: kill and replace it.
    void check_heartbeats() {
        auto now = ipc::monotonic_ms();
        auto limit = std::int64_t{cfg_.worker_timeout} * 1000;
        for (const auto& c : pool_->children()) {
            if (Pool::Clock::now() - c.started < std::chrono::seconds(cfg_.worker_timeout)) continue;
            auto age = now - segment_of(c.slot).heartbeat_ms(c.slot);
            if (age > limit) pool_->kill_slot(c.slot, "missed its heartbeat for " + std::to_string(age / 1000) + " s");
        }
    }

    // The segment a worker in `slot` writes: the current one, or an older one it still maps
    // while it drains after a reload re-created the segment.
    ipc::SegmentOwner& segment_of(unsigned slot) {
        auto it = slot_segment_.find(slot);
        return it == slot_segment_.end() ? *status_ : *it->second;
    }

    // A reload that needs more slots (more workers, or older ones still draining) or more
    // session rows (a larger max_clients) gets a new, larger segment under the same name.
    // Draining workers keep the old mapping; ftpctl shows the new one.
    void grow_status_segment(const Config& next) {
        const ipc::Geometry now = status_->geometry();
        if (pool_->free_slots() >= next.workers && next.server.max_clients <= now.rows_per_slot) return;
        ipc::Geometry g{std::max({now.slots, 2 * next.workers + 2, pool_->slots_in_use_end() + next.workers}),
                        std::max(now.rows_per_slot, next.server.max_clients)};
        auto fresh = std::make_unique<ipc::SegmentOwner>(::getpid(), g, next.path);
        fresh->adopt_header(*status_);
        status_->disown();
        retired_status_.push_back(std::move(status_));
        status_ = std::move(fresh);
        for (std::uint32_t slot = static_cast<std::uint32_t>(queues_.size()); slot < g.slots; ++slot)
            queues_.emplace_back(::getpid(), slot, kQueueCapacity);
        pool_->set_max_slots(g.slots);
        spdlog::info("reload: status segment re-created with {} slots of {} sessions", g.slots, g.rows_per_slot);
    }

    static sigset_t handled_signals() {
        sigset_t set;
        sigemptyset(&set);
        for (int sig : {SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2}) sigaddset(&set, sig);
        return set;
    }

    void drain_signals(int fd) {
        signalfd_siginfo info;
        while (::read(fd, &info, sizeof info) == sizeof info) {
            switch (info.ssi_signo) {
                case SIGCHLD: pool_->reap(); break;
                case SIGHUP: reload(); break;
                case SIGTERM:
                case SIGINT: stop(false); break;
                case SIGQUIT: stop(true); break;
                case SIGUSR1: reopen(); break;
                case SIGUSR2: start_upgrade(); break;
            }
            pollfd pfd{fd, POLLIN, 0};
            if (::poll(&pfd, 1, 0) <= 0) break;
        }
    }

    // A bad config or an address that cannot be bound keeps the old cycle serving.
    void reload() {
        if (stopping_) return;
        if (upgrade_pending_ || workers_ready_deadline_) {
            spdlog::warn("reload: a binary upgrade is in progress; reload ignored (send SIGHUP again afterwards)");
            return;
        }
        spdlog::info("reload: reading {}", cfg_.path);
        Config next;
        std::vector<Listener> listeners;
        std::unique_ptr<Xferlog> xferlog;
        try {
            next = load_config(cfg_.path);
            listeners = rebind(listeners_, next.listen);
            if (next.xferlog != cfg_.xferlog) xferlog = std::make_unique<Xferlog>(next.xferlog);
        } catch (const std::exception& e) {
            std::string why = e.what();
            for (auto& c : why)
                if (c == '\n') c = ';';
            spdlog::error("reload failed: {}; still serving generation {}", why, generation_);
            status_->set_reload_result(false, why);
            return;
        }
        try {
            grow_status_segment(next);
        } catch (const std::exception& e) {
            spdlog::error("reload failed: status segment: {}; still serving generation {}", e.what(), generation_);
            status_->set_reload_result(false, e.what());
            return;
        }
        if (xferlog) xferlog_ = std::move(xferlog);
        if (next.pid_file != cfg_.pid_file)
            spdlog::warn("reload: pid_file changes take effect on restart only; keeping {}", cfg_.pid_file);
        next.pid_file = cfg_.pid_file;
        if (next.log_file != cfg_.log_file || next.log_level != cfg_.log_level) {
            try {
                worker::setup_logging(log_target(next, foreground_), next.log_level, "master");
            } catch (const std::exception& e) {
                spdlog::error("reload: {}; keeping the old log settings", e.what());
                next.log_file = cfg_.log_file;
                next.log_level = cfg_.log_level;
            }
        }
        cfg_ = std::move(next);
        listeners_ = std::move(listeners);
        ++generation_;
        status_->set_generation(generation_);
        status_->set_reload_result(true, "");
        for (const auto& l : listeners_) spdlog::info("listening on {}", l.describe());
        pool_->start_generation(cfg_, generation_, listeners_);
        spdlog::info("reload: generation {}", generation_);
    }

    void stop(bool graceful) {
        if (stopping_ && graceful) return;
        stopping_ = true;
        if (upgrade_pending_) {
            spdlog::info("upgrade: stopping the new master (pid {}) too", upgrade_pid_);
            ::kill(upgrade_pid_, SIGTERM);
            upgrade_failed("stopped before the new master was ready");
        }
        pool_->stop_respawning();
        listeners_.clear();
        if (graceful) {
            spdlog::info("graceful stop: waiting up to {} s for sessions to end", cfg_.server.shutdown_timeout);
            pool_->signal_all(SIGQUIT, std::chrono::seconds(cfg_.server.shutdown_timeout + 5));
        } else {
            spdlog::info("stopping");
            pool_->signal_all(SIGTERM, std::chrono::seconds(5));
        }
    }

    // New logins use a changed users file without a reload (ftpd.conf(5), USERS FILE).
    void check_users_file() {
        if (cfg_.users_file.empty()) return;
        if (!users_watch_ || users_watch_generation_ != generation_) {
            users_watch_.emplace(cfg_.users_file, cfg_.users_file_stamp);
            users_watch_generation_ = generation_;
        }
        auto change = users_watch_->poll(UsersWatch::Clock::now());
        if (!change) return;
        // As on SIGHUP, a file with errors changes nothing: a half-finished edit by hand
        // must not lock out the users of the lines it broke.
        if (!change->users.errors.empty()) {
            for (const auto& e : change->users.errors) spdlog::error("users file: {}", e.to_string());
            spdlog::error("users file {} changed but has {} error(s); the users read before stay in force",
                          cfg_.users_file, change->users.errors.size());
            return;
        }
        spdlog::info("users file {} changed: {} user(s) for new logins", cfg_.users_file,
                     change->users.accounts.size());
        cfg_.server.users = change->users.accounts;
        pool_->update_users(std::move(change->users.accounts), change->fd.get());
    }

    // Workers cannot open a log file that logrotate re-created as root (they dropped their
    // privileges): the master opens it and passes it on before the signal.
    void reopen() {
        worker::reopen_logs();
        if (auto path = worker::log_file_path(); !path.empty()) {
            try {
                ipc::sys::unique_fd fd(ipc::sys::check(ipc::sys::call_on("open", path), [&] {
                    return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
                }));
                pool_->send_log_fd(fd.get());
            } catch (const std::exception& e) {
                spdlog::error("cannot reopen the log file for the workers: {}", e.what());
            }
        }
        try {
            xferlog_->reopen();
        } catch (const std::exception& e) {
            spdlog::error("{}", e.what());
        }
        for (const auto& c : pool_->children()) ::kill(c.pid, SIGUSR1);
    }

    // ---------------------------------------------------------- binary upgrade
    // The old master's side: SIGUSR2 starts the new binary, which reports on a pipe.
    void start_upgrade() {
        if (stopping_ || upgrade_pending_ || workers_ready_deadline_) {
            spdlog::warn("upgrade: ignored ({})", stopping_ ? "stopping" : "an upgrade is already in progress");
            return;
        }
        spdlog::info("upgrade: starting {} -c {}{}", binary_, cfg_.path, foreground_ ? " -f" : "");
        try {
            UpgradeChild child = start_new_binary(binary_, cfg_.path, foreground_, listeners_, pid_file_->fd());
            upgrade_pid_ = child.pid;
            upgrade_report_ = std::move(child.report);
        } catch (const std::exception& e) {
            upgrade_pending_ = true;
            upgrade_failed(e.what());
            return;
        }
        upgrade_pending_ = true;
        upgrade_text_.clear();
        // Loading the config, binding, starting the workers (worker_timeout) and slack.
        upgrade_deadline_ = Pool::Clock::now() + std::chrono::seconds(2 * cfg_.worker_timeout + 10);
        status_->set_upgrade_state(ipc::UpgradeState::starting, upgrade_pid_);
        spdlog::info("upgrade: new master is pid {}", upgrade_pid_);
    }

    // "ok" hands over; "<status><message>" is the new master's reason for giving up.
    // The pipe is non-blocking: the new master's workers may hold its write end too.
    void read_upgrade_report() {
        char buf[512];
        bool eof = false;
        while (upgrade_text_.find('\n') == std::string::npos) {
            ssize_t n = ::read(upgrade_report_.get(), buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                eof = n == 0 || errno != EAGAIN;
                break;
            }
            upgrade_text_.append(buf, static_cast<std::size_t>(n));
        }
        auto nl = upgrade_text_.find('\n');
        if (nl == std::string::npos) {
            // EOF without a verdict: it died; the reap (SIGCHLD) says how.
            if (eof) upgrade_report_.reset();
            return;
        }
        std::string line = upgrade_text_.substr(0, nl);
        upgrade_report_.reset();
        if (!upgrade_pending_) return;
        if (line == "ok") {
            hand_over();
            return;
        }
        if (!line.empty() && line[0] >= '0' && line[0] <= '9') line.erase(0, 1);
        if (line.starts_with("ftpd: ")) line.erase(0, 6);
        upgrade_failed("the new master (pid " + std::to_string(upgrade_pid_) + ") gave up: " + line);
    }

    void other_child_exited(pid_t pid, int status) {
        if (pid != upgrade_pid_) return;
        upgrade_pid_ = 0;
        const std::string how = ending_of(status);
        if (upgrade_pending_ && upgrade_report_) read_upgrade_report();  // its last words first
        if (upgrade_pending_)
            upgrade_failed("the new master (pid " + std::to_string(pid) + ") " + how + " before it was ready");
        else if (retiring_)
            spdlog::error("upgrade: the new master (pid {}) {} after taking over", pid, how);
        else
            spdlog::info("upgrade: the failed new master (pid {}) {}", pid, how);
    }

    // Both sides, each loop turn: the old master's deadline, the new master's wait for its
    // workers, and the new master noticing that the old one is gone.
    void check_upgrade() {
        auto now = Pool::Clock::now();
        if (upgrade_pending_ && now >= upgrade_deadline_) {
            ::kill(upgrade_pid_, SIGKILL);
            upgrade_failed("the new master (pid " + std::to_string(upgrade_pid_) + ") was not ready within " +
                           std::to_string(2 * cfg_.worker_timeout + 10) + " s; killed it");
        }
        if (workers_ready_deadline_) {
            if (workers_ready()) {
                took_over();
            } else if (now >= *workers_ready_deadline_) {
                workers_ready_deadline_.reset();
                const std::string why = "the workers did not start within worker_timeout (" +
                                        std::to_string(cfg_.worker_timeout) + " s)";
                spdlog::critical("upgrade: {}; giving up, the old master keeps serving", why);
                detacher_->failed("ftpd: " + why, kExitStart);
                exit_status_ = kExitStart;
                stop(false);
            }
        }
        if (old_master_pid_ && !workers_ready_deadline_ && !old_master_running()) {
            spdlog::info("upgrade: the old master (pid {}) has exited", old_master_pid_);
            old_master_pid_ = 0;
            status_->set_upgrade_state(ipc::UpgradeState::none, 0);
        }
    }

    // Every worker of the current generation has published a heartbeat: its loop runs.
    bool workers_ready() {
        unsigned ready = 0;
        for (const auto& c : pool_->children())
            if (c.generation == generation_ && !c.draining && segment_of(c.slot).heartbeat_ms(c.slot) > 0) ++ready;
        return ready >= cfg_.workers;
    }

    // The old master exists until it removed its status segment, its last act.
    bool old_master_running() const {
        struct stat st;
        const std::string seg = std::string(ipc::kShmDir) + "/" + ipc::status_segment_name(old_master_pid_);
        return sys::process_alive(old_master_pid_) && ::stat(seg.c_str(), &st) == 0;
    }

    // The new master's side, once its workers run: the pid file, then the verdict.
    void took_over() {
        workers_ready_deadline_.reset();
        pid_file_->write(::getpid());
        status_->set_upgrade_result(true, "");
        spdlog::info("ready: generation {}, {} worker(s), pid {}; took over from master {}", generation_,
                     cfg_.workers, ::getpid(), old_master_pid_);
        detacher_->ready();
        notify_systemd("MAINPID=" + std::to_string(::getpid()) + "\nREADY=1");
    }

    // The old master's side of a good upgrade: stop accepting, drain, exit.
    void hand_over() {
        upgrade_pending_ = false;
        retiring_ = true;
        pid_file_->hand_over();
        status_->set_upgrade_result(true, "");
        status_->set_upgrade_state(ipc::UpgradeState::retiring, upgrade_pid_);
        spdlog::info("upgrade: master {} is ready; this master (pid {}) stops accepting and drains its workers "
                     "for up to {} s",
                     upgrade_pid_, ::getpid(), cfg_.server.shutdown_timeout);
        stop(true);
    }

    void upgrade_failed(const std::string& why) {
        upgrade_pending_ = false;
        upgrade_report_.reset();
        const std::string line = one_line(why);
        spdlog::error("upgrade failed: {}; still serving generation {} (pid {})", line, generation_, ::getpid());
        status_->set_upgrade_result(false, line);
        status_->set_upgrade_state(ipc::UpgradeState::none, 0);
        try {
            pid_file_->write(::getpid());  // in case the new master had written its own
        } catch (const std::exception& e) {
            spdlog::error("{}", e.what());
        }
    }

    Config cfg_;
    bool foreground_;
    std::string binary_;                // what an upgrade execs
    Detacher* detacher_ = nullptr;
    std::unique_ptr<PidFile> pid_file_;
    int exit_status_ = kExitOk;
    // The old master's side of an upgrade.
    pid_t upgrade_pid_ = 0;             // the new master, until reaped
    bool upgrade_pending_ = false;      // started, no verdict yet
    bool retiring_ = false;             // handed over: draining, then exit
    sys::unique_fd upgrade_report_;     // read end of its report pipe
    std::string upgrade_text_;
    Pool::Clock::time_point upgrade_deadline_;
    // The new master's side.
    int old_master_pid_ = 0;            // while the old master still runs
    std::optional<Pool::Clock::time_point> workers_ready_deadline_;  // until our workers run
    unsigned generation_ = 1;
    bool stopping_ = false;
    std::vector<Listener> listeners_;
    std::unique_ptr<ipc::SegmentOwner> status_;
    std::vector<std::unique_ptr<ipc::SegmentOwner>> retired_status_;  // still mapped by drainers
    std::map<unsigned, ipc::SegmentOwner*> slot_segment_;
    std::vector<ipc::EventQueueOwner> queues_;
    std::unique_ptr<Xferlog> xferlog_;
    std::optional<UsersWatch> users_watch_;
    unsigned users_watch_generation_ = 0;
    std::unique_ptr<Pool> pool_;  // last: destroyed first
};

}  // namespace

int run_master(Config cfg, bool foreground, Detacher& detacher, const std::string& binary,
               std::optional<Inheritance> inherited) {
    Master master(std::move(cfg), foreground, binary);
    return master.run(detacher, std::move(inherited));
}

}  // namespace ftpd::master
