// Commands that only describe the server or the session's settings: SYST FEAT OPTS HELP
// NOOP TYPE MODE STRU. Runs in a worker's session; touches no files.
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"

#include <algorithm>

namespace ftpd::worker {
namespace code = protocol::code;

namespace {

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    return s;
}

}  // namespace

awaitable<void> Session::cmd_syst(const std::string&) {
    reply(code::kSystemType, "UNIX Type: L8");
    co_return;
}

// RFC 2389: one feature per line, each line starting with a space.
awaitable<void> Session::cmd_feat(const std::string&) {
    reply(code::kSystemStatus, "Features:\n EPRT\n EPSV\n MDTM\n PASV\n SIZE\n TVFS\n UTF8\nEnd");
    co_return;
}

awaitable<void> Session::cmd_opts(const std::string& arg) {
    // RFC 2640: names are UTF-8 always; OPTS UTF8 ON is accepted for clients that ask.
    std::string a = upper(arg);
    if (a == "UTF8 ON" || a == "UTF8")
        reply(code::kOk, "Always in UTF8 mode.");
    else
        reply(code::kSyntaxErrorArgs, "Option not understood.");
    co_return;
}

awaitable<void> Session::cmd_help(const std::string&) {
    reply(code::kHelp,
          "The following commands are recognized.\n"
          " CDUP CWD  DELE EPRT EPSV FEAT HELP LIST MDTM MKD  MODE NLST NOOP OPTS\n"
          " PASS PASV PORT PWD  QUIT RETR RMD  SIZE STOR STRU SYST TYPE USER\n"
          "Help OK.");
    co_return;
}

awaitable<void> Session::cmd_noop(const std::string&) {
    reply(code::kOk, "NOOP ok.");
    co_return;
}

awaitable<void> Session::cmd_type(const std::string& arg) {
    std::string a = upper(arg);
    if (a == "I" || a == "L 8" || a == "L8") {
        ascii_ = false;
        reply(code::kOk, "Switching to Binary mode.");
    } else if (a == "A" || a == "A N") {
        ascii_ = true;
        reply(code::kOk, "Switching to ASCII mode.");
    } else {
        reply(code::kNotImplementedParam, "Unsupported TYPE.");
    }
    co_return;
}

awaitable<void> Session::cmd_mode(const std::string& arg) {
    if (upper(arg) == "S")
        reply(code::kOk, "Mode set to S.");
    else
        reply(code::kNotImplementedParam, "Only stream mode (S) is supported.");
    co_return;
}

awaitable<void> Session::cmd_stru(const std::string& arg) {
    if (upper(arg) == "F")
        reply(code::kOk, "Structure set to F.");
    else
        reply(code::kNotImplementedParam, "Only file structure (F) is supported.");
    co_return;
}

}  // namespace ftpd::worker
