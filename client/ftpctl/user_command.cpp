// ftpctl user (user_command.hpp): options, the edit of one account, and the listings.
#include "client/ftpctl/user_command.hpp"

#include "client/ftpctl/control.hpp"
#include "client/ftpctl/json_writer.hpp"
#include "client/ftpctl/password.hpp"
#include "client/ftpctl/text_table.hpp"
#include "client/ftpctl/users_store.hpp"
#include "ipc/status_segment.hpp"
#include "worker/accounts.hpp"
#include "worker/protocol/size_text.hpp"

#include <boost/program_options.hpp>

#include <string.h>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <stdexcept>

namespace ftpd::client {
namespace {

namespace po = boost::program_options;
using worker::Account;
using worker::UsersDocument;

constexpr int kOk = 0, kFailed = 1, kUsage = 2;

constexpr const char* kUserUsage =
    "Usage: ftpctl [-c FILE] user COMMAND ...\n"
    "  add NAME [--root DIR] [--ro] [--quota SIZE] [--quota-files N] [--max-sessions N]\n"
    "           [--rate-down RATE] [--rate-up RATE] [--password-stdin]\n"
    "  passwd NAME [--password-stdin]   set a new password (asked twice, not echoed)\n"
    "  set NAME [--root DIR] [--ro|--rw] [--quota SIZE] ... (as add; 0 removes a limit,\n"
    "           --rate-down/--rate-up default clears the user's rate: max_rate applies)\n"
    "  del NAME [--kick]                remove; --kick also ends the user's open sessions\n"
    "  list [--json]                    every user and their settings\n"
    "  show NAME [--json]               one user's settings and open sessions\n"
    "Sizes and rates take K, M, G suffixes (10G, 512K).\n";

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Options {
    std::string verb, name;
    std::optional<std::string> root, quota, quota_files, max_sessions, rate_down, rate_up;
    bool ro = false, rw = false, password_stdin = false, json = false, kick = false;
};

Options parse_options(const std::vector<std::string>& args) {
    Options o;
    po::options_description desc;
    desc.add_options()
        ("root", po::value<std::string>())("ro", po::bool_switch(&o.ro))("rw", po::bool_switch(&o.rw))
        ("quota", po::value<std::string>())("quota-files", po::value<std::string>())
        ("max-sessions", po::value<std::string>())("rate-down", po::value<std::string>())
        ("rate-up", po::value<std::string>())("password-stdin", po::bool_switch(&o.password_stdin))
        ("json", po::bool_switch(&o.json))("kick", po::bool_switch(&o.kick))
        ("verb", po::value(&o.verb))("name", po::value(&o.name))("extra", po::value<std::vector<std::string>>());
    po::positional_options_description pos;
    pos.add("verb", 1).add("name", 1).add("extra", -1);
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    po::notify(vm);
    if (vm.count("extra"))
        throw UsageError("unexpected argument '" + vm["extra"].as<std::vector<std::string>>().front() + "'");
    auto opt = [&](const char* key, std::optional<std::string>& into) {
        if (vm.count(key)) into = vm[key].as<std::string>();
    };
    opt("root", o.root);
    opt("quota", o.quota);
    opt("quota-files", o.quota_files);
    opt("max-sessions", o.max_sessions);
    opt("rate-down", o.rate_down);
    opt("rate-up", o.rate_up);

    static const std::vector<std::string> kVerbs = {"add", "passwd", "set", "del", "list", "show"};
    if (o.verb.empty()) throw UsageError("user: no command given");
    if (std::find(kVerbs.begin(), kVerbs.end(), o.verb) == kVerbs.end())
        throw UsageError("user: unknown command '" + o.verb + "'");
    if (o.verb != "list" && o.name.empty()) throw UsageError("user " + o.verb + ": no user NAME given");
    if (o.verb == "list" && !o.name.empty()) throw UsageError("unexpected argument '" + o.name + "'");
    bool settings = o.root || o.quota || o.quota_files || o.max_sessions || o.rate_down || o.rate_up || o.ro || o.rw;
    if (settings && o.verb != "add" && o.verb != "set")
        throw UsageError("user " + o.verb + " takes no account settings");
    if (o.ro && o.rw) throw UsageError("--ro and --rw exclude each other");
    if (o.rw && o.verb == "add") throw UsageError("--rw is the default of add");
    if (o.password_stdin && o.verb != "add" && o.verb != "passwd")
        throw UsageError("--password-stdin applies to add and passwd only");
    if (o.json && o.verb != "list" && o.verb != "show") throw UsageError("--json applies to list and show only");
    if (o.kick && o.verb != "del") throw UsageError("--kick applies to del only");
    return o;
}

std::uint64_t size_option(const char* option, const std::string& v) {
    auto n = protocol::parse_size(v);
    if (!n) throw UsageError(std::string(option) + ": expected a size such as 10G, 512K or 1048576, got '" + v + "'");
    return *n;
}

std::uint64_t count_option(const char* option, const std::string& v, std::uint64_t hi) {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || n > hi)
        throw UsageError(std::string(option) + ": expected a number (0.." + std::to_string(hi) + "), got '" + v + "'");
    return n;
}

// The settings options applied to `a` (add and set).
void apply_settings(const Options& o, Account& a) {
    if (o.root) a.root = *o.root;
    if (o.ro) a.writable = false;
    if (o.rw) a.writable = true;
    if (o.quota) a.limits.quota_bytes = size_option("--quota", *o.quota);
    if (o.quota_files) a.limits.quota_files = count_option("--quota-files", *o.quota_files, UINT64_MAX);
    if (o.max_sessions)
        a.limits.max_sessions = static_cast<unsigned>(count_option("--max-sessions", *o.max_sessions, 1000000));
    auto rate = [&](const std::optional<std::string>& v, const char* option, std::optional<std::uint64_t>& into) {
        if (!v) return;
        if (*v == "default") into.reset();
        else into = size_option(option, *v);
    };
    rate(o.rate_down, "--rate-down", a.limits.rate_down);
    rate(o.rate_up, "--rate-up", a.limits.rate_up);
}

// Malformed lines stay as they are in every edit; say so, with their line numbers.
void warn_errors(const UsersDocument& doc) {
    for (const auto& e : doc.errors)
        std::cerr << "ftpctl: warning: " << e.to_string() << " (the line is kept as it is)\n";
}

// The line of `name`, which must exist and be valid.
const Account& existing(const UsersDocument& doc, const std::string& name) {
    auto i = doc.find(name);
    if (i == std::string::npos) throw std::runtime_error("no user '" + name + "' in " + doc.file);
    if (!doc.lines[i].account)
        throw std::runtime_error("user '" + name + "' is on line " + std::to_string(i + 1) + " of " + doc.file +
                                 ", which has errors; fix it by hand first");
    return *doc.lines[i].account;
}

// The account as one line must be valid on its own (name, hash, root exists, limits).
void validate(const Account& a) {
    auto check = worker::parse_users(worker::format_account(a) + "\n", "");
    if (!check.errors.empty()) throw std::runtime_error(check.errors.front().message);
}

// del --kick: marks the rows of `name` in the status segment; each worker ends those
// sessions with 421 at its next heartbeat. Returns how many were marked.
std::size_t kick_sessions(const std::optional<std::string>& config, const std::string& name) {
    int pid = 0;
    try {
        pid = find_master(pid_file_of_config(config));
    } catch (const ControlError&) {
        return 0;  // not running: no sessions
    }
    ipc::SegmentView view(pid, ipc::Access::read_write);
    auto snap = ipc::read_snapshot(view, std::chrono::milliseconds(100));
    std::size_t n = 0;
    for (const auto& r : snap.sessions) {
        if (std::string_view(r.data.user, strnlen(r.data.user, sizeof r.data.user)) != name) continue;
        ipc::request_kick(view, r.slot, r.row, r.data.session_id);
        ++n;
    }
    return n;
}

int edit(const std::optional<std::string>& config, const std::string& path, const Options& o) {
    // The password is read and hashed before the lock: a slow typist or a slow hash never
    // keeps another ftpctl waiting.
    std::string hash;
    if (o.verb == "add" || o.verb == "passwd") {
        // Checked again under the lock; here only to fail before asking for a password.
        UsersDocument before = read_users_document(path);
        if (o.verb == "passwd") existing(before, o.name);
        if (o.verb == "add" && before.find(o.name) != std::string::npos)
            throw std::runtime_error("user '" + o.name + "' already exists in " + path);
        std::string pw = read_new_password(o.password_stdin);
        hash = hash_password(pw);
        ::explicit_bzero(pw.data(), pw.size());
    }
    UsersFileLock lock(path);
    UsersDocument doc = read_users_document(path);
    warn_errors(doc);
    std::string done;
    if (o.verb == "add") {
        if (auto i = doc.find(o.name); i != std::string::npos)
            throw std::runtime_error("user '" + o.name + "' already exists (line " + std::to_string(i + 1) + " of " +
                                     path + ")");
        Account a;
        a.name = o.name;
        apply_settings(o, a);
        a.hash = hash;
        validate(a);
        doc.put(a);
        done = "added";
    } else if (o.verb == "passwd") {
        Account a = existing(doc, o.name);
        a.hash = hash;
        doc.put(a);
        done = "has a new password";
    } else if (o.verb == "set") {
        Account a = existing(doc, o.name);
        apply_settings(o, a);
        validate(a);
        doc.put(a);
        done = "changed";
    } else {
        if (!doc.remove(o.name)) throw std::runtime_error("no user '" + o.name + "' in " + path);
        done = "deleted";
    }
    write_users_document(path, doc);
    std::cout << "user '" << o.name << "' " << done << "; new logins see it within 2 seconds\n";
    if (o.kick) std::cout << "ended " << kick_sessions(config, o.name) << " open session(s)\n";
    return kOk;
}

std::string rate_text(const std::optional<std::uint64_t>& r) {
    return !r ? "max_rate" : *r == 0 ? "unlimited" : protocol::format_size(*r);
}

std::string limit_text(std::uint64_t n, bool size) {
    return n == 0 ? "-" : size ? protocol::format_size(n) : std::to_string(n);
}

void append_account_json(std::string& out, const Account& a) {
    out += "{\"name\": ";
    append_json_string(out, a.name);
    out += ", \"root\": ";
    append_json_string(out, a.root);
    out += ", \"perm\": \"" + std::string(a.writable ? "rw" : "ro") + "\"";
    out += ", \"locked\": " + std::string(a.locked() ? "true" : "false");
    out += ", \"quota_bytes\": " + std::to_string(a.limits.quota_bytes);
    out += ", \"quota_files\": " + std::to_string(a.limits.quota_files);
    out += ", \"max_sessions\": " + std::to_string(a.limits.max_sessions);
    auto rate = [&](const char* key, const std::optional<std::uint64_t>& r) {
        out += std::string(", \"") + key + "\": " + (r ? std::to_string(*r) : "null");
    };
    rate("rate_down", a.limits.rate_down);
    rate("rate_up", a.limits.rate_up);
}

int list(const std::string& path, const Options& o) {
    UsersDocument doc = read_users_document(path);
    warn_errors(doc);
    if (o.json) {
        std::string out = "[";
        for (const auto& l : doc.lines) {
            if (!l.account) continue;
            if (out.size() > 1) out += ", ";
            append_account_json(out, *l.account);
            out += "}";
        }
        std::cout << out << "]\n";
        return kOk;
    }
    TextTable table({{"NAME", Align::left}, {"ROOT", Align::left}, {"PERM", Align::left}, {"QUOTA", Align::right},
                     {"FILES", Align::right}, {"SESSIONS", Align::right}, {"DOWN", Align::right}, {"UP", Align::right}});
    for (const auto& l : doc.lines) {
        if (!l.account) continue;
        const Account& a = *l.account;
        table.add_row({terminal_text(a.name) + (a.locked() ? " (locked)" : ""), a.root.empty() ? "(root)" : terminal_text(a.root),
                       a.writable ? "rw" : "ro", limit_text(a.limits.quota_bytes, true), limit_text(a.limits.quota_files, false),
                       limit_text(a.limits.max_sessions, false), rate_text(a.limits.rate_down), rate_text(a.limits.rate_up)});
    }
    std::cout << table.render();
    return kOk;
}

// The user's open sessions in the running master's status segment; nullopt when no
// master runs (show says so instead of failing).
struct RunningState {
    std::vector<ipc::RowSnapshot> sessions;
    std::optional<ipc::QuotaUsage> usage;  // the user's quota usage, once it logged in with a quota
};

std::optional<RunningState> open_sessions(const std::optional<std::string>& config, const std::string& name) {
    int pid = 0;
    try {
        pid = find_master(pid_file_of_config(config));
    } catch (const ControlError&) {
        return std::nullopt;
    }
    const ipc::SegmentView view(pid, ipc::Access::read_only);
    auto snap = ipc::read_snapshot(view, std::chrono::milliseconds(100));
    RunningState out;
    for (const auto& r : snap.sessions)
        if (std::string_view(r.data.user, strnlen(r.data.user, sizeof r.data.user)) == name) out.sessions.push_back(r);
    for (const auto& q : snap.quotas)
        if (q.user == name) out.usage = q;
    return out;
}

int show(const std::optional<std::string>& config, const std::string& path, const Options& o) {
    UsersDocument doc = read_users_document(path);
    const Account& a = existing(doc, o.name);
    auto running = open_sessions(config, o.name);
    const std::vector<ipc::RowSnapshot>* sessions = running ? &running->sessions : nullptr;
    const ipc::QuotaUsage* usage = running && running->usage ? &*running->usage : nullptr;
    if (o.json) {
        std::string out;
        append_account_json(out, a);
        out += ", \"usage\": ";
        if (usage)
            out += "{\"bytes\": " + std::to_string(usage->bytes) + ", \"files\": " + std::to_string(usage->files) +
                   ", \"counted\": " + (usage->valid ? "true" : "false") + "}";
        else
            out += "null";
        out += ", \"running\": " + std::string(sessions ? "true" : "false") + ", \"sessions\": [";
        for (std::size_t i = 0; sessions && i < sessions->size(); ++i) {
            const auto& r = (*sessions)[i];
            out += i ? ", " : "";
            out += "{\"worker\": " + std::to_string(r.slot) + ", \"id\": " + std::to_string(r.data.session_id) +
                   ", \"client\": ";
            append_json_string(out, std::string_view(r.data.client, strnlen(r.data.client, sizeof r.data.client)));
            out += "}";
        }
        std::cout << out << "]}\n";
        return kOk;
    }
    std::cout << "name:       " << terminal_text(a.name) << (a.locked() ? " (locked)" : "") << "\n"
              << "root:       " << (a.root.empty() ? "(the root of ftpd.conf)" : terminal_text(a.root)) << "\n"
              << "perm:       " << (a.writable ? "rw" : "ro") << "\n"
              << "quota:      " << (a.limits.quota_bytes ? protocol::format_size(a.limits.quota_bytes) : "none") << "\n"
              << "files:      " << (a.limits.quota_files ? std::to_string(a.limits.quota_files) : "no limit") << "\n"
              << "sessions:   " << (a.limits.max_sessions ? std::to_string(a.limits.max_sessions) : "no limit") << "\n"
              << "rate down:  " << rate_text(a.limits.rate_down) << "\n"
              << "rate up:    " << rate_text(a.limits.rate_up) << "\n";
    if (usage)
        std::cout << "used:       " << usage->bytes << " bytes"
                  << (a.limits.quota_bytes ? " of " + protocol::format_size(a.limits.quota_bytes) : std::string())
                  << ", " << usage->files << " files"
                  << (a.limits.quota_files ? " of " + std::to_string(a.limits.quota_files) : std::string())
                  << (usage->valid ? "" : " (recount due)") << "\n";
    else if (sessions)
        std::cout << "used:       (not counted since ftpd started: counted at the first login)\n";
    if (!sessions)
        std::cout << "open:       (ftpd is not running)\n";
    else
        std::cout << "open:       " << sessions->size() << " session(s)\n";
    for (std::size_t i = 0; sessions && i < sessions->size(); ++i) {
        const auto& r = (*sessions)[i];
        std::cout << "  worker " << r.slot << ", session " << r.data.session_id << ", from "
                  << terminal_text(std::string_view(r.data.client, strnlen(r.data.client, sizeof r.data.client)))
                  << "\n";
    }
    return kOk;
}

}  // namespace

int run_user_command(const std::optional<std::string>& config, const std::vector<std::string>& args) {
    Options o;
    try {
        if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
            std::cout << kUserUsage;
            return kOk;
        }
        o = parse_options(args);
        if (o.verb == "add" || o.verb == "set") {
            Account probe;
            apply_settings(o, probe);  // option values are usage errors, before any lock
        }
    } catch (const std::exception& e) {
        std::cerr << "ftpctl: " << e.what() << " (see ftpctl user --help)\n";
        return kUsage;
    }
    try {
        const std::string path = users_file_of_config(config);
        if (o.verb == "list") return list(path, o);
        if (o.verb == "show") return show(config, path, o);
        return edit(config, path, o);
    } catch (const std::exception& e) {
        std::cerr << "ftpctl: " << e.what() << "\n";
        return kFailed;
    }
}

}  // namespace ftpd::client
