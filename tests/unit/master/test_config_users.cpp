// The login keys (users_file, login_fail_delay, max_login_failures) and how the users
// file's entries and errors reach the Config: errors name the users file and its line.
#include "master/config.hpp"

#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <fstream>

using namespace ftpd::master;

namespace {

const char* kHash = "$6$saltsalt$pauPrmdmG4BTE9h2HPmywiw152IFch6BJCEsaY6D.PLTfpV8sqvXwWdyfsgVgozkYH9B80bAip/08R2BPH2xk/";

// A users file in /tmp, removed with the fixture.
struct UsersFile {
    std::string path;
    explicit UsersFile(const std::string& text) {
        char tmpl[] = "/tmp/ftpd-users-XXXXXX";
        int fd = ::mkstemp(tmpl);
        BOOST_REQUIRE(fd >= 0);
        ::close(fd);
        path = tmpl;
        std::ofstream(path) << text;
    }
    ~UsersFile() { ::unlink(path.c_str()); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(config_users)

BOOST_AUTO_TEST_CASE(login_keys_have_their_defaults) {
    Config cfg;
    BOOST_REQUIRE(parse_config("root = /\n", "t.conf", cfg).empty());
    BOOST_TEST(cfg.users_file.empty());
    BOOST_TEST(cfg.server.users.empty());
    BOOST_TEST(cfg.server.login_fail_delay == 1u);
    BOOST_TEST(cfg.server.max_login_failures == 3u);
}

BOOST_AUTO_TEST_CASE(login_keys_are_range_checked) {
    for (const char* line : {"login_fail_delay = 61", "max_login_failures = 0", "max_login_failures = 101",
                             "users_file = users.txt"}) {
        Config cfg;
        auto errors = parse_config(std::string("root = /\n") + line + "\n", "t.conf", cfg);
        BOOST_REQUIRE_EQUAL(errors.size(), 1u);
        BOOST_TEST(errors[0].line == 2, line);
    }
    Config cfg;
    BOOST_REQUIRE(parse_config("root = /\nlogin_fail_delay = 0\nmax_login_failures = 100\n", "t.conf", cfg).empty());
    BOOST_TEST(cfg.server.login_fail_delay == 0u);
    BOOST_TEST(cfg.server.max_login_failures == 100u);
}

BOOST_AUTO_TEST_CASE(users_file_entries_reach_the_workers_settings) {
    UsersFile users(std::string("# users\nalice:") + kHash + "\nbob:" + kHash + ":/tmp:ro\n");
    Config cfg;
    auto errors = parse_config("root = /\nusers_file = " + users.path + "\n", "t.conf", cfg);
    for (const auto& e : errors) BOOST_TEST_MESSAGE(e.to_string());
    BOOST_REQUIRE(errors.empty());
    BOOST_TEST(cfg.users_file == users.path);
    BOOST_REQUIRE_EQUAL(cfg.server.users.size(), 2u);
    BOOST_TEST(cfg.server.users[1].name == "bob");
    BOOST_TEST(!cfg.server.users[1].writable);
}

BOOST_AUTO_TEST_CASE(users_file_errors_name_the_users_file_and_line) {
    UsersFile users(std::string("alice:") + kHash + "\n\nbob:" + kHash + ":/tmp:rx\n");
    Config cfg;
    auto errors = parse_config("root = /\nbogus = 1\nusers_file = " + users.path + "\n", "t.conf", cfg);
    BOOST_REQUIRE_EQUAL(errors.size(), 2u);
    BOOST_TEST(errors[0].to_string().rfind("t.conf:2: ", 0) == 0);
    BOOST_TEST(errors[1].to_string().rfind(users.path + ":3: ", 0) == 0, errors[1].to_string());
}

BOOST_AUTO_TEST_CASE(a_missing_users_file_is_reported_at_the_key) {
    Config cfg;
    auto errors = parse_config("root = /\n\nusers_file = /nonexistent/ftpd.users\n", "t.conf", cfg);
    BOOST_REQUIRE_EQUAL(errors.size(), 1u);
    BOOST_TEST(errors[0].to_string().rfind("t.conf:3: users_file '/nonexistent/ftpd.users': cannot read", 0) == 0,
               errors[0].to_string());
}

BOOST_AUTO_TEST_SUITE_END()
