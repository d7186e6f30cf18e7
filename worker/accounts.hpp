// Virtual users: the users file (`name:hash[:root[:perm]]`) and password checks against
// its crypt(3) hashes. The master parses the file (start, ftpd -t, SIGHUP) and hands the
// entries to workers in Settings; workers only authenticate and never read the file.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ftpd::worker {

struct Account {
    std::string name;
    std::string hash;       // crypt(3) string; starting with '!' or '*': locked
    std::string root;       // served directory; empty: the config's root
    bool writable = true;   // perm rw (true) or ro (false)

    bool locked() const { return !hash.empty() && (hash.front() == '!' || hash.front() == '*'); }
};

struct UsersFileError {
    std::string file;
    int line = 0;           // 0: not tied to a line (the file cannot be read)
    std::string message;
    std::string to_string() const;  // "FILE:LINE: message"
};

struct UsersFile {
    std::vector<Account> accounts;
    std::vector<UsersFileError> errors;
};

// Parses users-file text; `file` names it in errors. Collects every error (bad field
// count, bad or duplicate or reserved name, empty or unsupported hash, relative or missing
// root, perm other than rw/ro); `accounts` holds the lines that were valid. Checks that
// each root exists (stat), otherwise pure. Never throws except std::bad_alloc.
UsersFile parse_users(std::string_view text, const std::string& file);

// Reads and parses `path`; a file that cannot be read is one error with line 0.
UsersFile load_users(const std::string& path);

// True for the names that mean an anonymous login ("anonymous", "ftp", any case).
bool is_anonymous_name(std::string_view name);

// Password checks against a list of accounts it does not own (Settings keeps them).
class Accounts {
public:
    explicit Accounts(std::span<const Account> accounts) : accounts_(accounts) {}

    // The account when `password` matches the hash of `user` (names are case-sensitive)
    // and the account is not locked. Runs crypt(3) once whatever the outcome, against a
    // dummy hash for unknown or locked users, so the time taken does not tell which
    // names exist. Blocks for as long as the hash takes (yescrypt: tens of ms).
    std::optional<Account> authenticate(std::string_view user, std::string_view password) const;

    const Account* find(std::string_view user) const;

private:
    std::span<const Account> accounts_;
};

}  // namespace ftpd::worker
