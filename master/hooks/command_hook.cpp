// Command hooks: posix_spawn of the program in a process group of its own, environment from
// hook_fields(), one pipe for standard output and error, a pidfd for the exit, a timer for
// hook_timeout (SIGTERM to the group, SIGKILL kGrace later). Runs in the hook runner.
#include "master/hooks/command_hook.hpp"

#include "ipc/sys/syscall.hpp"
#include "ipc/sys/unique_fd.hpp"
#include "master/hooks/hook_event.hpp"
#include "worker/printable.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

namespace ftpd::master::hooks {
namespace {

namespace net = boost::asio;
namespace sys = ipc::sys;
using net::awaitable;
using net::use_awaitable;

constexpr auto kGrace = std::chrono::seconds(2);  // after SIGTERM, then SIGKILL
constexpr std::size_t kMaxLine = 4096;            // longer output lines are cut

// Logs what the hook writes, a line each, until the pipe closes.
awaitable<void> log_output(std::shared_ptr<net::posix::stream_descriptor> pipe, std::string prefix) {
    net::streambuf buf(1 << 20);
    for (;;) {
        boost::system::error_code ec;
        std::size_t n = co_await net::async_read_until(*pipe, buf, '\n', net::redirect_error(use_awaitable, ec));
        if (n == 0 && (ec || buf.size() == 0)) {
            if (buf.size() > 0) {
                std::string rest(net::buffers_begin(buf.data()), net::buffers_end(buf.data()));
                spdlog::info("{}: {}", prefix, worker::printable(rest.substr(0, kMaxLine)));
            }
            co_return;
        }
        if (n == 0) n = buf.size();  // not found but the buffer is full
        std::string line(net::buffers_begin(buf.data()), net::buffers_begin(buf.data()) + n);
        buf.consume(n);
        if (!line.empty() && line.back() == '\n') line.pop_back();
        spdlog::info("{}: {}", prefix, worker::printable(line.substr(0, kMaxLine)));
    }
}

std::vector<std::string> environment_of(HookEvent type, const ipc::Event& e) {
    std::vector<std::string> env{"PATH=/usr/local/bin:/usr/bin:/bin"};
    for (auto& [name, value] : hook_fields(type, e)) env.push_back(name + "=" + value);
    return env;
}

std::vector<char*> pointers(std::vector<std::string>& v) {
    std::vector<char*> p;
    for (auto& s : v) p.push_back(s.data());
    p.push_back(nullptr);
    return p;
}

// Starts argv with stdin from /dev/null and stdout and stderr into out; returns its pid.
pid_t spawn(std::vector<std::string> argv, std::vector<std::string> env, int out) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawnattr_init(&attr);
    ::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(&actions, out, 1);
    ::posix_spawn_file_actions_adddup2(&actions, out, 2);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigfillset(&defaults);
    ::posix_spawnattr_setsigmask(&attr, &none);
    ::posix_spawnattr_setsigdefault(&attr, &defaults);
    ::posix_spawnattr_setpgroup(&attr, 0);  // its own group: the timeout kills what it started too
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    pid_t pid = 0;
    auto a = pointers(argv);
    auto e = pointers(env);
    int rc = ::posix_spawn(&pid, a[0], &actions, &attr, a.data(), e.data());
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attr);
    if (rc != 0) throw std::system_error(rc, std::generic_category(), "posix_spawn(\"" + argv[0] + "\")");
    return pid;
}

}  // namespace

awaitable<bool> CommandRunner::run(std::shared_ptr<const HookSettings> settings, std::size_t index, HookEvent type,
                                   ipc::Event event) {
    auto ex = co_await net::this_coro::executor;
    const CommandHook& hook = settings->commands[index];
    int fds[2];
    sys::check("pipe2", [&] { return ::pipe2(fds, O_CLOEXEC); });
    sys::unique_fd read_end(fds[0]), write_end(fds[1]);
    pid_t pid = spawn(hook.argv, environment_of(type, event), write_end.get());
    write_end = sys::unique_fd();
    running_.insert(pid);
    sys::unique_fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    std::string prefix = "hook " + std::string(to_string(type));
    spdlog::debug("{}: started {} (pid {}) for session {}", prefix, hook.argv[0], pid, event.session_id);

    auto pipe = std::make_shared<net::posix::stream_descriptor>(ex, read_end.release());
    net::co_spawn(ex, log_output(pipe, prefix), net::detached);

    // hook_timeout: SIGTERM to its group, then SIGKILL.
    auto timer = std::make_shared<net::steady_timer>(ex, std::chrono::seconds(settings->timeout));
    struct Watch {
        bool timed_out = false;
        bool reaped = false;  // from then on its pid may belong to someone else
    };
    auto watch = std::make_shared<Watch>();
    timer->async_wait([timer, watch, pid](const boost::system::error_code& ec) {
        if (ec || watch->reaped) return;
        watch->timed_out = true;
        ::kill(-pid, SIGTERM);
        timer->expires_after(kGrace);
        timer->async_wait([watch, pid](const boost::system::error_code& ec2) {
            if (!ec2 && !watch->reaped) ::kill(-pid, SIGKILL);
        });
    });

    int status = 0;
    if (pidfd) {
        net::posix::stream_descriptor exit_watch(ex, pidfd.release());
        boost::system::error_code ec;
        co_await exit_watch.async_wait(net::posix::stream_descriptor::wait_read, net::redirect_error(use_awaitable, ec));
    }
    ::kill(-pid, SIGKILL);       // what it left behind in its group, while the group's id is still held
    ::waitpid(pid, &status, 0);  // it has exited: no wait (without a pidfd: kernels < 5.3)
    watch->reaped = true;
    running_.erase(pid);
    timer->cancel();

    const std::string& program = hook.argv[0];
    if (watch->timed_out) {
        spdlog::error("{}: {} (pid {}) killed after hook_timeout ({} s)", prefix, program, pid, settings->timeout);
        co_return false;
    }
    if (WIFSIGNALED(status)) {
        spdlog::error("{}: {} (pid {}) killed by signal {}", prefix, program, pid, WTERMSIG(status));
        co_return false;
    }
    if (WEXITSTATUS(status) != 0) {
        spdlog::warn("{}: {} (pid {}) failed with exit status {}", prefix, program, pid, WEXITSTATUS(status));
        co_return false;
    }
    spdlog::info("{}: {} (pid {}) done", prefix, program, pid);
    co_return true;
}

void CommandRunner::terminate_all() noexcept {
    for (pid_t pid : running_) ::kill(-pid, SIGKILL);
}

}  // namespace ftpd::master::hooks
