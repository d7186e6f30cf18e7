// Unit tests for worker/protocol/reply: codes, the formatter and the client's parser.
#include "worker/protocol/command.hpp"
#include "worker/protocol/reply.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
namespace code = ftpd::protocol::code;
using ftpd::protocol::default_text;
using ftpd::protocol::format_reply;
using ftpd::protocol::Reply;
using ftpd::protocol::ReplyParser;

namespace {

Reply reply_with(int code) { return Reply{code, {}}; }

// Splits wire bytes at CRLF, checking every line ends with one.
std::vector<std::string> wire_lines(const std::string& wire) {
    std::vector<std::string> lines;
    std::size_t at = 0;
    while (at < wire.size()) {
        const std::size_t crlf = wire.find("\r\n", at);
        BOOST_TEST_REQUIRE(crlf != std::string::npos);
        lines.push_back(wire.substr(at, crlf - at));
        at = crlf + 2;
    }
    return lines;
}

// Feeds all lines; requires exactly one reply, at the last line.
Reply parse_all(const std::vector<std::string>& lines) {
    ReplyParser parser;
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        BOOST_TEST_REQUIRE(!parser.feed_line(lines[i]).has_value());
    }
    auto reply = parser.feed_line(lines.back());
    BOOST_TEST_REQUIRE(reply.has_value());
    BOOST_TEST(!parser.in_progress());
    return *reply;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reply)

BOOST_AUTO_TEST_CASE(every_named_code_has_default_text_and_a_unique_value) {
    std::set<int> seen;
    for (int c : code::kAll) {
        BOOST_TEST_CONTEXT("code " << c) {
            BOOST_TEST(!default_text(c).empty());
            BOOST_TEST((c >= 100 && c <= 699));
            BOOST_TEST(seen.insert(c).second);
        }
    }
    BOOST_TEST(seen.size() >= 50u);
    BOOST_TEST(default_text(299).empty());
}

BOOST_AUTO_TEST_CASE(single_line_reply_has_code_space_text_crlf) {
    BOOST_TEST(format_reply(code::kOk, "Command okay.") == "200 Command okay.\r\n");
    BOOST_TEST(format_reply(code::kFileUnavailable, "a.txt: No such file") ==
               "550 a.txt: No such file\r\n");
}

BOOST_AUTO_TEST_CASE(empty_text_gets_the_default_text) {
    BOOST_TEST(format_reply(code::kNotLoggedIn, "") == "530 Not logged in.\r\n");
    BOOST_TEST(format_reply(299, "") == "299 Okay.\r\n");
}

BOOST_AUTO_TEST_CASE(multi_line_reply_has_dash_first_line_and_space_last_line) {
    BOOST_TEST(format_reply(code::kSystemStatus, "Features:\n MDTM\n SIZE\nEnd") ==
               "211-Features:\r\n MDTM\r\n SIZE\r\n211 End\r\n");
    BOOST_TEST(format_reply(code::kHelp, "a\nb\n") == "214-a\r\n214 b\r\n");
}

BOOST_AUTO_TEST_CASE(middle_line_starting_with_digit_gets_a_leading_space) {
    BOOST_TEST(format_reply(code::kHelp, "Help\n214 fake end\n2x\nEnd") ==
               "214-Help\r\n 214 fake end\r\n 2x\r\n214 End\r\n");
}

BOOST_AUTO_TEST_CASE(cr_and_nul_in_text_become_spaces) {
    BOOST_TEST(format_reply(code::kFileUnavailable, std::string("a\rb\0c", 5)) == "550 a b c\r\n");
}

BOOST_AUTO_TEST_CASE(client_chosen_name_cannot_forge_a_reply_line) {
    const std::string name = "x\r\n226 Transfer complete.\r\n230 ok";
    const std::string wire = format_reply(code::kFileUnavailable, name + ": No such file");
    const auto lines = wire_lines(wire);
    const Reply reply = parse_all(lines);
    BOOST_TEST(reply.code == code::kFileUnavailable);
    for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
        BOOST_TEST(lines[i].rfind("550", 0) != 0u);  // no middle line looks like an end line
        BOOST_TEST(lines[i].rfind("2", 0) != 0u);
    }
}

BOOST_AUTO_TEST_CASE(code_outside_100_to_699_throws) {
    BOOST_CHECK_THROW(format_reply(99, "x"), std::invalid_argument);
    BOOST_CHECK_THROW(format_reply(700, "x"), std::invalid_argument);
    BOOST_CHECK_THROW(format_reply(-200, "x"), std::invalid_argument);
}

BOOST_DATA_TEST_CASE(formatted_reply_parses_back_to_same_code_and_text,
                     bdata::make(std::vector<std::string>{
                         "Command okay.", "Features:\n MDTM\n SIZE\nEnd", "a\nb",
                         "first\n\nlast", "first\n- middle\nlast", "  padded  "}),
                     text) {
    const Reply reply = parse_all(wire_lines(format_reply(code::kSystemStatus, text)));
    BOOST_TEST(reply.code == code::kSystemStatus);
    BOOST_TEST(reply.text == text);
}

BOOST_AUTO_TEST_CASE(multi_line_reply_with_code_prefixed_middle_lines_is_joined) {
    const Reply reply = parse_all({"230-Welcome", "230-to ftpd", "230 Logged in."});
    BOOST_TEST(reply.code == 230);
    BOOST_TEST(reply.text == "Welcome\nto ftpd\nLogged in.");
}

BOOST_AUTO_TEST_CASE(multi_line_reply_ends_only_on_same_code_and_space) {
    ReplyParser parser;
    BOOST_TEST(!parser.feed_line("211-Status").has_value());
    BOOST_TEST(parser.in_progress());
    BOOST_TEST(!parser.feed_line("200 not the end").has_value());
    BOOST_TEST(!parser.feed_line("211-still not").has_value());
    const auto reply = parser.feed_line("211 End");
    BOOST_TEST_REQUIRE(reply.has_value());
    BOOST_TEST(reply->text == "Status\n200 not the end\nstill not\nEnd");
}

BOOST_DATA_TEST_CASE(valid_first_lines_parse,
                     bdata::make(std::vector<std::string>{"200", "200 ok", "550 a b", "331 ",
                                                          "631 protected"}),
                     line) {
    ReplyParser parser;
    const auto reply = parser.feed_line(line);
    BOOST_TEST_REQUIRE(reply.has_value());
    BOOST_TEST(reply->code == std::stoi(line.substr(0, 3)));
    BOOST_TEST(reply->text == (line.size() > 4 ? line.substr(4) : std::string()));
}

BOOST_DATA_TEST_CASE(garbled_first_line_throws,
                     bdata::make(std::vector<std::string>{"", "20", "abc", "2000 x", "200x",
                                                          "099 ok", "700 ok", " 200 ok", "2a0 ok"}),
                     line) {
    ReplyParser parser;
    BOOST_CHECK_THROW(parser.feed_line(line), std::runtime_error);
    BOOST_TEST(!parser.in_progress());
    BOOST_TEST(parser.feed_line("200 ok").has_value());  // usable afterwards
}

BOOST_AUTO_TEST_CASE(reply_longer_than_limit_throws_and_resets) {
    ReplyParser parser(64);
    BOOST_TEST(!parser.feed_line("211-start").has_value());
    BOOST_CHECK_THROW(
        for (int i = 0; i < 10; ++i) parser.feed_line(" a middle line of some length"),
        std::runtime_error);
    BOOST_TEST(!parser.in_progress());
}

BOOST_AUTO_TEST_CASE(reply_classes_follow_first_digit) {
    BOOST_TEST(reply_with(150).positive_preliminary());
    BOOST_TEST(reply_with(226).positive_completion());
    BOOST_TEST(!reply_with(226).positive_preliminary());
    BOOST_TEST(reply_with(331).positive_intermediate());
    BOOST_TEST(reply_with(425).transient_negative());
    BOOST_TEST(reply_with(550).permanent_negative());
    BOOST_TEST(!reply_with(550).transient_negative());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reply_iac)

BOOST_AUTO_TEST_CASE(a_0xff_byte_in_a_reply_is_doubled) {
    using namespace ftpd::protocol;
    BOOST_TEST(format_reply(257, "\"/caf\xff\" created") == "257 \"/caf\xff\xff\" created\r\n");
    BOOST_TEST(format_reply(212, "Status:\n\xff name\nEnd") == "212-Status:\r\n\xff\xff name\r\n212 End\r\n");
    BOOST_TEST(format_reply_middle_line("a\xff") == "a\xff\xff\r\n");
    // and a client reading it with Telnet rules gets the byte back once
    BOOST_TEST(strip_telnet("257 \"/caf\xff\xff\" created") == "257 \"/caf\xff\" created");
}

BOOST_AUTO_TEST_SUITE_END()
