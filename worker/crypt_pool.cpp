#include "worker/crypt_pool.hpp"

#include <pthread.h>
#include <signal.h>
#include <strings.h>

namespace ftpd::worker {

CryptPool::~CryptPool() {
    if (!pool_) return;
    pool_->stop();
    pool_->join();
}

net::thread_pool& CryptPool::pool() {
    if (!pool_) {
        sigset_t all;
        sigset_t old;
        ::sigfillset(&all);
        ::pthread_sigmask(SIG_SETMASK, &all, &old);  // the new thread inherits the mask
        pool_.emplace(1);
        ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    }
    return *pool_;
}

awaitable<std::optional<Account>> CryptPool::authenticate(std::shared_ptr<const std::vector<Account>> accounts, std::string user,
                                                          std::string password) {
    auto check = [accounts = std::move(accounts), user = std::move(user),
                  password = std::move(password)]() mutable -> awaitable<std::optional<Account>> {
        auto account = Accounts(*accounts).authenticate(user, password);
        ::explicit_bzero(password.data(), password.size());
        co_return account;
    };
    co_return co_await net::co_spawn(pool().get_executor(), std::move(check), use_awaitable);
}

}  // namespace ftpd::worker
