// Unit tests of ipc/names: object names from the master's pid and the clean-up scans, run
// on temp directories (and once on /dev/shm with this process's own objects).
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <optional>
#include <system_error>

#include "ipc/names.hpp"
#include "ipc/status_segment.hpp"
#include "ipc/event_queue.hpp"
#include "tests/unit/ipc/ipc_fixtures.hpp"

namespace bdata = boost::unit_test::data;
using namespace ftpd::ipc;
using ftpd::ipc::test::TempDir;

BOOST_AUTO_TEST_SUITE(names)

BOOST_AUTO_TEST_CASE(status_segment_name_is_ftpd_pid_status) {
    BOOST_TEST(status_segment_name(123) == "ftpd.123.status");
}

BOOST_AUTO_TEST_CASE(event_queue_name_is_ftpd_pid_events_slot) {
    BOOST_TEST(event_queue_name(123, 0) == "ftpd.123.events.0");
    BOOST_TEST(event_queue_name(4567, 12) == "ftpd.4567.events.12");
}

namespace {
struct PidCase {
    const char* name;
    int pid;  // 0: not one of our names
};
std::ostream& operator<<(std::ostream& os, const PidCase& c) { return os << c.name; }

const PidCase kPidCases[] = {
    {"ftpd.123.status", 123},  {"ftpd.7.events.3", 7},  {"ftpd.1.x", 1},
    {"ftpd.123", 0},           {"ftpd.123.", 0},        {"ftpd..status", 0},
    {"ftpd.0.status", 0},      {"ftpd.-5.status", 0},   {"ftpd.+5.status", 0},
    {"ftpd.12a.status", 0},    {"ftpd.99999999999999999999.status", 0},
    {"ftpdx.1.status", 0},     {"sem.ftpd.1.status", 0}, {"", 0},
};
}  // namespace

BOOST_DATA_TEST_CASE(pid_of_object_accepts_only_ftpd_pid_rest, bdata::make(kPidCases), c) {
    const std::optional<int> pid = pid_of_object(c.name);
    if (c.pid == 0) {
        BOOST_TEST(!pid.has_value());
    } else {
        BOOST_TEST(pid.value_or(-1) == c.pid);
    }
}

BOOST_AUTO_TEST_CASE(remove_objects_of_removes_only_that_pids_entries) {
    TempDir dir;
    for (const char* n : {"ftpd.100.status", "ftpd.100.events.0", "ftpd.100.events.1", "ftpd.1000.status",
                          "ftpd.10.status", "ftpd.100", "other.100.status"})
        dir.touch(n);

    BOOST_TEST(remove_objects_of(100, dir.path.string()) == 3);

    BOOST_TEST(!dir.has("ftpd.100.status"));
    BOOST_TEST(!dir.has("ftpd.100.events.0"));
    BOOST_TEST(!dir.has("ftpd.100.events.1"));
    BOOST_TEST(dir.has("ftpd.1000.status"));
    BOOST_TEST(dir.has("ftpd.10.status"));
    BOOST_TEST(dir.has("ftpd.100"));
    BOOST_TEST(dir.has("other.100.status"));
    BOOST_TEST(remove_objects_of(100, dir.path.string()) == 0);
}

BOOST_AUTO_TEST_CASE(remove_stale_objects_removes_dead_pid_and_keeps_live_pid) {
    TempDir dir;
    const int dead = test::dead_pid();
    const int live = ::getpid();
    const std::string d = std::to_string(dead), l = std::to_string(live);
    for (const std::string& n : {"ftpd." + d + ".status", "ftpd." + d + ".events.0", "ftpd." + l + ".status",
                                 "ftpd." + l + ".events.0", std::string("unrelated")})
        dir.touch(n);

    BOOST_TEST(remove_stale_objects(dir.path.string()) == 2);

    BOOST_TEST(!dir.has("ftpd." + d + ".status"));
    BOOST_TEST(!dir.has("ftpd." + d + ".events.0"));
    BOOST_TEST(dir.has("ftpd." + l + ".status"));
    BOOST_TEST(dir.has("ftpd." + l + ".events.0"));
    BOOST_TEST(dir.has("unrelated"));
}

BOOST_AUTO_TEST_CASE(remove_objects_of_removes_real_segment_and_queues) {
    test::ShmGuard guard;
    auto owner = std::make_unique<SegmentOwner>(guard.pid, Geometry{2, 2}, "/etc/ftpd.conf");
    auto q0 = std::make_unique<EventQueueOwner>(guard.pid, 0, 4);
    auto q1 = std::make_unique<EventQueueOwner>(guard.pid, 1, 4);
    BOOST_TEST(test::shm_exists(status_segment_name(guard.pid)));
    BOOST_TEST(test::shm_exists(event_queue_name(guard.pid, 1)));

    BOOST_TEST(remove_objects_of(guard.pid) == 3);

    BOOST_TEST(!test::shm_exists(status_segment_name(guard.pid)));
    BOOST_TEST(!test::shm_exists(event_queue_name(guard.pid, 0)));
    BOOST_TEST(!test::shm_exists(event_queue_name(guard.pid, 1)));
}

BOOST_AUTO_TEST_CASE(scanning_a_missing_directory_throws_system_error) {
    BOOST_CHECK_THROW(remove_objects_of(1, "/nonexistent/ftpd-ipc-test"), std::system_error);
    BOOST_CHECK_THROW(remove_stale_objects("/nonexistent/ftpd-ipc-test"), std::system_error);
}

BOOST_AUTO_TEST_SUITE_END()
