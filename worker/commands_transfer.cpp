// Data connections and transfers: PASV EPSV PORT EPRT LIST NLST RETR STOR.
// Runs in a worker's session. Downloads use sendfile in 1 MiB chunks; uploads go to a
// temporary name in the target directory and are renamed into place only when complete.
#include "worker/protocol/address.hpp"
#include "worker/protocol/listing.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"
#include "worker/worker.hpp"
#include "ipc/sys/syscall.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <vector>

namespace ftpd::worker {
namespace code = protocol::code;
namespace sys = ipc::sys;

namespace {

constexpr std::size_t kChunk = 1 << 20;          // sendfile chunk: status shows progress
constexpr std::size_t kReceiveBuffer = 256 << 10;

net::ip::address unmapped(const net::ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6());
    return a;
}

// LIST/NLST arguments: leading "-la"-style option words are skipped, the rest is a path.
std::string strip_list_options(const std::string& arg) {
    std::size_t i = 0;
    while (i < arg.size() && arg[i] == '-') {
        std::size_t end = arg.find(' ', i);
        if (end == std::string::npos) return {};
        i = end + 1;
        while (i < arg.size() && arg[i] == ' ') ++i;
    }
    return arg.substr(i);
}

protocol::FileInfo file_info(std::string name, const struct stat& st) {
    protocol::FileInfo fi;
    fi.name = std::move(name);
    fi.type = S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : S_ISLNK(st.st_mode) ? 'l' : 'o';
    fi.size = static_cast<std::uint64_t>(st.st_size);
    fi.mode = st.st_mode & 07777;
    fi.nlink = st.st_nlink;
    fi.mtime = st.st_mtime;
    fi.dev = st.st_dev;
    fi.ino = st.st_ino;
    return fi;
}

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

awaitable<void> Session::cmd_pasv(const std::string&) {
    auto local = unmapped(local_addr_);
    if (!local.is_v4() && settings_.pasv_address.empty()) {
        reply(code::kCantOpenData, "PASV needs IPv4; use EPSV.");
        co_return;
    }
    std::uint16_t port;
    try {
        port = data_.listen_passive(local_addr_, settings_.pasv_low, settings_.pasv_high);
    } catch (const std::system_error& e) {
        spdlog::warn("{}: cannot open a passive port ({}-{}): {}", log_prefix(), settings_.pasv_low,
                     settings_.pasv_high, e.what());
        reply(code::kCantOpenData, "No passive port available.");
        co_return;
    }
    protocol::HostPort hp;
    hp.host = settings_.pasv_address.empty() ? local.to_string() : settings_.pasv_address;
    hp.port = port;
    reply(code::kEnteringPassive, protocol::format_pasv_reply_text(hp));
}

awaitable<void> Session::cmd_epsv(const std::string& arg) {
    auto parsed = protocol::parse_epsv_arg(arg);
    if (!parsed) {
        reply(code::kSyntaxErrorArgs, "Bad EPSV argument.");
        co_return;
    }
    if (parsed->kind == protocol::EpsvArg::Kind::all) {
        reply(code::kOk, "EPSV ALL ok.");
        co_return;
    }
    int family = unmapped(local_addr_).is_v4() ? 1 : 2;
    if (parsed->kind == protocol::EpsvArg::Kind::family && parsed->family != family) {
        reply(522, family == 1 ? "Network protocol not supported, use (1)" : "Network protocol not supported, use (2)");
        co_return;
    }
    try {
        auto port = data_.listen_passive(local_addr_, settings_.pasv_low, settings_.pasv_high);
        reply(code::kEnteringExtendedPassive, protocol::format_epsv_reply_text(port));
    } catch (const std::system_error& e) {
        spdlog::warn("{}: cannot open a passive port ({}-{}): {}", log_prefix(), settings_.pasv_low,
                     settings_.pasv_high, e.what());
        reply(code::kCantOpenData, "No passive port available.");
    }
}

awaitable<void> Session::cmd_port(const std::string& arg) {
    auto hp = protocol::parse_port_arg(arg);
    if (!hp) {
        reply(code::kSyntaxErrorArgs, "Bad PORT argument.");
        co_return;
    }
    co_await cmd_eprt("|1|" + hp->host + "|" + std::to_string(hp->port) + "|");
}

// RFC 2428. No FTP bounce: only to the client's own address and a port >= 1024.
awaitable<void> Session::cmd_eprt(const std::string& arg) {
    if (!settings_.active_mode) {
        reply(code::kNotImplemented, "Active mode (PORT/EPRT) is disabled; use PASV or EPSV.");
        co_return;
    }
    auto hp = protocol::parse_eprt_arg(arg);
    if (!hp) {
        reply(code::kSyntaxErrorArgs, "Bad EPRT argument.");
        co_return;
    }
    boost::system::error_code ec;
    auto addr = unmapped(net::ip::make_address(hp->host, ec));
    if (ec || addr != unmapped(peer_addr_) || hp->port < 1024) {
        spdlog::warn("{}: refused active data connection to {} port {}", log_prefix(), hp->host, hp->port);
        reply(code::kSyntaxError, "Illegal PORT command: only to your own address and a port >= 1024.");
        co_return;
    }
    // Connect from the same family as the control connection's local socket.
    if (peer_addr_.is_v6() && addr.is_v4())
        addr = net::ip::make_address_v6(net::ip::v4_mapped, addr.to_v4());
    data_.set_active(tcp::endpoint(addr, hp->port));
    reply(code::kOk, "PORT command successful. Consider using PASV.");
}

// Connects the data channel, then 150. False (and 425 sent) when that fails.
awaitable<bool> Session::open_data(std::string_view what) {
    if (!data_.prepared()) {
        reply(code::kCantOpenData, "Use PORT, PASV or EPSV first.");
        co_return false;
    }
    data_timed_out_ = false;
    set_data_deadline(Clock::now() + std::chrono::seconds(settings_.data_timeout));
    std::error_code ec;
    co_await data_.connect(peer_addr_, log_prefix(), ec);
    if (ec) {
        set_data_deadline(Clock::time_point::max());
        data_.reset();
        reply(code::kCantOpenData, data_timed_out_ ? "Data connection timed out." : "Failed to establish connection.");
        co_return false;
    }
    reply(code::kFileStatusOk, what);
    co_await flush();
    co_return true;
}

void Session::close_data() {
    set_data_deadline(Clock::time_point::max());
    boost::system::error_code ignored;
    data_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    data_.reset();
}

bool Session::control_closed() {
    char c;
    ssize_t n = ::recv(socket_.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

void Session::finish_data(const std::error_code& ec, std::string_view what) {
    close_data();
    if (!ec)
        reply(code::kClosingData, what);
    else if (data_timed_out_)
        reply(code::kTransferAborted, "Data connection timed out; transfer aborted.");
    else
        reply(code::kTransferAborted, "Data connection closed; transfer aborted.");
}

awaitable<std::error_code> Session::send_buffer(const std::string& data, bool count) {
    auto& s = data_.socket();
    std::size_t done = 0;
    while (done < data.size()) {
        std::size_t n = std::min(kChunk, data.size() - done);
        boost::system::error_code ec;
        co_await net::async_write(s, net::buffer(data.data() + done, n), net::redirect_error(use_awaitable, ec));
        if (ec) co_return std::error_code(ec.value(), std::generic_category());
        done += n;
        if (count) worker_.status().add_bytes(row_, ipc::Direction::out, n);
        set_data_deadline(Clock::now() + std::chrono::seconds(settings_.data_timeout));
    }
    co_return std::error_code{};
}

awaitable<std::error_code> Session::send_file(int fd, std::uint64_t size, std::uint64_t& sent) {
    auto& s = data_.socket();
    s.native_non_blocking(true);
    off_t offset = 0;
    while (static_cast<std::uint64_t>(offset) < size) {
        std::size_t want = std::min<std::uint64_t>(kChunk, size - offset);
        ssize_t n = ::sendfile(s.native_handle(), fd, &offset, want);
        if (n > 0) {
            sent += static_cast<std::uint64_t>(n);
            worker_.status().add_bytes(row_, ipc::Direction::out, static_cast<std::uint64_t>(n));
            set_data_deadline(Clock::now() + std::chrono::seconds(settings_.data_timeout));
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

awaitable<std::error_code> Session::receive_file(int fd, std::uint64_t& received) {
    auto& s = data_.socket();
    std::vector<char> buf(kReceiveBuffer);
    std::string converted;
    for (;;) {
        boost::system::error_code ec;
        std::size_t n = co_await s.async_read_some(net::buffer(buf), net::redirect_error(use_awaitable, ec));
        if (ec == net::error::eof) co_return std::error_code{};
        if (ec) co_return std::error_code(ec.value(), std::generic_category());
        set_data_deadline(Clock::now() + std::chrono::seconds(settings_.data_timeout));
        const char* p = buf.data();
        if (ascii_) {  // CRLF on the wire is LF on disk
            converted.clear();
            for (std::size_t i = 0; i < n; ++i)
                if (buf[i] != '\r') converted += buf[i];
            p = converted.data();
            n = converted.size();
        }
        received += n;
        worker_.status().add_bytes(row_, ipc::Direction::in, n);
        while (n > 0) {
            ssize_t w = ::write(fd, p, n);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) co_return sys::errno_code();
            p += w;
            n -= static_cast<std::size_t>(w);
        }
    }
}

awaitable<void> Session::send_listing(const std::string& arg, bool names_only) {
    std::string target = strip_list_options(arg);
    std::string path = resolve(target);
    struct stat st {};
    std::error_code ec;
    if (!root_->stat(path, st, ec)) {
        reply_fs_error(ec, target.empty() ? "." : target);
        co_return;
    }
    std::vector<DirEntry> entries;
    if (S_ISDIR(st.st_mode)) {
        entries = root_->list(path, settings_.show_hidden, ec);
        if (ec) {
            reply_fs_error(ec, target.empty() ? "." : target);
            co_return;
        }
    } else {
        entries.push_back({std::string(base_name(path)), st});
    }
    std::string text;
    auto now = static_cast<std::int64_t>(std::time(nullptr));
    for (const auto& e : entries) {
        if (names_only) {
            // NLST names files the way the client asked for the directory.
            if (!S_ISDIR(st.st_mode) || target.empty())
                text += e.name;
            else
                text += target + (target.back() == '/' ? "" : "/") + e.name;
        } else {
            text += protocol::format_list_line(file_info(e.name, e.st), now);
        }
        text += "\r\n";
    }
    if (!co_await open_data("Here comes the directory listing.")) co_return;
    auto result = co_await send_buffer(text);
    finish_data(result, "Directory send OK.");
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

awaitable<void> Session::cmd_list(const std::string& arg) { co_await send_listing(arg, false); }

awaitable<void> Session::cmd_nlst(const std::string& arg) { co_await send_listing(arg, true); }

awaitable<void> Session::cmd_retr(const std::string& arg) {
    std::error_code ec;
    auto fd = root_->open(resolve(arg), O_RDONLY, 0, ec);
    struct stat st {};
    if (!ec) sys::check(ec, [&] { return ::fstat(fd.get(), &st); });
    if (ec) {
        reply_fs_error(ec, arg);
        co_return;
    }
    if (!S_ISREG(st.st_mode)) {
        reply(code::kFileUnavailable, arg + ": Not a plain file.");
        co_return;
    }
    auto size = static_cast<std::uint64_t>(st.st_size);
    std::string what = std::string("Opening ") + (ascii_ ? "ASCII" : "BINARY") + " mode data connection for " +
                       arg + " (" + std::to_string(size) + " bytes).";
    if (!co_await open_data(what)) co_return;
    std::string path = resolve(arg);
    worker_.status().transfer_started(row_, path);
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
        result = co_await send_file(fd.get(), size, sent);
    }
    if (result) spdlog::info("{}: download of {} failed: {}", log_prefix(), arg, result.message());
    report_transfer('o', path, sent, start, !result);
    finish_data(result, "Transfer complete.");
}

// Upload to ".ftpd-upload.*" beside the target, then rename into place: a broken upload
// never leaves a truncated file under the real name.
awaitable<void> Session::cmd_stor(const std::string& arg) {
    if (refuse_write()) co_return;
    std::string path = resolve(arg);
    std::error_code ec;
    std::string name;
    auto dir = root_->open_parent(path, name, ec);
    if (ec) {
        reply_fs_error(ec, arg);
        co_return;
    }
    struct stat st {};
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (S_ISDIR(st.st_mode)) {
            reply(code::kNameNotAllowed, arg + ": Is a directory.");
            co_return;
        }
        if (!settings_.upload_overwrite) {
            reply(code::kNameNotAllowed, arg + ": File exists; overwriting is not allowed.");
            co_return;
        }
    }
    std::string temp = ".ftpd-upload." + std::to_string(::getpid()) + "." + std::to_string(id_) + "." +
                       std::to_string(worker_.next_upload_id());
    sys::unique_fd file(::openat(dir.get(), temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (!file) {
        reply_fs_error(sys::errno_code(), arg);
        co_return;
    }
    if (!co_await open_data("Ok to send data.")) {
        ::unlinkat(dir.get(), temp.c_str(), 0);
        co_return;
    }
    worker_.status().transfer_started(row_, path);
    auto start = Clock::now();
    std::uint64_t received = 0;
    auto result = co_await receive_file(file.get(), received);
    file.reset();
    // A client that vanished closes the data connection too, which looks like the end of
    // the file: an upload whose control connection is gone is not renamed into place.
    if (!result && (closing_ || control_closed())) result = std::make_error_code(std::errc::connection_aborted);
    if (!result) {
        unsigned flags = settings_.upload_overwrite ? 0 : RENAME_NOREPLACE;
        if (::renameat2(dir.get(), temp.c_str(), dir.get(), name.c_str(), flags) != 0) {
            auto rec = sys::errno_code();
            ::unlinkat(dir.get(), temp.c_str(), 0);
            close_data();
            report_transfer('i', path, received, start, false);
            reply_fs_error(rec, arg);
            co_return;
        }
        spdlog::info("{}: stored {} ({} bytes)", log_prefix(), path, received);
        report_transfer('i', path, received, start, true);
        finish_data({}, "Transfer complete.");
        co_return;
    }
    ::unlinkat(dir.get(), temp.c_str(), 0);
    spdlog::info("{}: upload of {} failed after {} bytes: {}", log_prefix(), path, received, result.message());
    report_transfer('i', path, received, start, false);
    if (result.value() == ENOSPC || result.value() == EDQUOT) {
        close_data();
        reply_fs_error(result, arg);
        co_return;
    }
    finish_data(result, "");
}

}  // namespace ftpd::worker
