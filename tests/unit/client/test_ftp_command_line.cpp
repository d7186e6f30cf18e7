// Unit tests of client/ftp/command_line: how the ftp client splits what the user
// types (quotes, escapes, the '!' escape) and -c text into commands.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "client/ftp/command_line.hpp"

using ftpd::client::CommandLine;
using ftpd::client::quote_word;
using ftpd::client::split_commands;
using ftpd::client::split_words;

namespace {

using Words = std::vector<std::string>;

struct SplitCase {
    const char* line;
    Words words;
};

std::ostream& operator<<(std::ostream& os, const SplitCase& c) { return os << '"' << c.line << '"'; }

const SplitCase kSplitCases[] = {
    {"", {}},
    {"   \t ", {}},
    {"ls", {"ls"}},
    {"  get   a.txt  b.txt ", {"get", "a.txt", "b.txt"}},
    {"get 'my file.txt'", {"get", "my file.txt"}},
    {"get \"my file.txt\" local", {"get", "my file.txt", "local"}},
    {"get my\\ file.txt", {"get", "my file.txt"}},
    {"put 'it''s'", {"put", "its"}},
    {"put \"say \\\"hi\\\"\"", {"put", "say \"hi\""}},
    {"put 'back\\slash'", {"put", "back\\slash"}},
    {"put \"a\\b\"", {"put", "a\\b"}},
    {"mkdir ''", {"mkdir", ""}},
    {"get a\"b c\"d", {"get", "ab cd"}},
    {"get x.txt\r\n", {"get", "x.txt"}},
    {"mget *.txt [ab]?", {"mget", "*.txt", "[ab]?"}},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ftp_command_line)

BOOST_DATA_TEST_CASE(split_words_handles_blanks_quotes_and_escapes, boost::unit_test::data::make(kSplitCases), c) {
    const CommandLine got = split_words(c.line);
    BOOST_TEST(got.words == c.words, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rest_is_the_raw_text_after_the_first_word) {
    const auto got = split_words("quote  SITE CHMOD 644 'my file' ");
    BOOST_TEST(got.words.front() == "quote");
    BOOST_TEST(got.rest == "SITE CHMOD 644 'my file'");
    BOOST_TEST(split_words("pwd").rest == "");
}

BOOST_AUTO_TEST_CASE(bang_passes_the_rest_to_the_shell_untouched) {
    const auto got = split_words("!ls -l 'x y' | wc");
    BOOST_TEST(got.words == (Words{"!", "ls -l 'x y' | wc"}), boost::test_tools::per_element());
    BOOST_TEST(got.rest == "ls -l 'x y' | wc");
    BOOST_TEST(split_words("!").words == Words{"!"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unterminated_quotes_and_trailing_backslash_are_errors) {
    BOOST_CHECK_THROW(split_words("get 'open"), std::invalid_argument);
    BOOST_CHECK_THROW(split_words("get \"open"), std::invalid_argument);
    BOOST_CHECK_THROW(split_words("get name\\"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(split_commands_cuts_at_semicolons_outside_quotes) {
    BOOST_TEST(split_commands("cd pub; get 'a;b' ;ls") == (Words{"cd pub", "get 'a;b'", "ls"}),
               boost::test_tools::per_element());
    BOOST_TEST(split_commands("get a\\;b; pwd") == (Words{"get a\\;b", "pwd"}), boost::test_tools::per_element());
    BOOST_TEST(split_commands("get \"x;y\"") == Words{"get \"x;y\""}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(split_commands_drops_empty_commands_and_splits_lines) {
    BOOST_TEST(split_commands(" ; ;pwd;; ") == Words{"pwd"}, boost::test_tools::per_element());
    BOOST_TEST(split_commands("ls\nbye") == (Words{"ls", "bye"}), boost::test_tools::per_element());
    BOOST_TEST(split_commands("").empty());
}

BOOST_AUTO_TEST_CASE(quote_word_round_trips_through_split_words) {
    for (const std::string word : {"plain", "two words", "it's", "say \"hi\"", "back\\slash", "semi;colon"}) {
        const auto got = split_words("get " + quote_word(word));
        BOOST_TEST_REQUIRE(got.words.size() == 2u);
        BOOST_TEST(got.words[1] == word);
    }
}

BOOST_AUTO_TEST_SUITE_END()
