// Unit tests of client/ftp/byte_copy's ASCII conversions (RFC 959 TYPE A: CR LF on
// the wire, LF on disk), across chunk boundaries.
#include <boost/test/unit_test.hpp>

#include <string>

#include "client/ftp/byte_copy.hpp"

using namespace ftpd::client;

BOOST_AUTO_TEST_SUITE(ftp_ascii)

BOOST_AUTO_TEST_CASE(crlf_becomes_lf_and_lone_cr_stays) {
    CrlfToLf conv;
    BOOST_TEST(conv.convert("a\r\nb\rc\r\n") + conv.finish() == "a\nb\rc\n");
}

BOOST_AUTO_TEST_CASE(crlf_split_between_chunks_is_still_joined) {
    CrlfToLf conv;
    std::string out = conv.convert("line one\r");
    out += conv.convert("\nline two\r");
    out += conv.finish();
    BOOST_TEST(out == "line one\nline two\r");
}

BOOST_AUTO_TEST_CASE(lf_becomes_crlf_once) {
    LfToCrlf conv;
    BOOST_TEST(conv.convert("a\nb\r\nc") == "a\r\nb\r\nc");
    LfToCrlf split;
    std::string out = split.convert("x\r");  // the CR LF is split across two chunks
    out += split.convert("\ny\n");
    BOOST_TEST(out == "x\r\ny\r\n");
}

BOOST_AUTO_TEST_SUITE_END()
