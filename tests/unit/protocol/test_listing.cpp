// Unit tests for worker/protocol/listing: LIST lines, MLSx facts and MDTM times.
#include "worker/protocol/listing.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <ostream>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
using namespace ftpd::protocol;

namespace ftpd::protocol {
std::ostream& operator<<(std::ostream& os, const FileInfo& f) {
    return os << "'" << f.name << "' type " << f.type << " size " << f.size << " mtime " << f.mtime;
}
}  // namespace ftpd::protocol

namespace {

constexpr std::int64_t k20261123_123456 = 1795437296;
constexpr std::int64_t k20261123_123400 = 1795437240;
constexpr std::int64_t k20261124_000000 = 1795478400;
constexpr std::int64_t k20200105_000000 = 1578182400;
constexpr std::int64_t k20260110_000000 = 1768003200;
constexpr std::int64_t k20251231_235900 = 1767225540;
constexpr std::int64_t kDay = 86400;

FileInfo file(std::string name, std::uint64_t size, std::uint32_t mode, std::int64_t mtime) {
    FileInfo f;
    f.name = std::move(name);
    f.size = size;
    f.mode = mode;
    f.mtime = mtime;
    return f;
}

FileInfo with_type(FileInfo f, char type) {
    f.type = type;
    return f;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(listing)

BOOST_AUTO_TEST_CASE(list_line_matches_vsftpd_layout_for_recent_file) {
    const FileInfo f = file("name", 1234, 0644, k20261123_123456);
    BOOST_TEST(format_list_line(f, k20261124_000000) ==
               "-rw-r--r--    1 ftp      ftp          1234 Nov 23 12:34 name");
}

BOOST_AUTO_TEST_CASE(list_line_shows_year_for_old_and_future_files) {
    FileInfo d = with_type(file("pub", 4096, 0755, k20200105_000000), 'd');
    d.nlink = 12;
    d.owner = "root";
    d.group = "wheel";
    BOOST_TEST(format_list_line(d, k20261124_000000) ==
               "drwxr-xr-x   12 root     wheel        4096 Jan 05  2020 pub");
    const FileInfo future = file("f", 1, 0600, k20261124_000000 + 60);
    BOOST_TEST(format_list_line(future, k20261124_000000) ==
               "-rw-------    1 ftp      ftp             1 Nov 24  2026 f");
    const FileInfo edge = file("e", 1, 0600, k20261124_000000 - 182 * kDay);
    BOOST_TEST(format_list_line(edge, k20261124_000000).find("May 26 00:00") != std::string::npos);
    const FileInfo older = file("o", 1, 0600, k20261124_000000 - 182 * kDay - 1);
    BOOST_TEST(format_list_line(older, k20261124_000000).find("May 25  2026") != std::string::npos);
}

struct PermCase {
    char type;
    std::uint32_t mode;
    std::string perms;
};
std::ostream& operator<<(std::ostream& os, const PermCase& c) { return os << c.perms; }

BOOST_DATA_TEST_CASE(list_permissions_show_setuid_setgid_and_sticky,
                     bdata::make(std::vector<PermCase>{
                         {'f', 04755, "-rwsr-xr-x"},
                         {'f', 04644, "-rwSr--r--"},
                         {'f', 02750, "-rwxr-s---"},
                         {'f', 02640, "-rw-r-S---"},
                         {'d', 01777, "drwxrwxrwt"},
                         {'d', 01776, "drwxrwxrwT"},
                         {'l', 0777, "lrwxrwxrwx"},
                         {'o', S_IFIFO | 0644, "prw-r--r--"},
                         {'o', S_IFCHR | 0666, "crw-rw-rw-"},
                         {'f', 0, "----------"},
                     }),
                     c) {
    const FileInfo f = with_type(file("x", 0, c.mode, k20261123_123456), c.type);
    BOOST_TEST(format_list_line(f, k20261124_000000).substr(0, 10) == c.perms);
}

BOOST_AUTO_TEST_CASE(list_line_shows_cr_lf_and_nul_in_names_as_question_marks) {
    const FileInfo f = file(std::string("a\r\nb\0c", 6), 0, 0644, k20261123_123456);
    const std::string line = format_list_line(f, k20261124_000000);
    BOOST_TEST(line.substr(line.size() - 6) == "a??b?c");
}

BOOST_AUTO_TEST_CASE(mlsx_facts_for_a_file) {
    FileInfo f = file("name", 1234, 0644, k20261123_123456);
    f.dev = 0x803;
    f.ino = 0x1234;
    BOOST_TEST(format_mlsx_facts(f, "adfrw") ==
               "type=file;size=1234;modify=20261123123456;perm=adfrw;unique=803U1234;UNIX.mode=0644;"
               "UNIX.owner=0;UNIX.group=0; name");
    f.mtime_ns = 250'000'000;
    f.uid = 1000;
    f.gid = 100;
    BOOST_TEST(format_mlsx_facts(f, "") ==
               "type=file;size=1234;modify=20261123123456.250;unique=803U1234;UNIX.mode=0644;"
               "UNIX.owner=1000;UNIX.group=100; name");
}

BOOST_AUTO_TEST_CASE(mlsx_facts_for_dir_and_symlink_have_no_size) {
    FileInfo d = with_type(file("my dir", 4096, 0755, k20200105_000000), 'd');
    d.dev = 1;
    d.ino = 255;
    BOOST_TEST(format_mlsx_facts(d, "") ==
               "type=dir;modify=20200105000000;unique=1UFF;UNIX.mode=0755;UNIX.owner=0;UNIX.group=0; my dir");
    const FileInfo l = with_type(file("ln", 3, 0777, k20200105_000000), 'l');
    BOOST_TEST(format_mlsx_facts(l, "r").rfind("type=OS.unix=symlink;modify=", 0) == 0u);
}

BOOST_DATA_TEST_CASE(mdtm_round_trips,
                     bdata::make(std::vector<std::int64_t>{0, k20261123_123456,
                                                           1709208000 /* leap day */,
                                                           -302486400 /* 1960 */,
                                                           253402300799 /* the last second */}),
                     seconds) {
    const auto back = parse_mdtm(format_mdtm(seconds));
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(*back == seconds);
}

BOOST_AUTO_TEST_CASE(mdtm_is_utc_digits_and_accepts_a_fraction) {
    BOOST_TEST(format_mdtm(k20261123_123456) == "20261123123456");
    BOOST_TEST(format_mdtm(0) == "19700101000000");
    BOOST_TEST(parse_mdtm("20261123123456.123").value_or(0) == k20261123_123456);
    BOOST_TEST(parse_mdtm("20261123123456.9").value_or(0) == k20261123_123456);
}

BOOST_AUTO_TEST_CASE(mdtm_clamps_times_beyond_four_digit_years) {
    BOOST_TEST(format_mdtm(INT64_MAX) == "99991231235959");
    BOOST_TEST(format_mdtm(INT64_MIN) == "00000101000000");
}

BOOST_DATA_TEST_CASE(invalid_mdtm_times_are_refused,
                     bdata::make(std::vector<std::string>{
                         "", "2026112312345", "20261323123456", "20260230000000", "20261123246000",
                         "20261123126000", "2026112312345x", "20261123123456.",
                         "20261123123456.12a",
                         " 20261123123456", "202611231234560", "20261100123456", "+2026112312345"}),
                     text) {
    BOOST_TEST(!parse_mdtm(text).has_value());
}

struct ListCase {
    std::string line;
    FileInfo expected;
};
std::ostream& operator<<(std::ostream& os, const ListCase& c) { return os << '"' << c.line << '"'; }

FileInfo info(std::string name, char type, std::uint64_t size, std::uint32_t mode,
              std::uint64_t nlink, std::string owner, std::string group, std::int64_t mtime) {
    FileInfo f;
    f.name = std::move(name);
    f.type = type;
    f.size = size;
    f.mode = mode;
    f.nlink = nlink;
    f.owner = std::move(owner);
    f.group = std::move(group);
    f.mtime = mtime;
    return f;
}

BOOST_DATA_TEST_CASE(
    list_lines_of_common_servers_parse,
    bdata::make(std::vector<ListCase>{
        {"-rw-r--r--    1 ftp      ftp          1234 Nov 23 12:34 my file.txt",  // vsftpd
         info("my file.txt", 'f', 1234, 0644, 1, "ftp", "ftp", k20261123_123400)},
        {"drwxr-xr-x   2 root     root         4096 Jan  5  2020 pub",  // GNU ls, proftpd
         info("pub", 'd', 4096, 0755, 2, "root", "root", k20200105_000000)},
        {"-rw-r--r--   1 user     group   99999999999 Nov 23 12:34 big",  // pyftpdlib
         info("big", 'f', 99999999999ull, 0644, 1, "user", "group", k20261123_123400)},
        {"lrwxrwxrwx    1 0        0               7 Nov 23 12:34 link -> target",
         info("link", 'l', 7, 0777, 1, "0", "0", k20261123_123400)},
        {"-rw-r--r-- 1 owner 12 Nov 23 12:34 nogroup",
         info("nogroup", 'f', 12, 0644, 1, "owner", "", k20261123_123400)},
        {"-rw-r--r--    1 ftp      ftp             0 Nov 23 12:34  lead",
         info(" lead", 'f', 0, 0644, 1, "ftp", "ftp", k20261123_123400)},
        {"drwxrwxrwt+  3 a b 0 nov 23 2020 Tmp",
         info("Tmp", 'd', 0, 01777, 3, "a", "b", 1606089600)},
        {"-rwsr-S--T   1 a b 5 Nov 23 12:34 trail ",
         info("trail ", 'f', 5, 04000 | 02000 | 01000 | 0740, 1, "a", "b", k20261123_123400)},
        {"prw-r--r--   1 a b 0 Nov 23 12:34 fifo",
         info("fifo", 'o', 0, S_IFIFO | 0644, 1, "a", "b", k20261123_123400)},
    }),
    c) {
    const auto parsed = parse_list_line(c.line, k20261124_000000);
    BOOST_TEST_REQUIRE(parsed.has_value());
    BOOST_TEST(*parsed == c.expected);
}

BOOST_DATA_TEST_CASE(non_entries_give_no_file_info,
                     bdata::make(std::vector<std::string>{
                         "total 8", "", "drwxr-xr-x 2 root root 4096 Foo 5 2020 pub",
                         "-rw-r--r-- 1 ftp ftp 12 Nov 23 12:34",   // no name
                         "-rw-r--r-- 1 ftp ftp 12 Nov 23 12:34 ",  // blank name
                         "11-23-20  12:34PM       <DIR>          dos",
                         "-rw-r--r-- 1 ftp ftp x Nov 23 12:34 f",
                         "-rw-r--r-- 1 ftp ftp 1 Nov 32 12:34 f",
                         "-rw-r--r-- 1 ftp ftp 1 Nov 3 1:2 f",
                         "-rwxrwxrwq 1 ftp ftp 1 Nov 3 12:34 f",
                         "xrw-r--r-- 1 ftp ftp 1 Nov 3 12:34 f"}),
                     line) {
    BOOST_TEST(!parse_list_line(line, k20261124_000000).has_value());
}

BOOST_AUTO_TEST_CASE(list_time_without_year_takes_the_year_that_is_not_in_the_future) {
    const auto last_year = parse_list_line("-rw-r--r-- 1 a b 1 Dec 31 23:59 f", k20260110_000000);
    BOOST_TEST_REQUIRE(last_year.has_value());
    BOOST_TEST(last_year->mtime == k20251231_235900);
    const auto this_year = parse_list_line("-rw-r--r-- 1 a b 1 Jan 09 10:00 f", k20260110_000000);
    BOOST_TEST_REQUIRE(this_year.has_value());
    BOOST_TEST(this_year->mtime == k20260110_000000 - 14 * 3600);
}

BOOST_AUTO_TEST_CASE(extreme_times_are_clamped_not_overflowed) {
    const FileInfo ancient = file("a", 1, 0644, INT64_MIN);
    BOOST_TEST(format_list_line(ancient, INT64_MAX).find("Jan 01  0000") != std::string::npos);
    const FileInfo far = file("f", 1, 0644, INT64_MAX);
    BOOST_TEST(format_list_line(far, INT64_MIN).find("Dec 31  9999") != std::string::npos);
    const auto parsed = parse_list_line("-rw-r--r-- 1 a b 1 Dec 31 23:59 f", INT64_MAX);
    BOOST_TEST_REQUIRE(parsed.has_value());
    BOOST_TEST(parsed->mtime == 253402300740);  // 9999-12-31 23:59
}

BOOST_DATA_TEST_CASE(list_line_round_trips,
                     bdata::make(std::vector<FileInfo>{
                         file("recent.txt", 1234, 0644, k20261123_123456),
                         with_type(file("old dir", 4096, 02775, k20200105_000000 + 3661), 'd'),
                         with_type(file("link", 11, 0777, k20261124_000000 - 3600), 'l'),
                         with_type(file("fifo", 0, S_IFIFO | 0600, k20261124_000000 - 100 * kDay),
                                   'o'),
                         file("  spaced  name ", 1ull << 40, 04711, k20261124_000000 - 400 * kDay),
                     }),
                     f) {
    const auto back = parse_list_line(format_list_line(f, k20261124_000000), k20261124_000000);
    BOOST_TEST_REQUIRE(back.has_value());
    FileInfo expected = f;
    const bool recent = k20261124_000000 - f.mtime <= 182 * kDay;
    expected.mtime = recent ? f.mtime - f.mtime % 60 : f.mtime - f.mtime % kDay;
    BOOST_TEST(*back == expected);
}

BOOST_DATA_TEST_CASE(mlsx_line_round_trips,
                     bdata::make(std::vector<FileInfo>{
                         file("a file; with=odd chars", 1234, 0, k20261123_123456),
                         with_type(file("dir", 0, 0, k20200105_000000), 'd'),
                         with_type(file("ln", 0, 0, 0), 'l'),
                     }),
                     f) {
    FileInfo sent = f;
    sent.dev = 0x803;
    sent.ino = 0xdeadbeef;
    const auto back = parse_mlsx_line(format_mlsx_facts(sent, "r"));
    BOOST_TEST_REQUIRE(back.has_value());
    BOOST_TEST(back->name == sent.name);
    BOOST_TEST(back->type == sent.type);
    BOOST_TEST(back->size == sent.size);
    BOOST_TEST(back->mtime == sent.mtime);
    BOOST_TEST(back->dev == sent.dev);
    BOOST_TEST(back->ino == sent.ino);
}

BOOST_AUTO_TEST_CASE(mlsx_fact_names_are_case_insensitive) {
    const auto f = parse_mlsx_line("Type=DIR;Modify=20200105000000;UNIX.mode=0755;SIZD=4096;"
                                   "unix.OWNER=root; pub");
    BOOST_TEST_REQUIRE(f.has_value());
    BOOST_TEST(f->type == 'd');
    BOOST_TEST(f->mtime == k20200105_000000);
    BOOST_TEST(f->mode == 0755u);
    BOOST_TEST(f->size == 4096u);
    BOOST_TEST(f->owner == "root");
    BOOST_TEST(f->name == "pub");
}

BOOST_DATA_TEST_CASE(mlsx_types_map_to_file_info_types,
                     bdata::make(std::vector<std::string>{"type=file; x", "type=cdir; .",
                                                          "type=pdir; ..",
                                                          "type=OS.unix=slink:/t; x",
                                                          "type=OS.unix=blk; x"}) ^
                         bdata::make(std::vector<char>{'f', 'd', 'd', 'l', 'o'}),
                     line, type) {
    const auto f = parse_mlsx_line(line);
    BOOST_TEST_REQUIRE(f.has_value());
    BOOST_TEST(f->type == type);
}

BOOST_DATA_TEST_CASE(mlsx_lines_without_name_give_nothing,
                     bdata::make(std::vector<std::string>{"", "type=file;", "type=file; ",
                                                          "noblank"}),
                     line) {
    BOOST_TEST(!parse_mlsx_line(line).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
