// Unit tests of the TYPE A converters (worker/protocol/ascii.hpp; RFC 959: CR LF on the
// wire, LF on disk), also with the text cut into chunks at every position.
#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>

#include "worker/protocol/ascii.hpp"

using namespace ftpd::protocol;

namespace {

// The text converted in two chunks cut at `cut`.
std::string crlf_to_lf_split(std::string_view text, std::size_t cut) {
    CrlfToLf conv;
    std::string out;
    conv.convert(text.substr(0, cut), out);
    conv.convert(text.substr(cut), out);
    return out + conv.finish();
}

std::string lf_to_crlf_split(std::string_view text, std::size_t cut) {
    LfToCrlf conv;
    std::string out;
    conv.convert(text.substr(0, cut), out);
    conv.convert(text.substr(cut), out);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ascii)

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

BOOST_AUTO_TEST_CASE(a_file_with_crlf_line_ends_goes_out_unchanged) {
    // curl --use-ascii once got "a\r\r\nb\r\n" for this file (issue 18).
    LfToCrlf conv;
    BOOST_TEST(conv.convert("a\r\nb\n") == "a\r\nb\r\n");
}

BOOST_AUTO_TEST_CASE(every_chunk_boundary_gives_the_same_text) {
    const std::string wire = "one\r\ntwo\r\n\r\nthree\rfour\r\r\n\r";
    const std::string disk = "one\ntwo\n\nthree\rfour\r\n\r";
    const std::string file = "a\nb\r\n\nc\r\r\nd\n";
    const std::string sent = "a\r\nb\r\n\r\nc\r\r\nd\r\n";
    for (std::size_t cut = 0; cut <= wire.size(); ++cut)
        BOOST_TEST(crlf_to_lf_split(wire, cut) == disk, "cut at " << cut);
    for (std::size_t cut = 0; cut <= file.size(); ++cut)
        BOOST_TEST(lf_to_crlf_split(file, cut) == sent, "cut at " << cut);
}

BOOST_AUTO_TEST_CASE(one_byte_chunks) {
    const std::string wire = "x\r\ny\r\r\n";
    CrlfToLf down;
    std::string out;
    for (char c : wire) down.convert(std::string_view(&c, 1), out);
    BOOST_TEST(out + down.finish() == "x\ny\r\n");
    LfToCrlf up;
    std::string sent;
    for (char c : std::string("p\nq\r\n")) up.convert(std::string_view(&c, 1), sent);
    BOOST_TEST(sent == "p\r\nq\r\n");
}

BOOST_AUTO_TEST_SUITE_END()
