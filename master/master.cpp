// The master's loop: signals arrive on a signalfd and are handled in order — SIGCHLD
// reap and respawn, SIGHUP reload (a bad config keeps the old one), SIGTERM/SIGINT fast
// stop, SIGQUIT graceful stop, SIGUSR1 reopen logs. Runs in the master only.
#include "master/master.hpp"
#include "worker/printable.hpp"

#include "ipc/event_queue.hpp"
#include "ipc/names.hpp"
#include "ipc/status_segment.hpp"
#include "ipc/sys/capabilities.hpp"
#include "ipc/sys/syscall.hpp"
#include "master/listeners.hpp"
#include "master/pool.hpp"
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

class Master {
public:
    Master(Config cfg, bool foreground) : cfg_(std::move(cfg)), foreground_(foreground) {}

    int run(Detacher& detacher) {
        std::unique_ptr<PidFile> pid_file;
        try {
            pid_file = std::make_unique<PidFile>(cfg_.pid_file);
            listeners_ = rebind(listeners_, cfg_.listen);
        } catch (const std::exception& e) {
            spdlog::critical("{}", e.what());
            detacher.failed(std::string("ftpd: ") + e.what(), kExitStart);
            return kExitStart;
        }
        raise_fd_limit();
        pid_file->write(::getpid());
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
            std::vector<int>{sigfd.get(), pid_file->fd()}, status_->geometry().slots,
            [this](unsigned slot, bool restart) {
                status_->reset_slot(slot);
                queues_[slot].recreate();  // a worker killed inside a send wedges only this
                if (restart) status_->add_restart(slot);
                slot_segment_[slot] = status_.get();
            },
            [this](unsigned slot) { segment_of(slot).reset_slot(slot); });
        pool_->start_generation(cfg_, generation_, listeners_);
        spdlog::info("ready: generation {}, {} worker(s), pid {}", generation_, cfg_.workers, ::getpid());
        detacher.ready();

        while (!(stopping_ && pool_->empty())) {
            pollfd pfd{sigfd.get(), POLLIN, 0};
            int timeout = static_cast<int>(std::min<long>(pool_->next_timeout().count(), 100));
            int n = ::poll(&pfd, 1, timeout);
            if (n < 0 && errno != EINTR) sys::throw_sys("poll");
            if (n > 0) drain_signals(sigfd.get());
            drain_events();
            check_users_file();
            check_heartbeats();
            pool_->tick();
        }
        spdlog::info("stopped");
        return kExitOk;
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
                spdlog::error("worker {} (pid {}) reported: {}", e.slot, e.pid, worker::printable(e.message));
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
        for (int sig : {SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGQUIT, SIGUSR1}) sigaddset(&set, sig);
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
            }
            pollfd pfd{fd, POLLIN, 0};
            if (::poll(&pfd, 1, 0) <= 0) break;
        }
    }

    // A bad config or an address that cannot be bound keeps the old cycle serving.
    void reload() {
        if (stopping_) return;
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

    Config cfg_;
    bool foreground_;
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

int run_master(Config cfg, bool foreground, Detacher& detacher) {
    Master master(std::move(cfg), foreground);
    return master.run(detacher);
}

}  // namespace ftpd::master
