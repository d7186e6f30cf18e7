// Password checks off the event loop. crypt(3) is deliberately slow (yescrypt: tens of
// milliseconds); run on the worker's one thread it would stall every other session of
// the worker for each login. A CryptPool owns one helper thread, started on first use
// with every signal blocked (signals stay with the event loop's thread).
#pragma once

#include "worker/accounts.hpp"
#include "worker/net.hpp"

#include <boost/asio/thread_pool.hpp>

#include <memory>
#include <optional>
#include <span>
#include <string>

namespace ftpd::worker {

class CryptPool {
public:
    CryptPool() = default;
    ~CryptPool();  // lets a check in progress finish, abandons queued ones
    CryptPool(const CryptPool&) = delete;
    CryptPool& operator=(const CryptPool&) = delete;

    // Accounts::authenticate() on the helper thread; resumes on the caller's executor.
    // `accounts` is kept alive until the check ends. The password copy is wiped.
    awaitable<std::optional<Account>> authenticate(std::shared_ptr<const std::vector<Account>> accounts, std::string user,
                                                   std::string password);

private:
    net::thread_pool& pool();
    std::optional<net::thread_pool> pool_;
};

}  // namespace ftpd::worker
