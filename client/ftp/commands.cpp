// The ftp client's command table (dispatch is data: name -> handler + argument
// rules), read by the shell, by `help` and by tab completion.
#include "client/ftp/commands.hpp"

#include <string>

namespace ftpd::client {
namespace {

using S = Shell;
constexpr int kAny = -1;
constexpr auto kNone = Completion::none;
constexpr auto kRemote = Completion::remote;
constexpr auto kLocal = Completion::local;

// clang-format off
constexpr CommandSpec kCommands[] = {
    {"!",       &S::cmd_shell,   0, kAny, false, kLocal,  "[command]",                "run a local shell command (or a shell)"},
    {"append",  &S::cmd_append,  1, 2,    true,  kLocal,  "local-file [remote-file]", "append a local file to a remote file (APPE)"},
    {"ascii",   &S::cmd_ascii,   0, 0,    false, kNone,   "",                         "transfer files as text (TYPE A)"},
    {"active",  &S::cmd_active,  0, 0,    false, kNone,   "",                         "use active mode: EPRT, falling back to PORT"},
    {"binary",  &S::cmd_binary,  0, 0,    false, kNone,   "",                         "transfer files as bytes (TYPE I), the default"},
    {"bye",     &S::cmd_quit,    0, 0,    false, kNone,   "",                         "close the connection and exit"},
    {"cd",      &S::cmd_cd,      1, 1,    true,  kRemote, "remote-directory",         "change the remote directory"},
    {"cdup",    &S::cmd_cdup,    0, 0,    true,  kNone,   "",                         "change to the remote parent directory"},
    {"close",   &S::cmd_close,   0, 0,    true,  kNone,   "",                         "close the connection, stay in ftp"},
    {"delete",  &S::cmd_delete,  1, 1,    true,  kRemote, "remote-file",              "delete a remote file"},
    {"dir",     &S::cmd_ls,      0, 1,    true,  kRemote, "[remote-path]",            "list a remote directory, long form (LIST)"},
    {"get",     &S::cmd_get,     1, 2,    true,  kRemote, "remote-file [local-file]", "download a file (local-file - writes to stdout)"},
    {"help",    &S::cmd_help,    0, 1,    false, Completion::command, "[command]",     "list the commands, or describe one"},
    {"?",       &S::cmd_help,    0, 1,    false, Completion::command, "[command]",     "same as help"},
    {"lcd",     &S::cmd_lcd,     0, 1,    false, kLocal,  "[local-directory]",        "change the local directory (default: home)"},
    {"ls",      &S::cmd_ls,      0, 1,    true,  kRemote, "[remote-path]",            "list a remote directory, long form (LIST)"},
    {"mget",    &S::cmd_mget,    1, kAny, true,  kRemote, "remote-pattern ...",       "download the files matching each pattern"},
    {"mkdir",   &S::cmd_mkdir,   1, 1,    true,  kRemote, "remote-directory",         "make a remote directory"},
    {"modtime", &S::cmd_modtime, 1, 1,    true,  kRemote, "remote-file",              "show a remote file's modification time (MDTM)"},
    {"mput",    &S::cmd_mput,    1, kAny, true,  kLocal,  "local-pattern ...",        "upload the local files matching each pattern"},
    {"nlist",   &S::cmd_nlist,   0, 1,    true,  kRemote, "[remote-path]",            "list remote names only (NLST)"},
    {"open",    &S::cmd_open,    1, 2,    false, kNone,   "host [port]",              "connect to a server and log in"},
    {"passive", &S::cmd_passive, 0, 1,    false, kNone,   "[on | off]",               "toggle passive mode: EPSV, falling back to PASV"},
    {"put",     &S::cmd_put,     1, 2,    true,  kLocal,  "local-file [remote-file]", "upload a file"},
    {"pwd",     &S::cmd_pwd,     0, 0,    true,  kNone,   "",                         "show the remote directory"},
    {"quit",    &S::cmd_quit,    0, 0,    false, kNone,   "",                         "close the connection and exit"},
    {"quote",   &S::cmd_quote,   1, kAny, true,  kNone,   "raw-command ...",          "send a command to the server as it is"},
    {"recv",    &S::cmd_get,     1, 2,    true,  kRemote, "remote-file [local-file]", "same as get"},
    {"reget",   &S::cmd_reget,   1, 2,    true,  kRemote, "remote-file [local-file]", "resume a download (REST)"},
    {"rename",  &S::cmd_rename,  2, 2,    true,  kRemote, "from-name to-name",        "rename a remote file (RNFR, RNTO)"},
    {"reput",   &S::cmd_reput,   1, 2,    true,  kLocal,  "local-file [remote-file]", "resume an upload (SIZE, then APPE or REST+STOR)"},
    {"rmdir",   &S::cmd_rmdir,   1, 1,    true,  kRemote, "remote-directory",         "remove a remote directory"},
    {"send",    &S::cmd_put,     1, 2,    true,  kLocal,  "local-file [remote-file]", "same as put"},
    {"size",    &S::cmd_size,    1, 1,    true,  kRemote, "remote-file",              "show a remote file's size (SIZE)"},
    {"status",  &S::cmd_status,  0, 0,    false, kNone,   "",                         "show the connection and settings"},
    {"user",    &S::cmd_user,    1, 2,    true,  kNone,   "user-name [password]",     "log in as another user"},
    {"verbose", &S::cmd_verbose, 0, 1,    false, kNone,   "[on | off]",               "toggle showing every server reply"},
};
// clang-format on

}  // namespace

std::span<const CommandSpec> all_commands() { return kCommands; }

const CommandSpec* find_command(std::string_view name) {
    for (const auto& spec : kCommands) {
        if (spec.name == name) return &spec;
    }
    return nullptr;
}

std::string usage_of(const CommandSpec& spec) {
    std::string out = "usage: " + std::string(spec.name);
    if (!spec.usage.empty()) out += " " + std::string(spec.usage);
    return out;
}

}  // namespace ftpd::client
