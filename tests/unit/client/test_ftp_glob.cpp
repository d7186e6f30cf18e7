// Unit tests of client/ftp/glob: the wildcard matching behind mget (remote names,
// fnmatch), mput (glob(3)) and tab completion.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "client/ftp/glob.hpp"

using namespace ftpd::client;
using Names = std::vector<std::string>;
namespace fs = std::filesystem;

namespace {

// A temp directory with a few files and a subdirectory, removed afterwards.
struct LocalTree {
    LocalTree() {
        std::string tmpl = (fs::temp_directory_path() / "ftp-glob-XXXXXX").string();
        dir = ::mkdtemp(tmpl.data());
        for (const char* name : {"a.txt", "b.txt", "c.bin", ".hidden.txt"}) std::ofstream(dir / name) << name;
        fs::create_directory(dir / "sub.txt");
    }
    ~LocalTree() { fs::remove_all(dir); }
    fs::path dir;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ftp_glob)

BOOST_AUTO_TEST_CASE(has_glob_chars_sees_unescaped_wildcards_only) {
    BOOST_TEST(has_glob_chars("*.txt"));
    BOOST_TEST(has_glob_chars("file?.bin"));
    BOOST_TEST(has_glob_chars("[ab].txt"));
    BOOST_TEST(!has_glob_chars("plain.txt"));
    BOOST_TEST(!has_glob_chars("star\\*.txt"));
    BOOST_TEST(!has_glob_chars(""));
}

BOOST_AUTO_TEST_CASE(glob_match_follows_fnmatch) {
    BOOST_TEST(glob_match("*.txt", "hello.txt"));
    BOOST_TEST(!glob_match("*.txt", "hello.txt.bak"));
    BOOST_TEST(glob_match("file?.bin", "file1.bin"));
    BOOST_TEST(!glob_match("file?.bin", "file10.bin"));
    BOOST_TEST(glob_match("[ab]*", "beta"));
    BOOST_TEST(!glob_match("[!ab]*", "beta"));
    BOOST_TEST(glob_match("with space*", "with space.txt"));
}

BOOST_AUTO_TEST_CASE(a_leading_dot_must_be_matched_explicitly) {
    BOOST_TEST(!glob_match("*", ".profile"));
    BOOST_TEST(!glob_match("?profile", ".profile"));
    BOOST_TEST(glob_match(".*", ".profile"));
}

BOOST_AUTO_TEST_CASE(match_names_keeps_order_and_never_dot_entries) {
    const Names names{"b.txt", ".", "..", "a.txt", "c.bin", ".hidden.txt"};
    BOOST_TEST(match_names("*.txt", names) == (Names{"b.txt", "a.txt"}), boost::test_tools::per_element());
    BOOST_TEST(match_names(".*", names) == Names{".hidden.txt"}, boost::test_tools::per_element());
    BOOST_TEST(match_names("*.iso", names).empty());
}

BOOST_AUTO_TEST_CASE(split_dir_keeps_the_slash_on_the_directory) {
    BOOST_TEST((split_dir("sub/dir/*.txt") == PathSplit{"sub/dir/", "*.txt"}));
    BOOST_TEST((split_dir("*.txt") == PathSplit{"", "*.txt"}));
    BOOST_TEST((split_dir("/abs") == PathSplit{"/", "abs"}));
    BOOST_TEST((split_dir("dir/") == PathSplit{"dir/", ""}));
}

BOOST_AUTO_TEST_CASE(names_with_prefix_sorts_and_dedups) {
    const Names names{"hello.txt", "help/", "world", "hello.txt", ".", "hat"};
    BOOST_TEST(names_with_prefix("hel", names) == (Names{"hello.txt", "help/"}), boost::test_tools::per_element());
    BOOST_TEST(names_with_prefix("", {"b", "a", ".."}) == (Names{"a", "b"}), boost::test_tools::per_element());
    BOOST_TEST(names_with_prefix("zz", names).empty());
}

BOOST_AUTO_TEST_CASE(expand_local_globs_sorted_and_passes_literals_through) {
    LocalTree tree;
    const std::string d = tree.dir.string() + "/";
    BOOST_TEST(expand_local(d + "*.txt") == (Names{d + "a.txt", d + "b.txt", d + "sub.txt"}),
               boost::test_tools::per_element());
    BOOST_TEST(expand_local(d + "*.iso").empty());
    BOOST_TEST(expand_local("no-such-file") == Names{"no-such-file"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(local_entries_mark_directories) {
    LocalTree tree;
    Names got = local_entries(tree.dir.string());
    std::sort(got.begin(), got.end());
    BOOST_TEST(got == (Names{".hidden.txt", "a.txt", "b.txt", "c.bin", "sub.txt/"}), boost::test_tools::per_element());
    BOOST_TEST(local_entries(tree.dir.string() + "/nope").empty());
}

BOOST_AUTO_TEST_SUITE_END()
