// Quotas of virtual users (quota= and files= in the users file): the usage lives in the
// status segment's quota table (ipc/quota_table.hpp), shared by every session on every
// worker; it is counted from the disk on a file-system thread at login and whenever it is
// stale, and kept up to date by uploads, deletions and overwrites. Runs in a worker's session.
#include "ipc/quota_table.hpp"
#include "worker/fs/usage.hpp"
#include "worker/printable.hpp"
#include "worker/protocol/reply.hpp"
#include "worker/protocol/size_text.hpp"
#include "worker/session.hpp"
#include "worker/worker.hpp"

#include <spdlog/spdlog.h>

#include <sys/stat.h>

namespace ftpd::worker {
namespace code = protocol::code;

awaitable<void> Session::load_quota(const Account& account) {
    quota_ = nullptr;
    quota_bytes_ = account.limits.quota_bytes;
    quota_files_ = account.limits.quota_files;
    if (quota_bytes_ == 0 && quota_files_ == 0) co_return;
    quota_ = ipc::claim_quota(worker_.status().segment(), account.name);
    if (!quota_) {
        spdlog::error("{}: user '{}': no room in the quota table; uploads are refused", log_prefix(),
                      printable(account.name));
        co_return;
    }
    ipc::set_quota_limits(*quota_, quota_bytes_, quota_files_);
    co_await refresh_quota();
}

awaitable<void> Session::refresh_quota() {
    auto& segment = worker_.status().segment();
    if (!quota_ || ipc::quota_fresh(segment, *quota_, std::int64_t{settings_.quota_rescan} * 1000)) co_return;
    const std::uint64_t epoch = ipc::quota_epoch(segment);
    const std::int64_t started = ipc::monotonic_ms();
    fs::Call<fs::Usage> scan_call = [root = root_] { return fs::scan_usage(*root); };
    auto usage = co_await fs_call<fs::Usage>(fs::Op::scan, "/", std::move(scan_call));
    if (!usage) {
        spdlog::warn("{}: quota usage not counted: {}", log_prefix(), usage.ec.message());
        co_return;
    }
    ipc::store_scan(*quota_, usage.value.bytes, usage.value.files, epoch, started);
    spdlog::info("{}: quota usage counted: {} bytes in {} files", log_prefix(), usage.value.bytes, usage.value.files);
}

std::string Session::quota_text() const {
    if (!quota_) return "no quota";
    auto u = ipc::read_quota(worker_.status().segment(), *quota_);
    std::string out = std::to_string(u.bytes) + " bytes";
    if (quota_bytes_) out += " of " + protocol::format_size(quota_bytes_);
    out += ", " + std::to_string(u.files) + " files";
    if (quota_files_) out += " of " + std::to_string(quota_files_);
    return out;
}

awaitable<bool> Session::admit_upload(bool new_file) {
    const std::uint64_t allo = std::exchange(allo_, 0);
    if (quota_bytes_ == 0 && quota_files_ == 0) co_return true;
    if (!quota_) {
        reply(code::kExceededStorage, "Quota cannot be checked (quota table full); upload refused.");
        co_return false;
    }
    co_await refresh_quota();
    auto u = ipc::read_quota(worker_.status().segment(), *quota_);
    const auto bytes = static_cast<std::uint64_t>(u.bytes);
    const char* why = nullptr;
    if (quota_bytes_ && (bytes >= quota_bytes_ || allo > quota_bytes_ - bytes))
        why = "bytes";
    else if (quota_files_ && new_file && static_cast<std::uint64_t>(u.files) >= quota_files_)
        why = "files";
    if (!why) co_return true;
    spdlog::info("{}: upload refused: over quota ({}: {})", log_prefix(), why, quota_text());
    reply(code::kExceededStorage, std::string("Requested file action aborted: exceeded storage allocation (") +
                                      quota_text() + ").");
    co_return false;
}

bool Session::quota_take(std::uint64_t n) {
    if (!quota_) return true;
    if (ipc::reserve_bytes(*quota_, n, quota_bytes_)) return true;
    quota_cut_ = true;
    return false;
}

void Session::quota_add(std::int64_t bytes, std::int64_t files) {
    if (quota_) ipc::add_usage(*quota_, bytes, files);
}

awaitable<std::pair<bool, std::int64_t>> Session::quota_file_size(const std::string& path) {
    if (!quota_) co_return std::pair<bool, std::int64_t>{false, 0};
    fs::Call<struct stat> stat_call = [root = root_, path] {
        fs::Result<struct stat> out;
        root->lstat(path, out.value, out.ec);
        return out;
    };
    auto st = co_await fs_call<struct stat>(fs::Op::stat, path, std::move(stat_call));
    if (!st || !S_ISREG(st.value.st_mode)) co_return std::pair<bool, std::int64_t>{false, 0};
    co_return std::pair<bool, std::int64_t>{true, st.value.st_size};
}

}  // namespace ftpd::worker
