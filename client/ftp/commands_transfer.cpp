// ftp client commands that move files: get/recv, reget, put/send, reput, append,
// mget, mput. Downloads go to a temporary name beside the target and are renamed
// into place only when complete; resumes (reget/reput) write in place.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "client/ftp/byte_copy.hpp"
#include "client/ftp/glob.hpp"
#include "client/ftp/interrupt.hpp"
#include "client/ftp/progress.hpp"
#include "client/ftp/shell.hpp"
#include "client/ftp/terminal.hpp"

namespace ftpd::client {

namespace code = protocol::code;

namespace {

// A file descriptor closed on scope exit.
class LocalFile {
public:
    explicit LocalFile(int fd) : fd_(fd) {}
    ~LocalFile() {
        if (fd_ >= 0) ::close(fd_);
    }
    LocalFile(const LocalFile&) = delete;
    LocalFile& operator=(const LocalFile&) = delete;
    int get() const { return fd_; }
    // Closes now, reporting a failed close (a full disk may only show here).
    void close_checked(const std::string& name) {
        const int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0) throw CommandError(name + ": " + std::strerror(errno));
    }

private:
    int fd_;
};

// A temporary download file, removed unless committed.
class TempDownload {
public:
    explicit TempDownload(const std::string& target) {
        const PathSplit sp = split_dir(target);
        path_ = sp.dir + "." + sp.base + ".ftp-XXXXXX";
        fd_ = ::mkostemp(path_.data(), O_CLOEXEC);
        if (fd_ < 0) {
            throw CommandError("cannot create a file in " + (sp.dir.empty() ? std::string(".") : sp.dir) +
                               ": " + std::strerror(errno));
        }
        const mode_t mask = ::umask(0);
        ::umask(mask);
        ::fchmod(fd_, 0666 & ~mask);  // mkstemp makes 0600; the final file is an ordinary one
    }
    ~TempDownload() {
        if (fd_ >= 0) ::close(fd_);
        if (!committed_) ::unlink(path_.c_str());
    }
    TempDownload(const TempDownload&) = delete;
    TempDownload& operator=(const TempDownload&) = delete;

    int fd() const { return fd_; }

    void commit(const std::string& target) {
        const int fd = fd_;
        fd_ = -1;
        if (::close(fd) != 0) throw CommandError(target + ": " + std::strerror(errno));
        if (::rename(path_.c_str(), target.c_str()) != 0) throw CommandError(target + ": " + std::strerror(errno));
        committed_ = true;
    }

private:
    std::string path_;
    int fd_ = -1;
    bool committed_ = false;
};

bool is_directory(const std::string& path) {
    struct stat st{};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_unknown_command(const FtpError& e) {
    return e.reply.code == code::kSyntaxError || e.reply.code == code::kNotImplemented;
}

}  // namespace

void Shell::cmd_get(const CommandLine& c) {
    const std::string& remote = c.words[1];
    download(remote, c.words.size() > 2 ? c.words[2] : split_dir(remote).base, false);
}

void Shell::cmd_reget(const CommandLine& c) {
    const std::string& remote = c.words[1];
    download(remote, c.words.size() > 2 ? c.words[2] : split_dir(remote).base, true);
}

void Shell::cmd_put(const CommandLine& c) {
    const std::string& local = c.words[1];
    upload(local, c.words.size() > 2 ? c.words[2] : split_dir(local).base, Upload::store);
}

void Shell::cmd_reput(const CommandLine& c) {
    const std::string& local = c.words[1];
    upload(local, c.words.size() > 2 ? c.words[2] : split_dir(local).base, Upload::resume);
}

void Shell::cmd_append(const CommandLine& c) {
    const std::string& local = c.words[1];
    upload(local, c.words.size() > 2 ? c.words[2] : split_dir(local).base, Upload::append);
}

void Shell::cmd_mget(const CommandLine& c) {
    for (std::size_t i = 1; i < c.words.size(); ++i) {
        const std::string& pattern = c.words[i];
        std::vector<std::string> names{pattern};
        if (has_glob_chars(pattern)) names = remote_glob(pattern);
        if (names.empty()) report("mget " + pattern, "no remote file matches");
        for (const auto& name : names) {
            try {
                download(name, split_dir(name).base, false);
            } catch (const ConnectionLost&) {
                throw;
            } catch (const Interrupted&) {
                throw;
            } catch (const std::exception& e) {
                report("get " + name, e.what());
            }
        }
    }
}

void Shell::cmd_mput(const CommandLine& c) {
    for (std::size_t i = 1; i < c.words.size(); ++i) {
        const std::string& pattern = c.words[i];
        const bool globbed = has_glob_chars(pattern);
        const auto paths = expand_local(pattern);
        if (paths.empty()) report("mput " + pattern, "no local file matches");
        for (const auto& path : paths) {
            if (globbed && is_directory(path)) continue;  // `mput *` sends the files only
            try {
                upload(path, split_dir(path).base, Upload::store);
            } catch (const ConnectionLost&) {
                throw;
            } catch (const Interrupted&) {
                throw;
            } catch (const std::exception& e) {
                report("put " + path, e.what());
            }
        }
    }
}

std::vector<std::string> Shell::remote_glob(const std::string& pattern) {
    const PathSplit sp = split_dir(pattern);
    if (has_glob_chars(sp.dir)) throw CommandError("wildcards work only in the last part of a path");
    std::vector<std::string> names;
    for (const auto& e : connection().directory_entries(sp.dir)) {
        if (e.type != 'd') names.push_back(e.name);
    }
    std::vector<std::string> out;
    for (const auto& n : match_names(sp.base, names)) out.push_back(sp.dir + n);
    return out;
}

void Shell::download(const std::string& remote, const std::string& local_arg, bool resume) {
    FtpConnection& conn = connection();
    conn.set_type(binary_);
    if (local_arg == "-") {  // to stdout: the data is the output, so no bar and no summary
        InterruptGuard interruptible;
        ProgressMeter quiet(std::cerr, false, 0, remote, 0, std::nullopt, monotonic_seconds);
        std::cout << std::flush;
        conn.transfer("RETR " + remote, 0,
                      [&](Stream& data) { receive_to_fd(data, STDOUT_FILENO, !binary_, 0, quiet, kDataTimeout); });
        return;
    }
    std::string local = local_arg;
    if (is_directory(local)) local += "/" + split_dir(remote).base;
    if (resume && !binary_) throw CommandError("resuming needs binary mode (use binary first)");
    const auto total = binary_ ? conn.size(remote) : std::nullopt;
    struct stat st{};
    if (resume && ::stat(local.c_str(), &st) == 0 && st.st_size > 0) {
        const auto offset = static_cast<std::uint64_t>(st.st_size);
        if (total && offset == *total) {
            std::cout << local << ": already complete (" << offset << " bytes)\n";
            return;
        }
        if (total && offset > *total) throw CommandError(local + " is larger than the remote file");
        LocalFile file(::open(local.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
        if (file.get() < 0) throw CommandError(local + ": " + std::strerror(errno));
        try {
            download_into(remote, file.get(), local, offset, total);
            file.close_checked(local);
            return;
        } catch (const RestRefused& e) {
            std::cerr << "ftp: " << context_ << ": the server cannot resume (" << e.what()
                      << "); downloading the whole file\n";
        }
    }
    TempDownload temp(local);
    download_into(remote, temp.fd(), local, 0, total);
    temp.commit(local);
}

void Shell::download_into(const std::string& remote, int fd, const std::string& shown,
                          std::uint64_t offset, std::optional<std::uint64_t> total) {
    metered_transfer("RETR " + remote, offset, shown, offset, total, [&](Stream& data, ProgressMeter& meter) {
        return receive_to_fd(data, fd, !binary_, offset, meter, kDataTimeout);
    });
}

void Shell::upload(const std::string& local, const std::string& remote, Upload kind) {
    FtpConnection& conn = connection();
    conn.set_type(binary_);
    LocalFile file(::open(local.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st{};
    if (file.get() < 0 || ::fstat(file.get(), &st) != 0) throw CommandError(local + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw CommandError(local + ": is a directory");
    std::optional<std::uint64_t> total;
    if (S_ISREG(st.st_mode)) total = static_cast<std::uint64_t>(st.st_size);

    std::uint64_t offset = 0;
    std::string verb = kind == Upload::append ? "APPE" : "STOR";
    if (kind == Upload::resume) {
        if (!binary_) throw CommandError("resuming needs binary mode (use binary first)");
        offset = conn.size(remote).value_or(0);
        if (total && offset == *total && offset > 0) {
            std::cout << remote << ": already complete (" << offset << " bytes)\n";
            return;
        }
        if (total && offset > *total) throw CommandError("the remote file is larger than " + local);
        if (offset > 0) verb = "APPE";
    }
    auto send = [&](const std::string& command, std::uint64_t rest) {
        if (::lseek(file.get(), static_cast<off_t>(offset), SEEK_SET) < 0)
            throw CommandError(local + ": " + std::strerror(errno));
        metered_transfer(command, rest, local, offset, total, [&](Stream& data, ProgressMeter& meter) {
            return send_from_fd(data, file.get(), !binary_, offset, meter, kDataTimeout);
        });
    };
    try {
        send(verb + " " + remote, 0);
    } catch (const FtpError& e) {
        // RFC 3659 resume without APPE: REST offset, then STOR writes from there.
        if (kind != Upload::resume || offset == 0 || !is_unknown_command(e)) throw;
        send("STOR " + remote, offset);
    }
}

void Shell::metered_transfer(const std::string& command, std::uint64_t rest, const std::string& shown,
                             std::uint64_t offset, std::optional<std::uint64_t> total,
                             const std::function<std::uint64_t(Stream&, ProgressMeter&)>& move) {
    InterruptGuard interruptible;
    ProgressMeter meter(std::cout, progress_bar_, terminal_width(), shown, offset, total, monotonic_seconds);
    std::uint64_t moved = 0;
    protocol::Reply reply;
    try {
        reply = connection().transfer(command, rest, [&](Stream& data) {
            moved = move(data, meter);
            meter.finish();  // before the final reply, which -v prints on a line of its own
        });
    } catch (...) {
        meter.finish();
        throw;
    }
    meter.finish();
    print_summary(reply, shown, moved, meter.elapsed());
}

void Shell::print_summary(const protocol::Reply& reply, const std::string& name, std::uint64_t bytes,
                          double seconds) {
    std::cout << format_summary(reply_line(reply), name, bytes, seconds) << "\n" << std::flush;
}

}  // namespace ftpd::client
