// Unit tests of the file-system pool and a session's waiter (worker/fs/pool.hpp,
// waiter.hpp): calls run off the loop, a gate (not a sleep) holds them, and time-outs,
// interrupts, saturation and an abandoned call behave as documented; a waiter destroyed
// while its call is out is never touched by it (the ASan build checks that).
#include "worker/fs/pool.hpp"
#include "worker/fs/waiter.hpp"

#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

using namespace ftpd::worker;
using namespace std::chrono_literals;

namespace {

// Calls wait at the gate until it opens; the test counts how many arrived.
struct Gate {
    std::mutex m;
    std::condition_variable cv;
    bool open = false;
    int waiting = 0;
    void pass() {
        std::unique_lock lock(m);
        ++waiting;
        cv.notify_all();
        cv.wait(lock, [&] { return open; });
    }
    void release() {
        std::lock_guard lock(m);
        open = true;
        cv.notify_all();
    }
    void wait_for(int n) {
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return waiting >= n; });
    }
};

// Runs the loop until `done`.
void run_until(net::io_context& io, const bool& done) {
    while (!done) io.run_one();
}

// The loop never runs out of work (completions come from other threads), so run_one()
// waits for them instead of stopping the io_context.
struct Loop {
    net::io_context io{1};
    net::executor_work_guard<net::io_context::executor_type> keep{io.get_executor()};
    std::shared_ptr<Gate> gate = std::make_shared<Gate>();
    ~Loop() { gate->release(); }
};

fs::Result<int> blocked(const std::shared_ptr<Gate>& gate, int value) {
    gate->pass();
    return {{}, value};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fs_pool)

BOOST_AUTO_TEST_CASE(a_call_runs_on_another_thread_and_its_result_comes_back) {
    Loop l;
    fs::Pool pool(l.io.get_executor(), 2, 30s, 16);
    fs::Waiter waiter(pool, l.io.get_executor(), 30s);
    auto loop_thread = std::this_thread::get_id();
    bool done = false;
    fs::Result<std::thread::id> got;
    net::co_spawn(l.io, [&]() -> awaitable<void> {
        fs::Call<std::thread::id> call = [] { return fs::Result<std::thread::id>{{}, std::this_thread::get_id()}; };
        got = co_await waiter.run<std::thread::id>(fs::Op::stat, "/a", std::move(call));
        done = true;
    }, net::detached);
    run_until(l.io, done);
    BOOST_TEST(!got.ec);
    BOOST_TEST((got.value != loop_thread));
}

BOOST_AUTO_TEST_CASE(a_call_that_outlives_the_timeout_is_abandoned_and_the_next_is_busy) {
    Loop l;
    fs::Pool pool(l.io.get_executor(), 2, 1s, 16);
    fs::Waiter waiter(pool, l.io.get_executor(), 1s);
    bool done = false;
    std::error_code first, second;
    net::co_spawn(l.io, [&]() -> awaitable<void> {
        fs::Call<int> call = [g = l.gate] { return blocked(g, 1); };
        first = (co_await waiter.run<int>(fs::Op::stat, "/slow", std::move(call))).ec;
        BOOST_TEST(waiter.outstanding().has_value());
        BOOST_TEST(waiter.outstanding()->abandoned);
        fs::Call<int> next = [] { return fs::Result<int>{{}, 2}; };
        second = (co_await waiter.run<int>(fs::Op::stat, "/fast", std::move(next))).ec;
        done = true;
    }, net::detached);
    run_until(l.io, done);
    BOOST_TEST((first == fs::errc::timed_out));
    BOOST_TEST((second == fs::errc::busy));
    BOOST_TEST(pool.stats().running == 1u);  // still on its thread
    // Once the stuck call returns, the waiter works again.
    l.gate->release();
    done = false;
    fs::Result<int> third;
    net::co_spawn(l.io, [&]() -> awaitable<void> {
        while (waiter.outstanding()) {  // its completion arrives through the loop
            net::steady_timer t(l.io, 1ms);
            co_await t.async_wait(use_awaitable);
        }
        fs::Call<int> call = [] { return fs::Result<int>{{}, 3}; };
        third = co_await waiter.run<int>(fs::Op::stat, "/fast", std::move(call));
        done = true;
    }, net::detached);
    run_until(l.io, done);
    BOOST_TEST(!third.ec);
    BOOST_TEST(third.value == 3);
}

BOOST_AUTO_TEST_CASE(interrupt_ends_the_wait_at_once) {
    Loop l;
    fs::Pool pool(l.io.get_executor(), 1, 30s, 16);
    fs::Waiter waiter(pool, l.io.get_executor(), 30s);
    bool done = false;
    std::error_code ec;
    net::co_spawn(l.io, [&]() -> awaitable<void> {
        fs::Call<int> call = [g = l.gate] { return blocked(g, 1); };
        ec = (co_await waiter.run<int>(fs::Op::read, "/slow", std::move(call))).ec;
        done = true;
    }, net::detached);
    std::thread interrupter([&] {
        l.gate->wait_for(1);  // the call is on its thread
        net::post(l.io, [&] { waiter.interrupt(); });
    });
    run_until(l.io, done);
    interrupter.join();
    BOOST_TEST((ec == fs::errc::interrupted));
}

BOOST_AUTO_TEST_CASE(when_every_thread_is_stuck_new_work_is_refused_at_once) {
    Loop l;
    fs::Pool pool(l.io.get_executor(), 2, 0s, 16);  // stuck as soon as it runs
    int ran = 0;
    for (int i = 0; i < 2; ++i) BOOST_TEST(pool.submit(fs::Op::stat, "/slow", [g = l.gate] { g->pass(); }, [&] { ++ran; }));
    l.gate->wait_for(2);
    std::this_thread::yield();
    auto refused = pool.submit(fs::Op::stat, "/fast", [] {}, [] {});
    BOOST_TEST(!refused);
    BOOST_TEST(pool.stats().stuck == 2u);
    l.gate->release();
    while (ran < 2) l.io.run_one();
    BOOST_TEST(pool.submit(fs::Op::stat, "/fast", [] {}, [] {}));
}

BOOST_AUTO_TEST_CASE(a_full_queue_refuses_and_a_queued_call_can_be_cancelled) {
    Loop l;
    fs::Pool pool(l.io.get_executor(), 1, 30s, 2);
    bool ran_cancelled = false;
    BOOST_TEST(pool.submit(fs::Op::stat, "/slow", [g = l.gate] { g->pass(); }, [] {}));
    l.gate->wait_for(1);
    auto queued = pool.submit(fs::Op::stat, "/q1", [&] { ran_cancelled = true; }, [] {});
    BOOST_TEST(queued);
    BOOST_TEST(pool.submit(fs::Op::stat, "/q2", [] {}, [] {}));
    BOOST_TEST(!pool.submit(fs::Op::stat, "/q3", [] {}, [] {}));  // max_queue = 2
    BOOST_TEST(pool.cancel(queued));
    l.gate->release();
    pool.shutdown();
    BOOST_TEST(!ran_cancelled);
}

BOOST_AUTO_TEST_CASE(a_waiter_destroyed_while_its_call_is_out_is_not_touched) {
    Loop l;
    fs::Pool pool(l.io.get_executor(), 1, 30s, 16);
    auto waiter = std::make_unique<fs::Waiter>(pool, l.io.get_executor(), 30s);
    auto out = std::make_shared<int>(0);
    BOOST_TEST(!waiter->begin(fs::Op::write, "/slow", [g = l.gate, out] {
        g->pass();
        *out = 7;
    }));
    l.gate->wait_for(1);
    waiter.reset();  // the session ended
    l.gate->release();
    bool seen = false;
    BOOST_TEST(pool.submit(fs::Op::stat, "/after", [] {}, [&] { seen = true; }));
    while (!seen) l.io.run_one();  // the abandoned call's completion ran first, into nothing
    BOOST_TEST(*out == 7);
}

BOOST_AUTO_TEST_SUITE_END()
