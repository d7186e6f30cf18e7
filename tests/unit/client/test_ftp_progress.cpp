// Unit tests of client/ftp/progress: byte, rate and clock formatting, the bar's
// layout at several widths, the transfer summary, and the meter's redraw limit.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <functional>
#include <ostream>
#include <sstream>
#include <string>

#include "client/ftp/progress.hpp"

using namespace ftpd::client;

namespace {

struct BytesCase {
    std::uint64_t bytes;
    const char* text;
};
std::ostream& operator<<(std::ostream& os, const BytesCase& c) { return os << c.bytes; }

const BytesCase kBytes[] = {
    {0, "0 B"},          {999, "999 B"},        {1000, "1.00 kB"},        {1234, "1.23 kB"},
    {99'949, "99.9 kB"}, {99'950, "100 kB"},    {999'499, "999 kB"},      {999'500, "1.00 MB"},
    {1'048'576, "1.05 MB"}, {123'456'789, "123 MB"}, {5'000'000'000, "5.00 GB"},
};

struct ClockCase {
    double seconds;
    const char* text;
};
std::ostream& operator<<(std::ostream& os, const ClockCase& c) { return os << c.seconds; }

const ClockCase kClocks[] = {
    {0, "00:00"}, {4.4, "00:04"}, {59.6, "01:00"}, {605, "10:05"}, {3599, "59:59"},
    {3600, "1:00:00"}, {36'061, "10:01:01"}, {-1, "--:--"}, {1e9, "--:--"},
};

// A clock the test moves by hand.
struct FakeClock {
    double now = 100.0;
    double operator()() const { return now; }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ftp_progress)

BOOST_DATA_TEST_CASE(format_bytes_uses_three_significant_digits, boost::unit_test::data::make(kBytes), c) {
    BOOST_TEST(format_bytes(c.bytes) == c.text);
}

BOOST_DATA_TEST_CASE(format_clock_is_mm_ss_then_h_mm_ss, boost::unit_test::data::make(kClocks), c) {
    BOOST_TEST(format_clock(c.seconds) == c.text);
}

BOOST_AUTO_TEST_CASE(format_rate_divides_and_guards_zero_time) {
    BOOST_TEST(format_rate(1'000'000, 1.0) == "1.00 MB/s");
    BOOST_TEST(format_rate(1'048'576, 0.01) == "105 MB/s");
    BOOST_TEST(format_rate(1000, 0.0) == "1.00 MB/s");  // counted as 1 ms
    BOOST_TEST(format_rate(0, 2.0) == "0 B/s");
}

BOOST_AUTO_TEST_CASE(summary_names_reply_file_bytes_time_and_rate) {
    BOOST_TEST(format_summary("226 Transfer complete.", "a.iso", 1'048'576, 0.01) ==
               "226 Transfer complete. a.iso: 1048576 bytes in 0.01 s (105 MB/s)");
    BOOST_TEST(format_summary("", "", 0, 0) == "0 bytes in 0.00 s (0 B/s)");
}

BOOST_AUTO_TEST_CASE(bar_with_known_size_shows_percent_bar_rate_and_eta) {
    ProgressSnapshot s{"hello.txt", 500'000, 0, 1'000'000, 1.0, false};
    const std::string line = format_progress(s, 80);
    BOOST_TEST(line.size() <= 80u);
    BOOST_TEST(line.find("hello.txt") == 0u);
    BOOST_TEST(line.find(" 50% |") != std::string::npos);
    BOOST_TEST(line.find("500 kB") != std::string::npos);
    BOOST_TEST(line.find("500 kB/s") != std::string::npos);
    BOOST_TEST(line.find("00:01 ETA") != std::string::npos);
    BOOST_TEST(line.find('\n') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(bar_fills_in_proportion) {
    ProgressSnapshot s{"f", 250, 0, 1000, 1.0, false};
    const std::string line = format_progress(s, 100);
    const auto open = line.find('|'), close = line.rfind('|');
    BOOST_TEST_REQUIRE(open != close);
    const std::string bar = line.substr(open + 1, close - open - 1);
    const auto filled = std::count(bar.begin(), bar.end(), '=');
    BOOST_TEST(filled == static_cast<long>(bar.size() / 4));
}

BOOST_AUTO_TEST_CASE(resumed_transfer_counts_rate_from_the_offset) {
    // 900 kB were there already; 100 kB came in 1 s: rate 100 kB/s, 90% done, ETA 1 s.
    ProgressSnapshot s{"big", 1'000'000 - 100'000, 800'000, 1'000'000, 1.0, false};
    const std::string line = format_progress(s, 80);
    BOOST_TEST(line.find(" 90%") != std::string::npos);
    BOOST_TEST(line.find("100 kB/s") != std::string::npos);
    BOOST_TEST(line.find("00:01 ETA") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_size_has_no_percent_and_no_eta) {
    ProgressSnapshot s{"stream", 2'000'000, 0, std::nullopt, 2.0, false};
    const std::string line = format_progress(s, 80);
    BOOST_TEST(line.find('%') == std::string::npos);
    BOOST_TEST(line.find("2.00 MB") != std::string::npos);
    BOOST_TEST(line.find("1.00 MB/s") != std::string::npos);
    BOOST_TEST(line.find("--:-- ETA") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(finished_bar_shows_elapsed_time) {
    ProgressSnapshot s{"f", 1000, 0, 1000, 65.0, true};
    const std::string line = format_progress(s, 80);
    BOOST_TEST(line.find("100%") != std::string::npos);
    BOOST_TEST(line.find("01:05") != std::string::npos);
    BOOST_TEST(line.find("ETA") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(narrow_terminals_drop_the_bar_and_shorten_the_name) {
    const std::string name(60, 'n');
    for (std::size_t width : {20u, 40u, 50u, 60u, 200u}) {
        ProgressSnapshot s{name, 10, 0, 100, 1.0, false};
        const std::string line = format_progress(s, width);
        BOOST_TEST_CONTEXT("width " << width) {
            BOOST_TEST(line.size() <= width);
            if (width >= 60) BOOST_TEST(line.find("10%") != std::string::npos);
        }
    }
    ProgressSnapshot s{name, 10, 0, 100, 1.0, false};
    BOOST_TEST(format_progress(s, 50).find('|') == std::string::npos);
    BOOST_TEST(format_progress(s, 120).find("...") == 0u);  // long names keep their end
}

BOOST_AUTO_TEST_CASE(meter_redraws_at_most_ten_times_a_second) {
    std::ostringstream out;
    FakeClock clock;
    ProgressMeter meter(out, true, 80, "f", 0, 1000, std::ref(clock));
    for (int i = 1; i <= 100; ++i) {
        clock.now += 0.01;  // 100 updates over one second
        meter.update(static_cast<std::uint64_t>(i * 10));
    }
    const std::string text = out.str();
    const auto redraws = std::count(text.begin(), text.end(), '\r');
    BOOST_TEST(redraws >= 9);
    BOOST_TEST(redraws <= 11);
    meter.finish();
    BOOST_TEST(out.str().back() == '\n');
    BOOST_TEST(out.str().find("100%") != std::string::npos);
    BOOST_TEST(meter.transferred() == 1000u);
}

BOOST_AUTO_TEST_CASE(disabled_meter_writes_nothing_but_still_counts) {
    std::ostringstream out;
    FakeClock clock;
    ProgressMeter meter(out, false, 80, "f", 100, 1000, std::ref(clock));
    meter.update(600);
    clock.now += 2;
    meter.finish();
    BOOST_TEST(out.str().empty());
    BOOST_TEST(meter.transferred() == 500u);
    BOOST_TEST(meter.elapsed() == 2.0);
}

BOOST_AUTO_TEST_SUITE_END()
