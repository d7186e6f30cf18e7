// The ftp client's error types: a server's negative reply (FtpError, which keeps the
// reply so the message can carry its code) and a command that failed on our side
// in plain words (CommandError). The shell prints both as "ftp: CMD: what".
#pragma once

#include <stdexcept>
#include <string>

#include "client/ftp/control_connection.hpp"
#include "worker/protocol/reply.hpp"

namespace ftpd::client {

struct FtpError : std::runtime_error {
    explicit FtpError(protocol::Reply r) : std::runtime_error(reply_line(r)), reply(std::move(r)) {}
    protocol::Reply reply;
};

// The server refused REST (or took it and then refused the transfer's resume);
// the caller may start over from byte 0.
struct RestRefused : FtpError {
    using FtpError::FtpError;
};

struct CommandError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Wrong arguments: the shell prints "usage: " and the command's synopsis.
struct UsageError : std::runtime_error {
    UsageError() : std::runtime_error("usage") {}
};

}  // namespace ftpd::client
