// Unit tests of the ftp client's FTPS options: -s (explicit, AUTH TLS), ftps:// URLs
// (implicit, port 990), --cacert and -k, the combinations refused, and the TLS
// client's own checks (a --cacert that cannot be loaded, IP literals vs names).
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "client/ftp/options.hpp"
#include "client/ftp/tls_client.hpp"

using namespace ftpd::client;

namespace {
Options parse(std::vector<std::string> args) { return parse_options(args); }

std::string error_of(std::vector<std::string> args) {
    try {
        parse_options(args);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no error)";
}
}  // namespace

BOOST_AUTO_TEST_SUITE(ftp_tls_options)

BOOST_AUTO_TEST_CASE(plain_by_default_with_verification_on) {
    const Options o = parse({"host"});
    BOOST_TEST((o.security == Security::none));
    BOOST_TEST(o.verify_peer);
    BOOST_TEST(!o.ca_file);
    BOOST_TEST(o.port == 21);
}

BOOST_AUTO_TEST_CASE(s_asks_for_explicit_tls_on_port_21) {
    const Options o = parse({"-s", "host"});
    BOOST_TEST((o.security == Security::explicit_tls));
    BOOST_TEST(o.port == 21);
    BOOST_TEST((parse({"-nvs", "host", "2121"}).security == Security::explicit_tls));
    BOOST_TEST(parse({"-nvs", "host", "2121"}).port == 2121);
}

BOOST_AUTO_TEST_CASE(s_with_an_ftp_url_is_explicit) {
    const Options o = parse({"-s", "ftp://127.0.0.1/pub/"});
    BOOST_TEST((o.security == Security::explicit_tls));
    BOOST_TEST(o.port == 21);
    BOOST_TEST(!o.url->ftps);
}

BOOST_AUTO_TEST_CASE(ftps_url_is_implicit_on_port_990) {
    const Options o = parse({"ftps://files.example.org/a.txt"});
    BOOST_TEST((o.security == Security::implicit_tls));
    BOOST_TEST(o.port == 990);
    BOOST_TEST(*o.host == "files.example.org");
    BOOST_TEST(o.url->ftps);
    BOOST_TEST(o.url->path == "a.txt");
}

BOOST_AUTO_TEST_CASE(ftps_url_with_user_password_and_port) {
    const FtpUrl u = parse_url("FTPS://alice:s%3Acret@[::1]:9990/dir/");
    BOOST_TEST(u.ftps);
    BOOST_TEST(*u.user == "alice");
    BOOST_TEST(*u.password == "s:cret");
    BOOST_TEST(u.host == "::1");
    BOOST_TEST(u.port == 9990);
    BOOST_TEST(u.path == "dir/");
    BOOST_TEST(parse_url("ftp://h").port == 21);
    BOOST_TEST(!parse_url("ftp://h").ftps);
}

BOOST_AUTO_TEST_CASE(ftps_url_wins_over_s) {
    BOOST_TEST((parse({"-s", "ftps://h/"}).security == Security::implicit_tls));
}

BOOST_AUTO_TEST_CASE(looks_like_url_knows_both_schemes) {
    BOOST_TEST(looks_like_url("ftps://h"));
    BOOST_TEST(looks_like_url("FtPs://h"));
    BOOST_TEST(!looks_like_url("ftps:/h"));
    BOOST_TEST(!looks_like_url("sftp://h"));
}

BOOST_AUTO_TEST_CASE(cacert_takes_a_file_separately_or_after_equals) {
    Options o = parse({"-s", "--cacert", "/etc/ca.pem", "host"});
    BOOST_TEST(*o.ca_file == "/etc/ca.pem");
    BOOST_TEST(o.verify_peer);
    o = parse({"--cacert=ca.pem", "ftps://host/"});
    BOOST_TEST(*o.ca_file == "ca.pem");
    BOOST_TEST(error_of({"-s", "--cacert"}) == "option --cacert needs an argument");
    BOOST_TEST(error_of({"-s", "--cacert=", "host"}) == "option --cacert needs a file name");
}

BOOST_AUTO_TEST_CASE(k_and_insecure_turn_verification_off) {
    BOOST_TEST(!parse({"-k", "ftps://host/"}).verify_peer);
    BOOST_TEST(!parse({"--insecure", "-s", "host"}).verify_peer);
    BOOST_TEST(!parse({"-sk", "host"}).verify_peer);
}

BOOST_AUTO_TEST_CASE(tls_flags_without_tls_are_refused) {
    BOOST_TEST(error_of({"-k", "host"}) == "-k needs TLS (-s or an ftps:// URL)");
    BOOST_TEST(error_of({"--cacert", "ca.pem", "ftp://host/"}) == "--cacert needs TLS (-s or an ftps:// URL)");
    BOOST_TEST(error_of({"--insecure"}) == "-k needs TLS (-s or an ftps:// URL)");
}

BOOST_AUTO_TEST_CASE(k_and_cacert_exclude_each_other) {
    BOOST_TEST(error_of({"-s", "-k", "--cacert", "ca.pem", "host"}) == "-k and --cacert exclude each other");
}

BOOST_AUTO_TEST_CASE(bad_ftps_urls_are_refused) {
    for (const char* bad : {"ftps://", "ftps:///x", "ftps://host:0/", "ftps://host:65536/", "ftps://@host/"}) {
        BOOST_TEST_CONTEXT(bad) { BOOST_CHECK_THROW(parse_url(bad), std::invalid_argument); }
    }
    BOOST_CHECK_THROW(parse({"ftps://host/", "990"}), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(usage_mentions_the_tls_flags) {
    const std::string usage(usage_text());
    for (const char* word : {"-s", "--cacert", "-k", "ftps://", "990"}) {
        BOOST_TEST_CONTEXT(word) { BOOST_TEST(usage.find(word) != std::string::npos); }
    }
}

BOOST_AUTO_TEST_CASE(tls_client_refuses_a_cacert_it_cannot_load) {
    try {
        TlsClient client(TlsSettings{true, std::string("/nonexistent/ca.pem")});
        BOOST_FAIL("no error");
    } catch (const TlsError& e) {
        BOOST_TEST(std::string(e.what()).starts_with("TLS: cannot load --cacert '/nonexistent/ca.pem': "));
    }
}

BOOST_AUTO_TEST_CASE(tls_client_without_verification_needs_no_ca) {
    const TlsClient client(TlsSettings{false, std::nullopt});
    BOOST_TEST(!client.verifies_peer());
    BOOST_TEST(client.new_ssl("127.0.0.1") != nullptr);
    BOOST_TEST(client.new_ssl("ftp.example.org") != nullptr);
}

BOOST_AUTO_TEST_CASE(ip_literals_are_told_from_names) {
    BOOST_TEST(is_ip_literal("127.0.0.1"));
    BOOST_TEST(is_ip_literal("::1"));
    BOOST_TEST(is_ip_literal("fe80::1"));
    BOOST_TEST(!is_ip_literal("localhost"));
    BOOST_TEST(!is_ip_literal("ftp.example.org"));
    BOOST_TEST(!is_ip_literal("[::1]"));
    BOOST_TEST(!is_ip_literal("127.1"));  // inet_pton is strict: a name for the resolver
}

BOOST_AUTO_TEST_SUITE_END()
