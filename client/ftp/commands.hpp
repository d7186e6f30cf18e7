// The ftp client's command table: one row per command with its handler, argument
// counts, synopsis, help text and what its arguments complete to. Dispatch and
// `help` both read it; nothing else lists the commands.
#pragma once

#include <span>
#include <string_view>

#include "client/ftp/shell.hpp"

namespace ftpd::client {

enum class Completion { none, command, remote, local };

struct CommandSpec {
    std::string_view name;
    void (Shell::*handler)(const CommandLine&);
    int min_args;            // words after the name
    int max_args;            // -1: any number
    bool needs_connection;
    Completion completion;   // of the arguments
    std::string_view usage;  // arguments only, e.g. "remote-file [local-file]"
    std::string_view help;   // one line
};

// Every command, aliases included, in the order `help` lists them.
std::span<const CommandSpec> all_commands();

// The row for `name` (exact, case-sensitive), or nullptr.
const CommandSpec* find_command(std::string_view name);

// "usage: get remote-file [local-file]"
std::string usage_of(const CommandSpec& spec);

}  // namespace ftpd::client
