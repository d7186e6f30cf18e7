// The quota table's operations (ipc/quota_table.hpp): lock-free except for the claim of a
// new entry, which takes a pid-stamped claim word for a few stores and never waits for a
// dead process.
#include "ipc/quota_table.hpp"

#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ftpd::ipc {

namespace {

// Loads and stores through atomic_ref; a read-only mapping only ever loads.
template <class T>
T load(const T& field) noexcept {
    return std::atomic_ref<T>(const_cast<T&>(field)).load(std::memory_order_acquire);
}
template <class T>
void store(T& field, T value) noexcept {
    std::atomic_ref<T>(field).store(value, std::memory_order_release);
}

bool process_gone(std::int32_t pid) noexcept { return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH; }

QuotaEntryData* lookup(const QuotaTable& table, std::string_view user) noexcept {
    const std::uint32_t used = std::min(table.used.load(std::memory_order_acquire), kQuotaEntries);
    for (std::uint32_t i = 0; i < used; ++i) {
        auto& e = const_cast<QuotaEntryData&>(table.entries[i]);
        if (load(e.in_use) == 1 && text_of(e.user) == user) return &e;
    }
    return nullptr;
}

// Takes the claim word: free, or held by a process that no longer exists. Gives up after
// about a thousand yields (a live claimer holds it for a few stores only).
bool take_claim(QuotaTable& table, std::int32_t self) noexcept {
    for (int i = 0; i < 1000; ++i) {
        std::int32_t holder = 0;
        if (table.claim_pid.compare_exchange_strong(holder, self, std::memory_order_acq_rel)) return true;
        if (process_gone(holder) && table.claim_pid.compare_exchange_strong(holder, self, std::memory_order_acq_rel))
            return true;
        ::sched_yield();
    }
    return false;
}

}  // namespace

QuotaEntryData* find_quota(const SegmentMapping& segment, std::string_view user) noexcept {
    return lookup(segment.quota_table(), user);
}

QuotaEntryData* claim_quota(SegmentMapping& segment, std::string_view user) noexcept {
    QuotaTable& table = segment.quota_table();
    if (auto* e = lookup(table, user)) return e;
    if (user.empty() || user.size() >= sizeof(QuotaEntryData::user)) return nullptr;
    const std::int32_t self = ::getpid();
    if (!take_claim(table, self)) return nullptr;
    QuotaEntryData* out = lookup(table, user);  // claimed by someone else meanwhile
    if (!out) {
        const std::uint32_t used = table.used.load(std::memory_order_acquire);
        // An entry below `used` that is not in use was being claimed by a process that died.
        for (std::uint32_t i = 0; i < std::min(used, kQuotaEntries) && !out; ++i)
            if (load(table.entries[i].in_use) == 0) out = &table.entries[i];
        if (!out && used < kQuotaEntries) {
            out = &table.entries[used];
            table.used.store(used + 1, std::memory_order_release);
        }
        if (out) {
            set_text(out->user, user);
            store(out->bytes, std::int64_t{0});
            store(out->files, std::int64_t{0});
            store(out->epoch, std::uint64_t{0});
            store(out->scanned_ms, std::int64_t{0});
            store(out->in_use, std::uint32_t{1});
        }
    }
    table.claim_pid.store(0, std::memory_order_release);
    return out;
}

void set_quota_limits(QuotaEntryData& entry, std::uint64_t limit_bytes, std::uint64_t limit_files) noexcept {
    store(entry.limit_bytes, limit_bytes);
    store(entry.limit_files, limit_files);
}

std::uint64_t quota_epoch(const SegmentMapping& segment) noexcept {
    return segment.quota_table().epoch.load(std::memory_order_acquire);
}

bool quota_fresh(const SegmentMapping& segment, const QuotaEntryData& entry, std::int64_t max_age_ms,
                 std::int64_t now_monotonic_ms) noexcept {
    if (load(entry.epoch) != quota_epoch(segment)) return false;
    return max_age_ms <= 0 || now_monotonic_ms - load(entry.scanned_ms) <= max_age_ms;
}

void store_scan(QuotaEntryData& entry, std::int64_t bytes, std::int64_t files, std::uint64_t epoch,
                std::int64_t started_ms) noexcept {
    store(entry.bytes, bytes);
    store(entry.files, files);
    store(entry.scanned_ms, started_ms);
    store(entry.epoch, epoch);
}

bool reserve_bytes(QuotaEntryData& entry, std::uint64_t n, std::uint64_t limit) noexcept {
    std::atomic_ref<std::int64_t> bytes(entry.bytes);
    std::int64_t now = bytes.load(std::memory_order_acquire);
    for (;;) {
        const std::int64_t next = now + static_cast<std::int64_t>(n);
        if (limit > 0 && next > static_cast<std::int64_t>(limit)) return false;
        if (bytes.compare_exchange_weak(now, next, std::memory_order_acq_rel)) return true;
    }
}

void add_usage(QuotaEntryData& entry, std::int64_t bytes, std::int64_t files) noexcept {
    if (bytes) std::atomic_ref<std::int64_t>(entry.bytes).fetch_add(bytes, std::memory_order_acq_rel);
    if (files) std::atomic_ref<std::int64_t>(entry.files).fetch_add(files, std::memory_order_acq_rel);
}

QuotaUsage read_quota(const SegmentMapping& segment, const QuotaEntryData& e) {
    QuotaUsage u;
    u.user = std::string(text_of(e.user));
    u.bytes = std::max<std::int64_t>(0, load(e.bytes));
    u.files = std::max<std::int64_t>(0, load(e.files));
    u.limit_bytes = load(e.limit_bytes);
    u.limit_files = load(e.limit_files);
    u.valid = load(e.epoch) == quota_epoch(segment);
    return u;
}

std::vector<QuotaUsage> read_quotas(const SegmentMapping& segment) {
    const QuotaTable& table = segment.quota_table();
    const std::uint32_t used = std::min(table.used.load(std::memory_order_acquire), kQuotaEntries);
    std::vector<QuotaUsage> out;
    for (std::uint32_t i = 0; i < used; ++i)
        if (load(table.entries[i].in_use) == 1) out.push_back(read_quota(segment, table.entries[i]));
    return out;
}

}  // namespace ftpd::ipc
