// A key lives in three places: the key table, etc/ftpd.conf and man/ftpd.conf.5.
// These tests fail when one of them lacks a key or shows another default.
#include "master/config.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace ftpd::master;

namespace {

std::string read_file(const std::string& rel) {
    std::ifstream f(std::string(FTPD_SOURCE_DIR) + "/" + rel);
    BOOST_REQUIRE_MESSAGE(f, "cannot read " << rel);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// man page entries: ".TP\n.B key\n<text ... Default: \fBvalue\fR.>"
std::map<std::string, std::string> man_entries() {
    std::map<std::string, std::string> out;
    std::string text = read_file("man/ftpd.conf.5");
    std::regex entry(R"(\.TP\n\.B ([a-z_]+)\n([^\n]*))");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), entry); it != std::sregex_iterator(); ++it)
        out[(*it)[1]] = (*it)[2];
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config_docs)

BOOST_AUTO_TEST_CASE(example_config_lists_every_key_with_its_default) {
    std::string text = read_file("etc/ftpd.conf");
    std::set<std::string> listed;
    std::regex line(R"(^# ([a-z_]+) =[ ]?(.*)$)");
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) {
        std::smatch m;
        if (!std::regex_match(l, m, line)) continue;
        BOOST_TEST(listed.insert(m[1]).second, "key listed twice in etc/ftpd.conf: " << m[1]);
        bool known = false;
        for (const auto& k : config_keys()) {
            if (k.name != m[1].str()) continue;
            known = true;
            BOOST_TEST(m[2].str() == std::string(k.default_value), "etc/ftpd.conf default of " << k.name);
        }
        BOOST_TEST(known, "etc/ftpd.conf lists a key the code lacks: " << m[1]);
    }
    for (const auto& k : config_keys())
        BOOST_TEST(listed.count(std::string(k.name)) == 1u, "etc/ftpd.conf lacks " << k.name);
}

BOOST_AUTO_TEST_CASE(man_page_documents_every_key_with_its_default) {
    auto entries = man_entries();
    for (const auto& k : config_keys()) {
        auto it = entries.find(std::string(k.name));
        BOOST_TEST_REQUIRE((it != entries.end()), "man/ftpd.conf.5 lacks " << k.name);
        const std::string& text = it->second;
        if (k.default_value.empty())
            BOOST_TEST((text.find("Default: empty") != std::string::npos ||
                        text.find("Default: \\fBstderr\\fR in the foreground") != std::string::npos),
                       k.name << ": " << text);
        else
            BOOST_TEST(text.find("Default: \\fB" + std::string(k.default_value) + "\\fR") != std::string::npos,
                       k.name << ": " << text);
    }
    for (const auto& [name, text] : entries) {
        bool known = false;
        for (const auto& k : config_keys()) known = known || k.name == name;
        BOOST_TEST(known, "man/ftpd.conf.5 documents a key the code lacks: " << name);
    }
}

BOOST_AUTO_TEST_CASE(example_config_parses_cleanly) {
    Config cfg;
    // The example is all comments: parsing it gives the defaults (root may be missing here).
    auto errors = parse_config(read_file("etc/ftpd.conf"), "etc/ftpd.conf", cfg);
    for (const auto& e : errors) BOOST_TEST(e.message.find("root") != std::string::npos, e.to_string());
}

BOOST_AUTO_TEST_SUITE_END()
