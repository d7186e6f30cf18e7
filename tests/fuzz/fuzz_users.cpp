// libFuzzer target: the users-file parser (worker/accounts.hpp). parse_users must never
// throw or crash; every account it keeps must be one the server can safely use, and
// every error must point at a line of the input. ftpctl's document model must give the
// text back unchanged, and each account's formatted line must read back equal. No password is ever checked here
// (crypt(3) takes tens of milliseconds per call).
#include "tests/fuzz/fuzz_check.hpp"
#include "worker/accounts.hpp"

#include <algorithm>
#include <set>
#include <string>

namespace {

using namespace ftpd::worker;

void check_account(const Account& a) {
    FUZZ_CHECK(!a.name.empty() && a.name.size() <= 64);
    for (unsigned char c : a.name) FUZZ_CHECK(c > 0x20 && c != 0x7f && c != ':');
    FUZZ_CHECK(!is_anonymous_name(a.name));
    FUZZ_CHECK(!a.hash.empty() && a.hash.find(':') == std::string::npos);
    FUZZ_CHECK(a.root.empty() || a.root.front() == '/');
    FUZZ_CHECK(a.root.find(':') == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = ftpd::fuzz::as_text(data, size);
    const UsersFile users = parse_users(text, "fuzz.users");

    const int lines = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    std::set<int> bad_lines;
    for (const auto& e : users.errors) {
        FUZZ_CHECK(e.file == "fuzz.users");
        FUZZ_CHECK(e.line >= 1 && e.line <= lines);
        FUZZ_CHECK(!e.message.empty());
        FUZZ_CHECK(e.to_string().starts_with("fuzz.users:"));
        bad_lines.insert(e.line);
    }
    FUZZ_CHECK(users.accounts.size() + bad_lines.size() <= static_cast<std::size_t>(lines));

    std::set<std::string> names;
    const Accounts accounts(users.accounts);
    for (const Account& a : users.accounts) {
        check_account(a);
        FUZZ_CHECK(names.insert(a.name).second);  // no name twice
        const Account* found = accounts.find(a.name);
        FUZZ_CHECK(found == &a);
        const UsersFile again = parse_users(format_account(a) + "\n", "again", false);
        FUZZ_CHECK(again.errors.empty() && again.accounts.size() == 1);
        const Account& b = again.accounts.front();
        FUZZ_CHECK(b.name == a.name && b.hash == a.hash && b.root == a.root && b.writable == a.writable);
        FUZZ_CHECK(b.limits == a.limits);
    }
    const UsersDocument doc = parse_users_document(text, "fuzz.users");
    FUZZ_CHECK(doc.render() == text);
    FUZZ_CHECK(doc.errors.size() == users.errors.size());
    return 0;
}
