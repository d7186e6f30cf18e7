// Both sides of the binary upgrade: the old master forks and execs the new binary with its
// descriptors inherited; the new master reads them back from the environment. Runs in the
// master only.
#include "master/upgrade.hpp"

#include "ipc/sys/syscall.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace ftpd::master {
namespace sys = ipc::sys;

namespace {

// The variables, set by the old master for its child only.
constexpr const char* kFromVar = "FTPD_UPGRADE_FROM";        // old master's pid
constexpr const char* kListenVar = "FTPD_UPGRADE_LISTEN";    // "FD PORT FLAGS HOST TEXT;..."
constexpr const char* kPidFileVar = "FTPD_UPGRADE_PIDFILE";  // FD
constexpr const char* kReportVar = "FTPD_UPGRADE_REPORT";    // FD

int parse_fd(const std::string& text, const char* var) {
    char* end = nullptr;
    errno = 0;
    long fd = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0 || fd < 0 || fd > INT_MAX)
        throw std::runtime_error(std::string(var) + ": not a descriptor: '" + text + "'");
    if (::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC) != 0)
        throw std::runtime_error(std::string(var) + ": descriptor " + text + " is not open");
    return static_cast<int>(fd);
}

std::string take_env(const char* var) {
    const char* v = std::getenv(var);
    std::string value = v ? v : "";
    ::unsetenv(var);
    return value;
}

// "FD PORT FLAGS HOST TEXT" (FLAGS: '-' or any of i = implicit TLS, p = PROXY, 6 = IPv6).
Listener parse_listener(const std::string& entry) {
    std::istringstream in(entry);
    std::string fd, flags;
    Listener l;
    unsigned port = 0;
    if (!(in >> fd >> port >> flags >> l.address.host >> l.address.text) || port > 65535)
        throw std::runtime_error(std::string(kListenVar) + ": malformed entry '" + entry + "'");
    l.fd.reset(parse_fd(fd, kListenVar));
    l.bound_port = static_cast<std::uint16_t>(port);
    l.address.port = l.bound_port;
    l.address.implicit_tls = flags.find('i') != std::string::npos;
    l.address.proxy_protocol = flags.find('p') != std::string::npos;
    l.address.v6 = flags.find('6') != std::string::npos;
    return l;
}

std::string describe_for_child(const Listener& l) {
    std::string flags;
    if (l.address.implicit_tls) flags += 'i';
    if (l.address.proxy_protocol) flags += 'p';
    if (l.address.v6) flags += '6';
    if (flags.empty()) flags = "-";
    return std::to_string(l.fd.get()) + " " + std::to_string(l.bound_port) + " " + flags + " " + l.address.host +
           " " + l.address.text;
}

}  // namespace

std::optional<Inheritance> inheritance_from_environment() {
    const std::string from = take_env(kFromVar);
    const std::string listen = take_env(kListenVar);
    const std::string pid_file = take_env(kPidFileVar);
    const std::string report = take_env(kReportVar);
    if (from.empty()) return std::nullopt;
    Inheritance in;
    // The report pipe first: whatever goes wrong next can still be told to the old master.
    if (!report.empty()) in.report.reset(parse_fd(report, kReportVar));
    in.old_master_pid = std::atoi(from.c_str());
    if (in.old_master_pid <= 0) throw std::runtime_error(std::string(kFromVar) + ": not a pid: '" + from + "'");
    in.pid_file.reset(parse_fd(pid_file, kPidFileVar));
    std::size_t pos = 0;
    while (pos < listen.size()) {
        std::size_t end = listen.find(';', pos);
        if (end == std::string::npos) end = listen.size();
        if (end > pos) in.listeners.push_back(parse_listener(listen.substr(pos, end - pos)));
        pos = end + 1;
    }
    return in;
}

std::string start_path(const char* argv0) {
    std::string path = argv0 ? argv0 : "";
    if (path.find('/') == std::string::npos) {
        const char* env = std::getenv("PATH");
        std::string dirs = env ? env : "/usr/sbin:/usr/bin:/sbin:/bin";
        std::size_t pos = 0;
        while (pos <= dirs.size()) {
            std::size_t end = dirs.find(':', pos);
            if (end == std::string::npos) end = dirs.size();
            std::string candidate = dirs.substr(pos, end - pos) + "/" + path;
            if (candidate[0] == '/' && ::access(candidate.c_str(), X_OK) == 0) return candidate;
            pos = end + 1;
        }
        return "/proc/self/exe";  // not found: at least the running binary
    }
    if (path[0] == '/') return path;
    char cwd[PATH_MAX];
    if (!::getcwd(cwd, sizeof cwd)) return path;
    return std::string(cwd) + "/" + path;
}

UpgradeChild start_new_binary(const std::string& binary, const std::string& config_path, bool foreground,
                              const std::vector<Listener>& listeners, int pid_file_fd) {
    int fds[2];
    sys::check("pipe", [&] { return ::pipe2(fds, O_CLOEXEC); });
    sys::unique_fd read_end(fds[0]), write_end(fds[1]);
    sys::check("fcntl(O_NONBLOCK)", [&] { return ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK); });

    // Everything the child needs is built before the fork.
    std::string listen;
    for (const auto& l : listeners) listen += (listen.empty() ? "" : ";") + describe_for_child(l);
    const std::string from = std::to_string(::getpid());
    const std::string pid_fd = std::to_string(pid_file_fd);
    const std::string report_fd = std::to_string(write_end.get());
    const std::string failure = "3cannot execute " + binary + ": ";
    std::vector<std::string> args = {binary, "-c", config_path};
    if (foreground) args.push_back("-f");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_t pid = sys::check("fork", [] { return ::fork(); });
    if (pid == 0) {
        sigset_t none;
        ::sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGPIPE, SIG_DFL);
        for (const auto& l : listeners) ::fcntl(l.fd.get(), F_SETFD, 0);
        ::fcntl(pid_file_fd, F_SETFD, 0);
        ::fcntl(write_end.get(), F_SETFD, 0);
        ::setenv(kFromVar, from.c_str(), 1);
        ::setenv(kListenVar, listen.c_str(), 1);
        ::setenv(kPidFileVar, pid_fd.c_str(), 1);
        ::setenv(kReportVar, report_fd.c_str(), 1);
        ::execv(binary.c_str(), argv.data());
        std::string text = failure + std::strerror(errno) + "\n";
        (void)!::write(write_end.get(), text.data(), text.size());
        ::_exit(127);
    }
    return UpgradeChild{pid, std::move(read_end)};
}

}  // namespace ftpd::master
