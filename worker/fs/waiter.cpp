// A session's file-system calls, one at a time. Runs on the worker's loop only: begin(),
// finish(), interrupt() and the jobs' completions (posted by the pool) all run there, so the
// state below needs no lock. A completion reaches the waiter through a weak_ptr: a session
// that ended while its call was out is never touched.
#include "worker/fs/waiter.hpp"

#include <algorithm>

namespace ftpd::worker::fs {

namespace {

struct Token {
    bool finished = false;  // set by the job's completion, on the loop
};

}  // namespace

struct Waiter::State {
    explicit State(net::any_io_executor ex) : timer(std::move(ex)) {}
    net::steady_timer timer;  // the wait: expires at the deadline, cancelled by a completion
    std::shared_ptr<Token> current;
    std::shared_ptr<Pool::Job> job;
    Call call{};
    Clock::time_point deadline{};
    Clock::time_point interrupt_at = Clock::time_point::max();
    bool interrupted = false;
    std::shared_ptr<Token> abandoned;  // the call given up on, until its thread returns
    Call abandoned_call{};
};

Waiter::Waiter(Pool& pool, net::any_io_executor ex, std::chrono::seconds timeout)
    : pool_(pool), timeout_(timeout), state_(std::make_shared<State>(std::move(ex))) {}

Waiter::~Waiter() {
    if (state_->job) pool_.cancel(state_->job);  // not started: it never runs
}

std::error_code Waiter::begin(Op op, std::string path, std::function<void()> work) {
    auto& s = *state_;
    if (s.abandoned && !s.abandoned->finished) return make_error_code(errc::busy);
    s.abandoned.reset();
    auto token = std::make_shared<Token>();
    std::weak_ptr<State> weak = state_;
    auto job = pool_.submit(op, path, std::move(work), [weak, token] {
        token->finished = true;
        if (auto st = weak.lock(); st && st->current == token) st->timer.cancel();
    });
    if (!job) return make_error_code(errc::busy);
    s.current = std::move(token);
    s.job = std::move(job);
    s.interrupted = false;
    s.interrupt_at = Clock::time_point::max();
    s.call = {op, std::move(path), Clock::now(), false};
    s.deadline = s.call.since + timeout_;
    return {};
}

awaitable<std::error_code> Waiter::finish() {
    auto& s = *state_;
    std::error_code result;
    while (s.current) {
        if (s.current->finished) break;
        auto now = Clock::now();
        if (now >= s.interrupt_at) s.interrupted = true;
        if (s.interrupted || now >= s.deadline) {
            result = make_error_code(s.interrupted ? errc::interrupted : errc::timed_out);
            if (!pool_.cancel(s.job)) {  // it runs: wait for it in the next begin()
                s.abandoned = s.current;
                s.abandoned_call = s.call;
                s.abandoned_call.abandoned = true;
            }
            break;
        }
        s.timer.expires_at(std::min(s.deadline, s.interrupt_at));
        boost::system::error_code ignored;
        co_await s.timer.async_wait(net::redirect_error(use_awaitable, ignored));
    }
    s.current.reset();
    s.job.reset();
    s.interrupted = false;
    co_return result;
}

void Waiter::interrupt() {
    auto& s = *state_;
    if (!s.current) return;
    s.interrupted = true;
    s.timer.cancel();
}

void Waiter::interrupt_at(Clock::time_point when) {
    auto& s = *state_;
    if (!s.current || when >= s.interrupt_at) return;
    s.interrupt_at = when;
    s.timer.cancel();  // finish() re-arms for the earlier time
}

bool Waiter::active() const { return state_->current != nullptr; }

std::optional<Waiter::Call> Waiter::outstanding() const {
    const auto& s = *state_;
    if (s.current && !s.current->finished) return s.call;
    if (s.abandoned && !s.abandoned->finished) return s.abandoned_call;
    return std::nullopt;
}

}  // namespace ftpd::worker::fs

namespace ftpd::worker::fs {

namespace {

class Category final : public std::error_category {
public:
    const char* name() const noexcept override { return "ftpd.fs"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::busy: return "file system busy";
            case errc::timed_out: return "file system call timed out";
            case errc::interrupted: return "interrupted while waiting for the file system";
        }
        return "unknown file system error";
    }
};

}  // namespace

const std::error_category& category() noexcept {
    static const Category c;
    return c;
}

}  // namespace ftpd::worker::fs
