// Unit tests of ipc/event_queue: delivery and priorities, a full queue dropping instead of
// blocking, malformed messages, removal only by the creator, and a queue wedged by a process
// that died holding its mutex (fault injection) being reported and re-created.
#include <boost/interprocess/ipc/message_queue.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "ipc/event_queue.hpp"
#include "ipc/fault_injection.hpp"
#include "ipc/names.hpp"
#include "tests/unit/ipc/ipc_fixtures.hpp"

using namespace ftpd::ipc;
namespace bip = boost::interprocess;

namespace {

Event event_for(std::uint64_t session, EventType type = EventType::session_opened) {
    Event e;
    e.type = type;
    e.session_id = session;
    e.client = "127.0.0.1:40000";
    return e;
}

// Collects what drain() hands over.
struct Collector {
    std::vector<Event> events;
    std::function<void(const Event&)> handler() {
        return [this](const Event& e) { events.push_back(e); };
    }
};

// Fault injection: in a forked child, take the queue's internal mutex the way try_send does
// and die without unlocking, as a worker SIGKILLed inside a send would.
int lock_queue_mutex_and_die(const std::string& name) {
    ftpd::ipc::testing::lock_queue_mutex(name);
    return 0;  // _exit()s holding it
}

}  // namespace

BOOST_AUTO_TEST_SUITE(event_queue)

BOOST_AUTO_TEST_CASE(sent_events_are_drained_in_order_with_fatal_first) {
    test::ShmGuard guard;
    EventQueueOwner owner(guard.pid, 0, 8);
    EventSender sender(guard.pid, 0);
    BOOST_TEST(sender.try_send(event_for(1)));
    BOOST_TEST(sender.try_send(event_for(2, EventType::login_ok)));
    BOOST_TEST(sender.try_send(event_for(3, EventType::worker_fatal)));

    Collector got;
    const DrainResult r = owner.drain(got.handler(), 100);

    BOOST_TEST(r.handled == 3u);
    BOOST_TEST(r.malformed == 0u);
    BOOST_TEST(!r.wedged);
    BOOST_TEST_REQUIRE(got.events.size() == 3u);
    BOOST_TEST(got.events[0].session_id == 3u);  // worker_fatal jumps the queue
    BOOST_TEST(got.events[1].session_id == 1u);
    BOOST_TEST(got.events[2].session_id == 2u);
    BOOST_TEST((got.events[1] == event_for(1)));
    BOOST_TEST(sender.dropped() == 0u);
}

BOOST_AUTO_TEST_CASE(full_queue_try_send_returns_false_and_counts_drop) {
    test::ShmGuard guard;
    EventQueueOwner owner(guard.pid, 1, 4);
    EventSender sender(guard.pid, 1);
    for (std::uint64_t i = 0; i < 4; ++i) BOOST_TEST(sender.try_send(event_for(i)));

    BOOST_TEST(!sender.try_send(event_for(4)));
    BOOST_TEST(!sender.try_send(event_for(5)));
    BOOST_TEST(sender.dropped() == 2u);
    BOOST_TEST(!sender.wedged());

    Collector got;
    BOOST_TEST(owner.drain(got.handler(), 1).handled == 1u);  // room for one more
    BOOST_TEST(sender.try_send(event_for(6)));
    BOOST_TEST(!sender.try_send(event_for(7)));
    BOOST_TEST(sender.dropped() == 3u);
}

BOOST_AUTO_TEST_CASE(drain_stops_at_max_events_and_leaves_the_rest) {
    test::ShmGuard guard;
    EventQueueOwner owner(guard.pid, 0, 8);
    EventSender sender(guard.pid, 0);
    for (std::uint64_t i = 0; i < 5; ++i) sender.try_send(event_for(i));
    Collector got;
    BOOST_TEST(owner.drain(got.handler(), 2).handled == 2u);
    BOOST_TEST(owner.drain(got.handler(), 10).handled == 3u);
    BOOST_TEST(owner.drain(got.handler(), 10).handled == 0u);
    BOOST_TEST(got.events.size() == 5u);
}

BOOST_AUTO_TEST_CASE(drain_counts_and_skips_malformed_messages) {
    test::ShmGuard guard;
    EventQueueOwner owner(guard.pid, 0, 8);
    {
        bip::message_queue raw(bip::open_only, event_queue_name(guard.pid, 0).c_str());
        const char junk[] = "not an event";
        raw.send(junk, sizeof junk, 0);
    }
    EventSender sender(guard.pid, 0);
    sender.try_send(event_for(9));
    Collector got;
    const DrainResult r = owner.drain(got.handler(), 10);
    BOOST_TEST(r.malformed == 1u);
    BOOST_TEST(r.handled == 1u);
    BOOST_TEST_REQUIRE(got.events.size() == 1u);
    BOOST_TEST(got.events[0].session_id == 9u);
}

BOOST_AUTO_TEST_CASE(sender_for_missing_queue_throws_clear_message) {
    test::ShmGuard guard;
    std::string msg;
    try {
        EventSender sender(guard.pid, 3);
    } catch (const std::runtime_error& e) {
        msg = e.what();
    }
    BOOST_TEST(msg.find("event queue " + event_queue_name(guard.pid, 3) + " not found") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(owner_rejects_zero_capacity) {
    test::ShmGuard guard;
    BOOST_CHECK_THROW(EventQueueOwner(guard.pid, 0, 0), std::invalid_argument);
    BOOST_TEST(!test::shm_exists(event_queue_name(guard.pid, 0)));
}

BOOST_AUTO_TEST_CASE(owner_destructor_removes_queue_but_not_in_a_forked_child) {
    test::ShmGuard guard;
    std::optional<EventQueueOwner> owner;
    owner.emplace(guard.pid, 2, 4);
    const std::string name = event_queue_name(guard.pid, 2);
    const pid_t child = test::fork_child([&] {
        owner.reset();
        return test::shm_exists(name) ? 0 : 1;
    });
    BOOST_TEST(test::wait_child(child) == 0);
    BOOST_TEST(test::shm_exists(name));
    owner.reset();
    BOOST_TEST(!test::shm_exists(name));
}

BOOST_AUTO_TEST_CASE(moved_owner_removes_queue_once) {
    test::ShmGuard guard;
    std::vector<EventQueueOwner> owners;
    owners.emplace_back(guard.pid, 0, 2);
    owners.emplace_back(guard.pid, 1, 2);  // may reallocate: moves the first
    EventSender sender(guard.pid, 0);
    BOOST_TEST(sender.try_send(event_for(1)));
    Collector got;
    BOOST_TEST(owners[0].drain(got.handler(), 10).handled == 1u);
    owners.clear();
    BOOST_TEST(!test::shm_exists(event_queue_name(guard.pid, 0)));
    BOOST_TEST(!test::shm_exists(event_queue_name(guard.pid, 1)));
}

BOOST_AUTO_TEST_CASE(queue_wedged_by_sender_killed_inside_send_is_reported_and_recreated) {
    test::ShmGuard guard;
    EventQueueOwner owner(guard.pid, 0, 4);
    EventSender sender(guard.pid, 0);
    BOOST_TEST(sender.try_send(event_for(1)));
    const std::string name = event_queue_name(guard.pid, 0);
    const pid_t child = test::fork_child([&] { return lock_queue_mutex_and_die(name); });
    BOOST_TEST_REQUIRE(test::wait_child(child) == 0);

    // The worker side: gives up after the lock timeout, never throws, then stops trying.
    BOOST_TEST(!sender.try_send(event_for(2)));
    BOOST_TEST(sender.wedged());
    BOOST_TEST(!sender.try_send(event_for(3)));
    BOOST_TEST(sender.dropped() == 2u);

    // The master side: reported, not thrown; later drains return at once.
    Collector got;
    DrainResult r = owner.drain(got.handler(), 10);
    BOOST_TEST(r.wedged);
    BOOST_TEST(r.handled == 0u);
    BOOST_TEST(owner.wedged());
    BOOST_TEST(owner.drain(got.handler(), 10).wedged);

    // Before the replacement worker starts, the master re-creates the queue.
    owner.recreate();
    BOOST_TEST(!owner.wedged());
    EventSender replacement(guard.pid, 0);
    BOOST_TEST(replacement.try_send(event_for(4)));
    r = owner.drain(got.handler(), 10);
    BOOST_TEST(!r.wedged);
    BOOST_TEST(r.handled == 1u);
    BOOST_TEST_REQUIRE(got.events.size() == 1u);
    BOOST_TEST(got.events[0].session_id == 4u);
}

BOOST_AUTO_TEST_CASE(recreate_discards_pending_events) {
    test::ShmGuard guard;
    EventQueueOwner owner(guard.pid, 0, 4);
    {
        EventSender sender(guard.pid, 0);
        sender.try_send(event_for(1));
    }
    owner.recreate();
    Collector got;
    BOOST_TEST(owner.drain(got.handler(), 10).handled == 0u);
    BOOST_TEST(test::shm_exists(owner.name()));
}

BOOST_AUTO_TEST_SUITE_END()
