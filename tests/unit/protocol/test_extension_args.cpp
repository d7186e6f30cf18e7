// Unit tests of the MFMT, SITE UTIME, HASH, RANG and legacy-hash argument parsers
// (worker/protocol/extension_args.hpp): every form clients send, and every malformed one
// gives nullopt (the server's 501).
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "worker/protocol/extension_args.hpp"

using namespace ftpd::protocol;
namespace bdata = boost::unit_test::data;

namespace {

constexpr std::int64_t k2020 = 1'600'000'000;  // 2020-09-13 12:26:40 UTC

const std::vector<std::string> kBadMfmt = {
    "", "20200913122640", "20200913122640 ", "2020091312264 f", "20201313122640 f", "20200931122640 f",
    "20200913122640.f x", "20200913122640. x", "20200913122640.1234567890 x", "x 20200913122640",
    "-0200913122640 f", "20200913246060 f",
};

const std::vector<std::string> kBadUtime = {
    "", "file", "20200913122640", "file notatime", "a b c UTC path", "file 2020 2020 2020 UTC",
    "file 20200913122640 20200913122640 UTC",
};

const std::vector<std::string> kBadRang = {"", "1", "1 2 3", "a 2", "5 4", "-1 3", "1 x", "1 2x"};

const std::vector<std::string> kBadLegacy = {"", "\"\"", "\"unterminated 0 5", "\"f\" x", "\"f\" 1 2 3",
                                             "f 10 5", "\"f\" 10 5"};

}  // namespace

BOOST_AUTO_TEST_SUITE(extension_args)

BOOST_AUTO_TEST_CASE(timestamps_keep_their_fraction) {
    auto t = parse_timestamp("20200913122640.5");
    BOOST_REQUIRE(t);
    BOOST_TEST(t->seconds == k2020);
    BOOST_TEST(t->nanoseconds == 500'000'000u);
    BOOST_TEST(parse_timestamp("20200913122640.123456789")->nanoseconds == 123'456'789u);
    BOOST_TEST(format_timestamp({k2020, 0}) == "20200913122640");
    BOOST_TEST(format_timestamp({k2020, 123'456'789}) == "20200913122640.123");
    BOOST_TEST(format_timestamp({k2020, 999'999}) == "20200913122640");  // under a millisecond
}

BOOST_AUTO_TEST_CASE(mfmt_takes_a_time_and_a_path_with_blanks) {
    auto m = parse_mfmt("20200913122640.250 dir/my file.txt");
    BOOST_REQUIRE(m);
    BOOST_TEST(m->modify.seconds == k2020);
    BOOST_TEST(m->modify.nanoseconds == 250'000'000u);
    BOOST_TEST(!m->access);
    BOOST_TEST(m->path == "dir/my file.txt");
}

BOOST_DATA_TEST_CASE(malformed_mfmt_is_501, bdata::make(kBadMfmt), arg) { BOOST_TEST(!parse_mfmt(arg)); }

BOOST_AUTO_TEST_CASE(site_utime_in_every_form_clients_send) {
    auto ncftp = parse_site_utime("my file 20200913122640");
    BOOST_REQUIRE(ncftp);
    BOOST_TEST(ncftp->path == "my file");
    BOOST_TEST(ncftp->modify.seconds == k2020);
    auto proftpd = parse_site_utime("202009131226 dir/f");
    BOOST_REQUIRE(proftpd);
    BOOST_TEST(proftpd->path == "dir/f");
    BOOST_TEST(proftpd->modify.seconds == k2020 - 40);
    auto lftp = parse_site_utime("a b.txt 20200101000000 20200913122640 20200913122640 UTC");
    BOOST_REQUIRE(lftp);
    BOOST_TEST(lftp->path == "a b.txt");
    BOOST_TEST(lftp->modify.seconds == k2020);
    BOOST_REQUIRE(lftp->access);
    BOOST_TEST(lftp->access->seconds == 1'577'836'800);
    auto five = parse_site_utime("20200101000000 20200913122640.5 20200913122640 utc x y");
    BOOST_REQUIRE(five);
    BOOST_TEST(five->path == "x y");
    BOOST_TEST(five->modify.nanoseconds == 500'000'000u);
}

BOOST_DATA_TEST_CASE(malformed_site_utime_is_501, bdata::make(kBadUtime), arg) {
    BOOST_TEST(!parse_site_utime(arg));
}

BOOST_AUTO_TEST_CASE(hash_names_and_feat) {
    BOOST_TEST((parse_hash_name("sha-256") == HashAlgorithm::sha256));
    BOOST_TEST((parse_hash_name("CRC32") == HashAlgorithm::crc32));
    BOOST_TEST(!parse_hash_name("SHA256"));
    BOOST_TEST(!parse_hash_name(""));
    BOOST_TEST(hash_feat_text(HashAlgorithm::sha1) == "HASH SHA-256;SHA-512;SHA-1*;MD5;CRC32");
    BOOST_TEST((legacy_hash_algorithm("XSHA256") == HashAlgorithm::sha256));
    BOOST_TEST((legacy_hash_algorithm("XCRC") == HashAlgorithm::crc32));
    BOOST_TEST(!legacy_hash_algorithm("HASH"));
}

BOOST_AUTO_TEST_CASE(rang_gives_an_inclusive_range_or_the_reset) {
    auto r = parse_rang("10 20");
    BOOST_REQUIRE(r);
    BOOST_TEST(r->start == 10u);
    BOOST_TEST(r->end == 20u);
    BOOST_TEST(!r->reset);
    BOOST_TEST(parse_rang("1 0")->reset);
    BOOST_TEST(parse_rang("0 0")->end == 0u);  // the first byte
}

BOOST_DATA_TEST_CASE(malformed_rang_is_501, bdata::make(kBadRang), arg) { BOOST_TEST(!parse_rang(arg)); }

BOOST_AUTO_TEST_CASE(legacy_hash_arguments) {
    auto plain = parse_legacy_hash("dir/file.iso");
    BOOST_REQUIRE(plain);
    BOOST_TEST(plain->path == "dir/file.iso");
    BOOST_TEST(plain->start == 0u);
    BOOST_TEST(plain->end == 0u);
    auto ranged = parse_legacy_hash("a b.iso 100 200");
    BOOST_REQUIRE(ranged);
    BOOST_TEST(ranged->path == "a b.iso");
    BOOST_TEST(ranged->start == 100u);
    BOOST_TEST(ranged->end == 200u);
    auto quoted = parse_legacy_hash("\"name 12\" 5");
    BOOST_REQUIRE(quoted);
    BOOST_TEST(quoted->path == "name 12");
    BOOST_TEST(quoted->start == 5u);
    BOOST_TEST(parse_legacy_hash("2024")->path == "2024");  // a name that is a number
}

BOOST_DATA_TEST_CASE(malformed_legacy_hash_is_501, bdata::make(kBadLegacy), arg) {
    BOOST_TEST(!parse_legacy_hash(arg));
}

BOOST_AUTO_TEST_SUITE_END()
