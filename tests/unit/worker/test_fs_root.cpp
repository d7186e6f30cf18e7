// Path resolution inside a root: lexical normalisation, and the kernel's confinement of
// "..", absolute paths and symlinks (openat2 RESOLVE_IN_ROOT).
#include "worker/fs/files.hpp"
#include "worker/fs/fs_root.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>

using namespace ftpd::worker::fs;
namespace fs = std::filesystem;
namespace bdata = boost::unit_test::data;

namespace {

struct PathCase {
    const char* cwd;
    const char* arg;
    const char* expected;
};
std::ostream& operator<<(std::ostream& os, const PathCase& c) { return os << c.cwd << " + " << c.arg; }

const PathCase kPaths[] = {
    {"/", "", "/"},
    {"/", "a", "/a"},
    {"/pub", "a.iso", "/pub/a.iso"},
    {"/pub", "/etc/passwd", "/etc/passwd"},
    {"/pub", "..", "/"},
    {"/pub", "../..", "/"},
    {"/", "../../../etc/passwd", "/etc/passwd"},
    {"/a/b", "./c/./d/", "/a/b/c/d"},
    {"/a/b", "..//x", "/a/x"},
    {"/", "...", "/..."},
    {"/", "%2e%2e/x", "/%2e%2e/x"},
    {"/a", "b/../../..", "/"},
};

// A temp tree: root/{pub/a.txt, up -> .., abs -> /etc, out -> <outside>/secret}
struct Tree {
    fs::path base;
    fs::path root;
    Tree() {
        char tmpl[] = "/tmp/ftpd-fsroot-XXXXXX";
        base = ::mkdtemp(tmpl);
        root = base / "root";
        fs::create_directories(root / "pub");
        std::ofstream(root / "pub" / "a.txt") << "inside";
        std::ofstream(base / "secret") << "outside";
        fs::create_symlink("..", root / "up");
        fs::create_symlink("/etc", root / "abs");
        fs::create_symlink(base / "secret", root / "out");
        fs::create_symlink("../../secret", root / "pub" / "rel-out");
        fs::create_symlink("pub/a.txt", root / "good");
    }
    ~Tree() { fs::remove_all(base); }
};

std::string read_fd(int fd) {
    char buf[64];
    ssize_t n = ::read(fd, buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fs_root)

BOOST_DATA_TEST_CASE(normalize_path_never_rises_above_root, bdata::make(kPaths), c) {
    BOOST_TEST(normalize_path(c.cwd, c.arg) == c.expected);
}

BOOST_AUTO_TEST_CASE(base_and_parent_of_virtual_paths) {
    BOOST_TEST(base_name("/pub/a.iso") == "a.iso");
    BOOST_TEST(base_name("/") == "");
    BOOST_TEST(parent_path("/pub/a.iso") == "/pub");
    BOOST_TEST(parent_path("/a") == "/");
    BOOST_TEST(parent_path("/") == "/");
}

BOOST_AUTO_TEST_CASE(files_inside_the_root_open) {
    Tree t;
    FsRoot root(t.root.string());
    std::error_code ec;
    auto fd = root.open("/pub/a.txt", O_RDONLY, 0, ec);
    BOOST_REQUIRE(!ec);
    BOOST_TEST(read_fd(fd.get()) == "inside");
    auto via_link = root.open("/good", O_RDONLY, 0, ec);
    BOOST_REQUIRE(!ec);
    BOOST_TEST(read_fd(via_link.get()) == "inside");
}

BOOST_AUTO_TEST_CASE(symlinks_pointing_outside_stay_inside) {
    Tree t;
    FsRoot root(t.root.string());
    std::error_code ec;
    // An absolute link target is taken relative to the root: /secret is not there.
    auto out = root.open("/out", O_RDONLY, 0, ec);
    BOOST_TEST(!out);
    BOOST_TEST(ec.value() == ENOENT);
    // "../../secret" from /pub climbs to the root and stops there.
    auto rel = root.open("/pub/rel-out", O_RDONLY, 0, ec);
    BOOST_TEST(!rel);
    // "up" -> ".." is the root itself.
    auto up = root.open("/up/pub/a.txt", O_RDONLY, 0, ec);
    BOOST_REQUIRE(!ec);
    BOOST_TEST(read_fd(up.get()) == "inside");
    // "abs" -> "/etc" is <root>/etc, which does not exist.
    auto etc = root.open("/abs/passwd", O_RDONLY, 0, ec);
    BOOST_TEST(!etc);
}

BOOST_AUTO_TEST_CASE(raw_dotdot_in_a_path_is_confined_by_the_kernel) {
    Tree t;
    FsRoot root(t.root.string());
    std::error_code ec;
    // Even without normalize_path, the kernel keeps ".." at the root.
    auto fd = root.open("../../secret", O_RDONLY, 0, ec);
    BOOST_TEST(!fd);
    auto inside = root.open("../../pub/a.txt", O_RDONLY, 0, ec);
    BOOST_REQUIRE(!ec);
    BOOST_TEST(read_fd(inside.get()) == "inside");
}

// Every entry of the directory, read in batches of `batch`, sorted by name.
std::vector<std::string> names_in(const RootPtr& root, const std::string& vpath, bool hidden, std::size_t batch) {
    auto reader = DirReader::open(root, vpath, hidden);
    BOOST_REQUIRE(!reader.ec);
    std::vector<std::string> names;
    for (;;) {
        auto b = reader.value->next(batch, std::chrono::seconds(10));
        BOOST_REQUIRE(!b.ec);
        BOOST_TEST(b.value.entries.size() <= batch);
        for (const auto& e : b.value.entries) names.push_back(e.name);
        if (b.value.end) break;
    }
    std::sort(names.begin(), names.end());
    return names;
}

BOOST_AUTO_TEST_CASE(listing_hides_dot_files_and_links_leading_outside) {
    Tree t;
    std::ofstream(t.root / ".hidden") << "x";
    auto root = std::make_shared<const FsRoot>(t.root.string());
    // "out" and "abs" lead nowhere inside the root; "up" is the root; "good" is a file.
    std::vector<std::string> expected{"good", "pub", "up"};
    auto names = names_in(root, "/", false, 512);
    BOOST_TEST(names == expected, boost::test_tools::per_element());
    BOOST_TEST(names_in(root, "/", true, 512).size() == 4u);
}

BOOST_AUTO_TEST_CASE(a_directory_comes_in_batches_with_every_entry_once) {
    Tree t;
    for (int i = 0; i < 1000; ++i) std::ofstream(t.root / "pub" / ("f" + std::to_string(i))) << i;
    auto root = std::make_shared<const FsRoot>(t.root.string());
    auto names = names_in(root, "/pub", false, 7);
    BOOST_TEST(names.size() == 1001u);  // and a.txt
    BOOST_TEST((std::adjacent_find(names.begin(), names.end()) == names.end()));
    BOOST_TEST((std::find(names.begin(), names.end(), "f999") != names.end()));
}

BOOST_AUTO_TEST_CASE(a_batch_stops_at_its_time_budget) {
    Tree t;
    for (int i = 0; i < 100; ++i) std::ofstream(t.root / "pub" / ("f" + std::to_string(i))) << i;
    auto root = std::make_shared<const FsRoot>(t.root.string());
    auto reader = DirReader::open(root, "/pub", false);
    BOOST_REQUIRE(!reader.ec);
    // A budget already spent after the first entry: one entry per call, never none.
    auto b = reader.value->next(1000, std::chrono::milliseconds(0));
    BOOST_REQUIRE(!b.ec);
    BOOST_TEST(b.value.entries.size() == 1u);
    BOOST_TEST(!b.value.end);
}

BOOST_AUTO_TEST_CASE(modifications_stay_inside) {
    Tree t;
    FsRoot root(t.root.string());
    std::error_code ec;
    root.mkdir("/pub/new", 0755, ec);
    BOOST_TEST(!ec);
    BOOST_TEST(fs::is_directory(t.root / "pub" / "new"));
    root.rename("/pub/a.txt", "/pub/new/b.txt", true, ec);
    BOOST_TEST(!ec);
    BOOST_TEST(fs::exists(t.root / "pub" / "new" / "b.txt"));
    std::ofstream(t.root / "c.txt") << "c";
    root.rename("/c.txt", "/pub/new/b.txt", true, ec);
    BOOST_TEST(ec.value() == EEXIST);
    root.unlink("/pub/new/b.txt", ec);
    BOOST_TEST(!ec);
    root.unlink("/pub", ec);
    BOOST_TEST(ec.value() == EISDIR);
    root.rmdir("/pub/new", ec);
    BOOST_TEST(!ec);
    root.unlink("/", ec);
    BOOST_TEST(bool(ec));
    // Deleting the link "out" removes the link, never its target outside.
    root.unlink("/out", ec);
    BOOST_TEST(!ec);
    BOOST_TEST(fs::exists(t.base / "secret"));
}

BOOST_AUTO_TEST_SUITE_END()
