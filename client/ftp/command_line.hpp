// Splitting what the user types at the ftp> prompt (or passes with -c) into words:
// blanks separate words, '...' and "..." quote, a backslash escapes one character.
// Pure functions for the ftp client; no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ftpd::client {

// One command as typed: its words, and the raw text after the first word (for
// `quote` and `!`, which pass the rest of the line on untouched).
struct CommandLine {
    std::vector<std::string> words;
    std::string rest;  // after the first word and the blanks that follow it
    bool operator==(const CommandLine&) const = default;
};

// Splits one line into words. Outside quotes a backslash makes the next character
// literal; inside "..." it escapes only '"' and '\\'; inside '...' nothing is special.
// "" and '' make an empty word. A line starting with '!' gives {"!", rest}. Throws
// std::invalid_argument("unterminated quote" / "trailing backslash") on bad input.
CommandLine split_words(std::string_view line);

// Splits `-c` text into commands at ';' outside quotes and escapes, trimming blanks
// and dropping empty ones: "cd pub; get 'a;b'" -> {"cd pub", "get 'a;b'"}.
// Quotes and escapes are kept for split_words. Never throws except bad_alloc.
std::vector<std::string> split_commands(std::string_view text);

// The word quoted so that split_words gives it back unchanged (for completion).
std::string quote_word(std::string_view word);

}  // namespace ftpd::client
