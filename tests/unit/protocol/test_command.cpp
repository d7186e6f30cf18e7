// Unit tests for worker/protocol/command: Telnet stripping and command splitting.
#include "worker/protocol/command.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
using ftpd::protocol::Command;
using ftpd::protocol::is_safe_path_arg;
using ftpd::protocol::parse_command;
using ftpd::protocol::strip_telnet;

namespace {

struct ValidLine {
    std::string line, verb, arg;
};
std::ostream& operator<<(std::ostream& os, const ValidLine& c) {
    return os << '"' << c.line << '"';
}

const std::vector<ValidLine> kValid = {
    {"USER anonymous", "USER", "anonymous"},
    {"user anonymous", "USER", "anonymous"},
    {"NOOP", "NOOP", ""},
    {"Pasv", "PASV", ""},
    {"STOR my file .txt", "STOR", "my file .txt"},
    {"RETR name  ", "RETR", "name  "},
    {"CWD ", "CWD", ""},
    {"CWD  two", "CWD", " two"},
    {"  PWD", "PWD", ""},
    {"\tSYST", "SYST", ""},
    {"X", "X", ""},
    {"XSHA256 f 0 10", "XSHA256", "f 0 10"},
    {"xmd5 f", "XMD5", "f"},
    {"SITE CHMOD 644 f", "SITE", "CHMOD 644 f"},
    {"RETR caf\xc3\xa9\xff", "RETR", "caf\xc3\xa9\xff"},
    {std::string("RETR a\0b", 8), "RETR", std::string("a\0b", 3)},
};

const std::vector<std::string> kInvalid = {
    "", "   ", "ABCDE", "RETRX file", "1AB", "XSHA2560", "X1Y", "US\tER", "USER\tx", "1234", "RE-TR",
    std::string("\0USER", 5), "STOR\r", "\xc3\x89TOR x", "\xffUSER", " ", "USER\xff",
};

}  // namespace

BOOST_AUTO_TEST_SUITE(command)

BOOST_DATA_TEST_CASE(valid_lines_split_into_upper_case_verb_and_verbatim_arg, bdata::make(kValid),
                     c) {
    const auto cmd = parse_command(c.line);
    BOOST_TEST_REQUIRE(cmd.has_value());
    BOOST_TEST(cmd->verb == c.verb);
    BOOST_TEST(cmd->arg == c.arg);
}

BOOST_DATA_TEST_CASE(invalid_lines_give_no_command, bdata::make(kInvalid), line) {
    BOOST_TEST(!parse_command(line).has_value());
}

BOOST_AUTO_TEST_CASE(random_bytes_never_throw_and_verbs_stay_well_formed) {
    std::uint32_t state = 12345;
    auto next_byte = [&] {
        state = state * 1103515245u + 12345u;
        return static_cast<char>((state >> 16) & 0xff);
    };
    const std::string alphabet = "AbOR \r\n\t\xff\xf4\xf2 x";
    for (int round = 0; round < 20000; ++round) {
        std::string line;
        const int len = static_cast<unsigned char>(next_byte()) % 12;
        for (int i = 0; i < len; ++i) {
            const char b = next_byte();
            const auto pick = static_cast<unsigned char>(b) % alphabet.size();
            line.push_back(round % 2 ? b : alphabet[pick]);  // raw bytes, or likely tokens
        }
        std::optional<Command> cmd;
        BOOST_REQUIRE_NO_THROW(cmd = parse_command(strip_telnet(line)));
        if (!cmd) continue;
        BOOST_TEST_REQUIRE((cmd->verb.size() >= 1 && cmd->verb.size() <= 7));
        BOOST_TEST_REQUIRE((cmd->verb[0] >= 'A' && cmd->verb[0] <= 'Z'));
        for (char c : cmd->verb) BOOST_TEST_REQUIRE(((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')));
    }
}

BOOST_AUTO_TEST_CASE(telnet_ip_dm_before_abor_is_stripped) {
    const std::string urgent_abor = "\xff\xf4\xff\xf2" "ABOR";
    BOOST_TEST(strip_telnet(urgent_abor) == "ABOR");
    const auto cmd = parse_command(strip_telnet(urgent_abor));
    BOOST_TEST_REQUIRE(cmd.has_value());
    BOOST_TEST(cmd->verb == "ABOR");
}

BOOST_AUTO_TEST_CASE(telnet_ip_then_bare_dm_after_urgent_iac_is_stripped) {
    // Without SO_OOBINLINE the kernel removes the urgent IAC, leaving "IAC IP DM ABOR".
    BOOST_TEST(strip_telnet("\xff\xf4\xf2" "ABOR") == "ABOR");
}

struct TelnetCase {
    std::string in, out;
};
std::ostream& operator<<(std::ostream& os, const TelnetCase& c) {
    return os << c.in.size() << " bytes";
}

BOOST_DATA_TEST_CASE(telnet_sequences_are_removed_and_doubled_iac_kept_once,
                     bdata::make(std::vector<TelnetCase>{
                         {"NOOP", "NOOP"},
                         {"RETR a\xff\xff" "b", "RETR a\xff" "b"},
                         {"\xff\xfb\x01NOOP", "NOOP"},             // IAC WILL ECHO
                         {"\xff\xfe\x03NOOP", "NOOP"},             // IAC DONT SGA
                         {"NO\xff\xf1OP", "NOOP"},                 // IAC NOP inside
                         {"\xff\xf5\xff\xf2QUIT", "QUIT"},         // IAC AO IAC DM
                         {"PWD\xff", "PWD"},                       // lone IAC at the end
                         {"PWD\xff\xfd", "PWD"},                   // truncated IAC DO
                         {"\xff\xff\xff\xff", "\xff\xff"},
                         {"", ""},
                     }),
                     c) {
    BOOST_TEST(strip_telnet(c.in) == c.out);
}

BOOST_DATA_TEST_CASE(path_args_with_nul_cr_or_lf_are_unsafe,
                     bdata::make(std::vector<std::string>{std::string("a\0b", 3), "a\rb", "a\nb",
                                                          "\r\n", std::string(1, '\0')}),
                     arg) {
    BOOST_TEST(!is_safe_path_arg(arg));
}

BOOST_DATA_TEST_CASE(ordinary_path_args_are_safe,
                     bdata::make(std::vector<std::string>{"", "a b", "../x", "caf\xc3\xa9",
                                                          "\xff\xfe", "a\tb"}),
                     arg) {
    BOOST_TEST(is_safe_path_arg(arg));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(command_upper)

BOOST_AUTO_TEST_CASE(to_upper_ascii_changes_letters_only) {
    BOOST_TEST(ftpd::protocol::to_upper_ascii("utf8 on") == "UTF8 ON");
    BOOST_TEST(ftpd::protocol::to_upper_ascii("a n") == "A N");
    BOOST_TEST(ftpd::protocol::to_upper_ascii("\xc3\xa9z") == "\xc3\xa9Z");  // non-ASCII kept
}

BOOST_AUTO_TEST_SUITE_END()
