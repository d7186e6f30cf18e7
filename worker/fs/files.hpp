// The file-system work of sessions, in the shape sessions ask for it: open a file for reading,
// read a directory a batch at a time, read or write a chunk, send a chunk to a socket, create
// an upload beside its target and put it in place. Runs in workers. Every function here
// blocks and runs on a file-system thread (worker/fs/pool.hpp), except the two marked "on
// the loop", which never wait for a disk. Objects shared with a call (OpenFile, DirReader,
// Upload) are held by shared_ptr, so a session that ends while its call is out frees nothing
// the call still uses.
#pragma once

#include "ipc/sys/unique_fd.hpp"
#include "worker/fs/fs_root.hpp"
#include "worker/fs/result.hpp"

#include <sys/stat.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct __dirstream;  // DIR

namespace ftpd::worker::fs {

using RootPtr = std::shared_ptr<const FsRoot>;

// A file open for a transfer.
struct OpenFile {
    ipc::sys::unique_fd fd;
    struct stat st {};
    bool in_memory = false;  // tmpfs or ramfs: a read never waits for a disk
    bool nowait = true;      // preadv2(RWF_NOWAIT) works here (cleared when the file system says no)
};
using FilePtr = std::shared_ptr<OpenFile>;

// RETR: opens vpath read-only and stats it (what it is, how big).
Result<FilePtr> open_for_read(const FsRoot& root, std::string_view vpath);

// On the loop: true when the bytes [pos, pos + len) can be read without waiting for a disk,
// judged by preadv2(RWF_NOWAIT) of their first and last byte (the kernel reads ahead
// sequentially, so what lies between is in the page cache too); always for tmpfs. False
// when unknown (the file system does not support RWF_NOWAIT, as FUSE and NFS).
bool cached(OpenFile& file, std::uint64_t pos, std::size_t len);

// On the loop: reads what the page cache holds of [pos, pos + len) into buf without
// waiting (preadv2 RWF_NOWAIT): the bytes read (0 when none, or at the end of the file).
std::size_t read_cached(OpenFile& file, char* buf, std::size_t len, std::uint64_t pos);

// Reads up to len bytes at pos (fewer only at the end of the file; 0 there).
Result<std::size_t> read_at(const OpenFile& file, char* buf, std::size_t len, std::uint64_t pos);

// sendfile() of up to len bytes at pos to `socket` (non-blocking; the caller's own
// descriptor of the data connection, dup()ed, so closing the session's never races this).
// Returns the bytes sent; ec EAGAIN when the socket's buffer is full.
Result<std::size_t> send_chunk(const OpenFile& file, int socket, std::uint64_t pos, std::size_t len);

// Writes all of data at the file's position (uploads). Returns the buffer for reuse.
Result<std::string> write_all(const OpenFile& file, std::string data);

// A directory being listed: the entries come in batches, so a directory of a million entries
// never sits in memory at once.
struct DirEntry {
    std::string name;
    struct stat st {};
};

class DirReader {
public:
    ~DirReader();
    DirReader(const DirReader&) = delete;
    DirReader& operator=(const DirReader&) = delete;

    // Opens the directory at vpath. Dot-files are left out unless show_hidden; symlinks are
    // resolved inside the root (those leading outside it or nowhere are left out).
    static Result<std::shared_ptr<DirReader>> open(RootPtr root, std::string vpath, bool show_hidden);

    struct Batch {
        std::vector<DirEntry> entries;
        bool end = false;  // the directory has no more entries
    };
    // The next entries, in the order the file system gives them: up to `max`, and no more
    // than `budget` of time spent (at least one entry), so one call stays short even on a
    // file system where each stat takes a second.
    Result<Batch> next(std::size_t max, std::chrono::milliseconds budget);

    // The directory's virtual path ("/" for the root), for logs.
    std::string path() const { return base_.empty() ? std::string("/") : base_; }

private:
    DirReader() = default;
    RootPtr root_;
    std::string base_;  // vpath of the directory, "" for the root
    bool show_hidden_ = false;
    __dirstream* dir_ = nullptr;
    int dfd_ = -1;  // dir_'s descriptor
};
using DirPtr = std::shared_ptr<DirReader>;

// STOR and STOU write to a temporary name in the target's directory; commit() renames it
// into place.
struct Upload {
    ipc::sys::unique_fd dir;  // the target's directory (O_PATH)
    std::string name;         // the target's name in it
    std::string temp;         // the temporary name in it
    FilePtr file;             // the temporary file, open for writing
    bool committed = false;
};
using UploadPtr = std::shared_ptr<Upload>;

// STOR: refuses (EISDIR) a directory target, (ENXIO, "not a plain file") an existing target
// that is not a regular file or a symlink (a FIFO, socket or device, even with overwrite),
// and (EEXIST) any other existing target unless overwrite;
// else creates `temp` beside it with `mode` (the session's umask applied by the caller).
Result<UploadPtr> create_upload(const FsRoot& root, std::string_view vpath, const std::string& temp,
                                bool overwrite, mode_t mode);

// STOU: the first free name among stem, stem.1, ... stem.999 in the directory dir_vpath
// (EEXIST when none is), and `temp` beside it. A stem that names a FIFO, socket, device
// (ENXIO) or directory (EISDIR) is refused.
Result<UploadPtr> create_unique_upload(const FsRoot& root, std::string_view dir_vpath, const std::string& stem,
                                       const std::string& temp, mode_t mode);

// Puts the upload in place: with sync (upload_sync), fsync()s the file first and its directory
// after the rename, so that the name and the bytes survive a power cut. With no_replace, a
// target that appeared meanwhile gives EEXIST. The temporary file is removed on failure.
Result<Done> commit_upload(Upload& upload, bool no_replace, bool sync);

// Removes the temporary file of an upload that did not complete (errors ignored).
void discard_upload(Upload& upload);

// APPE and REST+STOR: opens vpath for writing in place (APPE: appending, creating it with
// `mode`); refuses (ENXIO) what is not a regular file.
Result<FilePtr> open_for_write(const FsRoot& root, std::string_view vpath, bool append, mode_t mode);

// REST+STOR: cuts the file to `offset` and writes from there.
Result<Done> truncate_at(const OpenFile& file, std::uint64_t offset);

}  // namespace ftpd::worker::fs
