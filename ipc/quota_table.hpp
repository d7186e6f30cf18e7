// Per-user quota usage in the status segment, shared by all workers: find or claim a user's
// entry, add to and check its usage lock-free, store a scan's result, and copy the table
// for ftpctl. Nothing here waits on another process for more than a few yields: an entry is
// claimed under a pid-stamped claim word that a dead claimer's successor takes over.
#pragma once

#include "ipc/status_segment.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace ftpd::ipc {

// The entry of `user`, or null when it has none. Lock-free.
QuotaEntryData* find_quota(const SegmentMapping& segment, std::string_view user) noexcept;

// The entry of `user`, claiming a free one when it has none; null when the table is full or
// the claim word stayed taken by a live process for about a millisecond. Needs a writable
// mapping.
QuotaEntryData* claim_quota(SegmentMapping& segment, std::string_view user) noexcept;

// The account's limits as of this login (0: none), stored for ftpctl.
void set_quota_limits(QuotaEntryData& entry, std::uint64_t limit_bytes, std::uint64_t limit_files) noexcept;

// True when the entry's usage was computed since the last worker death and, with
// max_age_ms > 0, no longer than max_age_ms ago (quota_rescan).
bool quota_fresh(const SegmentMapping& segment, const QuotaEntryData& entry, std::int64_t max_age_ms,
                 std::int64_t now_monotonic_ms = monotonic_ms()) noexcept;

// The table's epoch now: take it before a scan starts and pass it to store_scan().
std::uint64_t quota_epoch(const SegmentMapping& segment) noexcept;

// A scan that started at `started_ms` with `epoch` found bytes and files: the entry's usage
// becomes that (a worker that died during the scan bumped the epoch: the entry stays stale).
void store_scan(QuotaEntryData& entry, std::int64_t bytes, std::int64_t files, std::uint64_t epoch,
                std::int64_t started_ms) noexcept;

// Adds n bytes (an upload's chunk) unless the result would pass `limit` (0: none): false
// then, and nothing is added. Lock-free, and exact between workers: two sessions never both
// get past the limit.
bool reserve_bytes(QuotaEntryData& entry, std::uint64_t n, std::uint64_t limit) noexcept;
// Adds (or with a negative n, removes) bytes or files without a check: deletions,
// overwritten files, the bytes of a failed upload, a new file.
void add_usage(QuotaEntryData& entry, std::int64_t bytes, std::int64_t files) noexcept;

QuotaUsage read_quota(const SegmentMapping& segment, const QuotaEntryData& entry);
// Every claimed entry, in claim order. Lock-free; works on a read-only mapping.
std::vector<QuotaUsage> read_quotas(const SegmentMapping& segment);

}  // namespace ftpd::ipc
