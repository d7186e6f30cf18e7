// Finding the running ftpd master and signalling it (see control.hpp). Runs in ftpctl only;
// every failure becomes one ControlError line for the operator.
#include "client/ftpctl/control.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <system_error>

#include "ipc/sys/syscall.hpp"
#include "ipc/sys/unique_fd.hpp"

namespace ftpd::client {
namespace {

namespace sys = ipc::sys;

// A config or pid file larger than this is not one.
constexpr std::size_t kMaxFileBytes = 1 << 20;

std::string_view trim(std::string_view s) noexcept {
    constexpr std::string_view kBlanks = " \t\r\n";
    const auto first = s.find_first_not_of(kBlanks);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(kBlanks) - first + 1);
}

// The whole file (at most kMaxFileBytes), or ec set to why it cannot be read.
std::string read_file(const std::string& path, std::error_code& ec) {
    sys::unique_fd fd(sys::check(ec, [&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); }));
    std::string text;
    if (ec) return text;
    char buf[4096];
    while (text.size() < kMaxFileBytes) {
        const ssize_t n = sys::check(ec, [&] { return ::read(fd.get(), buf, sizeof buf); });
        if (ec) return {};
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    return text;
}

// A pid as written by ftpd ("1234\n"): decimal digits only, at least 1.
bool parse_pid(std::string_view text, int& pid) noexcept {
    text = trim(text);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
    return !text.empty() && ec == std::errc{} && end == text.data() + text.size() && pid >= 1;
}

}  // namespace

std::optional<std::string> value_in(std::string_view config_text, std::string_view key) {
    while (!config_text.empty()) {
        const auto eol = config_text.find('\n');
        const std::string_view line = trim(config_text.substr(0, eol));
        config_text = eol == std::string_view::npos ? std::string_view{} : config_text.substr(eol + 1);
        if (line.empty() || line.front() == '#') continue;
        const auto eq = line.find('=');
        if (eq == std::string_view::npos || trim(line.substr(0, eq)) != key) continue;
        return std::string(trim(line.substr(eq + 1)));
    }
    return std::nullopt;
}

std::string pid_file_in(std::string_view config_text) {
    auto value = value_in(config_text, "pid_file");
    return value && !value->empty() ? *value : std::string(kDefaultPidFile);
}

std::string users_file_of_config(const std::optional<std::string>& config_path) {
    const std::string path = config_path.value_or(std::string(kDefaultConfigFile));
    std::error_code ec;
    const std::string text = read_file(path, ec);
    if (ec) throw ControlError("cannot read config " + path + ": " + ec.message());
    auto value = value_in(text, "users_file");
    if (!value || value->empty()) throw ControlError(path + " sets no users_file (see ftpd.conf(5))");
    if (value->front() != '/') throw ControlError(path + ": users_file '" + *value + "' is not an absolute path");
    return *value;
}

std::string pid_file_of_config(const std::optional<std::string>& config_path) {
    const std::string path = config_path.value_or(std::string(kDefaultConfigFile));
    std::error_code ec;
    const std::string text = read_file(path, ec);
    if (ec == std::errc::no_such_file_or_directory && !config_path) return std::string(kDefaultPidFile);
    if (ec) throw ControlError("cannot read config " + path + ": " + ec.message());
    return pid_file_in(text);
}

int find_master(const std::string& pid_file) {
    std::error_code ec;
    const std::string text = read_file(pid_file, ec);
    if (ec == std::errc::no_such_file_or_directory)
        throw ControlError("no ftpd running (pid file " + pid_file + ": " + ec.message() + ")");
    if (ec) throw ControlError("cannot read pid file " + pid_file + ": " + ec.message());
    int pid = 0;
    if (!parse_pid(text, pid))
        throw ControlError("no ftpd running (pid file " + pid_file + " does not hold a pid)");
    if (!sys::process_alive(pid))
        throw ControlError("no ftpd running (pid " + std::to_string(pid) + " from " + pid_file + " is not alive)");
    return pid;
}

SignalSpec signal_for(Action action) noexcept {
    switch (action) {
        case Action::reload: return {SIGHUP, "SIGHUP"};
        case Action::stop: return {SIGTERM, "SIGTERM"};
        case Action::stop_graceful: return {SIGQUIT, "SIGQUIT"};
        case Action::reopen_logs: return {SIGUSR1, "SIGUSR1"};
        case Action::upgrade: return {SIGUSR2, "SIGUSR2"};
    }
    return {SIGHUP, "SIGHUP"};  // not reached: every enumerator is handled above
}

std::string send_action(int master_pid, Action action) {
    // kill(0, ...) and kill(-1, ...) would signal a process group or every process we may.
    if (master_pid < 1) throw std::invalid_argument("send_action: bad pid " + std::to_string(master_pid));
    const SignalSpec sig = signal_for(action);
    std::error_code ec;
    sys::check(ec, [&] { return ::kill(master_pid, sig.number); });
    const std::string target = "ftpd master " + std::to_string(master_pid);
    if (ec == std::errc::no_such_process) throw ControlError("no ftpd running (" + target + " has exited)");
    if (ec == std::errc::operation_not_permitted)
        throw ControlError("cannot send " + std::string(sig.name) + " to " + target + ": " + ec.message() +
                           " (run as root or as the user running ftpd)");
    if (ec) throw ControlError("cannot send " + std::string(sig.name) + " to " + target + ": " + ec.message());
    return "sent " + std::string(sig.name) + " to " + target;
}

}  // namespace ftpd::client
