// Sessions' file-system work: reads, writes, directory batches, uploads. Runs on a worker's
// file-system threads (all but cached() and read_cached(), which only ever ask the page
// cache). Every path goes through FsRoot, so nothing here reaches outside a session's root.
#include "worker/fs/files.hpp"

#include "ipc/sys/syscall.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/sendfile.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

namespace ftpd::worker::fs {
namespace sys = ipc::sys;

namespace {

constexpr int kMaxUniqueTries = 1000;  // STOU: stem, stem.1, ... stem.999

// An upload may take the place of a regular file or a symlink (the link, not its target),
// never of a FIFO, socket, device or directory (vsftpd refuses these too).
bool replaceable(const struct stat& st) { return S_ISREG(st.st_mode) || S_ISLNK(st.st_mode); }
std::error_code not_plain(const struct stat& st) { return sys::errno_code(S_ISDIR(st.st_mode) ? EISDIR : ENXIO); }

bool memory_backed(int fd) {
    struct statfs sf {};
    if (::fstatfs(fd, &sf) != 0) return false;
    return sf.f_type == TMPFS_MAGIC || sf.f_type == RAMFS_MAGIC;
}

// One preadv2(RWF_NOWAIT): bytes read, 0 at the end or when they are not cached. Clears
// file.nowait when the file system does not support the flag.
std::size_t nowait_read(OpenFile& file, char* buf, std::size_t len, std::uint64_t pos) {
    iovec iov{buf, len};
    ssize_t n = ::preadv2(file.fd.get(), &iov, 1, static_cast<off_t>(pos), RWF_NOWAIT);
    if (n > 0) return static_cast<std::size_t>(n);
    if (n < 0 && errno == EOPNOTSUPP) file.nowait = false;
    return 0;
}

FilePtr stat_open(sys::unique_fd fd, std::error_code& ec) {
    auto file = std::make_shared<OpenFile>();
    sys::check(ec, [&] { return ::fstat(fd.get(), &file->st); });
    if (ec) return nullptr;
    file->in_memory = memory_backed(fd.get());
    file->fd = std::move(fd);
    return file;
}

Result<UploadPtr> create_temp(sys::unique_fd dir, std::string name, const std::string& temp, mode_t mode) {
    std::error_code ec;
    int fd = sys::check(ec, [&] {
        return ::openat(dir.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    });
    if (ec) return {ec};
    auto upload = std::make_shared<Upload>();
    upload->file = std::make_shared<OpenFile>();
    upload->file->fd = sys::unique_fd(fd);
    upload->dir = std::move(dir);
    upload->name = std::move(name);
    upload->temp = temp;
    return {{}, std::move(upload)};
}

}  // namespace

Result<FilePtr> open_for_read(const FsRoot& root, std::string_view vpath) {
    std::error_code ec;
    auto fd = root.open(vpath, O_RDONLY, 0, ec);
    if (ec) return {ec};
    auto file = stat_open(std::move(fd), ec);
    return {ec, std::move(file)};
}

bool cached(OpenFile& file, std::uint64_t pos, std::size_t len) {
    if (file.in_memory) return true;
    if (!file.nowait || len == 0) return false;
    char probe;
    if (nowait_read(file, &probe, 1, pos) != 1) return false;
    return len == 1 || nowait_read(file, &probe, 1, pos + len - 1) == 1;
}

std::size_t read_cached(OpenFile& file, char* buf, std::size_t len, std::uint64_t pos) {
    if (file.in_memory) {
        ssize_t n = ::pread(file.fd.get(), buf, len, static_cast<off_t>(pos));
        return n > 0 ? static_cast<std::size_t>(n) : 0;
    }
    return file.nowait ? nowait_read(file, buf, len, pos) : 0;
}

Result<std::size_t> read_at(const OpenFile& file, char* buf, std::size_t len, std::uint64_t pos) {
    std::size_t done = 0;
    while (done < len) {
        std::error_code ec;
        ssize_t n = sys::check(ec, [&] {
            return ::pread(file.fd.get(), buf + done, len - done, static_cast<off_t>(pos + done));
        });
        if (ec) return {ec, done};
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    return {{}, done};
}

Result<std::size_t> send_chunk(const OpenFile& file, int socket, std::uint64_t pos, std::size_t len) {
    auto offset = static_cast<off_t>(pos);
    std::error_code ec;
    ssize_t n = sys::check(ec, [&] { return ::sendfile(socket, file.fd.get(), &offset, len); });
    if (ec) return {ec};
    return {{}, static_cast<std::size_t>(n)};
}

Result<std::string> write_all(const OpenFile& file, std::string data) {
    const char* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        std::error_code ec;
        ssize_t n = sys::check(ec, [&] { return ::write(file.fd.get(), p, left); });
        if (ec) return {ec, std::move(data)};
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    return {{}, std::move(data)};
}

DirReader::~DirReader() {
    if (dir_) ::closedir(dir_);
}

Result<DirPtr> DirReader::open(RootPtr root, std::string vpath, bool show_hidden) {
    std::error_code ec;
    auto fd = root->open(vpath, O_RDONLY | O_DIRECTORY, 0, ec);
    if (ec) return {ec};
    int dfd = fd.get();
    DIR* dir = ::fdopendir(dfd);
    if (!dir) return {sys::errno_code()};
    fd.release();  // closedir() closes it now
    auto reader = std::shared_ptr<DirReader>(new DirReader());
    reader->root_ = std::move(root);
    reader->base_ = vpath == "/" ? std::string() : std::move(vpath);
    reader->show_hidden_ = show_hidden;
    reader->dir_ = dir;
    reader->dfd_ = dfd;
    return {{}, std::move(reader)};
}

Result<DirReader::Batch> DirReader::next(std::size_t max, std::chrono::milliseconds budget) {
    Batch batch;
    auto until = std::chrono::steady_clock::now() + budget;
    while (batch.entries.size() < max) {
        errno = 0;
        dirent* d = ::readdir(dir_);
        if (!d) {
            if (errno != 0) return {sys::errno_code(), std::move(batch)};
            batch.end = true;
            break;
        }
        std::string_view name = d->d_name;
        if (name == "." || name == "..") continue;
        if (name.front() == '.' && !show_hidden_) continue;
        DirEntry e{std::string(name), {}};
        if (::fstatat(dfd_, d->d_name, &e.st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISLNK(e.st.st_mode)) {
            // Show what the link names inside the root; hide it if that is nothing.
            std::error_code lec;
            if (!root_->stat(base_ + "/" + e.name, e.st, lec)) continue;
        }
        batch.entries.push_back(std::move(e));
        if (std::chrono::steady_clock::now() >= until) break;
    }
    return {{}, std::move(batch)};
}

Result<UploadPtr> create_upload(const FsRoot& root, std::string_view vpath, const std::string& temp,
                                bool overwrite, mode_t mode) {
    std::error_code ec;
    std::string name;
    auto dir = root.open_parent(vpath, name, ec);
    if (ec) return {ec};
    struct stat st {};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!replaceable(st)) return {not_plain(st)};
        if (!overwrite) return {sys::errno_code(EEXIST)};
    } else if (errno != ENOENT) {
        return {sys::errno_code()};  // a name the directory cannot hold (ENAMETOOLONG), ...
    }
    return create_temp(std::move(dir), std::move(name), temp, mode);
}

Result<UploadPtr> create_unique_upload(const FsRoot& root, std::string_view dir_vpath, const std::string& stem,
                                       const std::string& temp, mode_t mode) {
    std::error_code ec;
    auto dir = root.open(dir_vpath, O_PATH | O_DIRECTORY, 0, ec);
    if (ec) return {ec};
    for (int i = 0; i < kMaxUniqueTries; ++i) {
        std::string candidate = i == 0 ? stem : stem + "." + std::to_string(i);
        struct stat st {};
        if (::fstatat(dir.get(), candidate.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT) return create_temp(std::move(dir), std::move(candidate), temp, mode);
            continue;
        }
        // A stem naming a FIFO, socket, device or directory is refused, not worked around.
        if (i == 0 && !replaceable(st)) return {not_plain(st)};
    }
    return {sys::errno_code(EEXIST)};
}

Result<Done> commit_upload(Upload& upload, bool no_replace, bool sync) {
    std::error_code ec;
    if (sync) sys::check(ec, [&] { return ::fsync(upload.file->fd.get()); });
    upload.file->fd.reset();
    // What create_upload() checked may have changed meanwhile: never rename over a FIFO,
    // socket, device or directory that appeared at the name.
    struct stat st {};
    if (!ec && !no_replace && ::fstatat(upload.dir.get(), upload.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        !replaceable(st))
        ec = not_plain(st);
    if (!ec)
        sys::check(ec, [&] {
            return rename_at(upload.dir.get(), upload.temp.c_str(), upload.dir.get(), upload.name.c_str(), no_replace);
        });
    if (ec) {
        discard_upload(upload);
        return {ec};
    }
    upload.committed = true;
    if (sync) {
        // An O_PATH descriptor cannot be fsync()ed: open the directory itself.
        sys::unique_fd dir(::openat(upload.dir.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir) return {sys::errno_code()};
        sys::check(ec, [&] { return ::fsync(dir.get()); });
    }
    return {ec};
}

void discard_upload(Upload& upload) {
    if (upload.file) upload.file->fd.reset();
    if (!upload.committed && !upload.temp.empty()) ::unlinkat(upload.dir.get(), upload.temp.c_str(), 0);
    upload.temp.clear();
}

Result<FilePtr> open_for_write(const FsRoot& root, std::string_view vpath, bool append, mode_t mode) {
    std::error_code ec;
    // Look before opening: opening a FIFO for writing waits for a reader, and opening a
    // device may act on it. O_NONBLOCK covers one that appears between the two calls.
    struct stat before {};
    if (root.stat(vpath, before, ec) && !S_ISREG(before.st_mode)) return {not_plain(before)};
    ec.clear();
    auto fd = root.open(vpath, O_WRONLY | O_NONBLOCK | O_NOCTTY | (append ? O_CREAT | O_APPEND : 0), mode, ec);
    if (ec) return {ec.value() == ENXIO || ec.value() == EWOULDBLOCK ? sys::errno_code(ENXIO) : ec};
    auto file = stat_open(std::move(fd), ec);
    if (ec) return {ec};
    if (!S_ISREG(file->st.st_mode)) return {not_plain(file->st)};
    int flags = ::fcntl(file->fd.get(), F_GETFL);
    if (flags >= 0) ::fcntl(file->fd.get(), F_SETFL, flags & ~O_NONBLOCK);
    return {{}, std::move(file)};
}

Result<Done> truncate_at(const OpenFile& file, std::uint64_t offset) {
    std::error_code ec;
    sys::check(ec, [&] { return ::ftruncate(file.fd.get(), static_cast<off_t>(offset)); });
    if (!ec) sys::check(ec, [&] { return ::lseek(file.fd.get(), static_cast<off_t>(offset), SEEK_SET) < 0 ? -1 : 0; });
    return {ec};
}

}  // namespace ftpd::worker::fs
