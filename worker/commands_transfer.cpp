// Moving file bytes: RETR (sendfile in 1 MiB chunks, from the REST offset), REST, and the
// send/receive loops the uploads share. Runs in a worker's session; every transfer runs
// under the control monitor, so ABOR and STAT work while data moves. The loop sends only
// what the page cache holds (fs::cached); a chunk that would wait for a disk is sent, read
// or written on a file-system thread.
#include "worker/printable.hpp"
#include "worker/protocol/ascii.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"
#include "worker/worker.hpp"
#include "ipc/sys/syscall.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <charconv>

namespace ftpd::worker {
namespace code = protocol::code;
namespace sys = ipc::sys;

namespace {

constexpr std::size_t kChunk = 1 << 20;         // sendfile chunk: status shows progress
constexpr std::size_t kReadChunk = 256 << 10;   // pread + SSL_write chunk under PROT P, and TYPE A
constexpr std::size_t kUploadChunk = 1 << 20;   // bytes gathered from the data connection per write

// Errors of the data connection, as opposed to the file's (sendfile reports both).
bool network_error(const std::error_code& ec) {
    switch (ec.value()) {
        case EPIPE:
        case ECONNRESET:
        case ENOTCONN:
        case ECONNABORTED:
        case EBADF:
        case ETIMEDOUT: return true;
        default: return false;
    }
}

std::error_code generic(const boost::system::error_code& ec) { return {ec.value(), std::generic_category()}; }

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
        if (ec) co_return generic(ec);
        done += n;
        if (count) {
            count_bytes(false, n);
            co_await throttle();
        } else
            set_data_deadline(Clock::now() + std::chrono::seconds(settings_.data_timeout));
    }
    co_return std::error_code{};
}

awaitable<std::error_code> Session::send_file(const fs::FilePtr& file, const std::string& path, std::uint64_t offset,
                                              std::uint64_t size, std::uint64_t& sent) {
    if (data_.tls() || ascii_) co_return co_await send_file_read(file, path, offset, size, sent);
    auto& s = data_.socket();
    s.native_non_blocking(true);
    std::uint64_t pos = offset;
    while (pos < size) {
        std::size_t want = std::min<std::uint64_t>(chunk_size(kChunk), size - pos);
        fs::Result<std::size_t> r;
        if (fs::cached(*file, pos, want)) {
            r = fs::send_chunk(*file, s.native_handle(), pos, want);  // from the page cache: no wait
        } else {
            // The thread gets a descriptor of its own: closing ours (ABOR) never races it.
            sys::unique_fd own(::fcntl(s.native_handle(), F_DUPFD_CLOEXEC, 0));
            if (!own) co_return sys::errno_code();
            auto sock = std::make_shared<sys::unique_fd>(std::move(own));
            fs::Call<std::size_t> sendfile_call = [file, sock, pos, want] {
                return fs::send_chunk(*file, sock->get(), pos, want);
            };
            r = co_await fs_call<std::size_t>(fs::Op::sendfile, path, std::move(sendfile_call));
        }
        if (r.value > 0) {
            pos += r.value;
            sent += r.value;
            count_bytes(false, r.value);
            co_await throttle();
            continue;
        }
        if (!r.ec) break;  // the file shrank under us
        if (r.ec.value() != EAGAIN || fs::is_fs_errc(r.ec)) {
            if (fs::is_fs_errc(r.ec) || !network_error(r.ec)) transfer_fs_error_ = r.ec;
            co_return r.ec;
        }
        boost::system::error_code ec;
        co_await s.async_wait(tcp::socket::wait_write, net::redirect_error(use_awaitable, ec));
        if (ec) co_return generic(ec);
    }
    co_return std::error_code{};
}

awaitable<fs::Result<std::size_t>> Session::read_chunk(const fs::FilePtr& file, const std::string& path,
                                                       const std::shared_ptr<std::string>& buf, std::uint64_t pos,
                                                       std::size_t len) {
    if (std::size_t n = fs::read_cached(*file, buf->data(), len, pos); n > 0) co_return fs::Result<std::size_t>{{}, n};
    fs::Call<std::size_t> read_call = [file, buf, pos, len] {
        return fs::read_at(*file, buf->data(), len, pos);
    };
    co_return co_await fs_call<std::size_t>(fs::Op::read, path, std::move(read_call));
}

// Under TLS the kernel cannot encrypt for us (no kTLS here), and TYPE A converts line ends:
// read chunks, write them through OpenSSL or the socket.
awaitable<std::error_code> Session::send_file_read(const fs::FilePtr& file, const std::string& path,
                                                   std::uint64_t offset, std::uint64_t size, std::uint64_t& sent) {
    auto buf = std::make_shared<std::string>(kReadChunk, '\0');
    protocol::LfToCrlf to_wire;
    std::string text;
    std::uint64_t pos = offset;
    while (pos < size) {
        std::size_t want = std::min<std::uint64_t>(chunk_size(buf->size()), size - pos);
        auto r = co_await read_chunk(file, path, buf, pos, want);
        if (!r) {
            transfer_fs_error_ = r.ec;
            co_return r.ec;
        }
        if (r.value == 0) break;  // the file shrank under us
        pos += r.value;
        std::string_view chunk(buf->data(), r.value);
        if (ascii_) {
            text.clear();
            to_wire.convert(chunk, text);
            if (auto ec = co_await send_buffer(text, true)) co_return ec;
            sent += text.size();
            continue;
        }
        boost::system::error_code ec;
        co_await data_.write(net::buffer(chunk.data(), chunk.size()), ec);
        if (ec) co_return generic(ec);
        sent += r.value;
        count_bytes(false, r.value);
        co_await throttle();
    }
    co_return std::error_code{};
}

// Reads while the previous chunk is written on a file-system thread: the network and the
// disk work at the same time, and the loop never waits for the disk.
awaitable<std::error_code> Session::receive_file(const fs::FilePtr& file, const std::string& path,
                                                 std::uint64_t& received) {
    const std::size_t chunk = chunk_size(kUploadChunk);
    std::string incoming(chunk, '\0');
    std::string ready;   // the bytes to write next (converted in TYPE A)
    std::string spare;   // a buffer back from the last write, for reuse
    bool writing = false;
    protocol::CrlfToLf to_disk;
    auto result = std::make_shared<fs::Result<std::string>>();
    // Waits for the write in flight; its buffer comes back as `spare`.
    auto finish_write = [&]() -> awaitable<std::error_code> {
        if (!writing) co_return std::error_code{};
        writing = false;
        auto ec = co_await fs_.finish();
        if (!ec) ec = result->ec;
        if (ec) {
            transfer_fs_error_ = ec;
            co_return ec;
        }
        spare = std::move(result->value);
        co_return std::error_code{};
    };
    for (bool end = false; !end;) {
        std::size_t filled = 0;
        std::error_code net_error;
        while (filled < chunk) {
            boost::system::error_code ec;
            std::size_t n = co_await data_.read_some(net::buffer(incoming.data() + filled, chunk - filled), ec);
            filled += n;
            if (n > 0) count_bytes(true, n);
            if (ec == net::error::eof) {
                end = true;
                break;
            }
            if (ec) {
                net_error = generic(ec);
                break;
            }
            if (max_rate_ > 0) break;  // throttled: write what came, then pause
        }
        if (auto ec = co_await finish_write()) co_return ec;
        if (net_error) co_return net_error;
        ready.swap(spare);
        ready.clear();
        std::string_view got(incoming.data(), filled);
        if (ascii_) {
            to_disk.convert(got, ready);  // CRLF on the wire is LF on disk; a lone CR stays
            if (end) ready += to_disk.finish();
        } else {
            ready.append(got);
        }
        if (!ready.empty()) {
            if (!quota_take(ready.size())) {  // over quota: cut (552 after the 150)
                transfer_fs_error_ = std::error_code(EDQUOT, std::generic_category());
                co_return transfer_fs_error_;
            }
            received += ready.size();
            if (auto ec = fs_.begin(fs::Op::write, path, [file, result, data = std::move(ready)]() mutable {
                    *result = fs::write_all(*file, std::move(data));
                })) {
                transfer_fs_error_ = ec;
                co_return ec;
            }
            worker_.status().fs_wait(row_, fs::to_string(fs::Op::write));
            writing = true;
        }
        co_await throttle();
    }
    auto ec = co_await finish_write();
    worker_.status().fs_wait(row_, {});
    co_return ec;
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
    t.file = disk_path(path);
    t.tls = tls_.has_value();
    worker_.status().transfer_finished(id_, t);
}

std::string Session::disk_path(const std::string& path) const {
    if (!root_) return {};
    const std::string& root = root_->path();
    if (root == "/") return path;
    return (root.ends_with('/') ? root.substr(0, root.size() - 1) : root) + path;
}

void Session::report_change(ipc::EventType type, const std::string& path, const std::string& target) {
    FileChange c;
    c.type = type;
    c.client = client_;
    c.user = user_;
    c.path = path;
    c.target = target;
    c.file = disk_path(target.empty() ? path : target);
    c.tls = tls_.has_value();
    worker_.status().file_changed(id_, c);
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
        reply_file_error(protocol::FileError::not_plain, shown);
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
    auto range = std::exchange(range_, std::nullopt);  // RANG: bytes start..end, in place of REST
    std::string path = resolve(arg);
    fs::Call<fs::FilePtr> open_call = [root = root_, path] { return fs::open_for_read(*root, path); };
    auto opened = co_await fs_call<fs::FilePtr>(fs::Op::open, path, std::move(open_call));
    if (!opened) {
        reply_fs_error(opened.ec, arg);
        co_return;
    }
    auto file = std::move(opened.value);
    if (range) offset = range->start;
    if (!may_restart(file->st, arg, offset, false)) co_return;
    auto size = static_cast<std::uint64_t>(file->st.st_size);
    if (range) size = std::min(size, range->end + 1);
    std::string what = std::string("Opening ") + (ascii_ ? "ASCII" : "BINARY") + " mode data connection for " +
                       arg + " (" + std::to_string(size) + " bytes).";
    if (!co_await open_data(what)) co_return;
    worker_.status().transfer_started(row_, path);
    max_rate_ = rate_down_;
    start_monitor("RETR " + arg, size - offset);
    auto start = Clock::now();
    std::uint64_t sent = 0;
    auto result = co_await send_file(file, path, offset, size, sent);
    result = co_await end_transfer(result);
    if (result) spdlog::info("{}: download of {} failed: {}", log_prefix(), printable(arg), result.message());
    report_transfer('o', path, sent, start, !result);
    finish_data(result, "Transfer complete.");
}

}  // namespace ftpd::worker
