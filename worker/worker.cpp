// A worker process: privilege drop, the event loop, acceptors, sessions, and the
// worker's own signals (TERM: stop now; QUIT or master death: drain; USR1: reopen logs).
// Runs in a child of the master; never returns into the master's code paths.
#include "worker/worker.hpp"
#include "worker/printable.hpp"

#include "ipc/sys/fd_passing.hpp"
#include "ipc/sys/capabilities.hpp"
#include "ipc/sys/syscall.hpp"
#include "worker/address_text.hpp"
#include "worker/crypt_pool.hpp"
#include "worker/reactor_reserve.hpp"
#include "worker/fs/pool.hpp"
#include "worker/logging.hpp"
#include "worker/net.hpp"
#include "worker/proxy_reader.hpp"
#include "worker/session.hpp"
#include "worker/users_channel.hpp"

#include <spdlog/spdlog.h>

#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <algorithm>
#include <list>
#include <optional>
#include <string_view>

namespace ftpd::worker {
namespace sys = ipc::sys;

Worker::Worker(const WorkerContext& ctx)
    : ctx_(ctx),
      anonymous_root_(std::make_shared<const fs::FsRoot>(ctx.settings.root)),
      status_(ctx.master_pid, ctx.slot, ctx.generation),
      users_(std::make_shared<const std::vector<Account>>(ctx.settings.users)) {}

void Worker::session_ended(std::uint64_t id) {
    sessions_.erase(id);
    if (draining_ && sessions_.empty() && on_idle_) on_idle_();
}

void Worker::check_passive_revoked(std::uint64_t id) {
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    if (auto s = it->second.lock()) s->check_passive_revoked();
}

void Worker::check_passive_revocations() {
    for (auto& [id, weak] : sessions_)
        if (auto s = weak.lock()) s->check_passive_revoked();
}

namespace {

// Longest wait for a balancer's PROXY header (shorter still when login_timeout is):
// HAProxy sends it with the connection, so only a broken or hostile peer is slower.
constexpr unsigned kProxyHeaderTimeout = 5;

// File-system calls that may wait for a thread, per thread: beyond that a session gets
// "busy" at once rather than a queue without bound.
constexpr std::size_t kFsQueuePerThread = 256;


}  // namespace

// The event loop of one worker: acceptors, signals, and the drain/stop logic.
class WorkerLoop {
public:
    WorkerLoop(net::io_context& io, Worker& worker, const WorkerContext& ctx)
        : io_(io), worker_(worker), ctx_(ctx), signals_(io), drain_timer_(io), heartbeat_timer_(io) {
        for (const auto& l : ctx.listeners) {
            int fd = l.fd;
            sockaddr_storage ss{};
            socklen_t len = sizeof ss;
            sys::check("getsockname", [&] { return ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len); });
            auto proto = ss.ss_family == AF_INET6 ? tcp::v6() : tcp::v4();
            acceptors_.emplace_back(io, proto, fd);
        }
        worker_.on_idle([this] { io_.stop(); });
    }

    void start() {
        signals_.add(SIGTERM);
        signals_.add(SIGINT);
        signals_.add(SIGQUIT);
        signals_.add(SIGUSR1);
        if (StatusReporter::fault_injection_enabled()) signals_.add(SIGUSR2);
        signals_.add(SIGURG);  // another worker's session took over one of our passive ports
        wait_signal();
        auto marks = ctx_.listeners.begin();
        for (auto& a : acceptors_) net::co_spawn(io_, accept_loop(a, *marks++), net::detached);
        worker_.status().set_state(ipc::WorkerState::running);
        beat();
    }

    void drain(const char* why) {
        if (worker_.draining()) return;
        worker_.set_draining();
        worker_.status().set_state(ipc::WorkerState::draining);
        spdlog::info("draining ({}): {} session(s) left", why, worker_.sessions().size());
        close_acceptors();
        if (worker_.sessions().empty()) {
            io_.stop();
            return;
        }
        drain_timer_.expires_after(std::chrono::seconds(ctx_.settings.shutdown_timeout));
        drain_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (ec) return;
            spdlog::info("shutdown_timeout reached; closing {} session(s)", worker_.sessions().size());
            stop_sessions();
            io_.stop();
        });
    }

    void stop_now() {
        spdlog::info("stopping: closing {} session(s)", worker_.sessions().size());
        worker_.set_draining();
        close_acceptors();
        stop_sessions();
        io_.stop();
    }

private:
    // The heartbeat the master watches (worker_timeout): a hung loop stops it; threads stuck
    // in the file system do not (they are logged and counted instead).
    void beat() {
        worker_.status().heartbeat();
        kick_sessions();
        worker_.check_passive_revocations();  // a SIGURG may have been lost or merged
        auto& pool = worker_.fs_pool();
        pool.check_stuck();
        auto fs = pool.stats();
        worker_.status().fs_stats(fs.threads, fs.running + fs.queued, fs.stuck, fs.oldest_s);
        return_memory();
        heartbeat_timer_.expires_after(std::chrono::seconds(1));
        heartbeat_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) beat();
        });
    }

    // After a burst of sessions has closed, give the memory they used back to the system:
    // the session table's buckets and the heap's free pages (glibc keeps them otherwise).
    // Once the sessions are down to half of the peak since the last time, by at least 256.
    void return_memory() {
        std::size_t now = worker_.sessions().size();
        sessions_peak_ = std::max(sessions_peak_, now);
        if (sessions_peak_ < now * 2 || sessions_peak_ - now < 256) return;
        worker_.sessions().rehash(0);
        ::malloc_trim(0);
        sessions_peak_ = now;
    }

    // The master passes the re-opened log file before the signal; without one (logging to
    // stderr or syslog, or the master could not open it) try the path.
    void reopen_log() {
        ipc::sys::unique_fd fd;
        try {
            fd = ipc::sys::receive_latest_fd(ctx_.log_channel);
        } catch (const std::exception& e) {
            spdlog::error("cannot take the log file from the master: {}", e.what());
        }
        if (fd)
            reopen_logs(std::move(fd));
        else
            reopen_logs();
    }

    void wait_signal() {
        signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
            if (ec) return;
            if (sig == SIGURG) {
                worker_.check_passive_revocations();
            } else if (sig == SIGUSR1) {
                reopen_log();
            } else if (sig == SIGUSR2 && StatusReporter::fault_injection("block_loop")) {
                spdlog::warn("fault injection: blocking the event loop");
                for (;;) ::pause();  // until the master's SIGKILL
            } else if (sig == SIGUSR2) {
                spdlog::warn("fault injection: holding the slot semaphore and the event queue lock");
                worker_.status().inject_faults();
            } else if (sig == SIGQUIT) {
                drain("told to stop gracefully");
            } else {
                stop_now();
            }
            wait_signal();
        });
    }

    awaitable<void> accept_loop(tcp::acceptor& acceptor, ListenSocket marks) {
        const bool implicit_tls = marks.implicit_tls;
        for (;;) {
            boost::system::error_code ec;
            tcp::socket socket = co_await acceptor.async_accept(net::redirect_error(use_awaitable, ec));
            if (worker_.draining() || !acceptor.is_open()) co_return;
            if (ec) {
                if (ec == net::error::operation_aborted) co_return;
                accept_failed(ec);
                if (ec == boost::system::errc::too_many_files_open ||
                    ec == boost::system::errc::too_many_files_open_in_system) {
                    net::steady_timer pause(io_, std::chrono::milliseconds(100));
                    co_await pause.async_wait(net::redirect_error(use_awaitable, ec));
                }
                continue;
            }
            accept_succeeded();
            auto remote = socket.remote_endpoint(ec);
            if (ec) continue;
            if (marks.proxy_protocol) {
                if (!trusted_balancer(socket, remote)) continue;
                net::co_spawn(io_, accept_proxied(std::move(socket), remote, implicit_tls),
                              [](std::exception_ptr e) {
                                  try {
                                      if (e) std::rethrow_exception(e);
                                  } catch (const std::exception& x) {
                                      spdlog::error("PROXY header: {}", printable(x.what()));
                                  }
                              });
                continue;
            }
            if (over_limit(socket, remote, implicit_tls)) continue;
            start_session(std::move(socket), remote, implicit_tls, std::nullopt);
        }
    }

    // A failed accept() is counted (accept_errors) and logged once when a run of them
    // starts, once a minute with the count while it lasts, and once when it ends: at the
    // descriptor limit the loop retries every 100 ms, and a line each time would flood the log.
    void accept_failed(const boost::system::error_code& ec) {
        worker_.status().accept_error();
        auto now = std::chrono::steady_clock::now();
        if (accept_errors_ == 0 || ec.value() != accept_error_) {
            if (accept_errors_ > 0) accept_succeeded();  // a different error: its own run
            accept_error_ = ec.value();
            accept_error_text_ = ec.message();
            accept_errors_ = 1;
            accept_errors_reported_ = 0;
            accept_report_at_ = now;
            spdlog::warn("accept: {}; refusing connections until it clears (logged once a minute)",
                         accept_error_text_);
            return;
        }
        ++accept_errors_;
        if (now - accept_report_at_ >= kAcceptReportEvery) {
            spdlog::warn("accept: {}: {} accept(s) failed in the last minute", accept_error_text_,
                         accept_errors_ - accept_errors_reported_);
            accept_errors_reported_ = accept_errors_;
            accept_report_at_ = now;
        }
    }

    void accept_succeeded() {
        if (accept_errors_ == 0) return;
        spdlog::warn("accept: accepting again after {} failed accept(s) ({})", accept_errors_, accept_error_text_);
        accept_errors_ = 0;
    }

    // A proxy_protocol listener speaks only to proxy_trusted balancers: anyone else could
    // claim any address. Closed without a word (no banner).
    bool trusted_balancer(tcp::socket& socket, const tcp::endpoint& remote) {
        if (ctx_.settings.proxy_trusted.contains(unmapped(remote.address()).to_string())) return true;
        spdlog::warn("refused connection from {} port {}: not in proxy_trusted (PROXY protocol listener)",
                     host_text(remote.address()), remote.port());
        boost::system::error_code ec;
        socket.close(ec);
        return false;
    }

    // The balancer's header first (exactly its bytes), then the limits and the session
    // under the client's address it names. A malformed or late header closes the connection.
    awaitable<void> accept_proxied(tcp::socket socket, tcp::endpoint balancer, bool implicit_tls) {
        auto timeout = std::chrono::seconds(std::min(ctx_.settings.login_timeout, kProxyHeaderTimeout));
        auto header = co_await read_proxy_header(socket, timeout);
        boost::system::error_code ec;
        if (header.status != protocol::ProxyHeader::Status::complete) {
            spdlog::warn("dropped connection from {} port {}: bad PROXY header: {}", host_text(balancer.address()),
                         balancer.port(), printable(header.error));
            socket.close(ec);
            co_return;
        }
        if (worker_.draining()) {
            socket.close(ec);
            co_return;
        }
        tcp::endpoint client = balancer;
        if (header.addresses) {
            auto address = net::ip::make_address(header.addresses->source_host, ec);
            if (ec) {  // cannot happen: the parser returns canonical numeric hosts
                socket.close(ec);
                co_return;
            }
            client = tcp::endpoint(address, header.addresses->source_port);
        }
        if (over_limit(socket, client, implicit_tls)) co_return;
        start_session(std::move(socket), client, implicit_tls, balancer);
    }

    // max_clients and max_per_ip, counted over all workers through the status segment:
    // 421 and close. Two workers accepting at the same instant may both let one in.
    // `remote` is the client: the socket's peer, or the address a PROXY header gave.
    bool over_limit(tcp::socket& socket, const tcp::endpoint& remote, bool implicit_tls) {
        boost::system::error_code ec;
        const auto& s = ctx_.settings;
        std::uint64_t total = worker_.status().sessions_total();
        if (total < s.max_clients && total < s.max_per_ip) return false;  // the usual case: no text built
        std::string host = host_text(remote.address());
        std::string msg;
        if (total >= s.max_clients) {
            spdlog::warn("refused connection from {} port {}: max_clients ({}) reached", host, remote.port(),
                         s.max_clients);
            msg = "421 Too many users are connected; please try again later.\r\n";
        } else if (worker_.status().sessions_from(host) >= s.max_per_ip) {
            spdlog::warn("refused connection from {} port {}: max_per_ip ({}) reached", host, remote.port(),
                         s.max_per_ip);
            msg = "421 Too many connections from your address.\r\n";
        } else {
            return false;
        }
        socket.non_blocking(true, ec);
        if (!implicit_tls) socket.write_some(net::buffer(msg), ec);  // no clear text before the handshake
        socket.close(ec);
        return true;
    }

    // `client` as the accept loop or the PROXY header found it: the session does not ask the kernel again.
    void start_session(tcp::socket socket, const tcp::endpoint& client, bool implicit_tls,
                       std::optional<tcp::endpoint> balancer) {
        std::uint64_t id = worker_.status().next_session_id();
        auto session = std::make_shared<Session>(worker_, std::move(socket), id, client, implicit_tls, balancer);
        worker_.sessions()[id] = session;
        net::co_spawn(io_, session->run(), [session](std::exception_ptr) {});
    }

    void close_acceptors() {
        boost::system::error_code ignored;
        for (auto& a : acceptors_) a.close(ignored);
    }

    // ftpctl user del --kick marks rows in the status segment; checked with the heartbeat.
    void kick_sessions() {
        std::vector<std::shared_ptr<Session>> kicked;
        for (auto& [id, weak] : worker_.sessions())
            if (auto s = weak.lock(); s && s->kick_requested()) kicked.push_back(std::move(s));
        for (auto& s : kicked) s->kick();
    }

    void stop_sessions() {
        auto sessions = worker_.sessions();
        for (auto& [id, weak] : sessions)
            if (auto s = weak.lock()) s->stop();
    }

    net::io_context& io_;
    Worker& worker_;
    const WorkerContext& ctx_;
    std::list<tcp::acceptor> acceptors_;
    net::signal_set signals_;
    net::steady_timer drain_timer_;
    net::steady_timer heartbeat_timer_;
    std::size_t sessions_peak_ = 0;  // most sessions at once since memory was last returned
    // The current run of failed accepts (accept_failed()), over all listeners.
    static constexpr std::chrono::minutes kAcceptReportEvery{1};
    std::uint64_t accept_errors_ = 0;           // in this run; 0: none
    std::uint64_t accept_errors_reported_ = 0;  // of them, counted in a line already
    int accept_error_ = 0;
    std::string accept_error_text_;
    std::chrono::steady_clock::time_point accept_report_at_;
};

int run_worker(const WorkerContext& ctx) noexcept {
    try {
        set_log_name("worker " + std::to_string(ctx.slot));
        ::signal(SIGHUP, SIG_IGN);
        ::signal(SIGPIPE, SIG_IGN);
        // Every file and directory a session creates gets its mode with the session's own
        // umask applied (SITE UMASK): the process-wide one, shared by the file-system
        // threads, stays out of the way.
        ::umask(0);
        // Few heap arenas: the file-system and crypt threads would each get their own, and
        // their free memory stays apart from the loop's (glibc's default is 8 per core).
        ::mallopt(M_ARENA_MAX, 2);
        std::unique_ptr<Worker> worker;
        try {
            worker = std::make_unique<Worker>(ctx);  // root dir and IPC, before dropping root
            sys::become_user(ctx.user, "workers");
        } catch (const std::exception& e) {
            spdlog::critical("cannot start: {}", e.what());
            if (worker) worker->status().fatal(std::string("cannot start: ") + e.what());
            return kBootFailed;
        }
        // The file-system pool outlives io (sessions destroyed with io still cancel their
        // queued calls in it) but is shut down before io goes: from then on no thread posts
        // to it, and a thread stuck in a call is left behind.
        std::optional<fs::Pool> fs_pool;
        net::io_context io(1);
        // One worker may get every session (they race on accept()): room for max_clients.
        reserve_reactor_states(io, ctx.settings.max_clients);
        fs_pool.emplace(io.get_executor(), ctx.settings.fs_threads, std::chrono::seconds(ctx.settings.fs_timeout),
                        kFsQueuePerThread * ctx.settings.fs_threads);
        struct StopPool {
            std::optional<fs::Pool>& pool;
            ~StopPool() { pool->shutdown(); }
        } stop_pool{fs_pool};
        worker->set_fs_pool(&*fs_pool);
        CryptPool crypt;  // joined before io goes: a check in flight completes into a live io
        worker->set_crypt_pool(&crypt);
        WorkerLoop loop(io, *worker, ctx);
        loop.start();  // installs the signal handlers while signals are still blocked
        UsersChannel users(io, *worker, ctx.users_channel, ctx.users_file);
        users.start();
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        // The parent-death signal is cleared by the credential change: set it after.
        ::prctl(PR_SET_PDEATHSIG, SIGQUIT);
        if (::getppid() != ctx.master_pid) loop.drain("master is gone");
        spdlog::info("ready");
        try {
            io.run();
        } catch (const std::exception& e) {
            worker->status().fatal(e.what());
            throw;
        }
        spdlog::info("exiting");
        return 0;
    } catch (const std::exception& e) {
        spdlog::critical("fatal: {}", e.what());
        return 1;
    }
}

}  // namespace ftpd::worker
