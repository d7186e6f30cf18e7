// Unit tests of size and rate text (worker/protocol/size_text.hpp): every suffix, the
// overflow edge, malformed text, and format_size() reading back exactly.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "worker/protocol/size_text.hpp"

using namespace ftpd::protocol;
namespace bdata = boost::unit_test::data;

namespace {

struct Good {
    std::string text;
    std::uint64_t bytes;
};
std::ostream& operator<<(std::ostream& os, const Good& g) { return os << g.text; }

const std::vector<Good> kGood = {
    {"0", 0}, {"512", 512}, {"1K", 1024}, {"512k", 524288}, {"4M", 4194304}, {"4m", 4194304},
    {"1G", 1073741824}, {"10GiB", 10737418240ull}, {"2T", 2199023255552ull}, {"100B", 100},
    {"3KB", 3072}, {"16777215T", 16777215ull << 40},
};

const std::vector<std::string> kBad = {
    "", " 4M", "4M ", "-1", "+1", "1.5G", "4X", "4MM", "K", "4 M", "4iB", "0x10", "16777216T",
    "18446744073709551616",
};

}  // namespace

BOOST_AUTO_TEST_SUITE(size_text)

BOOST_DATA_TEST_CASE(parse_size_reads_suffixes, bdata::make(kGood), g) {
    auto n = parse_size(g.text);
    BOOST_REQUIRE(n.has_value());
    BOOST_TEST(*n == g.bytes);
}

BOOST_DATA_TEST_CASE(parse_size_refuses_malformed_text, bdata::make(kBad), text) {
    BOOST_TEST(!parse_size(text).has_value(), "'" << text << "' was accepted");
}

BOOST_AUTO_TEST_CASE(format_size_reads_back_exactly) {
    for (std::uint64_t n : {0ull, 1ull, 1023ull, 1024ull, 1536ull, 4194304ull, 10737418240ull, 1ull << 50,
                            18446744073709551615ull}) {
        auto back = parse_size(format_size(n));
        BOOST_REQUIRE(back.has_value());
        BOOST_TEST(*back == n);
    }
    BOOST_TEST(format_size(4194304) == "4M");
    BOOST_TEST(format_size(1536) == "1536");
    BOOST_TEST(format_size(1ull << 50) == "1024T");
}

BOOST_AUTO_TEST_CASE(human_size_rounds_to_one_decimal) {
    BOOST_TEST(human_size(10) == "10 B");
    BOOST_TEST(human_size(1536) == "1.5 KiB");
    BOOST_TEST(human_size(1048576) == "1.0 MiB");
}

BOOST_AUTO_TEST_SUITE_END()
