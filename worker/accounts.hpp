// Virtual users: the users file (`name:hash[:root[:perm[:settings]]]`), its editing model
// (ftpctl user) and password checks against its crypt(3) hashes. The master parses the
// file (start, ftpd -t, SIGHUP, and when it changes); workers authenticate on entries
// they were handed and read the file only through a descriptor the master opened.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ftpd::worker {

// The optional fifth field, "quota=10G,files=5000,sessions=4,down=1M,up=512K"; each key
// at most once, any order. Zero or absent: no limit (rates: absent means max_rate).
struct AccountLimits {
    std::uint64_t quota_bytes = 0;           // quota=SIZE
    std::uint64_t quota_files = 0;           // files=N
    unsigned max_sessions = 0;               // sessions=N, over all workers
    std::optional<std::uint64_t> rate_down;  // down=RATE bytes/s per download; 0: unlimited
    std::optional<std::uint64_t> rate_up;    // up=RATE bytes/s per upload; 0: unlimited

    bool operator==(const AccountLimits&) const = default;
};

struct Account {
    std::string name;
    std::string hash;       // crypt(3) string; starting with '!' or '*': locked
    std::string root;       // served directory; empty: the config's root
    bool writable = true;   // perm rw (true) or ro (false)
    AccountLimits limits;

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

// The settings field's text for `limits` ("quota=10G,sessions=4"; "" when none is set),
// in the order quota, files, sessions, down, up, sizes as format_size() spells them.
std::string format_limits(const AccountLimits& limits);

// Parses a settings field; appends a message per problem (unknown or repeated key, bad
// value) to `problems`.
AccountLimits parse_limits(std::string_view field, std::vector<std::string>& problems);

// The users-file line for `account`, with as few fields as it needs: "name:hash",
// "name:hash:/srv/x:ro", "name:hash::rw:quota=1M". parse_users() reads it back equal.
std::string format_account(const Account& account);

// A users file as ftpctl edits it: every line as it was, and for each line that holds a
// user the name and, when valid, the account. Rendering an unchanged document gives the
// text back byte for byte; edits replace, add or remove only the lines of one user.
struct UsersLine {
    std::string text;                  // without the newline
    std::string name;                  // first field of a non-comment line; "" otherwise
    std::optional<Account> account;    // set when the line is valid
};

struct UsersDocument {
    std::string file;
    std::vector<UsersLine> lines;
    bool final_newline = true;         // the text ended with '\n' (or was empty)
    std::vector<UsersFileError> errors;

    // The index of the line naming `name` (valid or not), or npos.
    std::size_t find(std::string_view name) const;
    // Replaces the line of account.name, or appends a line when there is none.
    void put(const Account& account);
    // Removes the line of `name`; false when there is none.
    bool remove(std::string_view name);
    std::string render() const;
};

// Parses text into a document (same checks and errors as parse_users).
UsersDocument parse_users_document(std::string_view text, const std::string& file, bool check_roots = true);

// Parses users-file text; `file` names it in errors. Collects every error (bad field
// count, bad or duplicate or reserved name, empty or unsupported hash, relative or missing
// root, perm other than rw/ro, a bad settings field); `accounts` holds the lines that were valid. Checks that
// each root exists (stat) unless check_roots is false (a worker re-reading a file the
// master checked: its roots may not be stat()able by the worker's account), otherwise
// pure. Never throws except std::bad_alloc.
UsersFile parse_users(std::string_view text, const std::string& file, bool check_roots = true);

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
