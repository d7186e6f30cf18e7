// The ftp client's few terminal needs: is a stream a terminal, how wide is it, and
// asking for a password with echo off. Runs in the ftp client only.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace ftpd::client {

bool stdin_is_terminal();
bool stdout_is_terminal();

// Columns of the terminal on stdout; 80 when unknown.
std::size_t terminal_width();

// Prints `prompt` and reads one line from the terminal on stdin with echo off
// (restored even on error); nullopt at end of input.
std::optional<std::string> read_password(const std::string& prompt);

// Prints `prompt` and reads one line from stdin; nullopt at end of input.
std::optional<std::string> read_plain_line(const std::string& prompt);

// The local login name ($USER, then the password database), for "Name (host:user)".
std::string local_user_name();

}  // namespace ftpd::client
