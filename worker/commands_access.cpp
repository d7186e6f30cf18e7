// Login and logout: USER, PASS, ACCT, QUIT. Runs in a worker's session.
// Anonymous logins (`anonymous`, `ftp`) take any password and get the config's root;
// virtual users (Settings::users, from users_file) are checked against their crypt(3)
// hash and get their own root. A failed login is answered only after login_fail_delay,
// on a timer, and crypt(3) runs on the worker's CryptPool thread: the worker keeps serving
// everyone else meanwhile.
#include "worker/accounts.hpp"
#include "worker/crypt_pool.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/printable.hpp"
#include "worker/session.hpp"
#include "worker/worker.hpp"

#include "ipc/sys/syscall.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>

namespace ftpd::worker {
namespace code = protocol::code;

awaitable<void> Session::cmd_user(const std::string& arg) {
    if (logged_in_) {
        reply(code::kNotLoggedIn, "Can't change to another user.");
        co_return;
    }
    user_ = arg;
    if (is_anonymous_name(arg) && settings_.anonymous)
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
    std::optional<Account> account;
    if (!is_anonymous_name(user_))
        account = co_await worker_.crypt_pool().authenticate(worker_.users(), user_, arg);
    if (!account && !(is_anonymous_name(user_) && settings_.anonymous)) {
        co_await fail_login();
        co_return;
    }
    if (account && !co_await open_user_root(*account)) {
        user_.clear();
        reply(code::kNotLoggedIn, "Login failed: your directory is not available.");
        co_return;
    }
    if (!admit_sessions(account)) {
        user_.clear();
        reply(code::kServiceNotAvailable, "Too many sessions for this user; try again later.");
        co_await flush();
        closing_ = true;
        co_return;
    }
    quota_ = nullptr;
    quota_bytes_ = quota_files_ = 0;
    if (account) co_await load_quota(*account);
    anonymous_ = !account;
    may_write_ = account ? account->writable : settings_.anonymous_write;
    std::uint64_t rate = anonymous_ ? settings_.anonymous_max_rate : settings_.max_rate;
    rate_down_ = account && account->limits.rate_down ? *account->limits.rate_down : rate;
    rate_up_ = account && account->limits.rate_up ? *account->limits.rate_up : rate;
    max_rate_ = rate_down_;
    if (anonymous_) root_ = worker_.anonymous_root();
    logged_in_ = true;
    cwd_ = "/";
    if (anonymous_)
        spdlog::info("{}: anonymous login", log_prefix());
    else
        spdlog::info("{}: logged in ({})", log_prefix(), may_write_ ? "rw" : "ro");
    worker_.status().login(row_, id_, client_, user_, true, anonymous_, tls_.has_value());
    reply(code::kLoggedIn, "Login successful.");
}

// max_sessions of the account (anonymous_max_sessions for anonymous), over all workers:
// the row takes the name before counting, so of two logins at once on two workers
// neither gets past the limit. Refused: the row gives the name back, logged.
bool Session::admit_sessions(const std::optional<Account>& account) {
    unsigned limit = account ? account->limits.max_sessions : settings_.anonymous_max_sessions;
    if (limit == 0) return true;
    auto& status = worker_.status();
    std::uint32_t n = 0;
    if (account) {
        status.claim_user(row_, user_);
        n = status.sessions_of(user_, false);
    } else {
        status.claim_user(row_, "anonymous");
        n = status.sessions_of("anonymous", true) + status.sessions_of("ftp", true);
    }
    if (row_ < 0 || n <= limit) return true;
    status.claim_user(row_, "");
    spdlog::warn("{}: login refused for user '{}': {} session(s) open, max_sessions is {}", log_prefix(),
                 printable(user_), n - 1, limit);
    return false;
}

// RFC 959: ACCT is for systems that want an account besides the user; none is needed.
awaitable<void> Session::cmd_acct(const std::string&) {
    reply(code::kNotImplementedSuperfluous, "ACCT not needed; superfluous here.");
    co_return;
}

awaitable<void> Session::cmd_quit(const std::string&) {
    reply(code::kClosingControl, "Goodbye.");
    co_await flush();
    closing_ = true;
}

// A user whose root is the config's shares the worker's anonymous root (opened before
// the privilege drop); any other root is opened now, as the worker's account, on a
// file-system thread. FsRoot opens with O_PATH, which needs no permission on the directory
// itself: access() checks that this account can search it, or every command of the session
// would fail.
awaitable<bool> Session::open_user_root(const Account& account) {
    if (account.root.empty() || account.root == settings_.root) {
        root_ = worker_.anonymous_root();
        co_return true;
    }
    struct Opened {
        fs::RootPtr root;
        std::string error;
    };
    fs::Call<Opened> login_call = [dir = account.root] {
        fs::Result<Opened> out;
        try {
            ipc::sys::check(ipc::sys::call_on("access", dir), [&] { return ::access(dir.c_str(), R_OK | X_OK); });
            out.value.root = std::make_shared<const fs::FsRoot>(dir);
        } catch (const std::exception& e) {
            out.value.error = e.what();
        }
        return out;
    };
    auto opened = co_await fs_call<Opened>(fs::Op::login, account.root, std::move(login_call));
    if (!opened || !opened.value.root) {
        spdlog::error("{}: user '{}': cannot open root: {}", log_prefix(), printable(account.name),
                      opened ? opened.value.error : opened.ec.message());
        co_return false;
    }
    root_ = std::move(opened.value.root);
    co_return true;
}

// The log line is what fail2ban matches (etc/fail2ban/filter.d/ftpd.conf): keep its text.
awaitable<void> Session::fail_login() {
    spdlog::warn("{}: login failed for user '{}'", log_prefix(), printable(user_));
    worker_.status().login(row_, id_, client_, user_, false, is_anonymous_name(user_), tls_.has_value());
    user_.clear();
    ++login_failures_;
    net::steady_timer delay(socket_.get_executor(), std::chrono::seconds(settings_.login_fail_delay));
    boost::system::error_code ec;
    co_await delay.async_wait(net::redirect_error(use_awaitable, ec));
    if (login_failures_ >= settings_.max_login_failures) {
        spdlog::warn("{}: {} failed logins, closing", log_prefix(), login_failures_);
        reply(code::kServiceNotAvailable, "Too many failed logins; closing.");
        co_await flush();
        closing_ = true;
        co_return;
    }
    reply(code::kNotLoggedIn, "Login incorrect.");
}

}  // namespace ftpd::worker
