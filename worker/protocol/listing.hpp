// Directory listings and timestamps: LIST lines in `ls -l` form (as vsftpd writes
// them), MLSD/MLST fact lines (RFC 3659) and MDTM times, with the client-side
// parsers for each. Pure: the caller does the stat()s and supplies "now".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ftpd::protocol {

// One directory entry, as the server stats it or a client parses it back.
struct FileInfo {
    std::string name;
    char type = 'f';  // 'f' file, 'd' directory, 'l' symlink, 'o' other
    std::uint64_t size = 0;
    std::uint32_t mode = 0;  // st_mode; only the 07777 bits are read, except for type 'o'
    std::uint64_t nlink = 1;
    std::string owner = "ftp", group = "ftp";
    std::int64_t mtime = 0;  // unix seconds
    std::uint32_t mtime_ns = 0;  // and nanoseconds (MLSD's modify fact shows milliseconds)
    std::uint32_t uid = 0, gid = 0;  // MLSD's UNIX.owner and UNIX.group (numbers)
    std::uint64_t dev = 0, ino = 0;
    bool operator==(const FileInfo&) const = default;
};

// One LIST line, laid out as vsftpd's ls.c does ("%s %4lu %-8s %-8s %8llu %s %s"):
// "-rw-r--r--    1 ftp      ftp          1234 Nov 23 12:34 name". The date is
// "Mon DD HH:MM" within 182 days before now, else "Mon DD  YYYY" (also for the future);
// UTC. CR, LF and NUL in the name are shown as '?'. No CRLF. Never throws except bad_alloc.
std::string format_list_line(const FileInfo& info, std::int64_t now);

// RFC 3659 facts plus the name: "type=file;size=1234;modify=20261123123456.250;perm=adfrw;
// unique=803U1234;UNIX.mode=0644;UNIX.owner=1000;UNIX.group=1000; name". type is file, dir,
// OS.unix=symlink or OS.unix=special; size only for files; modify with milliseconds when
// the time has them; perm left out when empty; unique is hex dev "U" hex ino; the UNIX.*
// facts as proftpd spells them, owner and group as numbers. No CRLF.
std::string format_mlsx_facts(const FileInfo& info, std::string_view perm);

// "YYYYMMDDHHMMSS" in UTC; times outside years 0000..9999 are clamped to them.
std::string format_mdtm(std::int64_t unix_seconds);

// Parses "YYYYMMDDHHMMSS" with an optional ".fraction" (dropped); nullopt when it is
// not exactly that or names no real date and time. Never throws.
std::optional<std::int64_t> parse_mdtm(std::string_view text);

// A time with its fraction of a second, as MFMT, SITE UTIME and the MLSD modify fact carry it.
struct Timestamp {
    std::int64_t seconds = 0;        // unix seconds, UTC
    std::uint32_t nanoseconds = 0;   // 0 .. 999,999,999
    bool operator==(const Timestamp&) const = default;
};

// "YYYYMMDDHHMMSS" or "YYYYMMDDHHMMSS.s" .. ".sssssssss" (1 to 9 digits of fraction);
// nullopt otherwise. Never throws.
std::optional<Timestamp> parse_timestamp(std::string_view text);

// "YYYYMMDDHHMMSS", then ".sss" (milliseconds) when the time has a fraction of at least a
// millisecond (RFC 3659 section 2.3). Never throws except bad_alloc.
std::string format_timestamp(const Timestamp& t);

// Client side: one unix `ls -l` line (ours, vsftpd, proftpd, pure-ftpd, pyftpdlib, GNU ls).
// The name is everything after the date's single following blank (spaces kept); for a
// symlink "name -> target" only the name is kept. A date given with HH:MM gets the year
// that puts it no later than a day after now. nullopt for "total N" and other non-entries.
std::optional<FileInfo> parse_list_line(std::string_view line, std::int64_t now);

// As above, with now taken from the system clock.
std::optional<FileInfo> parse_list_line(std::string_view line);

// Client side: one MLSD/MLST line ("facts; name"); fact names are case-insensitive.
// cdir and pdir come back as 'd' (the caller skips "." and ".." by name). Unknown or
// malformed facts are ignored; nullopt when no blank separates facts from a name.
std::optional<FileInfo> parse_mlsx_line(std::string_view line);

}  // namespace ftpd::protocol
