// Unit tests for worker/protocol/line_buffer: splitting, pipelining, overlong lines.
#include "worker/protocol/line_buffer.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
using ftpd::protocol::LineBuffer;
namespace tt = boost::test_tools;

namespace {

struct Got {
    std::string text;
    bool too_long;
    bool operator==(const Got&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Got& g) {
    return os << (g.too_long ? "<too long>" : '"' + g.text + '"');
}
using Lines = std::vector<Got>;

void check_lines(const Lines& got, const Lines& expected) {
    BOOST_TEST(got == expected, tt::per_element());
}

// One read of `bytes`, as a socket would deliver it.
void feed(LineBuffer& buf, std::string_view bytes) {
    const auto span = buf.prepare(std::max<std::size_t>(bytes.size(), 1));
    BOOST_TEST_REQUIRE(span.size() >= bytes.size());
    std::memcpy(span.data(), bytes.data(), bytes.size());
    buf.commit(bytes.size());
}

// Every line available now, copied out.
std::vector<Got> drain(LineBuffer& buf) {
    std::vector<Got> lines;
    while (auto line = buf.next()) lines.push_back({std::string(line->text), line->too_long});
    return lines;
}

// Feeds `input` in reads of `chunk` bytes, draining after each.
std::vector<Got> feed_in_chunks(LineBuffer& buf, std::string_view input, std::size_t chunk) {
    std::vector<Got> lines;
    for (std::size_t at = 0; at < input.size(); at += chunk) {
        feed(buf, input.substr(at, chunk));
        for (auto& g : drain(buf)) lines.push_back(std::move(g));
    }
    return lines;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(line_buffer)

BOOST_AUTO_TEST_CASE(pipelined_lines_come_out_one_by_one) {
    LineBuffer buf(4096);
    feed(buf, "USER a\r\nPASS b\r\nPWD\r\n");
    const auto first = buf.next();
    BOOST_TEST_REQUIRE(first.has_value());
    BOOST_TEST(first->text == "USER a");
    BOOST_TEST(buf.buffered() == std::string("PASS b\r\nPWD\r\n").size());
    const std::vector<Got> rest = drain(buf);
    check_lines(rest, {{"PASS b", false}, {"PWD", false}});
    BOOST_TEST(buf.buffered() == 0u);
    BOOST_TEST(!buf.next().has_value());
}

BOOST_AUTO_TEST_CASE(crlf_split_across_reads_gives_one_line_without_cr) {
    LineBuffer buf(4096);
    feed(buf, "USER a\r");
    BOOST_TEST(!buf.next().has_value());
    feed(buf, "\nPASS");
    check_lines(drain(buf), {{"USER a", false}});
    feed(buf, " b\r\n");
    check_lines(drain(buf), {{"PASS b", false}});
}

BOOST_AUTO_TEST_CASE(bare_lf_ends_a_line_and_lone_cr_stays_inside) {
    LineBuffer buf(4096);
    feed(buf, "NOOP\nPWD\n\nA\rB\n\r\n");
    check_lines(drain(buf),
                {{"NOOP", false}, {"PWD", false}, {"", false}, {"A\rB", false}, {"", false}});
}

BOOST_DATA_TEST_CASE(any_read_size_gives_the_same_lines, bdata::make({1, 2, 3, 7, 64, 4096}),
                     chunk) {
    const std::string input = "USER anonymous\r\nPASS x@y\r\nCWD /pub\nRETR a b\r\n\r\nQUIT\r\n";
    LineBuffer buf(4096);
    const auto lines = feed_in_chunks(buf, input, static_cast<std::size_t>(chunk));
    check_lines(lines, {{"USER anonymous", false}, {"PASS x@y", false},
                                          {"CWD /pub", false}, {"RETR a b", false}, {"", false},
                                          {"QUIT", false}});
    BOOST_TEST(buf.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(a_64k_line_is_reported_once_and_the_next_line_still_read) {
    constexpr std::size_t kMax = 4096, kRead = 4096;
    LineBuffer buf(kMax);
    const std::string input = std::string(64 * 1024, 'x') + "\r\nNOOP\r\n";
    std::vector<Got> lines;
    for (std::size_t at = 0; at < input.size(); at += kRead) {
        feed(buf, std::string_view(input).substr(at, kRead));
        BOOST_TEST_REQUIRE(buf.buffered() <= kMax + 1 + kRead);
        for (auto& g : drain(buf)) lines.push_back(std::move(g));
        BOOST_TEST_REQUIRE(buf.buffered() <= kMax + 1);
    }
    check_lines(lines, {{"", true}, {"NOOP", false}});
}

BOOST_AUTO_TEST_CASE(an_overlong_line_arriving_whole_is_reported_once) {
    LineBuffer buf(100);
    feed(buf, std::string(5000, 'y') + "\nPWD\n");
    check_lines(drain(buf), {{"", true}, {"PWD", false}});
}

BOOST_AUTO_TEST_CASE(a_line_of_exactly_max_line_is_not_too_long) {
    LineBuffer buf(10);
    feed(buf, "0123456789\r");
    BOOST_TEST(!buf.next().has_value());  // the CR may still end it
    feed(buf, "\n0123456789\n01234567890\r\nok\n");
    check_lines(drain(buf), {{"0123456789", false}, {"0123456789", false},
                                               {"", true}, {"ok", false}});
}

BOOST_AUTO_TEST_CASE(a_line_one_byte_over_without_lf_is_reported_before_its_end) {
    LineBuffer buf(10);
    feed(buf, "01234567890");
    check_lines(drain(buf), {{"", true}});
    BOOST_TEST(buf.buffered() == 0u);
    feed(buf, "more\r\nNOOP\r\n");
    check_lines(drain(buf), {{"NOOP", false}});
}

BOOST_AUTO_TEST_CASE(view_stays_valid_until_the_next_call) {
    LineBuffer buf(4096);
    feed(buf, "STOR a\r\nSTOR b\r\n");
    const auto a = buf.next();
    BOOST_TEST_REQUIRE(a.has_value());
    const std::string copy(a->text);
    BOOST_TEST(copy == "STOR a");
    const auto b = buf.next();
    BOOST_TEST_REQUIRE(b.has_value());
    BOOST_TEST(b->text == "STOR b");
}

BOOST_AUTO_TEST_CASE(nul_and_high_bytes_pass_through_unchanged) {
    LineBuffer buf(4096);
    const std::string line("RETR a\0\xff", 8);
    feed(buf, line + "\r\n");
    const auto got = buf.next();
    BOOST_TEST_REQUIRE(got.has_value());
    BOOST_TEST(std::string(got->text) == line);
}

BOOST_AUTO_TEST_SUITE_END()
