// Login and logout: USER, PASS, QUIT. Runs in a worker's session.
// Anonymous logins (`anonymous`, `ftp`) take any password; other names fail with 530.
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"
#include "worker/worker.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace ftpd::worker {
namespace code = protocol::code;

namespace {

bool is_anonymous_name(std::string name) {
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    return name == "anonymous" || name == "ftp";
}

// A name as it may appear in a log line: control characters escaped, so a client cannot
// forge a line (fail2ban reads these).
std::string printable(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (c < 0x20 || c == 0x7f) {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

}  // namespace

awaitable<void> Session::cmd_user(const std::string& arg) {
    if (logged_in_) {
        reply(code::kNotLoggedIn, "Can't change to another user.");
        co_return;
    }
    user_ = arg;
    if (is_anonymous_name(arg))
        reply(code::kNeedPassword, "Anonymous login ok, send your e-mail address as password.");
    else
        reply(code::kNeedPassword, "Please specify the password.");
}

awaitable<void> Session::cmd_pass(const std::string& arg) {
    if (logged_in_) {
        reply(code::kLoggedIn, "Already logged in.");
        co_return;
    }
    if (user_.empty()) {
        reply(code::kBadSequence, "Login with USER first.");
        co_return;
    }
    if (is_anonymous_name(user_) && settings_.anonymous) {
        logged_in_ = true;
        anonymous_ = true;
        may_write_ = settings_.anonymous_write;
        root_ = &worker_.anonymous_root();
        cwd_ = "/";
        spdlog::info("{}: anonymous login", log_prefix());
        worker_.status().login(row_, id_, client_, user_, true, true);
        reply(code::kLoggedIn, "Login successful.");
        co_return;
    }
    spdlog::warn("{}: login failed for user '{}'", log_prefix(), printable(user_));
    worker_.status().login(row_, id_, client_, user_, false, is_anonymous_name(user_));
    user_.clear();
    reply(code::kNotLoggedIn, "Login incorrect.");
}

awaitable<void> Session::cmd_quit(const std::string&) {
    reply(code::kClosingControl, "Goodbye.");
    co_await flush();
    closing_ = true;
}

}  // namespace ftpd::worker
