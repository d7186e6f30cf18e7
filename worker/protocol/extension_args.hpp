// The arguments of the commands sync clients send beyond RFC 959 and 3659: MFMT
// (draft-somers-ftp-mfxx), SITE UTIME (proftpd, pure-ftpd, lftp, ncftp), HASH and OPTS HASH
// (draft-bryan-ftpext-hash), RANG (draft-bryan-ftp-range) and the older XSHA256, XSHA512,
// XSHA1, XMD5 and XCRC. Pure parsers: nullopt means 501; no I/O, never throws but bad_alloc.
#pragma once

#include "worker/protocol/listing.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ftpd::protocol {

// MFMT, and SITE UTIME: the times to set on a path.
struct SetTimes {
    Timestamp modify;
    std::optional<Timestamp> access;  // SITE UTIME's five-argument forms give one
    std::string path;
};

// "MFMT YYYYMMDDHHMMSS[.sss] path": the path is everything after the time's blank.
std::optional<SetTimes> parse_mfmt(std::string_view arg);

// SITE UTIME's argument (after "UTIME "), in the forms clients send:
//   "path YYYYMMDDhhmmss"                          (ncftp, older lftp)
//   "YYYYMMDDhhmm[ss] path"                         (proftpd)
//   "path ATIME MTIME CTIME UTC"                    (lftp, pure-ftpd)
//   "ATIME MTIME CTIME UTC path"                    (proftpd's five-argument form)
// Paths may contain blanks. The creation time is ignored (Unix has none to set).
std::optional<SetTimes> parse_site_utime(std::string_view arg);

enum class HashAlgorithm { sha256, sha512, sha1, md5, crc32 };

// Every algorithm, in FEAT order.
inline constexpr HashAlgorithm kHashAlgorithms[] = {HashAlgorithm::sha256, HashAlgorithm::sha512,
                                                    HashAlgorithm::sha1, HashAlgorithm::md5,
                                                    HashAlgorithm::crc32};

// "SHA-256", "SHA-512", "SHA-1", "MD5", "CRC32": the names of the HASH draft.
std::string_view hash_name(HashAlgorithm a) noexcept;
// A name as above, case-insensitive; nullopt for another.
std::optional<HashAlgorithm> parse_hash_name(std::string_view name);
// FEAT's "HASH SHA-256*;SHA-512;SHA-1;MD5;CRC32" content, '*' on the selected one.
std::string hash_feat_text(HashAlgorithm selected);
// The legacy verb's algorithm: XSHA256, XSHA512, XSHA1, XMD5, XCRC; nullopt for another.
std::optional<HashAlgorithm> legacy_hash_algorithm(std::string_view verb);

// "RANG start end": bytes start..end, both included. "RANG 1 0" is the draft's reset:
// reset is true then.
struct RangeArg {
    std::uint64_t start = 0;
    std::uint64_t end = 0;  // inclusive
    bool reset = false;
};
std::optional<RangeArg> parse_rang(std::string_view arg);

// "path [start [end]]" of the legacy hash commands: bytes [start, end), end 0 or missing
// meaning the end of the file; the path may be in double quotes (FileZilla) and contain
// blanks.
struct LegacyHashArg {
    std::string path;
    std::uint64_t start = 0;
    std::uint64_t end = 0;  // exclusive; 0: to the end of the file
};
std::optional<LegacyHashArg> parse_legacy_hash(std::string_view arg);

}  // namespace ftpd::protocol
