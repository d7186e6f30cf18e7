// Listing facts without sockets: RFC 3659 perm letters for what a session may do, and the
// OPTS MLST fact selection (parse, FEAT text, filtering a facts line).
#include "worker/file_facts.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>

using namespace ftpd::worker;

namespace {

constexpr uid_t kWorker = 65534;  // nobody
constexpr uid_t kOther = 0;

struct stat make_stat(mode_t type, mode_t perm, uid_t owner = kOther) {
    struct stat st {};
    st.st_mode = type | perm;
    st.st_uid = owner;
    st.st_gid = owner;
    return st;
}

std::string sorted(std::string s) {
    std::sort(s.begin(), s.end());
    return s;
}

const Permissions kReader{false, false, kWorker, kWorker};
const Permissions kWriter{true, false, kWorker, kWorker};
const Permissions kOverwriter{true, true, kWorker, kWorker};

}  // namespace

BOOST_AUTO_TEST_SUITE(file_facts)

BOOST_AUTO_TEST_CASE(read_only_session_gets_only_r_on_files_and_el_on_dirs) {
    auto open_dir = make_stat(S_IFDIR, 0777);
    BOOST_TEST(mlsx_perm(make_stat(S_IFREG, 0666), open_dir, kReader) == "r");
    BOOST_TEST(sorted(mlsx_perm(make_stat(S_IFDIR, 0777), open_dir, kReader)) == "el");
}

BOOST_AUTO_TEST_CASE(writer_in_writable_dir_may_delete_and_rename_but_not_append_to_foreign_file) {
    auto dir = make_stat(S_IFDIR, 0777);
    BOOST_TEST(sorted(mlsx_perm(make_stat(S_IFREG, 0644), dir, kWriter)) == "dfr");
}

BOOST_AUTO_TEST_CASE(overwrite_adds_w_and_own_file_adds_a) {
    auto dir = make_stat(S_IFDIR, 0777);
    BOOST_TEST(sorted(mlsx_perm(make_stat(S_IFREG, 0644, kWorker), dir, kOverwriter)) == "adfrw");
    BOOST_TEST(sorted(mlsx_perm(make_stat(S_IFREG, 0644, kWorker), dir, kWriter)) == "adfr");
}

BOOST_AUTO_TEST_CASE(read_only_parent_takes_away_delete_rename_and_overwrite) {
    auto dir = make_stat(S_IFDIR, 0755);
    BOOST_TEST(sorted(mlsx_perm(make_stat(S_IFREG, 0644, kWorker), dir, kOverwriter)) == "ar");
}

BOOST_AUTO_TEST_CASE(writable_directory_gives_all_directory_letters) {
    auto parent = make_stat(S_IFDIR, 0777);
    BOOST_TEST(sorted(mlsx_perm(make_stat(S_IFDIR, 0777), parent, kWriter)) == "cdeflmp");
    BOOST_TEST(sorted(mlsx_perm(make_stat(S_IFDIR, 0700), parent, kWriter)) == "df");
}

BOOST_AUTO_TEST_CASE(unreadable_file_has_no_r) {
    BOOST_TEST(mlsx_perm(make_stat(S_IFREG, 0600), make_stat(S_IFDIR, 0755), kReader).empty());
}

BOOST_AUTO_TEST_CASE(parse_mlst_facts_is_case_insensitive_and_ignores_unknown) {
    BOOST_TEST(parse_mlst_facts("type;size;") == 0b00011u);
    BOOST_TEST(parse_mlst_facts("TYPE;Modify;unique") == 0b10101u);
    BOOST_TEST(parse_mlst_facts("media-type;charset;") == 0u);
    BOOST_TEST(parse_mlst_facts("") == 0u);
}

BOOST_AUTO_TEST_CASE(feat_and_opts_texts_mark_the_selection) {
    BOOST_TEST(mlst_feat_text(kAllMlstFacts) ==
               "MLST type*;size*;modify*;perm*;unique*;UNIX.mode*;UNIX.owner*;UNIX.group*;");
    BOOST_TEST(mlst_feat_text(0b00011u) == "MLST type*;size*;modify;perm;unique;UNIX.mode;UNIX.owner;UNIX.group;");
    BOOST_TEST(mlst_facts_text(0b00011u) == "type;size;");
    BOOST_TEST(mlst_facts_text(0u) == "");
}

BOOST_AUTO_TEST_CASE(select_facts_keeps_the_name_and_the_selected_facts) {
    std::string line = "type=file;size=12;modify=20240102030405;perm=r;unique=1U2; my file;x=1";
    BOOST_TEST(select_facts(line, 0b00011u) == "type=file;size=12; my file;x=1");
    BOOST_TEST(select_facts(line, 0u) == " my file;x=1");
    BOOST_TEST(select_facts(line, kAllMlstFacts) == line);
}

BOOST_AUTO_TEST_SUITE_END()
