// Commands that describe the server or set the session's options: SYST FEAT OPTS HELP
// NOOP TYPE MODE STRU ALLO STAT. Runs in a worker's session; touches no files (STAT with a
// path hands over to the listing code).
#include "worker/file_facts.hpp"
#include "worker/protocol/command.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"

#include <algorithm>
#include <cstdio>

namespace ftpd::worker {
namespace code = protocol::code;

using protocol::to_upper_ascii;

awaitable<void> Session::cmd_syst(const std::string&) {
    reply(code::kSystemType, "UNIX Type: L8");
    co_return;
}

// RFC 2389: one feature per line, each line starting with a space; exactly what is
// implemented. RFC 3659 7.8: MLST lists its facts, '*' on those OPTS MLST selected.
awaitable<void> Session::cmd_feat(const std::string&) {
    bool tls = settings_.tls != TlsMode::off;  // RFC 4217 section 6: AUTH TLS, PBSZ, PROT
    reply(code::kSystemStatus, std::string("Features:\n") + (tls ? " AUTH TLS\n" : "") + " CLNT\n EPRT\n EPSV\n " +
                                   protocol::hash_feat_text(hash_) + "\n MDTM\n MFMT\n " + mlst_feat_text(mlst_facts_) +
                                   "\n PASV\n" + (tls ? " PBSZ\n PROT\n" : "") +
                                   " RANG STREAM\n REST STREAM\n SITE UTIME\n SIZE\n TVFS\n UTF8\nEnd");
    co_return;
}

awaitable<void> Session::cmd_opts(const std::string& arg) {
    // RFC 2640: names are UTF-8 always; OPTS UTF8 ON is accepted for clients that ask.
    std::string a = to_upper_ascii(arg);
    if (a == "UTF8 ON" || a == "UTF8") {
        reply(code::kOk, "Always in UTF8 mode.");
    } else if (a == "MLST" || a.starts_with("MLST ")) {  // RFC 3659 7.9
        mlst_facts_ = parse_mlst_facts(a.size() > 5 ? std::string_view(arg).substr(5) : std::string_view());
        reply(code::kOk, "MLST OPTS " + mlst_facts_text(mlst_facts_));
    } else if (a == "HASH") {  // draft-bryan-ftpext-hash: the selected algorithm
        reply(code::kOk, protocol::hash_name(hash_));
    } else if (a.starts_with("HASH ")) {
        if (auto algorithm = protocol::parse_hash_name(std::string_view(arg).substr(5))) {
            hash_ = *algorithm;
            reply(code::kOk, protocol::hash_name(hash_));
        } else {
            reply(code::kSyntaxErrorArgs, "Unknown algorithm, current selection not changed.");
        }
    } else
        reply(code::kSyntaxErrorArgs, "Option not understood.");
    co_return;
}

awaitable<void> Session::cmd_help(const std::string& arg) {
    if (to_upper_ascii(arg) == "SITE") co_return co_await cmd_site("HELP");
    std::string text = help_text(to_upper_ascii(arg));
    if (text.empty())
        reply(code::kSyntaxErrorArgs, "Unknown command " + arg + ".");
    else
        reply(code::kHelp, text);
    co_return;
}

// RFC 959: ALLO is superfluous for a server that needs no reservation.
// RFC 959 ALLO: nothing is reserved, but a size is remembered for the next upload, which
// is refused before any byte is written when it would pass the user's quota (552).
awaitable<void> Session::cmd_allo(const std::string& arg) {
    allo_ = 0;
    std::size_t n = 0;
    while (n < arg.size() && arg[n] >= '0' && arg[n] <= '9' && n < 19) allo_ = allo_ * 10 + (arg[n++] - '0');
    reply(code::kNotImplementedSuperfluous, "ALLO command ignored.");
    co_return;
}

// STAT with a path lists it on the control connection; without, the session's status
// (a STAT during a transfer is answered by the control monitor instead).
awaitable<void> Session::cmd_stat(const std::string& arg) {
    if (!arg.empty()) {
        co_await status_listing(arg);
        co_return;
    }
    std::string text = "FTP server status:\n";
    text += "     Connected to " + client_ + "\n";
    text += "     Logged in as " + user_ + (anonymous_ ? " (anonymous)" : "") + "\n";
    text += std::string("     TYPE: ") + (ascii_ ? "ASCII" : "BINARY") + ", STRUcture: File, MODE: Stream\n";
    text += "     Working directory: " + cwd_ + "\n";
    char mask[8];
    std::snprintf(mask, sizeof mask, "%03o", umask_);
    text += std::string("     Session umask: ") + mask + "\n";
    text += std::string("     Data connection: ") + (data_.prepared() ? (data_.passive() ? "passive" : "active") : "none") +
            (epsv_all_ ? " (EPSV ALL)" : "") + "\n";
    if (rest_ > 0) text += "     Restart offset: " + std::to_string(rest_) + "\n";
    reply(code::kSystemStatus, text + "End of status");
    co_return;
}

awaitable<void> Session::cmd_noop(const std::string&) {
    reply(code::kOk, "NOOP ok.");
    co_return;
}

awaitable<void> Session::cmd_type(const std::string& arg) {
    std::string a = to_upper_ascii(arg);
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
    if (to_upper_ascii(arg) == "S")
        reply(code::kOk, "Mode set to S.");
    else
        reply(code::kNotImplementedParam, "Only stream mode (S) is supported.");
    co_return;
}

awaitable<void> Session::cmd_stru(const std::string& arg) {
    if (to_upper_ascii(arg) == "F")
        reply(code::kOk, "Structure set to F.");
    else
        reply(code::kNotImplementedParam, "Only file structure (F) is supported.");
    co_return;
}

}  // namespace ftpd::worker
