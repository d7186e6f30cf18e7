// Finding the running ftpd master (config file -> pid_file -> a live pid) and signalling it.
// Runs in ftpctl only. Reads one key of the config and never validates the rest: that is
// `ftpd -t`'s job. Never signals a pid it did not just check (and never pid 0 or -1).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ftpd::client {

inline constexpr std::string_view kDefaultConfigFile = "/etc/ftpd.conf";
inline constexpr std::string_view kDefaultPidFile = "/run/ftpd.pid";

// The master cannot be found or reached. what() is the line for the operator, without the
// "ftpctl: " prefix, e.g. "no ftpd running (pid 1234 from /run/ftpd.pid is not alive)".
class ControlError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The value of `pid_file` in the text of an ftpd.conf: `key = value` lines, blanks around
// both trimmed, a line whose first non-blank character is '#' a comment. kDefaultPidFile
// when the key is absent or empty; the first one when it is repeated (ftpd refuses that).
std::string pid_file_in(std::string_view config_text);

// The value of `key` in the text of an ftpd.conf, by the same rules; nullopt when absent.
std::optional<std::string> value_in(std::string_view config_text, std::string_view key);

// users_file of the config (-c FILE or kDefaultConfigFile). Throws ControlError when the
// config cannot be read, or sets no users_file, or a relative one.
std::string users_file_of_config(const std::optional<std::string>& config_path);

// pid_file_in() of the config file. With no path given, that is kDefaultConfigFile, and
// if it does not exist ftpd's defaults apply (kDefaultPidFile). Throws ControlError when
// the file cannot be read (a file named with -c must exist).
std::string pid_file_of_config(const std::optional<std::string>& config_path);

// The pid in pid_file, if the process is alive. Throws ControlError when the file is
// missing or unreadable, does not hold a positive pid, or the process does not exist.
int find_master(const std::string& pid_file);

// What ftpctl can ask the master to do; each is one signal (see ftpd(8), SIGNALS).
enum class Action { reload, stop, stop_graceful, reopen_logs, upgrade };

struct SignalSpec {
    int number;
    std::string_view name;  // "SIGHUP"
};

// reload: SIGHUP, stop: SIGTERM, stop_graceful: SIGQUIT, reopen_logs: SIGUSR1, upgrade: SIGUSR2.
SignalSpec signal_for(Action action) noexcept;

// Sends the action's signal to the master and returns what was done, "sent SIGHUP to ftpd
// master 1234". Throws ControlError when kill(2) fails (the master exited meanwhile, or we
// may not signal it), and std::invalid_argument for a pid below 1.
std::string send_action(int master_pid, Action action);

}  // namespace ftpd::client
