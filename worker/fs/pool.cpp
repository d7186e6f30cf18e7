// The file-system thread pool. Runs in workers. Threads take jobs from one queue under one
// mutex; a finished job is posted back to the loop while that mutex is held, so that once
// the destructor has cleared `loop_alive` no thread posts again. Everything a thread uses
// lives in Shared, which the threads co-own: a thread stuck in a hung NFS call may outlive
// the Pool (it is detached), never the memory it touches.
#include "worker/fs/pool.hpp"
#include "worker/printable.hpp"

#include <spdlog/spdlog.h>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ftpd::worker::fs {

namespace {

constexpr std::string_view kOpNames[] = {
    "open", "stat", "list", "read", "write", "sendfile", "create", "commit",
    "remove", "rename", "mkdir", "rmdir", "chmod", "login", "cleanup", "utime", "hash", "scan",
};
static_assert(std::size(kOpNames) == static_cast<std::size_t>(Op::scan) + 1);

constexpr auto kReportEvery = std::chrono::seconds(60);

long long seconds_since(Pool::Clock::time_point t, Pool::Clock::time_point now) {
    return std::chrono::duration_cast<std::chrono::seconds>(now - t).count();
}

}  // namespace

std::string_view to_string(Op op) noexcept {
    auto i = static_cast<std::size_t>(op);
    return i < std::size(kOpNames) ? kOpNames[i] : "unknown";
}

struct Pool::Job {
    Op op;
    std::string path;
    std::function<void()> work;  // reset on the thread once it ran
    std::function<void()> done;  // run and reset on the loop
    // Under Shared::mutex:
    bool started = false;
    Clock::time_point started_at{};
    // On the loop only:
    bool reported_stuck = false;
    Clock::time_point last_report{};
};

struct Pool::Shared {
    net::any_io_executor loop;
    unsigned max_threads;
    std::chrono::seconds stuck_after;
    std::size_t max_queue;

    mutable std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::shared_ptr<Job>> queue;
    std::vector<std::shared_ptr<Job>> running;  // one entry per thread: its job, or null
    std::vector<std::thread> threads;
    unsigned idle = 0;
    bool stopping = false;
    bool loop_alive = true;

    Shared(net::any_io_executor ex, unsigned n, std::chrono::seconds stuck, std::size_t queue_max)
        : loop(std::move(ex)), max_threads(n), stuck_after(stuck), max_queue(queue_max) {}

    unsigned stuck_now(Clock::time_point now) const {
        unsigned n = 0;
        for (const auto& job : running)
            if (job && now - job->started_at > stuck_after) ++n;
        return n;
    }

    // A thread of the pool: takes jobs until the pool stops. `self` keeps Shared alive.
    static void run(std::shared_ptr<Shared> self, std::size_t index) {
        std::unique_lock lock(self->mutex);
        for (;;) {
            self->wake.wait(lock, [&] { return self->stopping || !self->queue.empty(); });
            if (self->stopping) return;
            auto job = std::move(self->queue.front());
            self->queue.pop_front();
            job->started = true;
            job->started_at = Clock::now();
            self->running[index] = job;
            --self->idle;
            lock.unlock();
            try {
                job->work();
            } catch (...) {
                // Work functions report through their results; one that throws anyway has
                // nothing to report to (its caller sees the job finish without a result).
            }
            job->work = nullptr;  // what it owned (descriptors, buffers) goes now, here
            lock.lock();
            self->running[index].reset();
            ++self->idle;
            if (self->loop_alive)
                net::post(self->loop, [job] {
                    if (job->reported_stuck)
                        spdlog::info("file system: {} {} finished after {} s", to_string(job->op), printable(job->path),
                                     seconds_since(job->started_at, Clock::now()));
                    auto done = std::move(job->done);
                    job->done = nullptr;
                    if (done) done();
                });
        }
    }

    // Under the mutex: a new thread when more calls wait than threads are idle, up to the size.
    void grow() {
        if (queue.size() <= idle || threads.size() >= max_threads) return;
        std::size_t index = threads.size();
        running.emplace_back();
        sigset_t all, old;
        ::sigfillset(&all);
        ::pthread_sigmask(SIG_SETMASK, &all, &old);  // the new thread inherits the mask
        try {
            threads.emplace_back(&Shared::run, shared_from_this_(), index);
        } catch (...) {
            ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
            running.pop_back();
            throw;
        }
        ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
        std::string name = "fs-" + std::to_string(index);
        ::pthread_setname_np(threads.back().native_handle(), name.c_str());
        ++idle;
    }

    std::weak_ptr<Shared> weak_self;
    std::shared_ptr<Shared> shared_from_this_() { return weak_self.lock(); }
};

Pool::Pool(net::any_io_executor loop, unsigned threads, std::chrono::seconds stuck_after, std::size_t max_queue)
    : shared_(std::make_shared<Shared>(std::move(loop), std::max(1u, threads), stuck_after, max_queue)) {
    shared_->weak_self = shared_;
}

Pool::~Pool() { shutdown(); }

void Pool::shutdown() {
    std::vector<std::thread> threads;
    std::vector<bool> busy;
    {
        std::lock_guard lock(shared_->mutex);
        shared_->loop_alive = false;
        shared_->stopping = true;
        shared_->queue.clear();
        threads = std::move(shared_->threads);
        for (const auto& job : shared_->running) busy.push_back(job != nullptr);
    }
    shared_->wake.notify_all();
    for (std::size_t i = 0; i < threads.size(); ++i) {
        if (busy[i])
            threads[i].detach();  // inside a call that may never return; it exits after it
        else
            threads[i].join();
    }
}

std::shared_ptr<Pool::Job> Pool::submit(Op op, std::string path, std::function<void()> work,
                                        std::function<void()> done) {
    auto job = std::make_shared<Job>();
    job->op = op;
    job->path = std::move(path);
    job->work = std::move(work);
    job->done = std::move(done);
    {
        std::lock_guard lock(shared_->mutex);
        auto& s = *shared_;
        if (s.stopping) return nullptr;
        if (s.threads.size() >= s.max_threads && s.stuck_now(Clock::now()) >= s.max_threads) return nullptr;
        if (s.queue.size() >= s.max_queue) return nullptr;
        s.queue.push_back(job);
        s.grow();
    }
    shared_->wake.notify_one();
    return job;
}

bool Pool::cancel(const std::shared_ptr<Job>& job) {
    std::lock_guard lock(shared_->mutex);
    if (job->started) return false;
    auto& q = shared_->queue;
    for (auto it = q.begin(); it != q.end(); ++it) {
        if (*it == job) {
            q.erase(it);
            return true;
        }
    }
    return false;
}

Pool::Stats Pool::stats() const {
    std::lock_guard lock(shared_->mutex);
    Stats st;
    st.threads = shared_->max_threads;
    auto now = Clock::now();
    for (const auto& job : shared_->running) {
        if (!job) continue;
        ++st.running;
        st.oldest_s = std::max(st.oldest_s, static_cast<unsigned>(seconds_since(job->started_at, now)));
    }
    st.queued = static_cast<unsigned>(shared_->queue.size());
    st.stuck = shared_->stuck_now(now);
    return st;
}

void Pool::check_stuck() {
    std::vector<std::pair<std::shared_ptr<Job>, std::size_t>> stuck;
    auto now = Clock::now();
    {
        std::lock_guard lock(shared_->mutex);
        for (std::size_t i = 0; i < shared_->running.size(); ++i) {
            const auto& job = shared_->running[i];
            if (job && now - job->started_at > shared_->stuck_after) stuck.emplace_back(job, i);
        }
    }
    for (auto& [job, thread] : stuck) {
        if (job->reported_stuck && now - job->last_report < kReportEvery) continue;
        job->reported_stuck = true;
        job->last_report = now;
        spdlog::warn("file system: {} {} stuck for {} s (thread fs-{})", to_string(job->op), printable(job->path),
                     seconds_since(job->started_at, now), thread);
    }
}

}  // namespace ftpd::worker::fs
