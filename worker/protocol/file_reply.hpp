// The reply to a failed file action: which code RFC 959 section 5.4 (and RFC 3659 for SIZE,
// MDTM, MLST, MLSD) lets each command give, and the text naming the path as the client gave
// it. One pure function that every command's refusal goes through; no I/O.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace ftpd::protocol {

// Why a file action failed, as far as a client is concerned.
enum class FileError {
    not_found,      // ENOENT, ENOTDIR, ELOOP: no such file or directory
    permission,     // EACCES, EPERM, EROFS, and a refusal of this session's rights
    exists,         // EEXIST: the name is taken
    not_plain,      // ENXIO: a FIFO, socket or device where a regular file is needed
    is_directory,   // EISDIR
    not_directory,  // a file where a directory is needed (CWD, MLSD of a file)
    not_empty,      // ENOTEMPTY
    name_too_long,  // ENAMETOOLONG
    no_space,       // ENOSPC
    quota,          // EDQUOT
    busy,           // the file-system threads are all stuck, or this session's last call is still out
    timed_out,      // the call took longer than fs_timeout
    aborted,        // ABOR or QUIT while waiting for the file system
    local,          // anything else (EIO, ...): a local error
};

// The FileError of an errno value; `local` for one not listed above.
FileError file_error_of_errno(int err) noexcept;

// Before the 1yz reply of a transfer command (or for a command without one), or after it.
enum class Phase { before_data, after_data };

struct FileErrorReply {
    int code;
    std::string text;
};

// The reply for `verb` (upper case; X-variants such as XMKD count as MKD) failing with
// `error` on `name`: the first code of the error's own preference that RFC 959 lists for
// that verb and phase. E.g. RETR not_found 550, MKD exists 550, STOR exists 553, LIST
// not_found 450, RNTO not_found 553, RETR busy 450 before the data connection and 451
// after it. A verb the table does not know gets 550 (451 after data). Never throws except
// bad_alloc.
FileErrorReply file_error_reply(std::string_view verb, FileError error, Phase phase, std::string_view name);

// The codes RFC 959 section 5.4 lists for verb's file failures in a phase, for tests and
// docs: e.g. "RETR" before_data {450, 550}. Empty for a verb the table does not know.
std::span<const int> failure_codes(std::string_view verb, Phase phase) noexcept;

}  // namespace ftpd::protocol
