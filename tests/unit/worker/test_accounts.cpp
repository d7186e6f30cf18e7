// The users file (valid and invalid lines, with the line each error names) and password
// checks against crypt(3) hashes made here with fixed salts.
#include "worker/accounts.hpp"

#include <crypt.h>
#include <unistd.h>

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <memory>
#include <ostream>

using namespace ftpd::worker;
namespace bdata = boost::unit_test::data;

namespace {

// crypt(3) of password with setting, as an operator's tool would make it.
std::string make_hash(const std::string& password, const std::string& setting) {
    auto data = std::make_unique<crypt_data>();
    const char* out = ::crypt_r(password.c_str(), setting.c_str(), data.get());
    BOOST_REQUIRE(out != nullptr && out[0] != '*');
    return out;
}

// A setting for `prefix` ("$y$", "$2b$") from fixed random bytes: the same hash each run.
std::string make_setting(const char* prefix, unsigned long count = 0) {
    const char rbytes[] = "0123456789abcdef";
    char buf[CRYPT_GENSALT_OUTPUT_SIZE];
    const char* s = ::crypt_gensalt_rn(prefix, count, rbytes, 16, buf, sizeof buf);
    BOOST_REQUIRE(s != nullptr);
    return s;
}

// sha512-crypt of "pw" with the salt "saltsalt" (python3 -c 'import crypt; ...').
const std::string kSha512 = "$6$saltsalt$pauPrmdmG4BTE9h2HPmywiw152IFch6BJCEsaY6D.PLTfpV8sqvXwWdyfsgVgozkYH9B80bAip/08R2BPH2xk/";

struct GoodCase {
    const char* line;
    const char* name;
    const char* root;
    bool writable;
    bool locked;
};
std::ostream& operator<<(std::ostream& os, const GoodCase& c) { return os << c.line; }

// "H" stands for a valid sha512-crypt hash (kSha512).
const GoodCase kGood[] = {
    {"alice:H", "alice", "", true, false},
    {"alice:H:/tmp", "alice", "/tmp", true, false},
    {"alice:H:/tmp:rw", "alice", "/tmp", true, false},
    {"alice:H:/tmp:ro", "alice", "/tmp", false, false},
    {"alice:H::ro", "alice", "", false, false},
    {"alice:H:/:", "alice", "/", true, false},
    {"  alice:H  \r", "alice", "", true, false},
    {"Alice.Smith@example.org:H", "Alice.Smith@example.org", "", true, false},
    {"bob:!H", "bob", "", true, true},
    {"bob:*", "bob", "", true, true},
    {"bob:!", "bob", "", true, true},
    {"anon:H", "anon", "", true, false},
    {"ftpuser:H", "ftpuser", "", true, false},
    {"des:abJnggxhB/yWI", "des", "", true, false},
    {"y:$y$j9T$okvMsj1lIgHOis8egdNkD1$bkr.fqULAbPhjB8taWCbUaB8vEvk6AkEWtBfDl3ULx.", "y", "", true, false},
    {"b:$2b$04$caopJu8i7PA00qIPmh6lzutE1NdNeO6G91QNNqR7WMLcJjm0e9Uue", "b", "", true, false},
    {"s:$5$rounds=10000$saltsalt$BdtA45gKo2ZMXs8j1J4els4jhO3zYbKMuwPIZomKAP4", "s", "", true, false},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:H", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "", true, false},
};

struct BadCase {
    const char* text;
    int line;
    const char* needle;
};
std::ostream& operator<<(std::ostream& os, const BadCase& c) { return os << c.text; }

const BadCase kBad[] = {
    {"alice\n", 1, "expected 'name:hash[:root[:perm[:settings]]]'"},
    {"# c\nalice:H:/tmp:rw:quota=1M:extra\n", 2, "expected 'name:hash[:root[:perm[:settings]]]'"},
    {"alice:H:/tmp:rw:extra\n", 1, "expected KEY=VALUE in the settings field, got 'extra'"},
    {"alice:H:::quota=lots\n", 1, "bad value for 'quota'"},
    {"alice:H:::quota=1M,quota=2M\n", 1, "'quota' is given twice"},
    {"alice:H:::files=-1\n", 1, "bad value for 'files'"},
    {"alice:H:::sessions=x\n", 1, "bad value for 'sessions'"},
    {"alice:H:::down=1.5M\n", 1, "bad value for 'down'"},
    {"alice:H:::speed=1M\n", 1, "unknown setting 'speed'"},
    {"\n\n:H\n", 3, "empty user name"},
    {"al ice:H\n", 1, "whitespace or a control character"},
    {"al\tice:H\n", 1, "whitespace or a control character"},
    {"al\x01ice:H\n", 1, "al\\x01ice"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:H\n", 1, "longer than 64"},
    {"anonymous:H\n", 1, "reserved"},
    {"FTP:H\n", 1, "reserved"},
    {"alice:\n", 1, "empty password hash"},
    {"alice:secret\n", 1, "not a crypt(3) string"},
    {"alice:$6$saltsalt\n", 1, "incomplete"},
    {"alice:$6$saltsalt$\n", 1, "incomplete"},
    {"alice:$zz$abc$def\n", 1, "not a crypt(3) string"},
    {"alice:H:relative/dir\n", 1, "is not an absolute path"},
    {"alice:H:/no/such/dir/here\n", 1, "root '/no/such/dir/here': No such file or directory"},
    {"alice:H:/etc/passwd\n", 1, "is not a directory"},
    {"alice:H:/tmp:rx\n", 1, "perm must be rw or ro, got 'rx'"},
    {"alice:H:/tmp:RW\n", 1, "perm must be rw or ro"},
    {"alice:H\n# comment\n\nbob:H\nalice:H:/tmp\n", 5, "already defined on line 1"},
};

std::string with_hash(std::string s) {
    for (auto pos = s.find(":H"); pos != std::string::npos; pos = s.find(":H", pos + 1))
        if (pos + 2 == s.size() || s[pos + 2] == ':' || s[pos + 2] == '\n' || s[pos + 2] == ' ')
            s.replace(pos + 1, 1, kSha512);
    for (auto pos = s.find(":!H"); pos != std::string::npos; pos = s.find(":!H", pos + 1))
        s.replace(pos + 2, 1, kSha512);
    return s;
}

std::vector<Account> users(const std::string& text) {
    auto parsed = parse_users(text, "users");
    for (const auto& e : parsed.errors) BOOST_TEST_MESSAGE(e.to_string());
    BOOST_REQUIRE(parsed.errors.empty());
    return parsed.accounts;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(accounts)

BOOST_DATA_TEST_CASE(valid_lines_give_an_account, bdata::make(kGood), c) {
    auto parsed = parse_users(with_hash(c.line), "users");
    for (const auto& e : parsed.errors) BOOST_TEST_MESSAGE(e.to_string());
    BOOST_REQUIRE(parsed.errors.empty());
    BOOST_REQUIRE_EQUAL(parsed.accounts.size(), 1u);
    const Account& a = parsed.accounts[0];
    BOOST_TEST(a.name == c.name);
    BOOST_TEST(a.root == c.root);
    BOOST_TEST(a.writable == c.writable);
    BOOST_TEST(a.locked() == c.locked);
}

BOOST_DATA_TEST_CASE(each_error_names_the_file_and_line, bdata::make(kBad), c) {
    auto parsed = parse_users(with_hash(c.text), "/etc/ftpd.users");
    BOOST_REQUIRE_EQUAL(parsed.errors.size(), 1u);
    const auto& e = parsed.errors[0];
    BOOST_TEST(e.line == c.line);
    BOOST_TEST(e.message.find(c.needle) != std::string::npos, e.message);
    BOOST_TEST(e.to_string().rfind("/etc/ftpd.users:" + std::to_string(c.line) + ": ", 0) == 0, e.to_string());
}

BOOST_AUTO_TEST_CASE(comments_and_blank_lines_are_ignored) {
    auto a = users(with_hash("# users\n\n   \n  # indented comment\nalice:H\n\r\nbob:H:/tmp:ro\n"));
    BOOST_REQUIRE_EQUAL(a.size(), 2u);
    BOOST_TEST(a[0].name == "alice");
    BOOST_TEST(a[1].name == "bob");
}

BOOST_AUTO_TEST_CASE(every_error_in_a_file_is_reported) {
    auto parsed = parse_users(with_hash("alice:H\nbad\nanonymous:H\ncarol:H:/tmp:xx\nalice:H\ndave:H\n"), "u");
    BOOST_REQUIRE_EQUAL(parsed.errors.size(), 4u);
    BOOST_TEST(parsed.errors[0].line == 2);
    BOOST_TEST(parsed.errors[1].line == 3);
    BOOST_TEST(parsed.errors[2].line == 4);
    BOOST_TEST(parsed.errors[3].line == 5);
    BOOST_REQUIRE_EQUAL(parsed.accounts.size(), 2u);  // alice (line 1) and dave
}

BOOST_AUTO_TEST_CASE(an_unsupported_hash_is_not_echoed_in_the_error) {
    auto parsed = parse_users("alice:MyPlainTextPassword\n", "u");
    BOOST_REQUIRE_EQUAL(parsed.errors.size(), 1u);
    BOOST_TEST(parsed.errors[0].message.find("MyPlainTextPassword") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(load_users_reads_a_file_and_reports_an_unreadable_one) {
    char tmpl[] = "/tmp/ftpd-users-XXXXXX";
    int fd = ::mkstemp(tmpl);
    BOOST_REQUIRE(fd >= 0);
    ::close(fd);
    std::ofstream(tmpl) << with_hash("alice:H\nbob:H:/tmp:nope\n");
    auto parsed = load_users(tmpl);
    ::unlink(tmpl);
    BOOST_REQUIRE_EQUAL(parsed.errors.size(), 1u);
    BOOST_TEST(parsed.errors[0].to_string().rfind(std::string(tmpl) + ":2: ", 0) == 0);
    BOOST_TEST(parsed.accounts.size() == 1u);

    auto missing = load_users("/nonexistent/ftpd.users");
    BOOST_REQUIRE_EQUAL(missing.errors.size(), 1u);
    BOOST_TEST(missing.errors[0].line == 0);
    BOOST_TEST(missing.errors[0].message.find("cannot read") != std::string::npos);
    BOOST_TEST(load_users("/tmp").errors.size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_example_users_file_has_valid_entries) {
    std::ifstream f(std::string(FTPD_SOURCE_DIR) + "/etc/users.example");
    BOOST_REQUIRE(f);
    std::string text, line;
    while (std::getline(f, line)) {
        if (line.size() > 1 && line[0] == '#' && line.find(':') != std::string::npos && line[1] != ' ')
            line.erase(0, 1);  // the commented-out entries
        text += line + "\n";
    }
    auto parsed = parse_users(text, "users.example");
    BOOST_TEST(parsed.accounts.size() + parsed.errors.size() >= 3u);
    for (const auto& e : parsed.errors)  // their roots need not exist here
        BOOST_TEST(e.message.find("root '") != std::string::npos, e.to_string());
}

BOOST_AUTO_TEST_CASE(anonymous_names_are_recognised_in_any_case) {
    BOOST_TEST(is_anonymous_name("anonymous"));
    BOOST_TEST(is_anonymous_name("FTP"));
    BOOST_TEST(is_anonymous_name("Anonymous"));
    BOOST_TEST(!is_anonymous_name("ftpuser"));
    BOOST_TEST(!is_anonymous_name(""));
}

BOOST_AUTO_TEST_CASE(sha512_crypt_password_is_checked) {
    auto hash = make_hash("s3cret", "$6$saltsalt$");
    BOOST_TEST(hash.rfind("$6$saltsalt$", 0) == 0);
    auto list = users("alice:" + hash + ":/tmp:ro\n");
    Accounts accounts(list);
    auto ok = accounts.authenticate("alice", "s3cret");
    BOOST_REQUIRE(ok.has_value());
    BOOST_TEST(ok->name == "alice");
    BOOST_TEST(ok->root == "/tmp");
    BOOST_TEST(!ok->writable);
    BOOST_TEST(!accounts.authenticate("alice", "s3cret ").has_value());
    BOOST_TEST(!accounts.authenticate("alice", "S3cret").has_value());
    BOOST_TEST(!accounts.authenticate("alice", "").has_value());
    BOOST_TEST(!accounts.authenticate("Alice", "s3cret").has_value());  // names are case-sensitive
}

BOOST_AUTO_TEST_CASE(yescrypt_password_is_checked) {
    auto hash = make_hash("pässwörd", make_setting("$y$"));
    BOOST_TEST(hash.rfind("$y$", 0) == 0);
    auto list = users("bob:" + hash + "\n");
    Accounts accounts(list);
    auto ok = accounts.authenticate("bob", "pässwörd");
    BOOST_REQUIRE(ok.has_value());
    BOOST_TEST(ok->root.empty());  // the config's root
    BOOST_TEST(ok->writable);      // rw by default
    BOOST_TEST(!accounts.authenticate("bob", "password").has_value());
}

BOOST_AUTO_TEST_CASE(sha256_and_bcrypt_passwords_are_checked) {
    auto sha256 = make_hash("pw5", "$5$saltsalt$");
    auto bcrypt = make_hash("pw2b", make_setting("$2b$", 4));
    auto list = users("five:" + sha256 + "\nblow:" + bcrypt + "\n");
    Accounts accounts(list);
    BOOST_TEST(accounts.authenticate("five", "pw5").has_value());
    BOOST_TEST(accounts.authenticate("blow", "pw2b").has_value());
    BOOST_TEST(!accounts.authenticate("five", "pw2b").has_value());
    BOOST_TEST(!accounts.authenticate("blow", "pw5").has_value());
}

BOOST_AUTO_TEST_CASE(unknown_user_fails_even_with_another_users_password) {
    auto list = users(with_hash("alice:H\n"));
    Accounts accounts(list);
    BOOST_TEST(accounts.authenticate("alice", "pw").has_value());
    BOOST_TEST(!accounts.authenticate("mallory", "pw").has_value());
    BOOST_TEST(!accounts.authenticate("", "pw").has_value());
    BOOST_TEST(!Accounts({}).authenticate("alice", "pw").has_value());
}

BOOST_AUTO_TEST_CASE(locked_account_fails_with_the_right_password) {
    auto list = users("carol:!" + kSha512 + "\ndave:*\n");
    Accounts accounts(list);
    BOOST_TEST(list[0].locked());
    BOOST_TEST(!accounts.authenticate("carol", "pw").has_value());
    BOOST_TEST(!accounts.authenticate("carol", "!pw").has_value());
    BOOST_TEST(!accounts.authenticate("dave", "").has_value());
    BOOST_TEST(!accounts.authenticate("dave", "*").has_value());
}

BOOST_AUTO_TEST_CASE(the_settings_field_gives_limits) {
    auto a = users(with_hash("alice:H:/tmp:ro:quota=10G,files=5000,sessions=4,down=1M,up=512K\n"
                             "bob:H:::up=0\ncarol:H:/tmp:rw:\n"));
    BOOST_REQUIRE_EQUAL(a.size(), 3u);
    BOOST_TEST(a[0].limits.quota_bytes == 10ull << 30);
    BOOST_TEST(a[0].limits.quota_files == 5000u);
    BOOST_TEST(a[0].limits.max_sessions == 4u);
    BOOST_TEST(a[0].limits.rate_down.value_or(7) == 1u << 20);
    BOOST_TEST(a[0].limits.rate_up.value_or(7) == 512u << 10);
    BOOST_TEST(!a[0].writable);
    BOOST_TEST(a[1].root.empty());
    BOOST_TEST(!a[1].limits.rate_down.has_value());  // max_rate applies
    BOOST_TEST(a[1].limits.rate_up.value_or(7) == 0u);  // explicitly unlimited
    BOOST_TEST((a[2].limits == AccountLimits{}));
}

BOOST_AUTO_TEST_CASE(format_account_reads_back_equal) {
    Account a{"alice", kSha512, "", true, {}};
    BOOST_TEST(format_account(a) == "alice:" + kSha512);
    a.writable = false;
    BOOST_TEST(format_account(a) == "alice:" + kSha512 + "::ro");
    a.writable = true;
    a.limits.quota_bytes = 1u << 20;
    a.limits.rate_up = 0;
    BOOST_TEST(format_account(a) == "alice:" + kSha512 + "::rw:quota=1M,up=0");
    a.root = "/tmp";
    a.writable = false;
    a.limits = {5ull << 30, 10, 2, 1536, 4096};
    auto back = users(format_account(a) + "\n");
    BOOST_REQUIRE_EQUAL(back.size(), 1u);
    BOOST_TEST(back[0].name == a.name);
    BOOST_TEST(back[0].hash == a.hash);
    BOOST_TEST(back[0].root == a.root);
    BOOST_TEST(back[0].writable == a.writable);
    BOOST_TEST((back[0].limits == a.limits));
}

BOOST_AUTO_TEST_CASE(an_unchanged_document_renders_byte_for_byte) {
    for (std::string text : {std::string(), std::string("\n"), with_hash("# users\n\nalice:H\n  bob:H:/tmp:ro  \r\n"),
                             with_hash("alice:H\nbroken line\n# no final newline"), std::string("x:y:z:w:v:u\n")}) {
        auto doc = parse_users_document(text, "u");
        BOOST_TEST(doc.render() == text);
    }
}

BOOST_AUTO_TEST_CASE(edits_keep_comments_unknown_and_malformed_lines) {
    std::string text = with_hash("# header comment\nalice:H\nthis line is broken\ncarol:notahash\n\n# tail\n");
    auto doc = parse_users_document(text, "/etc/ftpd.users");
    BOOST_REQUIRE_EQUAL(doc.errors.size(), 2u);
    BOOST_TEST(doc.errors[0].line == 3);
    BOOST_TEST(doc.errors[1].line == 4);
    BOOST_TEST(doc.find("carol") == 3u);  // found although malformed: never added twice
    Account bob{"bob", kSha512, "/tmp", false, {}};
    bob.limits.max_sessions = 2;
    doc.put(bob);
    Account alice = *doc.lines[doc.find("alice")].account;
    alice.limits.quota_bytes = 1u << 20;
    doc.put(alice);
    auto out = doc.render();
    BOOST_TEST(out == "# header comment\nalice:" + kSha512 + "::rw:quota=1M\nthis line is broken\ncarol:notahash\n\n# tail\n"
                      "bob:" + kSha512 + ":/tmp:ro:sessions=2\n");
    BOOST_TEST(doc.remove("alice"));
    BOOST_TEST(!doc.remove("alice"));
    auto again = parse_users_document(doc.render(), "u");
    BOOST_TEST(again.errors.size() == 2u);
    BOOST_TEST(again.find("alice") == std::string::npos);
    BOOST_REQUIRE(again.find("bob") != std::string::npos);
    BOOST_TEST(again.lines[again.find("bob")].account->limits.max_sessions == 2u);
}

BOOST_AUTO_TEST_CASE(a_password_with_a_nul_byte_fails) {
    auto list = users(with_hash("alice:H\n"));
    using namespace std::string_literals;
    BOOST_TEST(!Accounts(list).authenticate("alice", "pw\0tail"s).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
