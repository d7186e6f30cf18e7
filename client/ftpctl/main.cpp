// ftpctl: the command line of the control and status tool. Parses the command, finds the
// master through the config's pid_file, then prints its status or signals it. Never waits
// on a worker for longer than a short timed wait, and never dies holding a slot's lock.
#include <boost/program_options.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "client/ftpctl/control.hpp"
#include "client/ftpctl/status_format.hpp"
#include "client/ftpctl/user_command.hpp"
#include "ipc/status_segment.hpp"
#include "ipc/sys/syscall.hpp"

namespace po = boost::program_options;
using namespace ftpd::client;
namespace ipc = ftpd::ipc;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // no master, status unreadable, signal not sent
constexpr int kExitUsage = 2;

// How long a snapshot waits for each slot's lock before showing the slot busy.
constexpr std::chrono::milliseconds kSlotWait{100};
constexpr double kMaxWatchSeconds = 86400;

constexpr const char* kUsage =
    "Usage: ftpctl [-c FILE] COMMAND [OPTIONS]\n"
    "Commands:\n"
    "  status [--json] [--watch [SECONDS]]  master, workers, sessions and totals\n"
    "  metrics                              counters in the Prometheus text format\n"
    "  reload                               re-read the configuration (SIGHUP)\n"
    "  stop [--graceful]                    stop ftpd (SIGTERM; --graceful: SIGQUIT)\n"
    "  reopen-logs                          reopen the log files (SIGUSR1)\n"
    "  upgrade                              start the installed binary without cutting a session (SIGUSR2)\n"
    "                                       and wait for the outcome\n"
    "  user add|passwd|set|del|list|show    manage the users file (ftpctl user --help)\n";

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Request {
    std::string command;
    std::optional<std::string> config;  // -c FILE; none: kDefaultConfigFile, if it exists
    bool json = false;
    bool graceful = false;
    std::optional<double> watch;  // seconds between redraws
};

// RAII: blocks signals and restores the previous mask. Around a snapshot it keeps Ctrl-C
// (and kill, Ctrl-Z) from ending or stopping ftpctl while it holds a slot's semaphore:
// that would leave the slot "busy" for every reader until its worker is replaced. A
// signal that arrives meanwhile is delivered once the semaphore has been given back.
class SignalBlock {
public:
    explicit SignalBlock(std::initializer_list<int> signals) {
        sigset_t set;
        ::sigemptyset(&set);
        for (int s : signals) ::sigaddset(&set, s);
        ::sigprocmask(SIG_BLOCK, &set, &old_);
    }
    ~SignalBlock() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }
    SignalBlock(const SignalBlock&) = delete;
    SignalBlock& operator=(const SignalBlock&) = delete;

private:
    sigset_t old_;
};

// The snapshots of the running master and, during a binary upgrade, of the other master
// (when it still has its segment). Throws ControlError (no master) or std::runtime_error
// (the segment is missing or from another build).
struct Status {
    ipc::Snapshot current;
    std::optional<ipc::Snapshot> other;
    const ipc::Snapshot* other_ptr() const { return other ? &*other : nullptr; }
};

Status read_status(const Request& req) {
    const int pid = find_master(pid_file_of_config(req.config));
    const ipc::SegmentView view(pid, ipc::Access::read_write_if_permitted);
    Status st;
    {
        const SignalBlock block({SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP});
        st.current = ipc::read_snapshot(view, kSlotWait);
    }
    const ipc::HeaderData& h = st.current.header;
    if (h.upgrade_state != ipc::UpgradeState::none && h.upgrade_peer_pid > 0 && h.upgrade_peer_pid != pid) {
        try {
            const ipc::SegmentView peer(h.upgrade_peer_pid, ipc::Access::read_write_if_permitted);
            const SignalBlock block({SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP});
            st.other = ipc::read_snapshot(peer, kSlotWait);
        } catch (const std::exception&) {
            // not created yet, or already removed: only the current master is shown
        }
    }
    return st;
}

int fail(const std::exception& e) {
    std::cerr << "ftpctl: " << e.what() << "\n";
    return kExitFailure;
}

int run_status(const Request& req) {
    Status st;
    try {
        st = read_status(req);
    } catch (const std::exception& e) {
        return fail(e);
    }
    std::cout << (req.json ? status_json(st.current, now(), st.other_ptr())
                           : status_table(st.current, now(), st.other_ptr()));
    return kExitOk;
}

// Like run_status, but with no master node_exporter still gets ftpd_up 0.
int run_metrics(const Request& req) {
    try {
        const ipc::Snapshot snap = read_status(req).current;
        std::cout << status_metrics(snap, now());
        return kExitOk;
    } catch (const std::exception& e) {
        std::cout << metrics_down();
        return fail(e);
    }
}

// One redraw: a title line and the table, or the error (the master may be restarting).
std::string watch_frame(const Request& req) {
    std::string text;
    try {
        const Status st = read_status(req);
        text = req.json ? status_json(st.current, now(), st.other_ptr())
                        : status_table(st.current, now(), st.other_ptr());
    } catch (const std::exception& e) {
        const std::string line = std::string("ftpctl: ") + e.what() + "\n";
        if (req.json) {
            std::cerr << line;  // standard output stays one JSON document a line
            return "";
        }
        text = line;
    }
    if (req.json) return text;
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    char clock[16] = "";
    if (::localtime_r(&t, &tm)) std::strftime(clock, sizeof clock, "%H:%M:%S", &tm);
    char every[32];
    std::snprintf(every, sizeof every, "%g", *req.watch);
    return std::string("ftpctl status, every ") + every + "s, Ctrl-C to quit    " + clock + "\n\n" + text;
}

// Redraws like top(1) until SIGINT, SIGTERM, SIGHUP or SIGQUIT, then exits 0. On a
// terminal each line is redrawn in place (no flicker); otherwise frames are appended.
int run_watch(const Request& req) {
    sigset_t stop;
    ::sigemptyset(&stop);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::sigaddset(&stop, s);
    const SignalBlock block({SIGINT, SIGTERM, SIGHUP, SIGQUIT});  // taken by sigtimedwait below
    const bool redraw = !req.json && ::isatty(STDOUT_FILENO);
    if (redraw) std::cout << "\x1b[H\x1b[2J";
    const double whole = std::floor(*req.watch);
    const timespec interval{static_cast<std::time_t>(whole), static_cast<long>((*req.watch - whole) * 1e9)};
    for (;;) {
        std::string frame = watch_frame(req);
        if (redraw) {
            std::string screen = "\x1b[H";
            for (std::size_t pos = 0, eol; (eol = frame.find('\n', pos)) != std::string::npos; pos = eol + 1)
                screen.append(frame, pos, eol - pos).append("\x1b[K\n");  // clear the old line's rest
            std::cout << screen << "\x1b[J";                               // and the old lines below
        } else {
            std::cout << frame << (req.json ? "" : "\n");
        }
        if (!std::cout.flush()) return kExitFailure;
        const int sig = ::sigtimedwait(&stop, nullptr, &interval);
        if (sig > 0) return kExitOk;
        if (sig < 0 && errno != EAGAIN && errno != EINTR) return kExitFailure;
    }
}

int run_action(const Request& req, Action action) {
    try {
        const int pid = find_master(pid_file_of_config(req.config));
        std::cout << send_action(pid, action) << "\n";
        return kExitOk;
    } catch (const std::exception& e) {
        return fail(e);
    }
}

// SIGUSR2, then waits until the pid file names the new master (exit 0) or the old master
// records the upgrade as failed (exit 1, with its reason). Gives up waiting after
// kUpgradeWait; the upgrade may still finish then (see `ftpctl status`).
constexpr std::chrono::seconds kUpgradeWait{180};

int run_upgrade(const Request& req) {
    try {
        const std::string pid_file = pid_file_of_config(req.config);
        const int old_pid = find_master(pid_file);
        const ipc::SegmentView view(old_pid, ipc::Access::read_only);
        const std::int64_t before = ipc::read_snapshot(view, kSlotWait).header.upgrade_time_ms;
        std::cout << send_action(old_pid, Action::upgrade) << std::endl;
        const auto deadline = std::chrono::steady_clock::now() + kUpgradeWait;
        while (std::chrono::steady_clock::now() < deadline) {
            const timespec tick{0, 100'000'000};
            ::nanosleep(&tick, nullptr);
            int pid = 0;
            try {
                pid = find_master(pid_file);
            } catch (const ControlError&) {
                // between two writes of the pid file, or the old master stopped
            }
            if (pid > 0 && pid != old_pid) {
                std::cout << "upgraded: ftpd master " << old_pid << " -> " << pid << "; master " << old_pid
                          << " drains its sessions\n";
                return kExitOk;
            }
            const ipc::HeaderData h = ipc::read_snapshot(view, kSlotWait).header;
            if (h.upgrade_time_ms != before && !h.last_upgrade_ok)
                throw ControlError("upgrade failed: " + std::string(ipc::text_of(h.last_upgrade_error)) +
                                   "; master " + std::to_string(old_pid) + " keeps serving");
            if (pid == 0 && !ipc::sys::process_alive(old_pid))
                throw ControlError("ftpd master " + std::to_string(old_pid) + " exited during the upgrade");
        }
        throw ControlError("no outcome after " + std::to_string(kUpgradeWait.count()) +
                           " s; see ftpctl status and the log");
    } catch (const std::exception& e) {
        return fail(e);
    }
}

// Checks the options that belong to one command only.
void check_request(const Request& req) {
    static const std::vector<std::string> kCommands = {"status", "metrics", "reload", "stop", "reopen-logs", "upgrade"};
    if (req.command.empty()) throw UsageError("no command given");
    if (std::find(kCommands.begin(), kCommands.end(), req.command) == kCommands.end())
        throw UsageError("unknown command '" + req.command + "'");
    if ((req.json || req.watch) && req.command != "status")
        throw UsageError(std::string(req.json ? "--json" : "--watch") + " applies to 'status' only");
    if (req.graceful && req.command != "stop") throw UsageError("--graceful applies to 'stop' only");
    if (req.watch && !(std::isfinite(*req.watch) && *req.watch > 0 && *req.watch <= kMaxWatchSeconds))
        throw UsageError("--watch takes a number of seconds above 0 and at most 86400");
}

int dispatch(const Request& req) {
    if (req.command == "status") return req.watch ? run_watch(req) : run_status(req);
    if (req.command == "metrics") return run_metrics(req);
    if (req.command == "reload") return run_action(req, Action::reload);
    if (req.command == "upgrade") return run_upgrade(req);
    if (req.command == "stop") return run_action(req, req.graceful ? Action::stop_graceful : Action::stop);
    return run_action(req, Action::reopen_logs);
}

}  // namespace

// `ftpctl [-c FILE] user ...` has options of its own: the words after "user" go to
// run_user_command(). Returns nullopt when the command is not "user".
std::optional<int> user_command(int argc, char** argv) {
    std::optional<std::string> config;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if ((a == "-c" || a == "--config") && i + 1 < argc) {
            config = argv[++i];
        } else if (a.rfind("--config=", 0) == 0) {
            config = std::string(a.substr(9));
        } else if (a.rfind("-c", 0) == 0 && a.size() > 2) {
            config = std::string(a.substr(2));
        } else if (a == "user") {
            return run_user_command(config, std::vector<std::string>(argv + i + 1, argv + argc));
        } else {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

int main(int argc, char** argv) {
    if (auto code = user_command(argc, argv)) {
        std::cout.flush();
        return *code;
    }
    Request req;
    po::options_description visible("Options");
    visible.add_options()
        ("config,c", po::value<std::string>()->value_name("FILE"),
         "ftpd configuration whose pid_file names the master (default /etc/ftpd.conf)")
        ("json", po::bool_switch(&req.json), "status: one line of JSON instead of tables")
        ("watch,w", po::value<double>()->value_name("SECONDS")->implicit_value(1.0, "1"),
         "status: redraw every SECONDS (default 1) until Ctrl-C")
        ("graceful", po::bool_switch(&req.graceful), "stop: let open sessions finish (SIGQUIT)")
        ("help,h", "print this help and exit")
        ("version", "print the version and exit");
    po::options_description hidden;
    hidden.add_options()
        ("command", po::value(&req.command))
        ("extra", po::value<std::vector<std::string>>());
    po::options_description all;
    all.add(visible).add(hidden);
    po::positional_options_description positional;
    positional.add("command", 1).add("extra", -1);

    po::variables_map vm;
    try {
        po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
        po::notify(vm);
        if (vm.count("help")) {
            std::cout << kUsage << visible << "\nSee ftpctl(8).\n";
            return kExitOk;
        }
        if (vm.count("version")) {
            std::cout << "ftpctl " << FTPD_VERSION << "\n";
            return kExitOk;
        }
        if (vm.count("extra"))
            throw UsageError("unexpected argument '" + vm["extra"].as<std::vector<std::string>>().front() + "'");
        if (vm.count("config")) req.config = vm["config"].as<std::string>();
        if (vm.count("watch")) req.watch = vm["watch"].as<double>();
        check_request(req);
    } catch (const std::exception& e) {  // po::error or UsageError
        std::cerr << "ftpctl: " << e.what() << " (see ftpctl --help)\n";
        return kExitUsage;
    }

    const int code = dispatch(req);
    if (!std::cout.flush()) {
        std::cerr << "ftpctl: cannot write to standard output\n";
        return kExitFailure;
    }
    return code;
}
