// libFuzzer target: ftpd.conf parsing (master/config.hpp). parse_config reports every
// problem as a returned error and must never throw or crash, whatever the file holds.
// Inputs that mention users_file, tls_cert or tls_key are skipped: those keys make the
// parser read any file the input names (as root, /proc/kcore included), which is the
// admin's business, not the parser's; fuzz_users covers the users-file parser itself.
#include "master/config.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <algorithm>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(ftpd::fuzz::as_text(data, size));
    for (const char* key : {"users_file", "tls_cert", "tls_key"})
        if (text.find(key) != std::string::npos) return 0;

    ftpd::master::Config cfg;
    const auto errors = ftpd::master::parse_config(text, "fuzz.conf", cfg);

    const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    for (const auto& e : errors) {
        FUZZ_CHECK(e.file == "fuzz.conf");
        FUZZ_CHECK(e.line >= 0 && e.line <= lines);
        FUZZ_CHECK(!e.message.empty());
        FUZZ_CHECK(e.to_string().starts_with("fuzz.conf"));
    }
    if (errors.empty()) {
        FUZZ_CHECK(cfg.path == "fuzz.conf");
        FUZZ_CHECK(!cfg.listen.empty());
        FUZZ_CHECK(cfg.workers >= 1 && cfg.workers <= 256);
        FUZZ_CHECK(!cfg.server.root.empty() && cfg.server.root.front() == '/');
        FUZZ_CHECK(cfg.server.pasv_low <= cfg.server.pasv_high);
        FUZZ_CHECK(cfg.server.umask <= 0777);
    } else {
        // The error path must leave the caller's Config alone.
        FUZZ_CHECK(cfg.path.empty() && cfg.listen.empty());
    }
    return 0;
}
