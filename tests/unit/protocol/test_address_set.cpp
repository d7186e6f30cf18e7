// Unit tests for worker/protocol/address_set: the proxy_trusted list.
#include "worker/protocol/address_set.hpp"

#include <boost/test/unit_test.hpp>

#include <stdexcept>

using ftpd::protocol::AddressSet;

BOOST_AUTO_TEST_SUITE(address_set)

BOOST_AUTO_TEST_CASE(hosts_and_prefixes_match_bit_by_bit) {
    auto set = AddressSet::parse("127.0.0.1, 10.0.0.0/8 192.168.1.128/25,2001:db8::/32 ::1");
    BOOST_TEST(set.contains("127.0.0.1"));
    BOOST_TEST(!set.contains("127.0.0.5"));
    BOOST_TEST(set.contains("10.255.1.2"));
    BOOST_TEST(!set.contains("11.0.0.1"));
    BOOST_TEST(set.contains("192.168.1.200"));
    BOOST_TEST(!set.contains("192.168.1.127"));
    BOOST_TEST(set.contains("2001:db8:ffff::1"));
    BOOST_TEST(!set.contains("2001:db9::1"));
    BOOST_TEST(set.contains("::1"));
    BOOST_TEST(!set.contains("::2"));
    BOOST_TEST(set.contains("::ffff:127.0.0.1"));  // IPv4-mapped counts as IPv4
    BOOST_TEST(!set.contains("localhost"));
    BOOST_TEST(!set.contains(""));
}

BOOST_AUTO_TEST_CASE(zero_prefix_matches_its_whole_family_only) {
    auto set = AddressSet::parse("0.0.0.0/0");
    BOOST_TEST(set.contains("203.0.113.7"));
    BOOST_TEST(!set.contains("2001:db8::1"));
}

BOOST_AUTO_TEST_CASE(host_bits_beyond_the_prefix_are_ignored) {
    auto set = AddressSet::parse("10.1.2.3/8");
    BOOST_TEST(set.contains("10.200.0.1"));
    BOOST_TEST(set.to_string() == "10.1.2.3/8");
}

BOOST_AUTO_TEST_CASE(empty_text_is_an_empty_set) {
    BOOST_TEST(AddressSet::parse("").empty());
    BOOST_TEST(AddressSet::parse(" , ").empty());
    BOOST_TEST(!AddressSet::parse("").contains("127.0.0.1"));
}

BOOST_AUTO_TEST_CASE(bad_entries_throw_naming_them) {
    for (const char* bad : {"localhost", "10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-1",
                            "1.2.3", "10.0.0.0/8/8"}) {
        try {
            AddressSet::parse(std::string("127.0.0.1, ") + bad);
            BOOST_ERROR("accepted " << bad);
        } catch (const std::invalid_argument& e) {
            BOOST_TEST(std::string(e.what()).find(bad) != std::string::npos, e.what());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
