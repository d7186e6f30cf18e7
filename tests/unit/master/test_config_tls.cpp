// The TLS keys: tls, tls_cert, tls_key, tls_require_reuse, tls_ciphers, tls_min_version and
// listen_implicit. The master loads the certificate while parsing, so a bad pair is a
// config error with its line. Certificates are made here with OpenSSL, in a temp dir.
#include "master/config.hpp"

#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

using namespace ftpd::master;
namespace fs = std::filesystem;

namespace {

// A temp dir with a self-signed P-256 certificate (cert.pem, key.pem) and a second,
// unrelated key (other.pem); removed when the fixture ends.
struct CertDir {
    fs::path dir;

    CertDir() {
        std::string tmpl = (fs::temp_directory_path() / "ftpd-unit-tls-XXXXXX").string();
        dir = ::mkdtemp(tmpl.data());
        EVP_PKEY* key = EVP_EC_gen("P-256");
        X509* cert = X509_new();
        ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
        X509_gmtime_adj(X509_getm_notBefore(cert), 0);
        X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
        X509_set_pubkey(cert, key);
        X509_NAME* name = X509_get_subject_name(cert);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("test"), -1, -1, 0);
        X509_set_issuer_name(cert, name);
        X509_sign(cert, key, EVP_sha256());
        write("cert.pem", [&](FILE* f) { PEM_write_X509(f, cert); });
        write("key.pem", [&](FILE* f) { PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr); });
        EVP_PKEY* other = EVP_EC_gen("P-256");
        write("other.pem", [&](FILE* f) { PEM_write_PrivateKey(f, other, nullptr, nullptr, 0, nullptr, nullptr); });
        EVP_PKEY_free(other);
        X509_free(cert);
        EVP_PKEY_free(key);
    }
    ~CertDir() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    template <class F>
    void write(const char* file, F body) {
        FILE* f = std::fopen((dir / file).c_str(), "w");
        BOOST_TEST_REQUIRE(f != nullptr);
        body(f);
        std::fclose(f);
    }
    std::string path(const char* file) const { return (dir / file).string(); }
    // A config with tls = MODE and the pair (cert, key).
    std::string config(const std::string& mode, const char* key = "key.pem") const {
        return "root = /\ntls = " + mode + "\ntls_cert = " + path("cert.pem") + "\ntls_key = " + path(key) + "\n";
    }
};

std::string joined(const std::vector<ConfigError>& errors) {
    std::string s;
    for (const auto& e : errors) s += e.to_string() + "\n";
    return s;
}

std::vector<ConfigError> parse(const std::string& text, Config& cfg) { return parse_config(text, "t.conf", cfg); }

void expect_one_error(const std::string& text, int line, const std::string& needle) {
    Config cfg;
    auto errors = parse(text, cfg);
    BOOST_TEST_REQUIRE(errors.size() == 1u, text);
    BOOST_TEST(errors[0].line == line, errors[0].to_string());
    BOOST_TEST(errors[0].message.find(needle) != std::string::npos, errors[0].to_string());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_tls)

BOOST_AUTO_TEST_CASE(defaults_are_off_reuse_yes_and_tls_1_2) {
    Config cfg;
    BOOST_TEST_REQUIRE(parse("root = /\n", cfg).empty());
    BOOST_TEST((cfg.server.tls == ftpd::worker::TlsMode::off));
    BOOST_TEST(cfg.server.tls_require_reuse);
    BOOST_TEST(cfg.tls.min_version == 0x0303);
    BOOST_TEST(!cfg.server.tls_context);
}

BOOST_AUTO_TEST_CASE(bad_values_name_their_line) {
    expect_one_error("root = /\ntls = sometimes\n", 2, "bad value for 'tls'");
    expect_one_error("root = /\ntls_min_version = 1.1\n", 2, "expected 1.2 or 1.3");
    expect_one_error("root = /\ntls_require_reuse = maybe\n", 2, "bad value for 'tls_require_reuse'");
    expect_one_error("root = /\ntls_cert = cert.pem\n", 2, "is not an absolute path");
}

BOOST_AUTO_TEST_CASE(tls_without_cert_and_key_is_an_error_at_the_tls_line) {
    expect_one_error("root = /\n\ntls = explicit\n", 3, "tls needs tls_cert and tls_key");
}

BOOST_AUTO_TEST_CASE(listen_implicit_needs_tls) {
    expect_one_error("root = /\nlisten_implicit = 127.0.0.1:990\n", 2, "listen_implicit needs tls");
}

BOOST_AUTO_TEST_CASE(a_missing_certificate_is_reported_at_the_tls_cert_line) {
    CertDir d;
    expect_one_error("root = /\ntls = explicit\ntls_cert = " + d.path("none.pem") + "\ntls_key = " + d.path("key.pem") +
                         "\n",
                     3, "tls_cert");
}

BOOST_AUTO_TEST_CASE(a_key_that_does_not_match_is_reported_at_the_tls_key_line) {
    CertDir d;
    expect_one_error(d.config("explicit", "other.pem"), 4, "mismatch");
}

BOOST_AUTO_TEST_CASE(bad_cipher_list_is_reported_at_its_line) {
    CertDir d;
    expect_one_error(d.config("explicit") + "tls_ciphers = NO-SUCH-CIPHER\n", 5, "tls_ciphers");
}

BOOST_AUTO_TEST_CASE(a_good_pair_builds_the_context) {
    CertDir d;
    Config cfg;
    auto errors = parse(d.config("required") + "tls_min_version = 1.3\ntls_require_reuse = no\n", cfg);
    BOOST_TEST_REQUIRE(errors.empty(), joined(errors));
    BOOST_TEST(cfg.server.tls_context != nullptr);
    BOOST_TEST((cfg.server.tls == ftpd::worker::TlsMode::required));
    BOOST_TEST(!cfg.server.tls_require_reuse);
    BOOST_TEST(cfg.tls.min_version == 0x0304);
}

BOOST_AUTO_TEST_CASE(listen_implicit_adds_an_implicit_listener_beside_listen) {
    CertDir d;
    Config cfg;
    auto errors = parse(d.config("explicit") + "listen = 127.0.0.1:21\nlisten_implicit = 127.0.0.1:990\n", cfg);
    BOOST_TEST_REQUIRE(errors.empty(), joined(errors));
    BOOST_TEST_REQUIRE(cfg.listen.size() == 2u);
    BOOST_TEST(!cfg.listen[0].implicit_tls);
    BOOST_TEST(cfg.listen[1].implicit_tls);
    BOOST_TEST(cfg.listen[1].port == 990);
}

BOOST_AUTO_TEST_CASE(listen_implicit_takes_proxy_protocol_too) {
    CertDir d;
    Config cfg;
    auto errors = parse(d.config("explicit") + "listen_implicit = 127.0.0.1:990 proxy_protocol\nproxy_trusted = 127.0.0.1\n", cfg);
    BOOST_TEST_REQUIRE(errors.empty(), joined(errors));
    BOOST_TEST_REQUIRE(cfg.listen.size() == 1u);
    BOOST_TEST(cfg.listen[0].implicit_tls);
    BOOST_TEST(cfg.listen[0].proxy_protocol);
    BOOST_TEST(cfg.listen[0].text == "127.0.0.1:990");
}

BOOST_AUTO_TEST_CASE(tls_implicit_makes_every_listener_implicit) {
    CertDir d;
    Config cfg;
    auto errors = parse(d.config("implicit") + "listen = 127.0.0.1:990\n", cfg);
    BOOST_TEST_REQUIRE(errors.empty(), joined(errors));
    BOOST_TEST_REQUIRE(cfg.listen.size() == 1u);
    BOOST_TEST(cfg.listen[0].implicit_tls);
}

BOOST_AUTO_TEST_SUITE_END()
