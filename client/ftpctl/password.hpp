// Passwords for `ftpctl user add|passwd`: read from the terminal twice without echo, or
// one line from standard input (--password-stdin), never from the command line; hashed
// with yescrypt from crypt_gensalt (SHA-512 crypt where libcrypt lacks yescrypt). Runs in
// ftpctl only; the plain text is wiped after use.
#pragma once

#include <stdexcept>
#include <string>

namespace ftpd::client {

class PasswordError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// From /dev/tty ("New password: ", "Retype new password: ", echo off and restored even on
// Ctrl-C), or the first line of stdin without its line end. Throws PasswordError when
// there is no terminal, the two differ, or the password is empty or holds a NUL.
std::string read_new_password(bool from_stdin);

// crypt(3) hash of password with a fresh salt: "$y$..." or, failing that, "$6$...".
// Throws PasswordError when libcrypt cannot make either.
std::string hash_password(const std::string& password);

}  // namespace ftpd::client
