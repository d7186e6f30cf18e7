// Unit tests of client/ftp/commands: the command table is complete (every command
// the manual and DESIGN.md promise), unambiguous and documented.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "client/ftp/commands.hpp"

using namespace ftpd::client;

BOOST_AUTO_TEST_SUITE(ftp_commands)

BOOST_AUTO_TEST_CASE(every_promised_command_is_in_the_table) {
    for (const char* name : {"help", "open", "close", "user", "ls", "dir", "nlist", "cd", "cdup", "pwd", "lcd",
                             "get", "put", "mget", "mput", "reget", "reput", "append", "delete", "mkdir", "rmdir",
                             "rename", "size", "modtime", "passive", "active", "binary", "ascii", "status",
                             "quote", "!", "quit", "bye"}) {
        BOOST_TEST_CONTEXT(name) { BOOST_TEST(find_command(name) != nullptr); }
    }
    BOOST_TEST(find_command("frobnicate") == nullptr);
    BOOST_TEST(find_command("GET") == nullptr);
}

BOOST_AUTO_TEST_CASE(names_are_unique_and_rows_are_documented) {
    std::set<std::string_view> seen;
    for (const auto& spec : all_commands()) {
        BOOST_TEST_CONTEXT(spec.name) {
            BOOST_TEST(seen.insert(spec.name).second);
            BOOST_TEST(!spec.help.empty());
            BOOST_TEST(spec.handler != nullptr);
            BOOST_TEST(spec.min_args >= 0);
            BOOST_TEST((spec.max_args < 0 || spec.max_args >= spec.min_args));
            BOOST_TEST((spec.min_args == 0 || !spec.usage.empty()));
        }
    }
}

BOOST_AUTO_TEST_CASE(usage_line_is_one_line) {
    BOOST_TEST(usage_of(*find_command("get")) == "usage: get remote-file [local-file]");
    BOOST_TEST(usage_of(*find_command("pwd")) == "usage: pwd");
}

BOOST_AUTO_TEST_CASE(the_manual_describes_every_command) {
    std::ifstream in(std::string(FTPD_SOURCE_DIR) + "/man/ftp.1");
    BOOST_TEST_REQUIRE(in.good());
    std::stringstream text;
    text << in.rdbuf();
    for (const auto& spec : all_commands()) {
        // man/ftp.1 tags each command's entry with ".B name".
        const std::string tag = "\n.B " + std::string(spec.name == "!" ? "!" : spec.name);
        BOOST_TEST_CONTEXT(spec.name) { BOOST_TEST(text.str().find(tag) != std::string::npos); }
    }
}

BOOST_AUTO_TEST_SUITE_END()
