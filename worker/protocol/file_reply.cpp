// Failed file actions to replies, as data: a table of the failure codes RFC 959 section 5.4
// lists per command and phase, and per error the codes it prefers, in order. Pure.
#include "worker/protocol/file_reply.hpp"

#include "worker/protocol/reply.hpp"

#include <algorithm>
#include <array>
#include <cerrno>

namespace ftpd::protocol {

namespace {

using namespace code;

struct VerbCodes {
    std::string_view verb;
    std::array<int, 5> before;  // 0-terminated when shorter
    std::array<int, 5> after;
};

// RFC 959 section 5.4 ("532", the account codes, and 421/5xx syntax codes left out: they
// are not file errors). RFC 3659 section 4.2, 3.2, 7.2 for SIZE, MDTM, MLST and MLSD.
// SITE has no file codes in RFC 959; servers answer 550, as do we.
constexpr VerbCodes kTable[] = {
    {"RETR", {kFileBusy, kFileUnavailable}, {kCantOpenData, kTransferAborted, kLocalError}},
    {"STOR", {kFileBusy, kInsufficientStorage, kNameNotAllowed},
     {kCantOpenData, kTransferAborted, kLocalError, kPageTypeUnknown, kExceededStorage}},
    {"STOU", {kFileBusy, kInsufficientStorage, kNameNotAllowed},
     {kCantOpenData, kTransferAborted, kLocalError, kPageTypeUnknown, kExceededStorage}},
    {"APPE", {kFileBusy, kFileUnavailable, kInsufficientStorage, kNameNotAllowed},
     {kCantOpenData, kTransferAborted, kLocalError, kPageTypeUnknown, kExceededStorage}},
    {"LIST", {kFileBusy}, {kCantOpenData, kTransferAborted, kLocalError}},
    {"NLST", {kFileBusy}, {kCantOpenData, kTransferAborted, kLocalError}},
    {"MLSD", {kFileBusy, kFileUnavailable}, {kCantOpenData, kTransferAborted, kLocalError}},
    {"STAT", {kFileBusy}, {}},
    {"RNFR", {kFileBusy, kFileUnavailable}, {}},
    {"RNTO", {kNameNotAllowed}, {}},
    {"DELE", {kFileBusy, kFileUnavailable}, {}},
    {"RMD", {kFileUnavailable}, {}},
    {"MKD", {kFileUnavailable}, {}},
    {"CWD", {kFileUnavailable}, {}},
    {"CDUP", {kFileUnavailable}, {}},
    {"PWD", {kFileUnavailable}, {}},
    {"SIZE", {kFileUnavailable}, {}},
    {"MDTM", {kFileUnavailable}, {}},
    {"MLST", {kFileUnavailable}, {}},
    {"SITE", {kFileUnavailable}, {}},
    // draft-somers-ftp-mfxx, draft-bryan-ftpext-hash; the legacy X-commands answer as HASH.
    {"MFMT", {kFileUnavailable}, {}},
    {"HASH", {kFileBusy, kFileUnavailable}, {}},
};

// RFC 959's obsolete X-variants (RFC 775) answer as their successors.
std::string_view canonical(std::string_view verb) {
    if (verb == "XMKD") return "MKD";
    if (verb == "XRMD") return "RMD";
    if (verb == "XCWD") return "CWD";
    if (verb == "XCUP") return "CDUP";
    if (verb == "XPWD") return "PWD";
    if (verb == "XSHA256" || verb == "XSHA512" || verb == "XSHA1" || verb == "XMD5" || verb == "XCRC") return "HASH";
    return verb;
}

const VerbCodes* find(std::string_view verb) {
    verb = canonical(verb);
    for (const auto& row : kTable)
        if (row.verb == verb) return &row;
    return nullptr;
}

std::span<const int> used(const std::array<int, 5>& codes) {
    auto end = std::find(codes.begin(), codes.end(), 0);
    return {codes.data(), static_cast<std::size_t>(end - codes.begin())};
}

// Each error's codes, most fitting first; the first one the verb may give wins.
constexpr int kAfterQuota[] = {kExceededStorage, kLocalError};
constexpr int kAfterAborted[] = {kTransferAborted, kLocalError};
constexpr int kAfterOther[] = {kLocalError, kTransferAborted};
constexpr int kNameFirst[] = {kNameNotAllowed, kFileUnavailable, kFileBusy};
constexpr int kStorageFirst[] = {kInsufficientStorage, kFileUnavailable, kFileBusy, kNameNotAllowed};
constexpr int kTransientFirst[] = {kFileBusy, kFileUnavailable, kNameNotAllowed};
constexpr int kUnavailableFirst[] = {kFileUnavailable, kNameNotAllowed, kFileBusy};

std::span<const int> preference(FileError e, Phase phase) {
    if (phase == Phase::after_data) {
        switch (e) {
            case FileError::quota: return kAfterQuota;
            case FileError::aborted: return kAfterAborted;
            default: return kAfterOther;
        }
    }
    switch (e) {
        case FileError::exists:
        case FileError::name_too_long:
        // A FIFO, socket, device or directory where an upload or RNTO would put a file: the
        // name is not allowed (553), also for APPE; RETR and the rest still get 550.
        case FileError::not_plain:
        case FileError::is_directory: return kNameFirst;
        case FileError::no_space:
        case FileError::quota: return kStorageFirst;
        case FileError::busy:
        case FileError::timed_out:
        case FileError::aborted:
        case FileError::local: return kTransientFirst;
        default: return kUnavailableFirst;
    }
}

std::string text_of(FileError e, std::string_view name) {
    std::string n = name.empty() ? std::string() : std::string(name) + ": ";
    switch (e) {
        case FileError::not_found: return n + "No such file or directory.";
        case FileError::permission: return n + "Permission denied.";
        case FileError::exists: return n + "File exists.";
        case FileError::not_plain: return n + "Not a plain file.";
        case FileError::is_directory: return n + "Is a directory.";
        case FileError::not_directory: return n + "Not a directory.";
        case FileError::not_empty: return n + "Directory not empty.";
        case FileError::name_too_long: return n + "File name too long.";
        case FileError::no_space: return "Insufficient storage space.";
        case FileError::quota: return "Disk quota exceeded.";
        case FileError::busy: return n + "File system busy; try again later.";
        case FileError::timed_out: return n + "File system not responding; try again later.";
        case FileError::aborted: return n + "Aborted while waiting for the file system; it may still take effect.";
        case FileError::local: break;
    }
    return "Local error in processing.";
}

}  // namespace

FileError file_error_of_errno(int err) noexcept {
    switch (err) {
        case ENOENT:
        case ENOTDIR:
        case ELOOP: return FileError::not_found;
        case EACCES:
        case EPERM:
        case EROFS: return FileError::permission;
        case EEXIST: return FileError::exists;
        case ENXIO: return FileError::not_plain;
        case EISDIR: return FileError::is_directory;
        case ENOTEMPTY: return FileError::not_empty;
        case ENAMETOOLONG: return FileError::name_too_long;
        case ENOSPC: return FileError::no_space;
        case EDQUOT: return FileError::quota;
        default: return FileError::local;
    }
}

std::span<const int> failure_codes(std::string_view verb, Phase phase) noexcept {
    const VerbCodes* row = find(verb);
    if (!row) return {};
    return used(phase == Phase::before_data ? row->before : row->after);
}

FileErrorReply file_error_reply(std::string_view verb, FileError error, Phase phase, std::string_view name) {
    auto allowed = failure_codes(verb, phase);
    int chosen = phase == Phase::after_data ? kLocalError : kFileUnavailable;
    if (!allowed.empty()) {
        chosen = allowed.front();
        for (int c : preference(error, phase)) {
            if (std::find(allowed.begin(), allowed.end(), c) != allowed.end()) {
                chosen = c;
                break;
            }
        }
    }
    return {chosen, text_of(error, name)};
}

}  // namespace ftpd::protocol
