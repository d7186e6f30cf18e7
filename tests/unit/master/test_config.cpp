// Config parsing: every error names its line; defaults come from the key table.
#include "master/config.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>

using namespace ftpd::master;
namespace bdata = boost::unit_test::data;

namespace {

std::vector<ConfigError> parse(const std::string& text, Config& cfg) { return parse_config(text, "t.conf", cfg); }

struct BadCase {
    const char* text;
    int line;
    const char* needle;
};
std::ostream& operator<<(std::ostream& os, const BadCase& c) { return os << c.text; }

const BadCase kBad[] = {
    {"root = /\nlisten_prot = 1\n", 2, "unknown key 'listen_prot'"},
    {"root = /\nanonymous = maybe\n", 2, "bad value for 'anonymous'"},
    {"root = /\n\n\nworkers = many\n", 4, "bad value for 'workers'"},
    {"root = /\nworkers = 0\n", 2, "out of range"},
    {"root = /\nworkers = 257\n", 2, "out of range"},
    {"root = /does/not/exist\n", 1, "root '/does/not/exist'"},
    {"root = /etc/passwd\n", 1, "is not a directory"},
    {"root = relative/dir\n", 1, "is not an absolute path"},
    {"root = /\nlisten = 127.0.0.1\n", 2, "expected ADDR:PORT"},
    {"root = /\nlisten = localhost:21\n", 2, "not a numeric IPv4 address"},
    {"root = /\nlisten = [::1:21\n", 2, "expected [IPV6]:PORT"},
    {"root = /\nlisten = 127.0.0.1:70000\n", 2, "out of range"},
    {"root = /\nbanner = a\nbanner = b\n", 3, "already set on line 2"},
    {"root = /\njust some words\n", 2, "expected 'key = value'"},
    {"root = /\n[section]\n", 2, "sections are not supported"},
    {"root = /\numask = 999\n", 2, "bad value for 'umask'"},
    {"root = /\npasv_ports = 10-20\n", 2, "bad value for 'pasv_ports'"},
    {"root = /\npasv_address = ftp.example.com\n", 2, "not a numeric IPv4 address"},
    {"root = /\nlog_level = loud\n", 2, "bad value for 'log_level'"},
    {"root = /\nuser = no-such-user-here\n", 2, "does not exist"},
    {"root = /\nuser = root\n", 2, "is root"},
    {"root = /\nidle_timeout = -5\n", 2, "bad value for 'idle_timeout'"},
    {"root = /\npid_file = ftpd.pid\n", 2, "is not an absolute path"},
    {"root = /\nlisten = 127.0.0.1:21 proxy\n", 2, "unknown listen option 'proxy'"},
    {"root = /\nproxy_trusted = 127.0.0.1, localhost\n", 2, "'localhost' is not a numeric address"},
    {"root = /\nproxy_trusted = 10.0.0.0/40\n", 2, "prefix length must be 0..32"},
    {"root = /\nlisten = 127.0.0.1:2121 proxy_protocol\n", 2, "needs proxy_trusted"},
    {"root = /\nlisten = 127.0.0.1:2121 proxy_protocol\nproxy_trusted =\n", 3, "needs proxy_trusted"},
    {"root = /\nmax_rate = 4X\n", 2, "optional K, M, G or T suffix"},
    {"root = /\nanonymous_max_rate = 1.5M\n", 2, "bad value for 'anonymous_max_rate'"},
    {"root = /\nmax_rate = 2048T\n", 2, "out of range"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_DATA_TEST_CASE(each_error_names_its_line, bdata::make(kBad), c) {
    Config cfg;
    auto errors = parse(c.text, cfg);
    BOOST_REQUIRE_EQUAL(errors.size(), 1u);
    BOOST_TEST(errors[0].line == c.line);
    BOOST_TEST(errors[0].message.find(c.needle) != std::string::npos, errors[0].message);
    BOOST_TEST(errors[0].to_string().rfind("t.conf:" + std::to_string(c.line) + ": ", 0) == 0);
}

BOOST_AUTO_TEST_CASE(every_error_in_a_file_is_reported) {
    Config cfg;
    auto errors = parse("root = /\nbogus = 1\nanonymous = perhaps\nworkers = x\n", cfg);
    BOOST_REQUIRE_EQUAL(errors.size(), 3u);
    BOOST_TEST(errors[0].line == 2);
    BOOST_TEST(errors[1].line == 3);
    BOOST_TEST(errors[2].line == 4);
}

BOOST_AUTO_TEST_CASE(defaults_come_from_the_key_table) {
    Config cfg;
    BOOST_REQUIRE(parse("root = /\n", cfg).empty());
    BOOST_REQUIRE_EQUAL(cfg.listen.size(), 1u);
    BOOST_TEST(cfg.listen[0].host == "0.0.0.0");
    BOOST_TEST(cfg.listen[0].port == 21);
    BOOST_TEST(cfg.workers >= 1u);
    BOOST_TEST(cfg.server.anonymous);
    BOOST_TEST(!cfg.server.anonymous_write);
    BOOST_TEST(!cfg.server.upload_overwrite);
    BOOST_TEST(cfg.server.umask == 022u);
    BOOST_TEST(cfg.server.banner == "ftpd ready");
    BOOST_TEST(cfg.server.idle_timeout == 300u);
    BOOST_TEST(cfg.pid_file == "/run/ftpd.pid");
    BOOST_TEST(cfg.log_file.empty());
}

BOOST_AUTO_TEST_CASE(values_are_applied) {
    Config cfg;
    auto errors = parse(
        "# comment\n"
        "  root = /tmp  \n"
        "listen = 127.0.0.1:0\n"
        "listen = [::1]:2121\n"
        "workers = 3\n"
        "anonymous_write = YES\n"
        "umask = 077\n"
        "pasv_ports = 30000-30010\n"
        "banner = Welcome to #1 server\n"
        "log_file =\n",
        cfg);
    BOOST_REQUIRE(errors.empty());
    BOOST_TEST(cfg.server.root == "/tmp");
    BOOST_REQUIRE_EQUAL(cfg.listen.size(), 2u);
    BOOST_TEST(cfg.listen[0].port == 0);
    BOOST_TEST(cfg.listen[1].v6);
    BOOST_TEST(cfg.listen[1].host == "::1");
    BOOST_TEST(cfg.listen[1].port == 2121);
    BOOST_TEST(cfg.workers == 3u);
    BOOST_TEST(cfg.server.anonymous_write);
    BOOST_TEST(cfg.server.umask == 077u);
    BOOST_TEST(cfg.server.pasv_low == 30000);
    BOOST_TEST(cfg.server.pasv_high == 30010);
    BOOST_TEST(cfg.server.banner == "Welcome to #1 server");
}

BOOST_AUTO_TEST_CASE(rates_take_size_suffixes) {
    Config cfg;
    BOOST_REQUIRE(parse("root = /\nanonymous_max_rate = 4M\nmax_rate = 512k\n", cfg).empty());
    BOOST_TEST(cfg.server.anonymous_max_rate == 4u * 1024 * 1024);
    BOOST_TEST(cfg.server.max_rate == 512u * 1024);
    BOOST_REQUIRE(parse("root = /\nmax_rate = 65536\n", cfg).empty());
    BOOST_TEST(cfg.server.max_rate == 65536u);
}

BOOST_AUTO_TEST_CASE(proxy_protocol_marks_only_its_listener) {
    Config cfg;
    auto errors = parse(
        "root = /\n"
        "listen = 127.0.0.1:21\n"
        "listen = 127.0.0.2:2121   proxy_protocol\n"
        "listen = [::1]:2121 proxy_protocol\n"
        "proxy_trusted = 127.0.0.1 ::1/128, 10.0.0.0/8\n",
        cfg);
    BOOST_REQUIRE(errors.empty());
    BOOST_REQUIRE_EQUAL(cfg.listen.size(), 3u);
    BOOST_TEST(!cfg.listen[0].proxy_protocol);
    BOOST_TEST(cfg.listen[1].proxy_protocol);
    BOOST_TEST(cfg.listen[1].text == "127.0.0.2:2121");
    BOOST_TEST(cfg.listen[1].port == 2121);
    BOOST_TEST(cfg.listen[2].proxy_protocol);
    BOOST_TEST(cfg.listen[2].host == "::1");
    BOOST_TEST(cfg.server.proxy_trusted.contains("10.1.2.3"));
    BOOST_TEST(cfg.server.proxy_trusted.contains("::1"));
    BOOST_TEST(!cfg.server.proxy_trusted.contains("127.0.0.5"));
}

BOOST_AUTO_TEST_CASE(proxy_trusted_defaults_to_nobody) {
    Config cfg;
    BOOST_REQUIRE(parse("root = /\n", cfg).empty());
    BOOST_TEST(cfg.server.proxy_trusted.empty());
    BOOST_TEST(!cfg.listen[0].proxy_protocol);
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_one_error_without_a_line) {
    try {
        load_config("/nonexistent/ftpd.conf");
        BOOST_FAIL("load_config did not throw");
    } catch (const ConfigErrors& e) {
        BOOST_REQUIRE_EQUAL(e.errors().size(), 1u);
        BOOST_TEST(e.errors()[0].line == 0);
        BOOST_TEST(e.errors()[0].to_string().find("cannot read") != std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()
