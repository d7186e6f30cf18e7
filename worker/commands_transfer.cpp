// Moving file bytes: RETR (sendfile in 1 MiB chunks, from the REST offset), REST, and the
// send/receive loops the uploads share. Runs in a worker's session; every transfer runs
// under the control monitor, so ABOR and STAT work while data moves.
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"
#include "worker/worker.hpp"
#include "ipc/sys/syscall.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <vector>

namespace ftpd::worker {
namespace code = protocol::code;
namespace sys = ipc::sys;

namespace {

constexpr std::size_t kChunk = 1 << 20;  // sendfile chunk: status shows progress
constexpr std::size_t kReceiveBuffer = 256 << 10;
constexpr std::size_t kTlsChunk = 256 << 10;  // pread + SSL_write chunk under PROT P
// RFC 3659 section 5.3: a restart marker the transfer command cannot use (beyond the end).

// ASCII mode (TYPE A): LF on disk is CRLF on the wire.
std::string to_crlf(std::string_view in) {
    std::string out;
    out.reserve(in.size() + in.size() / 32);
    for (char c : in) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

}  // namespace

void Session::count_bytes(bool incoming, std::uint64_t n) {
    transfer_bytes_ += n;
    worker_.status().add_bytes(row_, incoming ? ipc::Direction::in : ipc::Direction::out, n);
    set_data_deadline(Clock::now() + std::chrono::seconds(settings_.data_timeout));
}

std::size_t Session::chunk_size(std::size_t normal) const {
    if (max_rate_ == 0) return normal;
    return static_cast<std::size_t>(std::clamp<std::uint64_t>(max_rate_ / 10, 4096, normal));
}

awaitable<void> Session::throttle() {
    if (max_rate_ == 0) co_return;
    auto due = std::chrono::duration<double>(static_cast<double>(transfer_bytes_) / static_cast<double>(max_rate_));
    auto ahead = due - (Clock::now() - transfer_start_);
    if (ahead.count() <= 0) co_return;
    net::steady_timer pause(socket_.get_executor(), std::chrono::duration_cast<Clock::duration>(ahead));
    boost::system::error_code ec;
    co_await pause.async_wait(net::redirect_error(use_awaitable, ec));
    // The pause must not count as a stalled data connection.
    set_data_deadline(Clock::now() + std::chrono::seconds(settings_.data_timeout));
}

awaitable<std::error_code> Session::send_buffer(const std::string& data, bool count) {
    std::size_t done = 0;
    while (done < data.size()) {
        std::size_t n = std::min(count ? chunk_size(kChunk) : kChunk, data.size() - done);
        boost::system::error_code ec;
        co_await data_.write(net::buffer(data.data() + done, n), ec);
        if (ec) co_return std::error_code(ec.value(), std::generic_category());
        done += n;
        if (count) {
            count_bytes(false, n);
            co_await throttle();
        } else
            set_data_deadline(Clock::now() + std::chrono::seconds(settings_.data_timeout));
    }
    co_return std::error_code{};
}

awaitable<std::error_code> Session::send_file(int fd, std::uint64_t offset, std::uint64_t size,
                                              std::uint64_t& sent) {
    if (data_.tls()) co_return co_await send_file_tls(fd, offset, size, sent);
    auto& s = data_.socket();
    s.native_non_blocking(true);
    auto pos = static_cast<off_t>(offset);
    while (static_cast<std::uint64_t>(pos) < size) {
        std::size_t want = std::min<std::uint64_t>(chunk_size(kChunk), size - pos);
        ssize_t n = ::sendfile(s.native_handle(), fd, &pos, want);
        if (n > 0) {
            sent += static_cast<std::uint64_t>(n);
            count_bytes(false, static_cast<std::uint64_t>(n));
            co_await throttle();
            continue;
        }
        if (n == 0) break;  // the file shrank under us
        if (errno == EINTR) continue;
        if (errno != EAGAIN) co_return sys::errno_code();
        boost::system::error_code ec;
        co_await s.async_wait(tcp::socket::wait_write, net::redirect_error(use_awaitable, ec));
        if (ec) co_return std::error_code(ec.value(), std::generic_category());
    }
    co_return std::error_code{};
}

// Under TLS the kernel cannot encrypt for us (no kTLS here): pread chunks, write them
// through OpenSSL.
awaitable<std::error_code> Session::send_file_tls(int fd, std::uint64_t offset, std::uint64_t size,
                                                  std::uint64_t& sent) {
    std::vector<char> buf(kTlsChunk);
    auto pos = static_cast<off_t>(offset);
    while (static_cast<std::uint64_t>(pos) < size) {
        std::size_t want = std::min<std::uint64_t>(chunk_size(buf.size()), size - pos);
        ssize_t n = ::pread(fd, buf.data(), want, pos);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) co_return sys::errno_code();
        if (n == 0) break;  // the file shrank under us
        boost::system::error_code ec;
        co_await data_.write(net::buffer(buf.data(), static_cast<std::size_t>(n)), ec);
        if (ec) co_return std::error_code(ec.value(), std::generic_category());
        pos += n;
        sent += static_cast<std::uint64_t>(n);
        count_bytes(false, static_cast<std::uint64_t>(n));
        co_await throttle();
    }
    co_return std::error_code{};
}

awaitable<std::error_code> Session::receive_file(int fd, std::uint64_t& received) {
    std::vector<char> buf(kReceiveBuffer);
    std::string converted;
    bool held_cr = false;  // TYPE A: a CR that ended the last read, waiting for its LF
    auto write_all = [fd](const char* p, std::size_t n) -> std::error_code {
        while (n > 0) {
            ssize_t w = ::write(fd, p, n);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return sys::errno_code();
            p += w;
            n -= static_cast<std::size_t>(w);
        }
        return {};
    };
    for (;;) {
        boost::system::error_code ec;
        std::size_t n = co_await data_.read_some(net::buffer(buf.data(), chunk_size(buf.size())), ec);
        if (ec == net::error::eof) {
            if (held_cr) {
                ++received;
                co_return write_all("\r", 1);
            }
            co_return std::error_code{};
        }
        if (ec) co_return std::error_code(ec.value(), std::generic_category());
        count_bytes(true, n);
        const char* p = buf.data();
        if (ascii_) {  // CRLF on the wire is LF on disk; a lone CR stays
            converted.clear();
            for (std::size_t i = 0; i < n; ++i) {
                char c = buf[i];
                if (held_cr && c != '\n') converted += '\r';
                held_cr = c == '\r';
                if (!held_cr) converted += c;
            }
            p = converted.data();
            n = converted.size();
        }
        received += n;
        if (auto err = write_all(p, n)) co_return err;
        co_await throttle();
    }
}

void Session::report_transfer(char direction, const std::string& path, std::uint64_t bytes, Clock::time_point start,
                              bool complete) {
    TransferRecord t;
    t.client = client_;
    t.user = user_;
    t.anonymous = anonymous_;
    t.direction = direction;
    t.path = path;
    t.bytes = bytes;
    t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    t.ascii = ascii_;
    t.complete = complete;
    worker_.status().transfer_finished(id_, t);
}

// RFC 3659 section 5 (REST STREAM): the byte offset where the next RETR or STOR starts.
// In ASCII mode offsets of the file and of the wire differ, so a restart is refused (504).
awaitable<void> Session::cmd_rest(const std::string& arg) {
    std::uint64_t offset = 0;
    auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), offset);
    if (ec != std::errc() || end != arg.data() + arg.size()) {
        reply(code::kSyntaxErrorArgs, "REST needs a byte offset.");
        co_return;
    }
    if (ascii_ && offset > 0) {
        reply(code::kNotImplementedParam, "REST is not supported in ASCII mode; use TYPE I.");
        co_return;
    }
    rest_ = offset;
    reply(code::kPendingFurtherInfo, "Restarting at " + std::to_string(offset) + ".");
}

// A restart must resume a file that has at least `offset` bytes; with upload_overwrite = no
// an upload may only add bytes (offset == size). False (and the reply sent) otherwise.
bool Session::may_restart(const struct stat& st, const std::string& shown, std::uint64_t offset, bool upload) {
    auto size = static_cast<std::uint64_t>(st.st_size);
    if (!S_ISREG(st.st_mode))
        reply(upload ? code::kNameNotAllowed : code::kFileUnavailable, shown + ": Not a plain file.");
    else if (offset > 0 && ascii_)
        reply(code::kNotImplementedParam, "REST is not supported in ASCII mode; use TYPE I.");
    else if (offset > size)
        reply(code::kInvalidRestParameter, "Restart offset is beyond the end of " + shown + ".");
    else if (upload && offset < size && !settings_.upload_overwrite)
        reply(code::kNameNotAllowed, shown + ": File exists; overwriting is not allowed.");
    else
        return true;
    return false;
}

awaitable<void> Session::cmd_retr(const std::string& arg) {
    std::uint64_t offset = std::exchange(rest_, 0);
    std::string path = resolve(arg);
    std::error_code ec;
    auto fd = root_->open(path, O_RDONLY, 0, ec);
    struct stat st {};
    if (!ec) sys::check(ec, [&] { return ::fstat(fd.get(), &st); });
    if (ec) {
        reply_fs_error(ec, arg);
        co_return;
    }
    if (!may_restart(st, arg, offset, false)) co_return;
    auto size = static_cast<std::uint64_t>(st.st_size);
    std::string what = std::string("Opening ") + (ascii_ ? "ASCII" : "BINARY") + " mode data connection for " +
                       arg + " (" + std::to_string(size) + " bytes).";
    if (!co_await open_data(what)) co_return;
    worker_.status().transfer_started(row_, path);
    start_monitor("RETR " + arg, size - offset);
    auto start = Clock::now();
    std::uint64_t sent = 0;
    std::error_code result;
    if (ascii_) {
        std::vector<char> buf(kChunk);
        for (;;) {
            ssize_t n = ::read(fd.get(), buf.data(), buf.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                result = sys::errno_code();
                break;
            }
            if (n == 0) break;
            auto text = to_crlf(std::string_view(buf.data(), static_cast<std::size_t>(n)));
            result = co_await send_buffer(text, true);
            if (result) break;
            sent += text.size();
        }
    } else {
        result = co_await send_file(fd.get(), offset, size, sent);
    }
    result = co_await end_transfer(result);
    if (result) spdlog::info("{}: download of {} failed: {}", log_prefix(), arg, result.message());
    report_transfer('o', path, sent, start, !result);
    finish_data(result, "Transfer complete.");
}

}  // namespace ftpd::worker
