// The master's loop: signals arrive on a signalfd and are handled in order — SIGCHLD
// reap and respawn, SIGHUP reload (a bad config keeps the old one), SIGTERM/SIGINT fast
// stop, SIGQUIT graceful stop, SIGUSR1 reopen logs. Runs in the master only.
#include "master/master.hpp"

#include "ipc/sys/syscall.hpp"
#include "master/listeners.hpp"
#include "master/pool.hpp"
#include "worker/logging.hpp"

#include <spdlog/spdlog.h>

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <memory>

namespace ftpd::master {
namespace sys = ipc::sys;

std::string log_target(const Config& cfg, bool foreground) {
    if (!cfg.log_file.empty()) return cfg.log_file;
    return foreground ? "stderr" : "syslog";
}

namespace {

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
        pid_file->write(::getpid());
        for (const auto& l : listeners_) spdlog::info("listening on {}", l.describe());

        sigset_t set = handled_signals();
        sys::check("sigprocmask", [&] { return ::sigprocmask(SIG_BLOCK, &set, nullptr); });
        sys::unique_fd sigfd(sys::check("signalfd", [&] { return ::signalfd(-1, &set, SFD_CLOEXEC); }));
        ::signal(SIGPIPE, SIG_IGN);

        pool_ = std::make_unique<Pool>(std::vector<int>{sigfd.get(), pid_file->fd()});
        pool_->start_generation(cfg_, generation_, listeners_);
        spdlog::info("ready: generation {}, {} worker(s), pid {}", generation_, cfg_.workers, ::getpid());
        detacher.ready();

        while (!(stopping_ && pool_->empty())) {
            pollfd pfd{sigfd.get(), POLLIN, 0};
            int timeout = static_cast<int>(pool_->next_timeout().count());
            int n = ::poll(&pfd, 1, timeout);
            if (n < 0 && errno != EINTR) sys::throw_sys("poll");
            if (n > 0) drain_signals(sigfd.get());
            pool_->tick();
        }
        spdlog::info("stopped");
        return kExitOk;
    }

private:
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
        try {
            next = load_config(cfg_.path);
            listeners = rebind(listeners_, next.listen);
        } catch (const std::exception& e) {
            std::string why = e.what();
            for (auto& c : why)
                if (c == '\n') c = ';';
            spdlog::error("reload failed: {}; still serving generation {}", why, generation_);
            return;
        }
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

    void reopen() {
        worker::reopen_logs();
        for (const auto& c : pool_->children()) ::kill(c.pid, SIGUSR1);
    }

    Config cfg_;
    bool foreground_;
    unsigned generation_ = 1;
    bool stopping_ = false;
    std::vector<Listener> listeners_;
    std::unique_ptr<Pool> pool_;
};

}  // namespace

int run_master(Config cfg, bool foreground, Detacher& detacher) {
    Master master(std::move(cfg), foreground);
    return master.run(detacher);
}

}  // namespace ftpd::master
