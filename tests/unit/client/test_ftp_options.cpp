// Unit tests of client/ftp/options: the ftp client's flags and operands, and the
// ftp:// URLs it accepts (user, password, host, IPv6, port, path, escapes).
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "client/ftp/options.hpp"

using namespace ftpd::client;

namespace {
Options parse(std::vector<std::string> args) { return parse_options(args); }
}  // namespace

BOOST_AUTO_TEST_SUITE(ftp_options)

BOOST_AUTO_TEST_CASE(defaults_are_passive_auto_login_quiet) {
    const Options o = parse({});
    BOOST_TEST(o.passive);
    BOOST_TEST(o.auto_login);
    BOOST_TEST(!o.verbose);
    BOOST_TEST(!o.host);
    BOOST_TEST(!o.commands);
}

BOOST_AUTO_TEST_CASE(flags_bundle_and_the_last_mode_wins) {
    const Options o = parse({"-nvA", "example.org", "2121"});
    BOOST_TEST(!o.passive);
    BOOST_TEST(!o.auto_login);
    BOOST_TEST(o.verbose);
    BOOST_TEST(*o.host == "example.org");
    BOOST_TEST(o.port == 2121);
    BOOST_TEST(parse({"-A", "-p"}).passive);
}

BOOST_AUTO_TEST_CASE(c_takes_the_next_argument_or_the_rest_of_the_word) {
    BOOST_TEST(*parse({"-c", "ls; bye", "host"}).commands == "ls; bye");
    BOOST_TEST(*parse({"-cls"}).commands == "ls");
    BOOST_TEST(*parse({"-vc", "pwd"}).commands == "pwd");
    BOOST_CHECK_THROW(parse({"-c"}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(bad_usage_is_refused) {
    BOOST_CHECK_THROW(parse({"-x"}), std::invalid_argument);
    BOOST_CHECK_THROW(parse({"host", "21", "extra"}), std::invalid_argument);
    BOOST_CHECK_THROW(parse({"host", "0"}), std::invalid_argument);
    BOOST_CHECK_THROW(parse({"host", "65536"}), std::invalid_argument);
    BOOST_CHECK_THROW(parse({"host", "21x"}), std::invalid_argument);
    BOOST_CHECK_THROW(parse({"ftp://host/", "21"}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(double_dash_ends_the_flags) {
    const Options o = parse({"--", "-weird-host"});
    BOOST_TEST(*o.host == "-weird-host");
}

BOOST_AUTO_TEST_CASE(help_and_version) {
    BOOST_TEST(parse({"--help"}).help);
    BOOST_TEST(parse({"-h"}).help);
    BOOST_TEST(parse({"--version"}).version);
}

BOOST_AUTO_TEST_CASE(url_operand_sets_host_port_and_url) {
    const Options o = parse({"-n", "ftp://127.0.0.1:2121/pub/"});
    BOOST_TEST_REQUIRE(o.url.has_value());
    BOOST_TEST(*o.host == "127.0.0.1");
    BOOST_TEST(o.port == 2121);
    BOOST_TEST(o.url->path == "pub/");
}

BOOST_AUTO_TEST_CASE(url_without_user_is_anonymous) {
    const FtpUrl u = parse_url("ftp://ftp.example.org");
    BOOST_TEST(!u.user);
    BOOST_TEST(!u.password);
    BOOST_TEST(u.host == "ftp.example.org");
    BOOST_TEST(u.port == 21);
    BOOST_TEST(u.path == "");
}

BOOST_AUTO_TEST_CASE(url_with_user_password_port_and_path) {
    const FtpUrl u = parse_url("FTP://alice:s3cret@files.example.org:2121/dir/a%20file.txt");
    BOOST_TEST(*u.user == "alice");
    BOOST_TEST(*u.password == "s3cret");
    BOOST_TEST(u.host == "files.example.org");
    BOOST_TEST(u.port == 2121);
    BOOST_TEST(u.path == "dir/a file.txt");
}

BOOST_AUTO_TEST_CASE(url_escapes_in_user_and_password_are_decoded) {
    const FtpUrl u = parse_url("ftp://me%40home:p%3Ass%2F@host/");
    BOOST_TEST(*u.user == "me@home");
    BOOST_TEST(*u.password == "p:ss/");
    BOOST_TEST(u.path == "");
}

BOOST_AUTO_TEST_CASE(url_password_may_hold_an_at_sign_before_the_last_one) {
    const FtpUrl u = parse_url("ftp://bob:a@b@host/x");
    BOOST_TEST(*u.user == "bob");
    BOOST_TEST(*u.password == "a@b");
    BOOST_TEST(u.host == "host");
}

BOOST_AUTO_TEST_CASE(url_with_user_and_no_password) {
    const FtpUrl u = parse_url("ftp://carol@host/");
    BOOST_TEST(*u.user == "carol");
    BOOST_TEST(!u.password);
}

BOOST_AUTO_TEST_CASE(url_ipv6_host_in_brackets) {
    FtpUrl u = parse_url("ftp://[::1]:2121/pub/file");
    BOOST_TEST(u.host == "::1");
    BOOST_TEST(u.port == 2121);
    BOOST_TEST(u.path == "pub/file");
    u = parse_url("ftp://[fe80::1]");
    BOOST_TEST(u.host == "fe80::1");
    BOOST_TEST(u.port == 21);
}

BOOST_AUTO_TEST_CASE(url_type_suffix_is_dropped_and_absolute_paths_use_2f) {
    BOOST_TEST(parse_url("ftp://h/a.txt;type=i").path == "a.txt");
    BOOST_TEST(parse_url("ftp://h/%2Fetc/motd").path == "/etc/motd");
}

BOOST_AUTO_TEST_CASE(bad_urls_are_refused) {
    for (const char* bad : {"http://host/", "ftp://", "ftp:///path", "ftp://host:99999/", "ftp://host:x/",
                            "ftp://[::1/", "ftp://[::1]x/", "ftp://h/%zz", "ftp://h/%4", "ftp://h/a%00b",
                            "ftp://@host/"}) {
        BOOST_TEST_CONTEXT(bad) { BOOST_CHECK_THROW(parse_url(bad), std::invalid_argument); }
    }
}

BOOST_AUTO_TEST_CASE(looks_like_url_is_case_insensitive) {
    BOOST_TEST(looks_like_url("ftp://h"));
    BOOST_TEST(looks_like_url("Ftp://h"));
    BOOST_TEST(!looks_like_url("ftp.example.org"));
    BOOST_TEST(!looks_like_url("ftp:/"));
}

BOOST_AUTO_TEST_SUITE_END()
