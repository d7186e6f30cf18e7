// The users file and password checks. Parsing runs in the master (as root: the file may
// be mode 0600); authenticate() runs in workers, on entries handed over in Settings. It
// never reads the users file and never keeps a password after the call.
#include "worker/accounts.hpp"

#include "worker/printable.hpp"

#include <crypt.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
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
bool parse_line(std::string_view line, Account& out, std::vector<std::string>& problems) {
    auto fields = split(line, ':');
    if (fields.size() < 2 || fields.size() > 4) {
        problems.push_back("expected 'name:hash[:root[:perm]]'");
        return false;
    }
    out.name = std::string(fields[0]);
    out.hash = std::string(fields[1]);
    std::string who = "user '" + printable(out.name) + "': ";
    if (auto p = name_problem(fields[0]); !p.empty()) problems.push_back(p);
    if (auto p = hash_problem(fields[1]); !p.empty()) problems.push_back(who + p);
    if (fields.size() > 2 && !fields[2].empty()) {
        out.root = std::string(fields[2]);
        if (auto p = root_problem(fields[2]); !p.empty()) problems.push_back(who + p);
    }
    if (fields.size() > 3 && !fields[3].empty()) {
        if (fields[3] == "ro")
            out.writable = false;
        else if (fields[3] != "rw")
            problems.push_back(who + "perm must be rw or ro, got '" + printable(fields[3]) + "'");
    }
    return problems.empty();
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

UsersFile parse_users(std::string_view text, const std::string& file) {
    UsersFile result;
    std::map<std::string, int, std::less<>> defined;  // name -> line
    int lineno = 0;
    for (auto raw : split(text, '\n')) {
        ++lineno;
        auto line = trim(raw);
        if (line.empty() || line.front() == '#') continue;
        Account account;
        std::vector<std::string> problems;
        bool ok = parse_line(line, account, problems);
        if (!account.name.empty()) {
            auto [it, fresh] = defined.emplace(account.name, lineno);
            if (!fresh) {
                problems.push_back("user '" + printable(account.name) + "' is already defined on line " +
                                   std::to_string(it->second));
                ok = false;
            }
        }
        for (auto& p : problems) result.errors.push_back({file, lineno, std::move(p)});
        if (ok) result.accounts.push_back(std::move(account));
    }
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
