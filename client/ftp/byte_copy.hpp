// Moving file bytes over a data connection (plain or TLS) for the ftp client, with the
// progress meter fed and ASCII-type conversion (RFC 959 3.1.1.1: CRLF on the wire, LF
// on disk, with worker/protocol/ascii.hpp's converters).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "client/ftp/progress.hpp"
#include "client/ftp/stream.hpp"

namespace ftpd::client {

// Reads `data` to its end and writes everything to `fd`; returns the bytes written
// to fd. `position` is where the file starts (for the meter). Throws CommandError
// when the local write fails, std::system_error or TlsError on network errors.
std::uint64_t receive_to_fd(Stream& data, int fd, bool ascii, std::uint64_t position,
                            ProgressMeter& meter, Timeout timeout);

// Sends `fd` from its current offset to its end; returns the file bytes sent.
std::uint64_t send_from_fd(Stream& data, int fd, bool ascii, std::uint64_t position,
                           ProgressMeter& meter, Timeout timeout);

// Reads `data` to its end into a string of at most `limit` bytes (listings).
std::string receive_to_string(Stream& data, std::size_t limit, Timeout timeout);

}  // namespace ftpd::client
