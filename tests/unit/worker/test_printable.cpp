// printable(): client-chosen text made safe for a log line.
#include "worker/printable.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <utility>

using ftpd::worker::printable;

namespace {

const std::pair<std::string, std::string> kCases[] = {
    {"plain name.txt", "plain name.txt"},
    {"evil\r2026-01-01 00:00:00 [info] forged", "evil\\x0d2026-01-01 00:00:00 [info] forged"},
    {"a\nb", "a\\x0ab"},
    {std::string("a\0b", 3), "a\\x00b"},
    {"\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"},
    {"del\x7f", "del\\x7f"},
    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},  // UTF-8 stays
    {"\xff\xfe.txt", "\\xff\\xfe.txt"},                  // not UTF-8
    {"\xc3", "\\xc3"},                                   // truncated sequence
    {"\xc0\xaf", "\\xc0\\xaf"},                          // overlong '/'
    {"\xed\xa0\x80", "\\xed\\xa0\\x80"},                 // a surrogate
    {"\xc2\x9b" "31m", "\\xc2\\x9b31m"},                 // C1 CSI, as UTF-8
    {"\x9b" "31m", "\\x9b31m"},                          // C1 CSI, raw byte
    {"line\xe2\x80\xa8next", "line\\xe2\\x80\\xa8next"},  // U+2028
};

}  // namespace

BOOST_AUTO_TEST_SUITE(printable_text)

BOOST_DATA_TEST_CASE(escapes_controls_and_bytes_that_are_not_utf8, boost::unit_test::data::xrange(std::size(kCases)), i) {
    BOOST_TEST(printable(kCases[i].first) == kCases[i].second);
}

BOOST_AUTO_TEST_CASE(output_never_contains_a_control_byte) {
    std::string all;
    for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
    for (unsigned char c : printable(all)) BOOST_TEST((c >= 0x20 && c != 0x7f));
}

BOOST_AUTO_TEST_SUITE_END()
