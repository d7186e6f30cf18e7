// Unit tests of ipc/status_segment: creation and validation, slot writes, snapshots with
// held or abandoned semaphores, reset of a dead worker's slot, removal only by the creator.
// Segments are named after this test process's pid and removed by a ShmGuard.
#include <boost/interprocess/shared_memory_object.hpp>
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ipc/names.hpp"
#include "ipc/status_segment.hpp"
#include "tests/unit/ipc/ipc_fixtures.hpp"

using namespace ftpd::ipc;
using namespace std::chrono_literals;
namespace bip = boost::interprocess;

namespace {

constexpr Geometry kGeometry{3, 4};

// A segment owned by this process plus a read-write view of it, as a worker would have.
struct SegmentFixture {
    test::ShmGuard guard;
    SegmentOwner owner{guard.pid, kGeometry, "/etc/ftpd.conf"};
    SegmentView view{guard.pid};
};

// The message of the std::runtime_error that fn throws ("" if it throws none).
template <class Fn>
std::string error_of(Fn&& fn) {
    try {
        fn();
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

}  // namespace

namespace ftpd::ipc {
std::ostream& operator<<(std::ostream& os, WorkerState s) { return os << to_string(s); }
}  // namespace ftpd::ipc

BOOST_AUTO_TEST_SUITE(status_segment)

BOOST_AUTO_TEST_CASE(segment_size_grows_with_geometry_and_rejects_zero_or_huge) {
    BOOST_TEST(segment_size({2, 4}) > segment_size({1, 4}));
    BOOST_TEST(segment_size({1, 8}) > segment_size({1, 4}));
    BOOST_TEST(segment_size({1, 1}) % 64 == 0u);
    BOOST_CHECK_THROW(segment_size({0, 4}), std::invalid_argument);
    BOOST_CHECK_THROW(segment_size({4, 0}), std::invalid_argument);
    BOOST_CHECK_THROW(segment_size({kMaxSlots + 1, 4}), std::invalid_argument);
}

BOOST_FIXTURE_TEST_CASE(owner_initialises_header_slots_and_rows, SegmentFixture) {
    const HeaderData& h = view.header().data;
    BOOST_TEST(h.magic == kStatusMagic);
    BOOST_TEST(h.version == kStatusVersion);
    BOOST_TEST(h.master_pid == guard.pid);
    BOOST_TEST(h.slot_count == kGeometry.slots);
    BOOST_TEST(h.rows_per_slot == kGeometry.rows_per_slot);
    BOOST_TEST(h.total_size == segment_size(kGeometry));
    BOOST_TEST(h.generation == 1u);
    BOOST_TEST(h.last_reload_ok == 1u);
    BOOST_TEST(text_of(h.config_path) == "/etc/ftpd.conf");
    BOOST_TEST(view.geometry().slots == kGeometry.slots);
    BOOST_TEST(view.name() == status_segment_name(guard.pid));
    for (std::uint32_t i = 0; i < kGeometry.slots; ++i) {
        BOOST_TEST(view.slot(i).data.state == WorkerState::dead);
        SlotLock lock(view.slot(i), 0ms);
        BOOST_TEST(lock.locked());
    }
    BOOST_TEST(view.row(2, 3).in_use == 0u);
    BOOST_CHECK_THROW(view.slot(3), std::out_of_range);
    BOOST_CHECK_THROW(view.row(0, 4), std::out_of_range);
}

BOOST_AUTO_TEST_CASE(owner_replaces_a_leftover_segment_of_the_same_name) {
    test::ShmGuard guard;
    {
        bip::shared_memory_object junk(bip::create_only, status_segment_name(guard.pid).c_str(), bip::read_write);
        junk.truncate(16);
    }
    SegmentOwner owner(guard.pid, kGeometry, "x");
    SegmentView view(guard.pid);
    BOOST_TEST(view.header().data.magic == kStatusMagic);
}

BOOST_AUTO_TEST_CASE(view_of_missing_segment_says_not_found_and_names_pid) {
    test::ShmGuard guard;
    const std::string msg = error_of([&] { SegmentView view(guard.pid); });
    BOOST_TEST(contains(msg, "status segment " + status_segment_name(guard.pid) + " not found"), msg);
    BOOST_TEST(contains(msg, std::to_string(guard.pid)), msg);
}

BOOST_FIXTURE_TEST_CASE(view_rejects_other_version_with_operator_message, SegmentFixture) {
    owner.header().data.version = kStatusVersion + 1;
    const std::string msg = error_of([&] { SegmentView v(guard.pid); });
    BOOST_TEST(msg == "status segment " + status_segment_name(guard.pid) + " has version " +
                          std::to_string(kStatusVersion + 1) + ", expected " + std::to_string(kStatusVersion) +
                          " (ftpctl and ftpd from different builds?)");
}

BOOST_FIXTURE_TEST_CASE(view_rejects_bad_magic, SegmentFixture) {
    owner.header().data.magic = 0x1234;
    const std::string msg = error_of([&] { SegmentView v(guard.pid); });
    BOOST_TEST(contains(msg, "not an ftpd status segment"), msg);
}

BOOST_FIXTURE_TEST_CASE(view_rejects_size_that_disagrees_with_header, SegmentFixture) {
    owner.header().data.total_size += 64;
    const std::string msg = error_of([&] { SegmentView v(guard.pid); });
    BOOST_TEST(contains(msg, "header says"), msg);
}

BOOST_AUTO_TEST_CASE(validate_segment_checks_memory_without_shared_memory) {
    std::vector<std::byte> memory(segment_size(kGeometry));
    HeaderData h{};
    h.magic = kStatusMagic;
    h.version = kStatusVersion;
    h.slot_count = kGeometry.slots;
    h.rows_per_slot = kGeometry.rows_per_slot;
    h.total_size = memory.size();
    std::memcpy(memory.data(), &h, sizeof h);
    const Geometry g = validate_segment(memory.data(), memory.size(), "mem");
    BOOST_TEST(g.rows_per_slot == kGeometry.rows_per_slot);
    BOOST_TEST(contains(error_of([&] { validate_segment(memory.data(), 100, "mem"); }), "too small"));
    BOOST_TEST(contains(error_of([&] { validate_segment(memory.data(), memory.size() - 64, "mem"); }), "bytes"));
    h.version = kStatusVersion + 1;  // another build's header may have another size
    std::memcpy(memory.data(), &h, sizeof h);
    BOOST_TEST(contains(error_of([&] { validate_segment(memory.data(), 16, "mem"); }), "has version"));
    h.version = kStatusVersion;
    h.slot_count = 0;
    std::memcpy(memory.data(), &h, sizeof h);
    BOOST_TEST(contains(error_of([&] { validate_segment(memory.data(), memory.size(), "mem"); }), "invalid geometry"));
}

BOOST_FIXTURE_TEST_CASE(slot_writer_publishes_worker_and_session_state, SegmentFixture) {
    SlotWriter w(view, 1, 7);
    w.set_state(WorkerState::running);
    w.heartbeat(12345);
    const int row = w.open_session_row(42, "[::1]:40000", true);
    BOOST_TEST_REQUIRE(row >= 0);
    w.update_row(row, {.user = "anonymous", .state = "RETR", .file = "/pub/a.iso", .bytes = 0});
    w.add_bytes(row, Direction::out, 1000);
    w.add_bytes(row, Direction::out, 24);
    w.add_bytes(-1, Direction::in, 5);
    w.set_dropped_events(3);

    const Snapshot s = read_snapshot(view, 100ms);
    BOOST_TEST_REQUIRE(s.slots.size() == kGeometry.slots);
    const WorkerSlotData& d = s.slots[1].data;
    BOOST_TEST(d.pid == ::getpid());
    BOOST_TEST(d.state == WorkerState::running);
    BOOST_TEST(d.generation == 7u);
    BOOST_TEST(d.heartbeat_ms == 12345);
    BOOST_TEST(owner.heartbeat_ms(1) == 12345);
    BOOST_TEST(d.sessions == 1u);
    BOOST_TEST(d.accepted == 1u);
    BOOST_TEST(d.bytes_out == 1024u);
    BOOST_TEST(d.bytes_in == 5u);
    BOOST_TEST(d.dropped_events == 3u);
    BOOST_TEST(!s.slots[1].busy);
    BOOST_TEST(!s.slots[1].torn);
    BOOST_TEST_REQUIRE(s.sessions.size() == 1u);
    const RowSnapshot& r = s.sessions[0];
    BOOST_TEST(r.slot == 1u);
    BOOST_TEST(r.row == static_cast<std::uint32_t>(row));
    BOOST_TEST(r.data.session_id == 42u);
    BOOST_TEST(r.data.tls == 1u);
    BOOST_TEST(text_of(r.data.client) == "[::1]:40000");
    BOOST_TEST(text_of(r.data.user) == "anonymous");
    BOOST_TEST(text_of(r.data.state) == "RETR");
    BOOST_TEST(text_of(r.data.file) == "/pub/a.iso");
    BOOST_TEST(r.data.bytes == 1024u);

    w.close_session_row(row);
    const Snapshot after = read_snapshot(view, 100ms);
    BOOST_TEST(after.sessions.empty());
    BOOST_TEST(after.slots[1].data.sessions == 0u);
    BOOST_TEST(after.slots[1].data.accepted == 1u);
}

BOOST_FIXTURE_TEST_CASE(sessions_of_a_user_are_counted_over_all_slots, SegmentFixture) {
    SlotWriter w0(view, 0, 1);
    SlotWriter w1(view, 1, 1);
    w0.update_row(w0.open_session_row(1, "127.0.0.1:1"), {.user = "alice"});
    w1.update_row(w1.open_session_row(2, "127.0.0.1:2"), {.user = "alice"});
    w1.update_row(w1.open_session_row(3, "127.0.0.1:3"), {.user = "Alice"});
    w1.update_row(w1.open_session_row(4, "127.0.0.1:4"), {.user = "FTP"});
    const int gone = w0.open_session_row(5, "127.0.0.1:5");
    w0.update_row(gone, {.user = "alice"});
    w0.close_session_row(gone);
    w0.open_session_row(6, "127.0.0.1:6");  // not logged in: no user
    BOOST_TEST(count_sessions_of(view, "alice", false) == 2u);
    BOOST_TEST(count_sessions_of(view, "alice", true) == 3u);
    BOOST_TEST(count_sessions_of(view, "ftp", true) == 1u);
    BOOST_TEST(count_sessions_of(view, "ftp", false) == 0u);
    BOOST_TEST(count_sessions_of(view, "bob", true) == 0u);
}

BOOST_FIXTURE_TEST_CASE(a_kick_reaches_only_the_session_it_names, SegmentFixture) {
    SlotWriter w(view, 1, 1);
    const int a = w.open_session_row(10, "127.0.0.1:1");
    const int b = w.open_session_row(11, "127.0.0.1:2");
    BOOST_TEST(!w.kick_requested(a, 10));
    request_kick(view, 1, static_cast<std::uint32_t>(a), 10);
    BOOST_TEST(w.kick_requested(a, 10));
    BOOST_TEST(!w.kick_requested(b, 11));
    BOOST_TEST(!w.kick_requested(-1, 10));
    w.close_session_row(a);
    const int again = w.open_session_row(12, "127.0.0.1:3");  // the row is reused
    BOOST_TEST(again == a);
    BOOST_TEST(!w.kick_requested(again, 12));
    request_kick(view, 99, 0, 1);  // out of range: ignored
}

BOOST_FIXTURE_TEST_CASE(open_session_row_returns_minus_one_when_full_but_counts_session, SegmentFixture) {
    SlotWriter w(view, 0, 1);
    std::vector<int> rows;
    for (std::uint32_t i = 0; i < kGeometry.rows_per_slot; ++i) rows.push_back(w.open_session_row(i, "127.0.0.1:1"));
    BOOST_TEST(std::count(rows.begin(), rows.end(), -1) == 0);
    BOOST_TEST(w.open_session_row(99, "127.0.0.1:2") == -1);
    w.update_row(-1, {.state = "RETR"});  // ignored, no crash
    BOOST_TEST(view.slot(0).data.sessions == kGeometry.rows_per_slot + 1);
    w.close_session_row(-1);
    w.close_session_row(rows[1]);
    BOOST_TEST(view.slot(0).data.sessions == kGeometry.rows_per_slot - 1);
    BOOST_TEST(w.open_session_row(100, "127.0.0.1:3") == rows[1]);  // the freed row is reused
}

BOOST_FIXTURE_TEST_CASE(rows_stay_packed_and_readers_look_only_below_rows_high, SegmentFixture) {
    SlotWriter w(view, 1, 1);
    int a = w.open_session_row(1, "127.0.0.1:1");
    int b = w.open_session_row(2, "127.0.0.1:2");
    int c = w.open_session_row(3, "127.0.0.1:3");
    BOOST_TEST(a == 0);
    BOOST_TEST(b == 1);
    BOOST_TEST(c == 2);
    BOOST_TEST(view.slot(1).data.rows_high == 3u);
    w.close_session_row(c);
    w.close_session_row(a);
    BOOST_TEST(w.open_session_row(4, "127.0.0.1:4") == 0);  // the lowest free row first
    BOOST_TEST(view.slot(1).data.rows_high == 3u);
    // A row above rows_high that claims to be in use (no writer makes one) is not read.
    view.row(1, 3).in_use = 1;
    const Snapshot snap = read_snapshot(view, 100ms);
    BOOST_TEST(snap.sessions.size() == 2u);
    for (const auto& r : snap.sessions) BOOST_TEST(r.row < 3u);
}

BOOST_FIXTURE_TEST_CASE(a_new_writer_reuses_free_rows_below_rows_high, SegmentFixture) {
    {
        SlotWriter first(view, 0, 1);
        first.open_session_row(1, "127.0.0.1:1");
        int b = first.open_session_row(2, "127.0.0.1:2");
        first.open_session_row(3, "127.0.0.1:3");
        first.close_session_row(b);
    }
    SlotWriter second(view, 0, 2);  // no reset_slot in between (the master always resets)
    BOOST_TEST(second.open_session_row(4, "127.0.0.1:4") == 1);
    BOOST_TEST(second.open_session_row(5, "127.0.0.1:5") == 3);
    BOOST_TEST(view.slot(0).data.rows_high == 4u);
}

BOOST_FIXTURE_TEST_CASE(slot_writer_does_not_wait_for_a_semaphore_a_reader_holds, SegmentFixture) {
    SlotWriter w(view, 2, 1);
    SlotLock reader(view.slot(2), 0ms);  // e.g. an ftpctl that died mid-copy
    BOOST_TEST_REQUIRE(reader.locked());
    w.set_state(WorkerState::draining);
    BOOST_TEST(view.slot(2).data.state == WorkerState::draining);
    BOOST_TEST(view.slot(2).seq.load() % 2 == 0u);
}

BOOST_FIXTURE_TEST_CASE(read_snapshot_marks_held_slot_busy_and_returns_within_timeout, SegmentFixture) {
    SlotWriter w(view, 1, 1);
    w.set_state(WorkerState::running);
    SlotLock held(view.slot(1), 0ms);
    BOOST_TEST_REQUIRE(held.locked());

    const auto start = std::chrono::steady_clock::now();
    const Snapshot s = read_snapshot(view, 100ms);
    const auto elapsed = std::chrono::steady_clock::now() - start;

    BOOST_TEST(s.slots[1].busy);
    BOOST_TEST(!s.slots[1].torn);                               // read anyway, consistently
    BOOST_TEST(s.slots[1].data.state == WorkerState::running);
    BOOST_TEST(!s.slots[0].busy);
    BOOST_TEST(!s.slots[2].busy);
    // A hang would never return; the bound is generous, it only says "one wait, not more".
    BOOST_TEST(elapsed < 2s);
    SlotLock again(view.slot(0), 0ms);
    BOOST_TEST(again.locked());  // the snapshot gave back the slots it took
}

BOOST_FIXTURE_TEST_CASE(read_snapshot_marks_torn_slot_whose_writer_died_mid_write, SegmentFixture) {
    // As if a worker was SIGKILLed between the two counter updates of a write, holding the lock.
    view.slot(0).seq.store(1);
    SlotLock held(view.slot(0), 0ms);
    const Snapshot s = read_snapshot(view, 20ms);
    BOOST_TEST(s.slots[0].busy);
    BOOST_TEST(s.slots[0].torn);
    BOOST_TEST(!s.slots[1].torn);
    BOOST_TEST(!s.header_torn);
}

BOOST_FIXTURE_TEST_CASE(reset_slot_frees_semaphore_left_taken_by_killed_holder_and_keeps_restarts, SegmentFixture) {
    SlotWriter w(view, 1, 1);
    const int row = w.open_session_row(5, "127.0.0.1:5");
    w.add_bytes(row, Direction::in, 77);
    owner.add_restart(1);
    owner.add_restart(1);
    // A worker that takes its slot's semaphore and dies before posting it.
    const pid_t child = test::fork_child([pid = guard.pid] {
        SegmentView v(pid);
        v.slot(1).sem.wait();
        return 0;
    });
    BOOST_TEST_REQUIRE(test::wait_child(child) == 0);
    BOOST_TEST(!SlotLock(view.slot(1), 50ms).locked());

    owner.reset_slot(1);

    SlotLock lock(view.slot(1), 50ms);
    BOOST_TEST(lock.locked());
    const Snapshot s = read_snapshot(view, 100ms);
    BOOST_TEST(s.slots[1].data.restarts == 2u);
    BOOST_TEST(s.slots[1].data.state == WorkerState::dead);
    BOOST_TEST(s.slots[1].data.pid == 0);
    BOOST_TEST(s.slots[1].data.bytes_in == 0u);
    BOOST_TEST(s.sessions.empty());
    BOOST_TEST(s.slots[1].busy);  // we hold it ourselves now
    BOOST_TEST(!s.slots[1].torn);
}

BOOST_FIXTURE_TEST_CASE(header_setters_show_in_snapshot, SegmentFixture) {
    owner.set_generation(4);
    owner.set_reload_result(false, "/etc/ftpd.conf:12: unknown key 'listen_prot'", 1000);
    Snapshot s = read_snapshot(view, 100ms);
    BOOST_TEST(s.header.generation == 4u);
    BOOST_TEST(s.header.last_reload_ok == 0u);
    BOOST_TEST(text_of(s.header.last_reload_error) == "/etc/ftpd.conf:12: unknown key 'listen_prot'");
    BOOST_TEST(s.header.reload_time_ms == 1000);
    owner.set_reload_result(true, "ignored when ok", 2000);
    owner.set_config_path("/tmp/other.conf");
    s = read_snapshot(view, 100ms);
    BOOST_TEST(s.header.last_reload_ok == 1u);
    BOOST_TEST(text_of(s.header.last_reload_error).empty());
    BOOST_TEST(text_of(s.header.config_path) == "/tmp/other.conf");
    BOOST_TEST(view.header().seq.load() % 2 == 0u);
}

BOOST_FIXTURE_TEST_CASE(read_only_view_snapshots_without_locking_and_cannot_write, SegmentFixture) {
    SlotWriter w(view, 0, 1);
    w.set_state(WorkerState::running);
    SlotLock held(view.slot(0), 0ms);
    SegmentView ro(guard.pid, Access::read_only);
    BOOST_TEST(!ro.writable());
    const Snapshot s = read_snapshot(ro, 100ms);
    BOOST_TEST(!s.slots[0].busy);  // never tried
    BOOST_TEST(s.slots[0].data.state == WorkerState::running);
    BOOST_CHECK_THROW(SlotWriter(ro, 0, 1), std::invalid_argument);
    SegmentView fallback(guard.pid, Access::read_write_if_permitted);
    BOOST_TEST(fallback.writable());  // we created it, so we may write
}

BOOST_AUTO_TEST_CASE(owner_destructor_removes_segment_but_not_in_a_forked_child) {
    test::ShmGuard guard;
    std::optional<SegmentOwner> owner;
    owner.emplace(guard.pid, kGeometry, "x");
    const std::string name = status_segment_name(guard.pid);
    // A forked worker that unwinds through the master's objects must not remove the segment.
    const pid_t child = test::fork_child([&] {
        owner.reset();
        return test::shm_exists(name) ? 0 : 1;
    });
    BOOST_TEST(test::wait_child(child) == 0);
    BOOST_TEST(test::shm_exists(name));
    owner.reset();
    BOOST_TEST(!test::shm_exists(name));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(session_ids)

// Workers are separate processes and are replaced: ids come from the segment, so they
// never repeat within one master's lifetime.
BOOST_AUTO_TEST_CASE(session_ids_are_unique_across_processes) {
    test::ShmGuard guard;
    SegmentOwner owner(guard.pid, kGeometry, "x");
    SegmentView view(guard.pid);
    BOOST_TEST(next_session_id(view) == 1u);
    const pid_t child = test::fork_child([&] {
        SegmentView mine(guard.pid);
        std::uint64_t last = 0;
        for (int i = 0; i < 1000; ++i) last = next_session_id(mine);
        return last > 1 ? 0 : 1;
    });
    for (int i = 0; i < 1000; ++i) next_session_id(view);
    BOOST_TEST(test::wait_child(child) == 0);
    BOOST_TEST(next_session_id(view) == 2002u);  // 1 + 1000 + 1000, then this one
}

BOOST_AUTO_TEST_SUITE_END()
