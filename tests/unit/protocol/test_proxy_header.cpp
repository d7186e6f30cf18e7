// Unit tests for worker/protocol/proxy_header: PROXY protocol v1 and v2 as HAProxy sends
// them, the limits, and exactly how many bytes a header takes.
#include "worker/protocol/proxy_header.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
using namespace ftpd::protocol;
using Status = ProxyHeader::Status;

namespace ftpd::protocol {
std::ostream& operator<<(std::ostream& os, const ProxyAddresses& a) {
    return os << "v" << a.family << " " << a.source_host << ":" << a.source_port << " -> " << a.destination_host
              << ":" << a.destination_port;
}
}  // namespace ftpd::protocol

namespace {

const std::string kSig("\r\n\r\n\0\r\nQUIT\n", 12);

std::string bytes(std::initializer_list<int> list) {
    std::string s;
    for (int b : list) s += static_cast<char>(b);
    return s;
}

// A v2 header: signature, ver_cmd, fam, then `body` with its length.
std::string v2(int ver_cmd, int fam, const std::string& body) {
    return kSig + static_cast<char>(ver_cmd) + static_cast<char>(fam) + static_cast<char>(body.size() >> 8) +
           static_cast<char>(body.size() & 0xff) + body;
}

const std::string kV4Body = bytes({198, 51, 100, 9, 127, 0, 0, 1, 0xc3, 0x50, 0x08, 0x49});  // :50000 -> :2121

struct V1Case {
    std::string line;
    ProxyAddresses expected;
};
std::ostream& operator<<(std::ostream& os, const V1Case& c) { return os << c.line; }

struct BadCase {
    std::string input;
    const char* why;
};
std::ostream& operator<<(std::ostream& os, const BadCase& c) { return os << c.why; }

}  // namespace

BOOST_AUTO_TEST_SUITE(proxy_header)

BOOST_DATA_TEST_CASE(valid_v1_lines_parse,
                     bdata::make(std::vector<V1Case>{
                         {"PROXY TCP4 203.0.113.7 127.0.0.1 40000 2121\r\n",
                          {4, "203.0.113.7", 40000, "127.0.0.1", 2121}},
                         {"PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n",
                          {4, "0.0.0.0", 0, "255.255.255.255", 65535}},
                         {"PROXY TCP6 2001:db8::5 ::1 1 21\r\n", {6, "2001:db8::5", 1, "::1", 21}},
                         {"PROXY TCP6 2001:0DB8:0:0:0:0:0:5 ::1 1 21\r\n", {6, "2001:db8::5", 1, "::1", 21}},
                         {"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                          "65535 65535\r\n",
                          {6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                           65535}},
                     }),
                     c) {
    auto h = parse_proxy_header(c.line + "USER anonymous\r\n");
    BOOST_TEST_REQUIRE(int(h.status) == int(Status::complete), h.error);
    BOOST_TEST(h.version == 1);
    BOOST_TEST(h.length == c.line.size());
    BOOST_REQUIRE(h.addresses);
    BOOST_TEST(*h.addresses == c.expected);
}

BOOST_AUTO_TEST_CASE(the_longest_v1_line_is_107_bytes_and_accepted) {
    // The spec's worst case: UNKNOWN followed by two full IPv6 addresses and ports.
    std::string line =
        "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
    BOOST_TEST(line.size() == kProxyV1MaxLength);
    auto h = parse_proxy_header(line);
    BOOST_TEST(int(h.status) == int(Status::complete));
    BOOST_TEST(h.length == kProxyV1MaxLength);
}

BOOST_AUTO_TEST_CASE(v1_unknown_uses_the_real_connection_and_ignores_the_rest) {
    for (std::string line : {"PROXY UNKNOWN\r\n", "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n"}) {
        auto h = parse_proxy_header(line + "rest");
        BOOST_TEST_REQUIRE(int(h.status) == int(Status::complete), line);
        BOOST_TEST(h.length == line.size());
        BOOST_TEST(!h.addresses);
    }
}

BOOST_DATA_TEST_CASE(malformed_v1_lines_are_invalid,
                     bdata::make(std::vector<BadCase>{
                         {"PROXY TCP4 203.0.113.7 127.0.0.1 40000 2121\n", "bare LF"},
                         {"PROXY TCP4 203.0.113.7 127.0.0.1 40000 2121\rX", "CR without LF"},
                         {"PROXY TCP5 203.0.113.7 127.0.0.1 40000 2121\r\n", "unknown protocol"},
                         {"PROXY tcp4 203.0.113.7 127.0.0.1 40000 2121\r\n", "lower case protocol"},
                         {"PROXY TCP4 203.0.113.7 127.0.0.1 40000\r\n", "too few fields"},
                         {"PROXY TCP4 203.0.113.7 127.0.0.1 40000 2121 9\r\n", "too many fields"},
                         {"PROXY TCP4 203.0.113.7 127.0.0.1 40000 2121 \r\n", "trailing blank"},
                         {"PROXY TCP4  203.0.113.7 127.0.0.1 40000 2121\r\n", "double blank"},
                         {"PROXY TCP4 203.0.113.700 127.0.0.1 40000 2121\r\n", "octet over 255"},
                         {"PROXY TCP4 2001:db8::5 127.0.0.1 40000 2121\r\n", "IPv6 address under TCP4"},
                         {"PROXY TCP6 203.0.113.7 ::1 40000 2121\r\n", "IPv4 address under TCP6"},
                         {"PROXY TCP4 example.com 127.0.0.1 40000 2121\r\n", "host name"},
                         {"PROXY TCP4 203.0.113.7 127.0.0.1 65536 2121\r\n", "port over 65535"},
                         {"PROXY TCP4 203.0.113.7 127.0.0.1 040000 2121\r\n", "port with a leading zero"},
                         {"PROXY TCP4 203.0.113.7 127.0.0.1 -1 2121\r\n", "negative port"},
                         {"PROXY TCP4 203.0.113.7 127.0.0.1 +1 2121\r\n", "port with a sign"},
                         {"PROXY UNKNOWNX\r\n", "UNKNOWN glued to more"},
                         {"PROXY \r\n", "nothing after PROXY"},
                         {"proxy TCP4 203.0.113.7 127.0.0.1 40000 2121\r\n", "lower case PROXY"},
                         {"PROXYTCP4 203.0.113.7 127.0.0.1 40000 2121\r\n", "no blank after PROXY"},
                         {"USER anonymous\r\n", "an FTP command"},
                         {"\x16\x03\x01\x02\x00\x01", "a TLS ClientHello"},
                         {std::string("PROXY TCP4 203.0.113.7\0 127.0.0.1 40000 2121\r\n", 46), "NUL in an address"},
                         {"PROXY UNKNOWN " + std::string(100, 'x') + "\r\n", "UNKNOWN line over 107 bytes"},
                     }),
                     c) {
    auto h = parse_proxy_header(c.input);
    BOOST_TEST(int(h.status) == int(Status::invalid), c.why);
    BOOST_TEST(!h.error.empty());
}

BOOST_AUTO_TEST_CASE(a_v1_line_without_crlf_in_107_bytes_is_invalid_at_107) {
    std::string line = "PROXY UNKNOWN " + std::string(200, 'x');
    BOOST_TEST(int(parse_proxy_header(line.substr(0, 106)).status) == int(Status::incomplete));
    BOOST_TEST(int(parse_proxy_header(line.substr(0, 107)).status) == int(Status::invalid));
    // A CR as the 107th byte leaves no room for the LF.
    BOOST_TEST(int(parse_proxy_header(line.substr(0, 106) + "\r").status) == int(Status::invalid));
    BOOST_TEST(int(parse_proxy_header(line.substr(0, 105) + "\r").status) == int(Status::incomplete));
    BOOST_TEST(int(parse_proxy_header(line.substr(0, 105) + "\r\n").status) == int(Status::complete));
}

BOOST_AUTO_TEST_CASE(every_prefix_of_a_header_is_incomplete_and_decided_early) {
    for (std::string header : {std::string("PROXY TCP4 203.0.113.7 127.0.0.1 40000 2121\r\n"), v2(0x21, 0x11, kV4Body)}) {
        for (std::size_t n = 0; n < header.size(); ++n) {
            auto h = parse_proxy_header(header.substr(0, n));
            BOOST_TEST(int(h.status) == int(Status::incomplete), "prefix of " << n << " bytes");
        }
    }
    // A first byte that starts neither version is refused at once.
    BOOST_TEST(int(parse_proxy_header("U").status) == int(Status::invalid));
    BOOST_TEST(int(parse_proxy_header("PROXX").status) == int(Status::invalid));
    BOOST_TEST(int(parse_proxy_header("\r\n\r\n\x01").status) == int(Status::invalid));
}

BOOST_AUTO_TEST_CASE(v2_ipv4_proxy_parses_and_takes_exactly_its_bytes) {
    auto header = v2(0x21, 0x11, kV4Body);
    auto h = parse_proxy_header(header + "\x16\x03\x01");  // a TLS ClientHello may follow
    BOOST_TEST_REQUIRE(int(h.status) == int(Status::complete), h.error);
    BOOST_TEST(h.version == 2);
    BOOST_TEST(h.length == 28u);
    BOOST_REQUIRE(h.addresses);
    BOOST_TEST(*h.addresses == (ProxyAddresses{4, "198.51.100.9", 50000, "127.0.0.1", 2121}));
}

BOOST_AUTO_TEST_CASE(v2_ipv6_proxy_parses) {
    std::string body = bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5,  // 2001:db8::5
                              0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,              // ::1
                              0x9c, 0x40, 0, 21});
    auto h = parse_proxy_header(v2(0x21, 0x21, body));
    BOOST_TEST_REQUIRE(int(h.status) == int(Status::complete), h.error);
    BOOST_TEST(h.length == 52u);
    BOOST_REQUIRE(h.addresses);
    BOOST_TEST(*h.addresses == (ProxyAddresses{6, "2001:db8::5", 40000, "::1", 21}));
}

BOOST_AUTO_TEST_CASE(v2_tlvs_after_the_addresses_are_skipped) {
    // PP2_TYPE_ALPN "ftp" and PP2_TYPE_NOOP with 4 bytes.
    std::string tlvs = bytes({0x01, 0x00, 0x03, 'f', 't', 'p', 0x04, 0x00, 0x04, 0, 0, 0, 0});
    auto header = v2(0x21, 0x11, kV4Body + tlvs);
    auto h = parse_proxy_header(header + "USER x\r\n");
    BOOST_TEST_REQUIRE(int(h.status) == int(Status::complete), h.error);
    BOOST_TEST(h.length == header.size());
    BOOST_TEST(h.addresses->source_host == "198.51.100.9");
}

BOOST_AUTO_TEST_CASE(v2_local_and_unspec_use_the_real_connection) {
    // LOCAL (a health check): the family and any address block are ignored.
    for (auto header : {v2(0x20, 0x00, ""), v2(0x20, 0x11, kV4Body), v2(0x21, 0x00, ""), v2(0x21, 0x10, kV4Body),
                        v2(0x21, 0x31, std::string(216, '\0'))}) {
        auto h = parse_proxy_header(header);
        BOOST_TEST_REQUIRE(int(h.status) == int(Status::complete), h.error);
        BOOST_TEST(h.length == header.size());
        BOOST_TEST(!h.addresses);
    }
}

BOOST_DATA_TEST_CASE(malformed_v2_headers_are_invalid,
                     bdata::make(std::vector<BadCase>{
                         {v2(0x11, 0x11, kV4Body), "version 1 in a v2 header"},
                         {v2(0x31, 0x11, kV4Body), "version 3"},
                         {v2(0x22, 0x11, kV4Body), "command 2"},
                         {v2(0x21, 0x41, kV4Body), "family 4"},
                         {v2(0x21, 0x13, kV4Body), "transport 3"},
                         {v2(0x21, 0x12, kV4Body), "datagram"},
                         {v2(0x21, 0x11, kV4Body.substr(0, 11)), "short IPv4 block"},
                         {v2(0x21, 0x21, kV4Body), "IPv6 with an IPv4-sized block"},
                         {"\r\n\r\n\0\r\nQUIT\r" + std::string(20, '\0'), "bad signature end"},
                         {std::string("\r\n\r\n\x01", 5), "bad signature start"},
                     }),
                     c) {
    auto h = parse_proxy_header(c.input);
    BOOST_TEST(int(h.status) == int(Status::invalid), c.why);
    BOOST_TEST(!h.error.empty());
}

BOOST_AUTO_TEST_CASE(a_truncated_v2_header_is_incomplete_until_its_length_arrives) {
    auto header = v2(0x21, 0x11, kV4Body + std::string(300, '\0'));  // with a long TLV area
    BOOST_TEST(int(parse_proxy_header(header.substr(0, 15)).status) == int(Status::incomplete));
    BOOST_TEST(int(parse_proxy_header(header.substr(0, 16)).status) == int(Status::incomplete));
    BOOST_TEST(int(parse_proxy_header(header.substr(0, header.size() - 1)).status) == int(Status::incomplete));
    auto h = parse_proxy_header(header);
    BOOST_TEST(int(h.status) == int(Status::complete));
    BOOST_TEST(h.length == header.size());
}

BOOST_AUTO_TEST_CASE(formatters_round_trip) {
    for (auto a : {ProxyAddresses{4, "203.0.113.7", 40000, "127.0.0.1", 2121},
                   ProxyAddresses{6, "2001:db8::5", 1, "::1", 65535}}) {
        for (auto text : {format_proxy_v1(a), format_proxy_v2(a)}) {
            auto h = parse_proxy_header(text);
            BOOST_TEST_REQUIRE(int(h.status) == int(Status::complete), h.error);
            BOOST_TEST(h.length == text.size());
            BOOST_TEST(*h.addresses == a);
        }
    }
    BOOST_CHECK_THROW(format_proxy_v1({4, "2001:db8::5", 1, "127.0.0.1", 2}), std::invalid_argument);
    BOOST_CHECK_THROW(format_proxy_v2({6, "example.com", 1, "::1", 2}), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
