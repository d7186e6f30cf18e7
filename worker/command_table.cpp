// The verb table. Runs in workers; constant data.
#include "worker/command_table.hpp"

#include "worker/protocol/command.hpp"
#include "worker/protocol/reply.hpp"

#include <algorithm>
#include <iterator>

namespace ftpd::worker {

namespace {

// RFC 2389: FEAT before login. RFC 4217: AUTH, PBSZ, PROT before login. Verbs are matched
// after upper-casing (case-insensitive).
constexpr CommandSpec kCommands[] = {
    {"USER", &Session::cmd_user, kArg | kCredentials, "USER <sp> username"},
    {"PASS", &Session::cmd_pass, kCredentials | kSecret, "PASS <sp> password"},
    {"ACCT", &Session::cmd_acct, kNothing, "ACCT <sp> account"},
    {"QUIT", &Session::cmd_quit, kNothing, "QUIT", WhileBusy::quit},
    {"SYST", &Session::cmd_syst, kNothing, "SYST"},
    {"FEAT", &Session::cmd_feat, kNothing, "FEAT"},
    {"OPTS", &Session::cmd_opts, kArg, "OPTS <sp> UTF8 ON | MLST facts"},
    {"HELP", &Session::cmd_help, kNothing, "HELP [<sp> command]"},
    {"NOOP", &Session::cmd_noop, kNothing, "NOOP"},
    {"TYPE", &Session::cmd_type, kLogin | kArg, "TYPE <sp> A | I"},
    {"MODE", &Session::cmd_mode, kLogin | kArg, "MODE <sp> S"},
    {"STRU", &Session::cmd_stru, kLogin | kArg, "STRU <sp> F"},
    {"PWD", &Session::cmd_pwd, kLogin, "PWD"},
    {"XPWD", &Session::cmd_pwd, kLogin, "XPWD"},
    {"CWD", &Session::cmd_cwd, kLogin | kArg, "CWD <sp> path"},
    {"XCWD", &Session::cmd_cwd, kLogin | kArg, "XCWD <sp> path"},
    {"CDUP", &Session::cmd_cdup, kLogin, "CDUP"},
    {"XCUP", &Session::cmd_cdup, kLogin, "XCUP"},
    {"MKD", &Session::cmd_mkd, kLogin | kArg, "MKD <sp> path"},
    {"XMKD", &Session::cmd_mkd, kLogin | kArg, "XMKD <sp> path"},
    {"RMD", &Session::cmd_rmd, kLogin | kArg, "RMD <sp> path"},
    {"XRMD", &Session::cmd_rmd, kLogin | kArg, "XRMD <sp> path"},
    {"DELE", &Session::cmd_dele, kLogin | kArg, "DELE <sp> file"},
    {"SIZE", &Session::cmd_size, kLogin | kArg, "SIZE <sp> file"},
    {"MDTM", &Session::cmd_mdtm, kLogin | kArg, "MDTM <sp> file"},
    {"PASV", &Session::cmd_pasv, kLogin, "PASV"},
    {"EPSV", &Session::cmd_epsv, kLogin, "EPSV [<sp> 1 | 2 | ALL]"},
    {"PORT", &Session::cmd_port, kLogin | kArg, "PORT <sp> h1,h2,h3,h4,p1,p2"},
    {"EPRT", &Session::cmd_eprt, kLogin | kArg, "EPRT <sp> |af|addr|port|"},
    {"LIST", &Session::cmd_list, kLogin, "LIST [<sp> path]"},
    {"NLST", &Session::cmd_nlst, kLogin, "NLST [<sp> path]"},
    {"RETR", &Session::cmd_retr, kLogin | kArg, "RETR <sp> file"},
    {"STOR", &Session::cmd_stor, kLogin | kArg, "STOR <sp> file"},
    {"APPE", &Session::cmd_appe, kLogin | kArg, "APPE <sp> file"},
    {"STOU", &Session::cmd_stou, kLogin, "STOU [<sp> name]"},
    {"REST", &Session::cmd_rest, kLogin | kArg, "REST <sp> offset"},
    {"ALLO", &Session::cmd_allo, kLogin, "ALLO <sp> size"},
    {"ABOR", &Session::cmd_abor, kLogin, "ABOR", WhileBusy::abort},
    {"RNFR", &Session::cmd_rnfr, kLogin | kArg, "RNFR <sp> path"},
    {"RNTO", &Session::cmd_rnto, kLogin | kArg | kAfterRnfr, "RNTO <sp> path"},
    {"SITE", &Session::cmd_site, kLogin | kArg, "SITE <sp> CHMOD mode path | UMASK [mask] | UTIME ... | HELP"},
    {"STAT", &Session::cmd_stat, kLogin, "STAT [<sp> path]", WhileBusy::status},
    {"MLST", &Session::cmd_mlst, kLogin, "MLST [<sp> path]"},
    {"MLSD", &Session::cmd_mlsd, kLogin, "MLSD [<sp> directory]"},
    {"AUTH", &Session::cmd_auth, kArg, "AUTH <sp> TLS"},  // RFC 4217: before login
    {"PBSZ", &Session::cmd_pbsz, kArg, "PBSZ <sp> 0"},
    {"PROT", &Session::cmd_prot, kArg, "PROT <sp> C | P"},
    {"CCC", &Session::cmd_ccc, kNothing, "CCC"},
    {"CLNT", &Session::cmd_clnt, kArg, "CLNT <sp> client name"},
    {"MFMT", &Session::cmd_mfmt, kLogin | kArg, "MFMT <sp> YYYYMMDDHHMMSS[.sss] <sp> path"},
    {"HASH", &Session::cmd_hash, kLogin | kArg, "HASH <sp> path (OPTS HASH algorithm, RANG start end)"},
    {"RANG", &Session::cmd_rang, kLogin | kArg, "RANG <sp> start <sp> end"},
    {"XSHA256", &Session::cmd_xhash, kLogin | kArg, "XSHA256 <sp> path [<sp> start [<sp> end]]"},
    {"XSHA512", &Session::cmd_xhash, kLogin | kArg, "XSHA512 <sp> path [<sp> start [<sp> end]]"},
    {"XSHA1", &Session::cmd_xhash, kLogin | kArg, "XSHA1 <sp> path [<sp> start [<sp> end]]"},
    {"XMD5", &Session::cmd_xhash, kLogin | kArg, "XMD5 <sp> path [<sp> start [<sp> end]]"},
    {"XCRC", &Session::cmd_xhash, kLogin | kArg, "XCRC <sp> path [<sp> start [<sp> end]]"},
};

constexpr std::string_view kNotImplemented[] = {"REIN", "SMNT"};

}  // namespace

const CommandSpec* find_command(std::string_view verb) noexcept {
    for (const auto& spec : kCommands)
        if (spec.verb == verb) return &spec;
    return nullptr;
}

std::span<const CommandSpec> commands() noexcept { return kCommands; }

bool is_unimplemented_verb(std::string_view verb) noexcept {
    return std::find(std::begin(kNotImplemented), std::end(kNotImplemented), verb) != std::end(kNotImplemented);
}

std::optional<Refusal> refusal_of(const CommandSpec& spec, std::string_view arg, const CommandState& state) noexcept {
    namespace code = protocol::code;
    using Rule = Refusal::Rule;
    // tls = required: no password crosses the network in clear text (RFC 4217 section 4).
    if (state.clear_text_forbidden && (spec.needs & kCredentials))
        return Refusal{Rule::tls_required, code::kNotLoggedIn, "TLS required: use AUTH TLS before USER and PASS."};
    if ((spec.needs & kLogin) && !state.logged_in)
        return Refusal{Rule::login, code::kNotLoggedIn, "Please login with USER and PASS."};
    if ((spec.needs & kArg) && arg.empty()) return Refusal{Rule::argument, code::kSyntaxErrorArgs, "Missing argument."};
    if (!protocol::is_safe_path_arg(arg))
        return Refusal{Rule::unsafe_argument, code::kSyntaxErrorArgs, "Invalid character in argument."};
    return std::nullopt;
}

int unknown_verb_code(std::string_view verb) noexcept {
    return is_unimplemented_verb(verb) ? protocol::code::kNotImplemented : protocol::code::kSyntaxError;
}

WhileBusy while_busy_of(const CommandSpec* spec, std::string_view arg) noexcept {
    if (!spec) return WhileBusy::queue;
    if (spec->while_busy == WhileBusy::status && !arg.empty()) return WhileBusy::queue;  // STAT path: a listing
    return spec->while_busy;
}

}  // namespace ftpd::worker
