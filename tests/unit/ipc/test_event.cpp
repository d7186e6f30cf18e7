// Unit tests of ipc/event: round trips of every event type, truncation of long fields, and
// decode() refusing short, oversized and malformed buffers. Pure functions, no IPC.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ipc/event.hpp"

namespace bdata = boost::unit_test::data;
using namespace ftpd::ipc;

namespace {

Event sample(EventType type) {
    Event e;
    e.type = type;
    e.slot = 3;
    e.pid = 4242;
    e.session_id = 0x0123456789ABCDEFull;
    e.time_ms = 1'700'000'000'123;
    e.client = "[2001:db8::1]:40000";
    e.user = "anonymous";
    e.direction = type == EventType::transfer_finished ? 'o' : 0;
    e.path = "/pub/a b/\xC3\xA9t\xC3\xA9.iso";
    e.bytes = std::numeric_limits<std::uint64_t>::max();
    e.seconds = 1.25;
    e.ok = type != EventType::login_failed;
    e.anonymous = true;
    e.transfer_type = type == EventType::transfer_finished ? 'b' : 0;
    e.message = type == EventType::worker_fatal ? "setuid(nobody): Operation not permitted" : "";
    e.target = type == EventType::file_renamed ? "/pub/new \"name\"" : "";
    e.file = "/srv/ftp" + e.path;
    e.tls = type != EventType::session_opened;
    return e;
}

std::vector<char> encoded(const Event& e) {
    std::vector<char> buf(kMaxEventSize);
    buf.resize(encode(e, buf));
    return buf;
}

bool is_utf8_boundary_cut(const std::string& s) {
    // The last character is complete: no dangling lead or continuation bytes at the end.
    std::size_t i = s.size();
    std::size_t cont = 0;
    while (i > 0 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) --i, ++cont;
    if (i == 0) return cont == 0;
    const auto lead = static_cast<unsigned char>(s[i - 1]);
    const std::size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return len == cont + 1;
}

const EventType kTypes[] = {EventType::session_opened, EventType::session_closed,   EventType::login_ok,
                            EventType::login_failed,   EventType::transfer_finished, EventType::worker_fatal,
                            EventType::file_deleted,   EventType::file_renamed,      EventType::dir_created,
                            EventType::dir_removed};

}  // namespace

namespace ftpd::ipc {
std::ostream& operator<<(std::ostream& os, EventType t) { return os << to_string(t); }
}  // namespace ftpd::ipc

BOOST_AUTO_TEST_SUITE(event)

BOOST_DATA_TEST_CASE(every_event_type_round_trips_unchanged, bdata::make(kTypes), type) {
    const Event e = sample(type);
    const std::vector<char> buf = encoded(e);
    BOOST_TEST(buf.size() <= kMaxEventSize);
    BOOST_TEST(buf[0] == static_cast<char>(kEventVersion));
    const std::optional<Event> d = decode(buf);
    BOOST_TEST_REQUIRE(d.has_value());
    BOOST_TEST((*d == e));
    BOOST_TEST(to_string(d->type) == to_string(type));
}

BOOST_AUTO_TEST_CASE(default_event_round_trips) {
    const Event e;
    const std::optional<Event> d = decode(encoded(e));
    BOOST_TEST_REQUIRE(d.has_value());
    BOOST_TEST((*d == e));
}

BOOST_AUTO_TEST_CASE(ten_kib_path_is_truncated_and_still_decodes) {
    Event e = sample(EventType::transfer_finished);
    e.path = "/" + std::string(10 * 1024, 'p');
    e.message = std::string(5000, 'm');
    e.user = std::string(5000, 'u');
    e.client = std::string(5000, 'c');
    e.target = "/" + std::string(5000, 't');
    e.file = "/srv" + std::string(10 * 1024, 'f');
    const std::vector<char> buf = encoded(e);
    BOOST_TEST(buf.size() == kMaxEventSize);
    const std::optional<Event> d = decode(buf);
    BOOST_TEST_REQUIRE(d.has_value());
    BOOST_TEST(d->path.size() == kMaxPathBytes);
    BOOST_TEST(d->target.size() == kMaxPathBytes);
    BOOST_TEST(d->file.size() >= 1300u);
    BOOST_TEST(e.file.starts_with(d->file));
    BOOST_TEST(e.path.starts_with(d->path));
    BOOST_TEST(d->client.size() == kMaxClientBytes);
    BOOST_TEST(d->user.size() == kMaxUserBytes);
    BOOST_TEST(d->message.size() == kMaxMessageBytes);
    BOOST_TEST(d->bytes == e.bytes);  // the fixed fields survive truncation
    BOOST_TEST(d->session_id == e.session_id);
}

BOOST_AUTO_TEST_CASE(truncation_never_splits_a_utf8_character) {
    Event e;
    std::string three_byte;  // "€" is E2 82 AC
    for (int i = 0; i < 2000; ++i) three_byte += "\xE2\x82\xAC";
    e.path = three_byte;
    e.user = three_byte;
    e.message = "xy" + three_byte;  // shifted so that a cut at 256 would split a character
    const std::optional<Event> d = decode(encoded(e));
    BOOST_TEST_REQUIRE(d.has_value());
    BOOST_TEST(d->path.size() % 3 == 0u);
    BOOST_TEST(d->user.size() % 3 == 0u);
    BOOST_TEST(is_utf8_boundary_cut(d->path));
    BOOST_TEST(is_utf8_boundary_cut(d->user));
    BOOST_TEST(is_utf8_boundary_cut(d->message));
    BOOST_TEST(d->message.size() < kMaxMessageBytes);
}

BOOST_AUTO_TEST_CASE(encode_into_small_buffer_fits_and_decodes) {
    Event e = sample(EventType::transfer_finished);
    e.path = std::string(500, 'p');
    std::array<char, 120> small{};
    const std::size_t n = encode(e, small);
    BOOST_TEST(n <= small.size());
    const std::optional<Event> d = decode(std::span<const char>(small.data(), n));
    BOOST_TEST_REQUIRE(d.has_value());
    BOOST_TEST(d->client == e.client);
    BOOST_TEST(e.path.starts_with(d->path));
}

BOOST_AUTO_TEST_CASE(encode_refuses_buffer_smaller_than_fixed_part) {
    std::array<char, 55> tiny{};
    BOOST_CHECK_THROW(encode(Event{}, tiny), std::length_error);
}

BOOST_AUTO_TEST_CASE(encode_sends_undocumented_codes_as_zero) {
    Event e;
    e.direction = 'x';
    e.transfer_type = 'z';
    e.seconds = std::numeric_limits<double>::quiet_NaN();
    const std::optional<Event> d = decode(encoded(e));
    BOOST_TEST_REQUIRE(d.has_value());
    BOOST_TEST(d->direction == 0);
    BOOST_TEST(d->transfer_type == 0);
    BOOST_TEST(d->seconds == 0.0);
}

BOOST_AUTO_TEST_CASE(decode_rejects_every_short_prefix_and_trailing_bytes) {
    const std::vector<char> buf = encoded(sample(EventType::login_failed));
    for (std::size_t n = 0; n < buf.size(); ++n) {
        // Exact-size copies, so ASan catches any read past the span.
        const std::vector<char> prefix(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        BOOST_TEST(!decode(prefix).has_value(), "prefix of " << n << " bytes decoded");
    }
    std::vector<char> longer = buf;
    longer.push_back('x');
    BOOST_TEST(!decode(longer).has_value());
    BOOST_TEST(!decode(std::vector<char>(kMaxEventSize + 1, 0)).has_value());
}

namespace {
struct Corruption {
    const char* what;
    std::size_t offset;
    char value;
};
std::ostream& operator<<(std::ostream& os, const Corruption& c) { return os << c.what; }
const Corruption kCorruptions[] = {
    {"version 0", 0, 0},
    {"version 1", 0, 1},
    {"version 3", 0, 3},
    {"unknown type", 1, 10},
    {"type 255", 1, static_cast<char>(0xFF)},
    {"unknown flag", 2, 8},
    {"bad direction", 3, 'x'},
    {"bad transfer type", 4, 'q'},
    {"reserved byte set", 6, 1},
    {"length too long", 48, 0x7F},
    {"seconds NaN", 47, 0x7F},  // with the exponent bits below: 0x7FF8... in the top bytes
};
}  // namespace

BOOST_DATA_TEST_CASE(decode_rejects_corrupted_fields, bdata::make(kCorruptions), c) {
    std::vector<char> buf = encoded(sample(EventType::transfer_finished));
    buf[c.offset] = c.value;
    if (std::string_view(c.what) == "seconds NaN") buf[46] = static_cast<char>(0xF8);
    BOOST_TEST(!decode(buf).has_value());
}

BOOST_AUTO_TEST_CASE(decode_rejects_random_garbage) {
    std::mt19937 rng(12345);  // fixed seed: reproducible
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<std::size_t> size(0, kMaxEventSize + 16);
    int decoded = 0;
    for (int i = 0; i < 20000; ++i) {
        std::vector<char> buf(size(rng));
        for (char& ch : buf) ch = static_cast<char>(byte(rng));
        if (i % 2 == 0 && !buf.empty()) buf[0] = static_cast<char>(kEventVersion);  // get past the first check
        if (decode(buf)) ++decoded;
    }
    BOOST_TEST(decoded == 0);
}

BOOST_AUTO_TEST_SUITE_END()
