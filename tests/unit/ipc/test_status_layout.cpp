// Unit tests of ipc/status_layout: static properties of the shared structs, enum spellings,
// and the fixed-size text helpers. No shared memory needed.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstring>
#include <string>
#include <type_traits>

#include "ipc/status_layout.hpp"

namespace bdata = boost::unit_test::data;
using namespace ftpd::ipc;

BOOST_AUTO_TEST_SUITE(status_layout)

BOOST_AUTO_TEST_CASE(data_structs_are_trivially_copyable_with_fixed_sizes) {
    BOOST_TEST(std::is_trivially_copyable_v<HeaderData>);
    BOOST_TEST(std::is_trivially_copyable_v<WorkerSlotData>);
    BOOST_TEST(std::is_trivially_copyable_v<SessionRowData>);
    BOOST_TEST(sizeof(HeaderData) == 1368u);
    BOOST_TEST(sizeof(WorkerSlotData) == 96u);
    BOOST_TEST(sizeof(SessionRowData) == 528u);
    BOOST_TEST(sizeof(WorkerSlot) % 64 == 0u);
    BOOST_TEST(sizeof(SegmentHeader) % 64 == 0u);
}

BOOST_AUTO_TEST_CASE(magic_version_and_size_sit_at_offsets_every_version_keeps) {
    BOOST_TEST(offsetof(HeaderData, magic) == 0u);
    BOOST_TEST(offsetof(HeaderData, version) == 8u);
    BOOST_TEST(offsetof(HeaderData, total_size) == 16u);
    HeaderData h{};
    h.magic = kStatusMagic;
    BOOST_TEST(std::string(reinterpret_cast<const char*>(&h.magic), 8) == "FTPDSTAT");
}

BOOST_AUTO_TEST_CASE(shared_counters_are_lock_free_and_aligned) {
    WorkerSlotData d{};
    SessionRowData r{};
    BOOST_TEST(counter(d.bytes_in).is_lock_free());
    BOOST_TEST(counter(d.heartbeat_ms).is_lock_free());
    BOOST_TEST(counter(d.restarts).is_lock_free());
    BOOST_TEST(counter(r.bytes).is_lock_free());
    BOOST_TEST(offsetof(WorkerSlotData, bytes_in) % 8 == 0u);
    BOOST_TEST(offsetof(WorkerSlotData, bytes_out) % 8 == 0u);
    BOOST_TEST(offsetof(WorkerSlotData, heartbeat_ms) % 8 == 0u);
    BOOST_TEST(offsetof(SessionRowData, bytes) % 8 == 0u);
    BOOST_TEST(counter(r.kick).is_lock_free());
    BOOST_TEST(offsetof(SessionRowData, kick) % 8 == 0u);
    counter(d.bytes_out).fetch_add(5);
    BOOST_TEST(d.bytes_out == 5u);
}

namespace {
struct StateCase {
    WorkerState state;
    const char* json;
};
std::ostream& operator<<(std::ostream& os, const StateCase& c) { return os << c.json; }
const StateCase kStates[] = {{WorkerState::starting, "starting"},
                             {WorkerState::running, "running"},
                             {WorkerState::draining, "draining"},
                             {WorkerState::dead, "dead"}};
}  // namespace

BOOST_DATA_TEST_CASE(worker_state_to_string_spells_json_values, bdata::make(kStates), c) {
    BOOST_TEST(to_string(c.state) == c.json);
}

BOOST_AUTO_TEST_CASE(worker_state_out_of_range_is_unknown) {
    BOOST_TEST(to_string(static_cast<WorkerState>(77)) == "unknown");
}

namespace {
struct PrefixCase {
    std::string text;
    std::size_t max;
    std::size_t expected;
};
std::ostream& operator<<(std::ostream& os, const PrefixCase& c) { return os << c.text.size() << "/" << c.max; }
const PrefixCase kPrefixes[] = {
    {"abc", 5, 3},                  // fits
    {"abcdef", 3, 3},               // ASCII: cut anywhere
    {"a\xC3\xA9z", 2, 1},           // would split é (C3 A9)
    {"a\xC3\xA9z", 3, 3},           // é complete
    {"\xE2\x82\xAC\xE2\x82\xAC", 4, 3},  // € is 3 bytes: keep one
    {"\xF0\x9F\x98\x80x", 3, 0},    // 4-byte emoji, cut inside
    {"\xF0\x9F\x98\x80x", 4, 4},    // emoji complete
    {"\x80\x80\x80\x80\x80\x80", 3, 3},  // not UTF-8: cut at max
    {"ab\xC3", 2, 2},               // cut before a lead byte: a boundary
};
}  // namespace

BOOST_DATA_TEST_CASE(utf8_prefix_length_never_splits_a_character, bdata::make(kPrefixes), c) {
    BOOST_TEST(utf8_prefix_length(c.text, c.max) == c.expected);
}

BOOST_AUTO_TEST_CASE(set_text_truncates_at_character_and_nul_terminates) {
    char field[8];
    std::memset(field, 'X', sizeof field);
    set_text(field, "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9");  // 4 x é = 8 bytes, room for 7
    BOOST_TEST(text_of(field) == "\xC3\xA9\xC3\xA9\xC3\xA9");
    BOOST_TEST(field[6] == '\0');
    BOOST_TEST(field[7] == '\0');
    set_text(field, "ab");
    BOOST_TEST(text_of(field) == "ab");
    BOOST_TEST(field[5] == '\0');  // the rest zero-filled
}

BOOST_AUTO_TEST_CASE(text_of_field_without_nul_stops_at_field_end) {
    char field[4] = {'a', 'b', 'c', 'd'};
    BOOST_TEST(text_of(field) == "abcd");
}

BOOST_AUTO_TEST_CASE(clocks_are_in_milliseconds) {
    BOOST_TEST(realtime_ms() > 1'600'000'000'000);  // after 2020, in ms
    const auto a = monotonic_ms();
    BOOST_TEST(monotonic_ms() >= a);
}

BOOST_AUTO_TEST_SUITE_END()
