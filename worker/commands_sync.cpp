// What sync clients (rclone, lftp mirror, FileZilla, WinSCP, FluentFTP) ask beyond RFC 959:
// MFMT (keep modification times), HASH with OPTS HASH and RANG (compare checksums), the
// older XSHA256/XSHA512/XSHA1/XMD5/XCRC, and CLNT. Runs in a worker's session; setting times
// and hashing are file-system work, on file-system threads; hashing runs under the control
// monitor (ABOR stops it, STAT shows its progress) and is paced by the session's rate limit.
#include "worker/fs/hash.hpp"
#include "worker/printable.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/session.hpp"
#include "worker/worker.hpp"

#include <spdlog/spdlog.h>

#include <sys/stat.h>

namespace ftpd::worker {
namespace code = protocol::code;

namespace {

constexpr std::size_t kHashChunk = 4 << 20;  // bytes per file-system call while hashing
constexpr std::size_t kMaxClientName = 64;

timespec to_timespec(const protocol::Timestamp& t) {
    return {static_cast<time_t>(t.seconds), static_cast<long>(t.nanoseconds)};
}

}  // namespace

awaitable<bool> Session::set_file_times(const std::string& shown, const protocol::Timestamp& modify,
                                        const std::optional<protocol::Timestamp>& access) {
    if (refuse_write()) co_return false;
    std::string path = resolve(shown);
    fs::Call<fs::Done> utime_call = [root = root_, path, m = to_timespec(modify),
                                     a = access ? std::optional<timespec>(to_timespec(*access)) : std::nullopt] {
        fs::Result<fs::Done> out;
        root->set_times(path, m, a ? &*a : nullptr, out.ec);
        return out;
    };
    auto r = co_await fs_call<fs::Done>(fs::Op::utime, path, std::move(utime_call));
    if (!r) {
        reply_fs_error(r.ec, shown);
        co_return false;
    }
    co_return true;
}

// draft-somers-ftp-mfxx: 213 with the time set and the path as given.
awaitable<void> Session::cmd_mfmt(const std::string& arg) {
    auto parsed = protocol::parse_mfmt(arg);
    if (!parsed) {
        reply(code::kSyntaxErrorArgs, "Usage: MFMT YYYYMMDDHHMMSS[.sss] path");
        co_return;
    }
    if (co_await set_file_times(parsed->path, parsed->modify, std::nullopt))
        reply(code::kFileStatus, "Modify=" + protocol::format_timestamp(parsed->modify) + "; " + parsed->path);
}

awaitable<std::optional<std::string>> Session::file_digest(const std::string& shown, protocol::HashAlgorithm algorithm,
                                                           std::uint64_t start, std::uint64_t& end) {
    std::string path = resolve(shown);
    fs::Call<fs::FilePtr> open_call = [root = root_, path] { return fs::open_for_read(*root, path); };
    auto opened = co_await fs_call<fs::FilePtr>(fs::Op::open, path, std::move(open_call));
    if (!opened) {
        reply_fs_error(opened.ec, shown);
        co_return std::nullopt;
    }
    auto file = std::move(opened.value);
    if (!S_ISREG(file->st.st_mode)) {
        reply_file_error(protocol::FileError::not_plain, shown);
        co_return std::nullopt;
    }
    auto size = static_cast<std::uint64_t>(file->st.st_size);
    if (end == 0 || end > size) end = size;
    if (start > end) {
        reply(code::kSyntaxErrorArgs, "Range start is beyond the end of " + shown + ".");
        co_return std::nullopt;
    }
    fs::DigestPtr digest;
    try {
        digest = fs::Digest::make(algorithm);
    } catch (const std::exception& e) {
        spdlog::error("{}: {}: {}", log_prefix(), protocol::hash_name(algorithm), printable(e.what()));
        reply_file_error(protocol::FileError::local, shown);
        co_return std::nullopt;
    }
    max_rate_ = rate_down_;  // hashing reads the file as a download would
    start_monitor(std::string(verb_) + " " + shown, end - start);
    std::error_code result;
    for (std::uint64_t pos = start; pos < end && !result && !aborted_ && !closing_;) {
        std::size_t want = std::min<std::uint64_t>(chunk_size(kHashChunk), end - pos);
        fs::Call<std::size_t> hash_call = [file, digest, pos, want] { return fs::hash_chunk(*file, *digest, pos, want); };
        auto r = co_await fs_call<std::size_t>(fs::Op::hash, path, std::move(hash_call));
        if (!r) {
            result = r.ec;
        } else if (r.value == 0) {
            end = pos;  // the file shrank meanwhile: the digest is of what there was
        } else {
            pos += r.value;
            transfer_bytes_ += r.value;  // STAT shows it; throttle() paces by it
            co_await throttle();
        }
    }
    if (auto stopped = co_await end_transfer({}); stopped && !result) result = fs::make_error_code(fs::errc::interrupted);
    if (result) {
        if (aborted_) spdlog::info("{}: {} of {} aborted", log_prefix(), verb_, printable(shown));
        reply_fs_error(result, shown);
        co_return std::nullopt;
    }
    co_return digest->hex();
}

// draft-bryan-ftpext-hash: "213 SHA-256 0-1234 <hex> path", over RANG's range if one is set.
awaitable<void> Session::cmd_hash(const std::string& arg) {
    std::uint64_t start = 0, end = 0;
    if (auto range = std::exchange(range_, std::nullopt)) {
        start = range->start;
        end = range->end + 1;
    }
    auto hex = co_await file_digest(arg, hash_, start, end);
    if (hex)
        reply(code::kFileStatus, std::string(protocol::hash_name(hash_)) + " " + std::to_string(start) + "-" +
                                     std::to_string(end) + " " + *hex + " " + arg);
}

// The older commands (GlobalSCAPE, Serv-U; FileZilla, WinSCP and FluentFTP send them): 250
// and the digest; an optional byte range [start, end).
awaitable<void> Session::cmd_xhash(const std::string& arg) {
    auto algorithm = protocol::legacy_hash_algorithm(verb_);
    auto parsed = protocol::parse_legacy_hash(arg);
    if (!algorithm || !parsed) {
        reply(code::kSyntaxErrorArgs, "Usage: " + std::string(verb_) + " path [start [end]]");
        co_return;
    }
    std::uint64_t end = parsed->end;
    if (auto hex = co_await file_digest(parsed->path, *algorithm, parsed->start, end))
        reply(code::kFileActionOk, *hex);
}

// draft-bryan-ftp-range: the bytes start..end (both included) of the next RETR or HASH;
// "RANG 1 0" clears it.
awaitable<void> Session::cmd_rang(const std::string& arg) {
    auto parsed = protocol::parse_rang(arg);
    if (!parsed) {
        reply(code::kSyntaxErrorArgs, "Usage: RANG start end (end >= start), or RANG 1 0 to reset");
        co_return;
    }
    if (parsed->reset) {
        range_.reset();
        reply(code::kPendingFurtherInfo, "Restarting at 0. Ending byte EOF.");
        co_return;
    }
    if (ascii_) {  // offsets of the file and of the wire differ in TYPE A, as for REST
        reply(code::kNotImplementedParam, "RANG is not supported in ASCII mode; use TYPE I.");
        co_return;
    }
    range_ = parsed;
    reply(code::kPendingFurtherInfo, "Restarting at " + std::to_string(parsed->start) + ". Ending byte " +
                                         std::to_string(parsed->end) + ".");
}

// The client names its software (FileZilla, WinSCP send it): for the log and ftpctl status.
awaitable<void> Session::cmd_clnt(const std::string& arg) {
    client_name_ = arg.substr(0, kMaxClientName);
    spdlog::info("{}: client software: {}", log_prefix(), printable(client_name_));
    worker_.status().client_name(row_, client_name_);
    reply(code::kOk, "Noted.");
    co_return;
}

}  // namespace ftpd::worker
