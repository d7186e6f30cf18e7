// The users file and password checks. Parsing runs in the master (as root: the file may
// be mode 0600); authenticate() runs in workers, on entries handed over in Settings. It
// never reads the users file and never keeps a password after the call.
#include "worker/accounts.hpp"

#include "worker/printable.hpp"
#include "worker/protocol/size_text.hpp"

#include <crypt.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

namespace ftpd::worker {

std::string UsersFileError::to_string() const {
    return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
}

namespace {

constexpr std::size_t kMaxNameLength = 64;

// Hash for unknown and locked users: sha512-crypt of a random password nobody knows.
constexpr const char* kFallbackDummyHash =
    "$6$SDbTp/nWU0EtTimP$rhr/k6hTzYgSjZzMextg0ANxWqFr1cxMGOt9LDqHH6dqCe9cjExTQvsYPZe8IHIJSUjVXlixO79u6OnVNTx2Y.";

std::string_view trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        auto pos = s.find(sep);
        out.push_back(s.substr(0, pos));
        if (pos == std::string_view::npos) return out;
        s.remove_prefix(pos + 1);
    }
}


// Empty when the name is acceptable, else what is wrong with it.
std::string name_problem(std::string_view name) {
    if (name.empty()) return "empty user name";
    if (name.size() > kMaxNameLength)
        return "user name '" + printable(name.substr(0, 16)) + "...' is longer than " + std::to_string(kMaxNameLength);
    for (unsigned char c : name)
        if (c <= 0x20 || c == 0x7f) return "user name '" + printable(name) + "' contains whitespace or a control character";
    if (is_anonymous_name(name)) return "user name '" + std::string(name) + "' is reserved for anonymous logins";
    return {};
}

bool is_des_hash(std::string_view h) {
    return h.size() == 13 && std::all_of(h.begin(), h.end(), [](unsigned char c) {
               return std::isalnum(c) || c == '.' || c == '/';
           });
}

// A hash libcrypt can check: "$id$...$hash" (or a traditional DES hash). A plain-text
// password or a bare setting ("$6$salt") would never match: refuse them at load time.
std::string hash_problem(std::string_view hash) {
    if (hash.empty()) return "empty password hash (lock an account with '!' or '*')";
    if (hash.front() == '!' || hash.front() == '*') return {};  // locked
    static const std::string kHint =
        " (make one with 'openssl passwd -6' or 'mkpasswd -m yescrypt')";
    std::string h(hash);
    if (is_des_hash(h)) return {};
    int check = ::crypt_checksalt(h.c_str());
    if (h.front() != '$' || check == CRYPT_SALT_INVALID)
        return "password hash is not a crypt(3) string" + kHint;
    if (check == CRYPT_SALT_METHOD_DISABLED) return "password hash uses a method this system disables" + kHint;
    if (std::count(h.begin(), h.end(), '$') < 3 || h.back() == '$')
        return "password hash is incomplete (a salt without the hash?)" + kHint;
    return {};
}

std::string root_problem(std::string_view root) {
    if (root.front() != '/') return "root '" + std::string(root) + "' is not an absolute path";
    struct stat st {};
    std::string r(root);
    if (::stat(r.c_str(), &st) != 0) return "root '" + r + "': " + std::strerror(errno);
    if (!S_ISDIR(st.st_mode)) return "root '" + r + "' is not a directory";
    return {};
}

// One non-comment line; appends its errors, returns whether it is a valid account.
bool parse_line(std::string_view line, Account& out, std::vector<std::string>& problems, bool check_roots) {
    auto fields = split(line, ':');
    if (fields.size() < 2 || fields.size() > 5) {
        problems.push_back("expected 'name:hash[:root[:perm[:settings]]]'");
        if (!fields.empty()) out.name = std::string(fields[0]);
        return false;
    }
    out.name = std::string(fields[0]);
    out.hash = std::string(fields[1]);
    std::string who = "user '" + printable(out.name) + "': ";
    if (auto p = name_problem(fields[0]); !p.empty()) problems.push_back(p);
    if (auto p = hash_problem(fields[1]); !p.empty()) problems.push_back(who + p);
    if (fields.size() > 2 && !fields[2].empty()) {
        out.root = std::string(fields[2]);
        if (!check_roots) {
        } else if (auto p = root_problem(fields[2]); !p.empty()) problems.push_back(who + p);
    }
    if (fields.size() > 3 && !fields[3].empty()) {
        if (fields[3] == "ro")
            out.writable = false;
        else if (fields[3] != "rw")
            problems.push_back(who + "perm must be rw or ro, got '" + printable(fields[3]) + "'");
    }
    if (fields.size() > 4) {
        std::vector<std::string> bad;
        out.limits = parse_limits(fields[4], bad);
        for (auto& p : bad) problems.push_back(who + p);
    }
    return problems.empty();
}

std::optional<std::uint64_t> parse_count(std::string_view v) {
    std::uint64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size()) return std::nullopt;
    return n;
}

// Compares without stopping at the first difference: the time taken says nothing about
// how much of a computed hash matched.
bool equal_constant_time(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    volatile unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff = diff | (a[i] ^ b[i]);
    return diff == 0;
}

// crypt(3) of password with setting (a full hash); true if the result equals it.
bool crypt_matches(const std::string& password, const std::string& setting) {
    auto data = std::make_unique<crypt_data>();  // zeroed, as crypt_rn wants
    const char* out = ::crypt_rn(password.c_str(), setting.c_str(), data.get(), sizeof(crypt_data));
    bool match = out != nullptr && out[0] != '*' && equal_constant_time(out, setting);
    ::explicit_bzero(data.get(), sizeof(crypt_data));
    return match;
}

}  // namespace

bool is_anonymous_name(std::string_view name) {
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    return lower == "anonymous" || lower == "ftp";
}

AccountLimits parse_limits(std::string_view field, std::vector<std::string>& problems) {
    AccountLimits limits;
    if (trim(field).empty()) return limits;
    std::vector<std::string> seen;
    for (auto item : split(field, ',')) {
        item = trim(item);
        auto eq = item.find('=');
        std::string key(item.substr(0, eq));
        std::string_view value = eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
        if (eq == std::string_view::npos) {
            problems.push_back("expected KEY=VALUE in the settings field, got '" + printable(item) + "'");
            continue;
        }
        if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
            problems.push_back("setting '" + printable(key) + "' is given twice");
            continue;
        }
        seen.push_back(key);
        auto bad = [&](const char* what) {
            problems.push_back("bad value for '" + printable(key) + "': expected " + what + ", got '" +
                               printable(value) + "'");
        };
        if (key == "quota" || key == "down" || key == "up") {
            auto n = protocol::parse_size(value);
            if (!n) {
                bad("a size such as 10G, 512K or 1048576");
                continue;
            }
            if (key == "quota") limits.quota_bytes = *n;
            else if (key == "down") limits.rate_down = *n;
            else limits.rate_up = *n;
        } else if (key == "files" || key == "sessions") {
            auto n = parse_count(value);
            if (!n || (key == "sessions" && *n > 1000000)) {
                bad(key == "files" ? "a number of files" : "a number of sessions (0..1000000)");
                continue;
            }
            if (key == "files") limits.quota_files = *n;
            else limits.max_sessions = static_cast<unsigned>(*n);
        } else {
            problems.push_back("unknown setting '" + printable(key) + "' (expected quota, files, sessions, down or up)");
        }
    }
    return limits;
}

std::string format_limits(const AccountLimits& l) {
    std::string s;
    auto add = [&](const char* key, const std::string& value) { s += (s.empty() ? "" : ",") + std::string(key) + "=" + value; };
    if (l.quota_bytes) add("quota", protocol::format_size(l.quota_bytes));
    if (l.quota_files) add("files", std::to_string(l.quota_files));
    if (l.max_sessions) add("sessions", std::to_string(l.max_sessions));
    if (l.rate_down) add("down", protocol::format_size(*l.rate_down));
    if (l.rate_up) add("up", protocol::format_size(*l.rate_up));
    return s;
}

std::string format_account(const Account& a) {
    std::string limits = format_limits(a.limits);
    // perm is spelled out when settings follow it: "bob:H:/srv/bob:rw:quota=1G" reads better.
    std::vector<std::string> fields = {a.name, a.hash, a.root, !a.writable ? "ro" : limits.empty() ? "" : "rw", limits};
    while (fields.size() > 2 && fields.back().empty()) fields.pop_back();
    std::string line;
    for (auto& f : fields) line += (line.empty() ? "" : ":") + f;
    return line;
}

UsersDocument parse_users_document(std::string_view text, const std::string& file, bool check_roots) {
    UsersDocument doc;
    doc.file = file;
    doc.final_newline = text.empty() || text.back() == '\n';
    std::vector<std::string_view> raws;
    if (!text.empty()) {
        if (text.back() == '\n') text.remove_suffix(1);
        raws = split(text, '\n');
    }
    std::map<std::string, int, std::less<>> defined;  // name -> line
    int lineno = 0;
    for (auto raw : raws) {
        ++lineno;
        UsersLine entry{std::string(raw), {}, {}};
        auto line = trim(raw);
        if (line.empty() || line.front() == '#') {
            doc.lines.push_back(std::move(entry));
            continue;
        }
        Account account;
        std::vector<std::string> problems;
        bool ok = parse_line(line, account, problems, check_roots);
        if (!account.name.empty()) {
            auto [it, fresh] = defined.emplace(account.name, lineno);
            if (!fresh) {
                problems.push_back("user '" + printable(account.name) + "' is already defined on line " +
                                   std::to_string(it->second));
                ok = false;
            }
        }
        for (auto& p : problems) doc.errors.push_back({file, lineno, std::move(p)});
        entry.name = account.name;
        if (ok) entry.account = std::move(account);
        doc.lines.push_back(std::move(entry));
    }
    return doc;
}

std::size_t UsersDocument::find(std::string_view name) const {
    for (std::size_t i = 0; i < lines.size(); ++i)
        if (!name.empty() && lines[i].name == name) return i;
    return std::string::npos;
}

void UsersDocument::put(const Account& account) {
    UsersLine line{format_account(account), account.name, account};
    if (auto i = find(account.name); i != std::string::npos)
        lines[i] = std::move(line);
    else
        lines.push_back(std::move(line));
}

bool UsersDocument::remove(std::string_view name) {
    auto i = find(name);
    if (i == std::string::npos) return false;
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i));
    return true;
}

std::string UsersDocument::render() const {
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out += lines[i].text;
        if (i + 1 < lines.size() || final_newline) out += '\n';
    }
    return out;
}

UsersFile parse_users(std::string_view text, const std::string& file, bool check_roots) {
    auto doc = parse_users_document(text, file, check_roots);
    UsersFile result;
    result.errors = std::move(doc.errors);
    for (auto& l : doc.lines)
        if (l.account) result.accounts.push_back(std::move(*l.account));
    return result;
}

UsersFile load_users(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {{}, {{path, 0, std::string("cannot read: ") + std::strerror(errno)}}};
    if (!S_ISREG(st.st_mode)) return {{}, {{path, 0, "cannot read: not a regular file"}}};
    std::ifstream f(path);
    std::stringstream ss;
    if (!f || !(ss << f.rdbuf())) return {{}, {{path, 0, std::string("cannot read: ") + std::strerror(errno)}}};
    return parse_users(ss.str(), path);
}

const Account* Accounts::find(std::string_view user) const {
    for (const auto& a : accounts_)
        if (a.name == user) return &a;
    return nullptr;
}

std::optional<Account> Accounts::authenticate(std::string_view user, std::string_view password) const {
    const Account* account = find(user);
    bool usable = account && !account->locked();
    // The dummy costs what a real check costs when the file uses one method throughout.
    std::string setting = kFallbackDummyHash;
    if (usable) {
        setting = account->hash;
    } else {
        auto real = std::find_if(accounts_.begin(), accounts_.end(), [](const Account& a) { return !a.locked(); });
        if (real != accounts_.end()) setting = real->hash;
    }
    std::string phrase(password);
    bool match = crypt_matches(phrase, setting);
    ::explicit_bzero(phrase.data(), phrase.size());
    if (!usable || !match || password.find('\0') != std::string_view::npos) return std::nullopt;
    return *account;
}

}  // namespace ftpd::worker
