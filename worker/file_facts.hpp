// What a session tells clients about a file: the FileInfo for LIST/MLSD lines, the RFC 3659
// perm fact (what this session may do with an object) and the OPTS MLST fact selection.
// Runs in workers; pure functions over stat data, no I/O except ScopedUmask's umask(2).
#pragma once

#include "worker/protocol/listing.hpp"

#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <string_view>

namespace ftpd::worker {

// The listing view of a stat result. Never throws except bad_alloc.
protocol::FileInfo file_info(std::string name, const struct stat& st);

// What a session may do: may_write (the login may modify files), may_overwrite
// (upload_overwrite), and the credentials the worker runs with.
struct Permissions {
    bool may_write = false;
    bool may_overwrite = false;
    uid_t uid = 0;
    gid_t gid = 0;
};

// RFC 3659 section 7.5.5 perm letters for the object `st` inside the directory `parent`:
// files "adfrw" (APPE DELE RNFR RETR STOR), directories "cdeflmp" (create files in it, RMD,
// CWD, RNFR, LIST, MKD in it, delete in it); each only when this session may do it. Pure.
std::string mlsx_perm(const struct stat& st, const struct stat& parent, const Permissions& p);

// The facts OPTS MLST can select, in FEAT order, and a bit per fact.
inline constexpr std::string_view kMlstFacts[] = {"type", "size", "modify", "perm", "unique",
                                                 "UNIX.mode", "UNIX.owner", "UNIX.group"};
inline constexpr unsigned kAllMlstFacts = (1u << std::size(kMlstFacts)) - 1;

// Parses an OPTS MLST argument ("type;size;", any case, unknown names ignored) into bits.
unsigned parse_mlst_facts(std::string_view arg);
// "type;size;" for the selected bits (RFC 3659 7.9: the reply to OPTS MLST).
std::string mlst_facts_text(unsigned selected);
// FEAT's " MLST type*;size*;..." line content: every fact, '*' on the selected ones.
std::string mlst_feat_text(unsigned selected);
// Drops the unselected facts from a format_mlsx_facts() line ("facts; name").
std::string select_facts(std::string_view line, unsigned selected);

// Sets the process umask for one creating syscall and restores it: a worker is
// single-threaded, so a session's own umask (SITE UMASK) applies to exactly its files.
class ScopedUmask {
public:
    explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
    ~ScopedUmask() { ::umask(old_); }
    ScopedUmask(const ScopedUmask&) = delete;
    ScopedUmask& operator=(const ScopedUmask&) = delete;

private:
    mode_t old_;
};

}  // namespace ftpd::worker
