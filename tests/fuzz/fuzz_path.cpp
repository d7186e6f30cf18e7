// libFuzzer target: lexical path normalisation (worker/fs/fs_root.hpp), the first guard
// between a client's path argument and the file system. Input: the working directory,
// a '\n', then the argument (no '\n': the argument alone, with cwd "/"). The result
// must be a clean absolute path that never names anything above the root.
#include "tests/fuzz/fuzz_check.hpp"
#include "worker/fs/fs_root.hpp"

#include <set>
#include <string>

namespace {

using ftpd::worker::fs::base_name;
using ftpd::worker::fs::normalize_path;
using ftpd::worker::fs::parent_path;

// Absolute, no empty, "." or ".." component, no trailing slash except for "/" itself.
bool is_normal(std::string_view p) {
    if (p.empty() || p.front() != '/') return false;
    if (p == "/") return true;
    if (p.back() == '/') return false;
    std::size_t i = 1;
    while (i <= p.size()) {
        std::size_t j = p.find('/', i);
        if (j == std::string_view::npos) j = p.size();
        const std::string_view part = p.substr(i, j - i);
        if (part.empty() || part == "." || part == "..") return false;
        i = j + 1;
    }
    return true;
}

std::set<std::string_view> components(std::string_view p) {
    std::set<std::string_view> out;
    std::size_t i = 0;
    while (i <= p.size()) {
        std::size_t j = p.find('/', i);
        if (j == std::string_view::npos) j = p.size();
        out.insert(p.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

void check_result(std::string_view cwd, std::string_view arg, const std::string& out) {
    FUZZ_CHECK(is_normal(out));
    FUZZ_CHECK(out.find("//") == std::string::npos);
    FUZZ_CHECK(out.find("/./") == std::string::npos && out.find("/../") == std::string::npos);
    FUZZ_CHECK(!out.ends_with("/.") && !out.ends_with("/.."));

    // Nothing is invented: every component comes from cwd or arg.
    const auto from_cwd = components(cwd);
    const auto from_arg = components(arg);
    for (std::string_view part : components(std::string_view(out).substr(1)))
        FUZZ_CHECK(part.empty() || from_cwd.count(part) || from_arg.count(part));

    // A normal path is a fixed point, wherever it is looked at from.
    FUZZ_CHECK(normalize_path("/", out) == out);
    FUZZ_CHECK(normalize_path(cwd, out) == out);
    FUZZ_CHECK(normalize_path(out, "") == out && normalize_path(out, ".") == out);
    // A relative argument means the same from cwd as from cwd normalised.
    if (arg.empty() || arg.front() != '/') FUZZ_CHECK(normalize_path(normalize_path("/", cwd), arg) == out);
    // One ".." per component climbs to the root, and one more stays there.
    std::string up = "..";
    for (char c : out)
        if (c == '/') up += "/..";
    FUZZ_CHECK(normalize_path(out, up) == "/");
}

void check_parent(const std::string& out) {
    const std::string parent = parent_path(out);
    const std::string_view base = base_name(out);
    FUZZ_CHECK(is_normal(parent));
    FUZZ_CHECK(base.find('/') == std::string_view::npos);
    FUZZ_CHECK(normalize_path(out, "..") == parent);
    if (out == "/") {
        FUZZ_CHECK(parent == "/" && base.empty());
        return;
    }
    FUZZ_CHECK(!base.empty() && base != "." && base != "..");
    FUZZ_CHECK((parent == "/" ? parent : parent + "/") + std::string(base) == out);
    FUZZ_CHECK(normalize_path(parent, base) == out);
    FUZZ_CHECK(parent.size() < out.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = ftpd::fuzz::as_text(data, size);
    const std::size_t lf = text.find('\n');
    const std::string_view cwd = lf == std::string_view::npos ? std::string_view("/") : text.substr(0, lf);
    const std::string_view arg = lf == std::string_view::npos ? text : text.substr(lf + 1);

    const std::string out = normalize_path(cwd, arg);
    check_result(cwd, arg, out);
    check_parent(out);
    return 0;
}
