// One client's calls into the file-system pool (a session's): one at a time and in order,
// each bounded by fs_timeout and interruptible (ABOR, QUIT, shutdown). A call that times out
// or is interrupted goes on on its thread, abandoned; until it ends, this waiter's next call
// gets errc::busy, so a session's operations never overtake each other. Runs on the worker's
// loop; the object may be destroyed while a call is out (the call then finds nobody).
#pragma once

#include "worker/fs/pool.hpp"
#include "worker/fs/result.hpp"
#include "worker/net.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

namespace ftpd::worker::fs {

class Waiter {
public:
    using Clock = std::chrono::steady_clock;

    // timeout: fs_timeout, the longest wait for one call (queue time included).
    Waiter(Pool& pool, net::any_io_executor ex, std::chrono::seconds timeout);
    ~Waiter();
    Waiter(const Waiter&) = delete;
    Waiter& operator=(const Waiter&) = delete;

    // Starts a call: `work` runs on a pool thread and must own what it uses. Returns
    // errc::busy (and starts nothing) when the pool is saturated or this waiter's abandoned
    // call is still out; std::error_code{} otherwise. One call at a time: finish() it first.
    std::error_code begin(Op op, std::string path, std::function<void()> work);

    // Waits for the call begin() started: {} once its work ran, errc::timed_out after
    // fs_timeout, errc::interrupted after interrupt(). Never throws.
    awaitable<std::error_code> finish();

    // begin() and finish(): fn's result, or the waiter's error in ec.
    // (Arguments by reference: see Session::fs_call.)
    template <class T>
    awaitable<Result<T>> run(Op op, const std::string& path, std::function<Result<T>()>&& fn) {
        auto out = std::make_shared<Result<T>>();
        std::function<void()> work = [out, fn = std::move(fn)] { *out = fn(); };
        if (auto ec = begin(op, path, std::move(work))) co_return Result<T>{ec};
        if (auto ec = co_await finish()) co_return Result<T>{ec};
        co_return std::move(*out);
    }

    // The call in progress (now, or when finish() comes) ends with errc::interrupted.
    void interrupt();
    // The same, once the call has been out until `when` (now if it has already).
    void interrupt_at(Clock::time_point when);

    // True from begin() to the end of its finish().
    bool active() const;

    // The call this waiter has out: in progress, or abandoned and not yet returned.
    struct Call {
        Op op;
        std::string path;
        Clock::time_point since;
        bool abandoned;
    };
    std::optional<Call> outstanding() const;

private:
    struct State;
    Pool& pool_;
    std::chrono::seconds timeout_;
    std::shared_ptr<State> state_;  // the completions hold a weak_ptr to it
};

}  // namespace ftpd::worker::fs
