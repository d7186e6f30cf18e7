// Unit tests for worker/protocol/address: PORT/PASV, EPRT/EPSV and pasv_ports.
#include "worker/protocol/address.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
using namespace ftpd::protocol;

namespace ftpd::protocol {
std::ostream& operator<<(std::ostream& os, const HostPort& hp) {
    return os << hp.host << " port " << hp.port << " v" << hp.family;
}
}  // namespace ftpd::protocol

namespace {

struct AddressCase {
    std::string text;
    HostPort expected;
};
std::ostream& operator<<(std::ostream& os, const AddressCase& c) {
    return os << '"' << c.text << '"';
}

}  // namespace

BOOST_AUTO_TEST_SUITE(address)

BOOST_DATA_TEST_CASE(valid_port_args_parse,
                     bdata::make(std::vector<AddressCase>{
                         {"127,0,0,1,4,1", {"127.0.0.1", 1025, 4}},
                         {" 10 , 0,0,1, 0 ,21 ", {"10.0.0.1", 21, 4}},
                         {"0,0,0,0,0,0", {"0.0.0.0", 0, 4}},
                         {"255,255,255,255,255,255", {"255.255.255.255", 65535, 4}},
                         {"192,168,001,2,19,137", {"192.168.1.2", 5001, 4}},
                     }),
                     c) {
    const auto hp = parse_port_arg(c.text);
    BOOST_TEST_REQUIRE(hp.has_value());
    BOOST_TEST(*hp == c.expected);
}

BOOST_DATA_TEST_CASE(invalid_port_args_are_refused,
                     bdata::make(std::vector<std::string>{
                         "", "1,2,3,4,5", "1,2,3,4,5,6,7", "256,0,0,1,0,21", "1,2,3,4,5,-6",
                         "a,b,c,d,e,f", "1,,3,4,5,6", "1.2.3.4,5,6", "1,2,3,4,5,6,", "+1,2,3,4,5,6",
                         "1 2,3,4,5,6,7", "1,2,3,4,5,99999999999999999999", "(1,2,3,4,5,6)"}),
                     arg) {
    BOOST_TEST(!parse_port_arg(arg).has_value());
}

BOOST_DATA_TEST_CASE(port_arg_round_trips,
                     bdata::make(std::vector<HostPort>{{"127.0.0.1", 1025, 4},
                                                       {"10.1.2.3", 65535, 4},
                                                       {"192.168.0.10", 20, 4}}),
                     hp) {
    const auto back = parse_port_arg(format_port_arg(hp));
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(*back == hp);
}

BOOST_AUTO_TEST_CASE(port_arg_of_ipv6_throws_but_mapped_ipv4_is_plain_ipv4) {
    BOOST_TEST(format_port_arg({"127.0.0.1", 1025, 4}) == "127,0,0,1,4,1");
    BOOST_TEST(format_port_arg({"::ffff:127.0.0.1", 1025, 6}) == "127,0,0,1,4,1");
    BOOST_CHECK_THROW(format_port_arg({"::1", 21, 6}), std::invalid_argument);
    BOOST_CHECK_THROW(format_port_arg({"not-an-ip", 21, 4}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(pasv_reply_text_shows_six_numbers_in_parentheses) {
    BOOST_TEST(format_pasv_reply_text({"192.168.1.2", 1025, 4}) ==
               "Entering Passive Mode (192,168,1,2,4,1).");
    BOOST_TEST(format_pasv_reply_text({"::ffff:10.0.0.7", 50000, 6}) ==
               "Entering Passive Mode (10,0,0,7,195,80).");
    BOOST_CHECK_THROW(format_pasv_reply_text({"2001:db8::1", 21, 6}), std::invalid_argument);
}

BOOST_DATA_TEST_CASE(pasv_reply_numbers_are_found_anywhere_in_the_text,
                     bdata::make(std::vector<AddressCase>{
                         {"Entering Passive Mode (192,168,1,2,4,1).", {"192.168.1.2", 1025, 4}},
                         {"Entering Passive Mode 192,168,1,2,4,1", {"192.168.1.2", 1025, 4}},
                         {"=10,0,0,1,0,21", {"10.0.0.1", 21, 4}},
                         {"Passive (10, 0, 0, 1, 0, 21)", {"10.0.0.1", 21, 4}},
                         {"Mode 2 (127,0,0,1,200,10)", {"127.0.0.1", 51210, 4}},
                     }),
                     c) {
    const auto hp = parse_pasv_reply(c.text);
    BOOST_TEST_REQUIRE(hp.has_value());
    BOOST_TEST(*hp == c.expected);
}

BOOST_DATA_TEST_CASE(pasv_reply_without_six_numbers_gives_nothing,
                     bdata::make(std::vector<std::string>{"Entering Passive Mode", "(1,2,3,4,5)",
                                                          "(256,1,1,1,1,1000)", "", "1,2,3,4,5,"}),
                     text) {
    BOOST_TEST(!parse_pasv_reply(text).has_value());
}

BOOST_DATA_TEST_CASE(pasv_reply_round_trips,
                     bdata::make(std::vector<HostPort>{
                         {"127.0.0.1", 1025, 4}, {"8.8.4.4", 65535, 4}, {"0.0.0.0", 1, 4}}),
                     hp) {
    const auto back = parse_pasv_reply(format_pasv_reply_text(hp));
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(*back == hp);
}

BOOST_DATA_TEST_CASE(valid_eprt_args_parse_with_canonical_host,
                     bdata::make(std::vector<AddressCase>{
                         {"|1|132.235.1.2|6275|", {"132.235.1.2", 6275, 4}},
                         {"|2|1080::8:800:200C:417A|5282|", {"1080::8:800:200c:417a", 5282, 6}},
                         {"!1!10.0.0.1!21!", {"10.0.0.1", 21, 4}},
                         {"|2|::1|65535|", {"::1", 65535, 6}},
                         {"~2~0:0:0:0:0:0:0:1~1~", {"::1", 1, 6}},
                     }),
                     c) {
    const auto hp = parse_eprt_arg(c.text);
    BOOST_TEST_REQUIRE(hp.has_value());
    BOOST_TEST(*hp == c.expected);
}

BOOST_DATA_TEST_CASE(invalid_eprt_args_are_refused,
                     bdata::make(std::vector<std::string>{
                         "", "|", "||", "||||", "|1|132.235.1.2|6275", "|3|1.2.3.4|21|",
                         "|1|::1|21|", "|2|1.2.3.4|21|", "|1|1.2.3.4|0|", "|1|1.2.3.4|65536|",
                         "|1|1.2.3.4|21|x|", " 1 1.2.3.4 21 ", "|1|1.2.3.4| 21|",
                         "|1|host.example|21|", "|1|1.2.3.4|-1|", "|1|1.2.3.4|21!",
                         "\x7f" "1\x7f" "1.2.3.4\x7f" "21\x7f", "|01|1.2.3.4|21|"}),
                     arg) {
    BOOST_TEST(!parse_eprt_arg(arg).has_value());
}

BOOST_DATA_TEST_CASE(eprt_arg_round_trips,
                     bdata::make(std::vector<HostPort>{{"132.235.1.2", 6275, 4},
                                                       {"2001:db8::7", 40000, 6},
                                                       {"::ffff:1.2.3.4", 2121, 6}}),
                     hp) {
    const std::string arg = format_eprt_arg(hp);
    BOOST_TEST(arg.front() == '|');
    const auto back = parse_eprt_arg(arg);
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(*back == hp);
}

BOOST_AUTO_TEST_CASE(eprt_arg_names_family_from_the_address) {
    BOOST_TEST(format_eprt_arg({"10.0.0.1", 21, 4}) == "|1|10.0.0.1|21|");
    BOOST_TEST(format_eprt_arg({"::1", 21, 6}) == "|2|::1|21|");
    BOOST_CHECK_THROW(format_eprt_arg({"example.com", 21, 4}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(epsv_reply_has_port_in_pipes) {
    BOOST_TEST(format_epsv_reply_text(6446) == "Entering Extended Passive Mode (|||6446|)");
}

BOOST_DATA_TEST_CASE(epsv_reply_round_trips, bdata::make(std::vector<int>{1, 21, 6446, 65535}),
                     port) {
    const auto back = parse_epsv_reply(format_epsv_reply_text(static_cast<std::uint16_t>(port)));
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(*back == port);
}

BOOST_AUTO_TEST_CASE(epsv_reply_accepts_other_delimiters_and_no_parentheses) {
    BOOST_TEST(parse_epsv_reply("Entering Extended Passive Mode (!!!6446!)").value_or(0) == 6446);
    BOOST_TEST(parse_epsv_reply("ok |||2121|").value_or(0) == 2121);
}

BOOST_DATA_TEST_CASE(epsv_reply_without_valid_port_gives_nothing,
                     bdata::make(std::vector<std::string>{"(|||0|)", "(|||65536|)", "(||6446|)",
                                                          "no port", "(|||6446)", "(|||a|)", ""}),
                     text) {
    BOOST_TEST(!parse_epsv_reply(text).has_value());
}

struct EpsvCase {
    std::string arg;
    EpsvArg expected;
};
std::ostream& operator<<(std::ostream& os, const EpsvCase& c) { return os << '"' << c.arg << '"'; }

BOOST_DATA_TEST_CASE(epsv_args_parse,
                     bdata::make(std::vector<EpsvCase>{
                         {"", {EpsvArg::Kind::any, 0}},
                         {"ALL", {EpsvArg::Kind::all, 0}},
                         {"all", {EpsvArg::Kind::all, 0}},
                         {" All ", {EpsvArg::Kind::all, 0}},
                         {"1", {EpsvArg::Kind::family, 4}},
                         {"2", {EpsvArg::Kind::family, 6}},
                     }),
                     c) {
    const auto parsed = parse_epsv_arg(c.arg);
    BOOST_TEST_REQUIRE(parsed.has_value());
    BOOST_TEST((*parsed == c.expected));
}

BOOST_DATA_TEST_CASE(invalid_epsv_args_are_refused,
                     bdata::make(std::vector<std::string>{"3", "0", "ALLL", "AL", "12", "|1|",
                                                          "x"}),
                     arg) {
    BOOST_TEST(!parse_epsv_arg(arg).has_value());
}

struct RangeCase {
    std::string text;
    unsigned low, high;
};
std::ostream& operator<<(std::ostream& os, const RangeCase& c) {
    return os << '"' << c.text << '"';
}

BOOST_DATA_TEST_CASE(valid_port_ranges_parse,
                     bdata::make(std::vector<RangeCase>{{"0", 0, 0},
                                                        {"1024-65535", 1024, 65535},
                                                        {"50000-50100", 50000, 50100},
                                                        {" 40000 - 40000 ", 40000, 40000}}),
                     c) {
    const auto range = parse_port_range(c.text);
    BOOST_TEST_REQUIRE(range.has_value());
    BOOST_TEST(range->first == c.low);
    BOOST_TEST(range->second == c.high);
}

BOOST_DATA_TEST_CASE(invalid_port_ranges_are_refused,
                     bdata::make(std::vector<std::string>{"", "1023-2000", "2000-1999",
                                                          "1024-65536", "1024", "a-b",
                                                          "1024-2000-3000", "-1024", "00",
                                                          "1024--2000"}),
                     text) {
    BOOST_TEST(!parse_port_range(text).has_value());
}

BOOST_AUTO_TEST_CASE(canonical_host_unmaps_ipv4_and_normalises_ipv6) {
    BOOST_TEST(canonical_host("127.0.0.1").value_or("") == "127.0.0.1");
    BOOST_TEST(canonical_host("::ffff:127.0.0.1").value_or("") == "127.0.0.1");
    BOOST_TEST(canonical_host("0:0:0:0:0:0:0:1").value_or("") == "::1");
    BOOST_TEST(canonical_host("2001:DB8::1").value_or("") == "2001:db8::1");
    BOOST_TEST(!canonical_host("localhost").has_value());
    BOOST_TEST(!canonical_host("").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(address_nul)

// inet_pton reads a C string: a host with an embedded NUL must not parse as its prefix.
BOOST_AUTO_TEST_CASE(eprt_host_with_embedded_nul_is_refused) {
    using namespace std::string_literals;
    BOOST_TEST(!ftpd::protocol::parse_eprt_arg("|1|127.0.0.1\0garbage|2121|"s).has_value());
    BOOST_TEST(!ftpd::protocol::canonical_host("127.0.0.1\0x"s).has_value());
    BOOST_TEST(ftpd::protocol::parse_eprt_arg("|1|127.0.0.1|2121|").has_value());
    // The formatters refuse such a host too (found by fuzz_address).
    ftpd::protocol::HostPort hp{"::\0P3"s, 21, 6};
    BOOST_CHECK_THROW(ftpd::protocol::format_eprt_arg(hp), std::invalid_argument);
    hp = {"127.0.0.1\0x"s, 2121, 4};
    BOOST_CHECK_THROW(ftpd::protocol::format_port_arg(hp), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
