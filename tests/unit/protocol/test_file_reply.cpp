// Unit tests of the refusal table (worker/protocol/file_reply.hpp): every command and error
// gets a code RFC 959 section 5.4 lists for that command, and the codes clients act on.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cerrno>
#include <string>

#include "worker/protocol/file_reply.hpp"

using namespace ftpd::protocol;
namespace bdata = boost::unit_test::data;

namespace {

constexpr FileError kErrors[] = {
    FileError::not_found, FileError::permission, FileError::exists,        FileError::not_plain,
    FileError::is_directory, FileError::not_directory, FileError::not_empty, FileError::name_too_long,
    FileError::no_space,  FileError::quota,      FileError::busy,          FileError::timed_out,
    FileError::aborted,   FileError::local,
};

const char* kVerbs[] = {"RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD", "STAT", "RNFR", "RNTO",
                        "DELE", "RMD",  "MKD",  "CWD",  "CDUP", "SIZE", "MDTM", "MLST", "SITE", "XMKD"};

struct Expected {
    const char* verb;
    FileError error;
    Phase phase;
    int code;
};
std::ostream& operator<<(std::ostream& os, const Expected& e) {
    return os << e.verb << " error " << static_cast<int>(e.error) << (e.phase == Phase::after_data ? " after" : "");
}

const Expected kExpected[] = {
    {"RETR", FileError::not_found, Phase::before_data, 550},
    {"RETR", FileError::permission, Phase::before_data, 550},
    {"RETR", FileError::busy, Phase::before_data, 450},
    {"RETR", FileError::timed_out, Phase::after_data, 451},
    {"RETR", FileError::aborted, Phase::after_data, 426},
    {"STOR", FileError::exists, Phase::before_data, 553},
    {"STOR", FileError::is_directory, Phase::before_data, 553},
    {"STOR", FileError::not_found, Phase::before_data, 553},
    {"STOR", FileError::no_space, Phase::before_data, 452},
    {"STOR", FileError::no_space, Phase::after_data, 451},
    {"STOR", FileError::quota, Phase::after_data, 552},
    {"STOR", FileError::busy, Phase::before_data, 450},
    {"APPE", FileError::not_found, Phase::before_data, 550},
    {"APPE", FileError::not_plain, Phase::before_data, 553},  // onto a FIFO, socket or device
    {"APPE", FileError::is_directory, Phase::before_data, 553},
    {"STOR", FileError::not_plain, Phase::before_data, 553},
    {"STOU", FileError::not_plain, Phase::before_data, 553},
    {"RNTO", FileError::not_plain, Phase::before_data, 553},
    {"RNTO", FileError::is_directory, Phase::before_data, 553},
    {"RETR", FileError::not_plain, Phase::before_data, 550},
    {"RNFR", FileError::not_plain, Phase::before_data, 550},
    {"MKD", FileError::exists, Phase::before_data, 550},  // rclone and lftp read 550 as "already there"
    {"XMKD", FileError::exists, Phase::before_data, 550},
    {"MKD", FileError::busy, Phase::before_data, 550},
    {"RMD", FileError::not_empty, Phase::before_data, 550},
    {"LIST", FileError::not_found, Phase::before_data, 450},
    {"NLST", FileError::permission, Phase::before_data, 450},
    {"MLSD", FileError::not_found, Phase::before_data, 550},
    {"STAT", FileError::not_found, Phase::before_data, 450},
    {"RNTO", FileError::not_found, Phase::before_data, 553},
    {"RNTO", FileError::exists, Phase::before_data, 553},
    {"RNFR", FileError::not_found, Phase::before_data, 550},
    {"DELE", FileError::busy, Phase::before_data, 450},
    {"DELE", FileError::is_directory, Phase::before_data, 550},
    {"CWD", FileError::aborted, Phase::before_data, 550},
    {"SIZE", FileError::timed_out, Phase::before_data, 550},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(file_reply)

BOOST_AUTO_TEST_CASE(every_refusal_uses_a_code_rfc_959_lists_for_the_command) {
    for (const char* verb : kVerbs)
        for (FileError e : kErrors)
            for (Phase phase : {Phase::before_data, Phase::after_data}) {
                auto allowed = failure_codes(verb, phase);
                if (allowed.empty()) continue;  // no data phase
                int code = file_error_reply(verb, e, phase, "x").code;
                BOOST_TEST((std::find(allowed.begin(), allowed.end(), code) != allowed.end()),
                           verb << " error " << static_cast<int>(e) << " gave " << code);
            }
}

BOOST_DATA_TEST_CASE(the_codes_clients_act_on, bdata::make(kExpected), e) {
    BOOST_TEST(file_error_reply(e.verb, e.error, e.phase, "x").code == e.code);
}

BOOST_AUTO_TEST_CASE(texts_name_the_path_as_given) {
    BOOST_TEST(file_error_reply("RETR", FileError::not_found, Phase::before_data, "pub/a.iso").text ==
               "pub/a.iso: No such file or directory.");
    BOOST_TEST(file_error_reply("MKD", FileError::exists, Phase::before_data, "d").text == "d: File exists.");
    BOOST_TEST(file_error_reply("RETR", FileError::timed_out, Phase::after_data, "").text ==
               "File system not responding; try again later.");
    BOOST_TEST(file_error_reply("STOR", FileError::no_space, Phase::before_data, "x").text ==
               "Insufficient storage space.");
}

BOOST_AUTO_TEST_CASE(errno_values_map_to_what_a_client_is_told) {
    BOOST_TEST((file_error_of_errno(ENOENT) == FileError::not_found));
    BOOST_TEST((file_error_of_errno(ENOTDIR) == FileError::not_found));
    BOOST_TEST((file_error_of_errno(EACCES) == FileError::permission));
    BOOST_TEST((file_error_of_errno(EROFS) == FileError::permission));
    BOOST_TEST((file_error_of_errno(EEXIST) == FileError::exists));
    BOOST_TEST((file_error_of_errno(ENXIO) == FileError::not_plain));
    BOOST_TEST((file_error_of_errno(ENOSPC) == FileError::no_space));
    BOOST_TEST((file_error_of_errno(EDQUOT) == FileError::quota));
    BOOST_TEST((file_error_of_errno(EIO) == FileError::local));
}

BOOST_AUTO_TEST_CASE(an_unknown_verb_gets_550_or_451) {
    BOOST_TEST(failure_codes("NOOP", Phase::before_data).empty());
    BOOST_TEST(file_error_reply("NOOP", FileError::local, Phase::before_data, "x").code == 550);
    BOOST_TEST(file_error_reply("NOOP", FileError::local, Phase::after_data, "x").code == 451);
}

BOOST_AUTO_TEST_SUITE_END()
