// The FTP command line: Telnet stripping and verb/argument splitting (RFC 959).
// Shared by the worker's session loop and the fuzz targets; pure functions,
// never any I/O, and parse_command never throws on any input.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ftpd::protocol {

// One command from the control connection: "STOR my file.txt" -> {"STOR", "my file.txt"}.
struct Command {
    std::string verb;  // 1..4 upper-case ASCII letters, then up to 3 digits
    std::string arg;   // everything after the one space that follows the verb, verbatim
    bool operator==(const Command&) const = default;
};

// Removes Telnet IAC sequences (RFC 854, as RFC 959 requires of the control
// connection): IAC IAC -> one 0xFF byte, IAC WILL/WONT/DO/DONT <opt> and IAC
// <any other command> (IP, DM, AO, ...) are dropped. Never throws except bad_alloc.
std::string strip_telnet(std::string_view line);

// Splits one line (without its CR LF) into verb and argument. Leading blanks are
// skipped; the verb is 1..4 ASCII letters and up to 3 digits (the hash extensions XSHA256,
// XSHA1, XMD5), upper-cased, followed by the end of the line or one space and the
// argument, kept verbatim. Returns nullopt for anything else.
std::optional<Command> parse_command(std::string_view line);

// s with ASCII letters upper-cased (verbs, TYPE/MODE/STRU/OPTS/AUTH arguments); other
// bytes unchanged, whatever the locale.
std::string to_upper_ascii(std::string_view s);

// False when a path argument holds NUL, CR or LF, which no file name may carry
// through this server (it answers 501).
bool is_safe_path_arg(std::string_view arg);

}  // namespace ftpd::protocol
