// The status segment: the master creates it (SegmentOwner), each worker writes its own slot
// through a SlotWriter, ftpctl copies it with read_snapshot(). Readers and writers never wait
// longer than a short timed wait, and nothing here ever blocks on another process for good.
#pragma once

#include <boost/interprocess/mapped_region.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ipc/status_layout.hpp"

namespace ftpd::ipc {

// How many slots and session rows per slot a segment has; fixed for the segment's life.
struct Geometry {
    std::uint32_t slots;
    std::uint32_t rows_per_slot;
};

inline constexpr std::uint32_t kMaxSlots = 4096;
inline constexpr std::uint32_t kMaxRowsPerSlot = 1u << 20;

// Bytes of a segment with this geometry (header, slots, rows, each 64-byte aligned).
// Throws std::invalid_argument when a dimension is 0 or above kMaxSlots/kMaxRowsPerSlot.
std::size_t segment_size(Geometry g);

// Typed access to a mapped status segment; the base of SegmentOwner and SegmentView.
// Accessors return references into shared memory: copy with read_snapshot(), write through
// SlotWriter (workers) or SegmentOwner's setters (master).
class SegmentMapping {
public:
    SegmentMapping(const SegmentMapping&) = delete;
    SegmentMapping& operator=(const SegmentMapping&) = delete;

    const std::string& name() const noexcept { return name_; }
    Geometry geometry() const noexcept { return geometry_; }
    // False for a view mapped read-only: it can read, but neither lock nor write.
    bool writable() const noexcept { return writable_; }

    SegmentHeader& header() const noexcept { return *static_cast<SegmentHeader*>(base()); }
    // Throws std::out_of_range when slot >= geometry().slots.
    WorkerSlot& slot(std::uint32_t slot) const;
    // Throws std::out_of_range when slot or row is outside the geometry.
    SessionRowData& row(std::uint32_t slot, std::uint32_t row) const;
    // Per-user quota usage (ipc/quota_table.hpp has the operations on it).
    QuotaTable& quota_table() const noexcept;

protected:
    SegmentMapping() = default;
    SegmentMapping(SegmentMapping&&) noexcept = default;
    SegmentMapping& operator=(SegmentMapping&&) noexcept = default;
    void* base() const noexcept { return region_.get_address(); }

    boost::interprocess::mapped_region region_;
    std::string name_;
    Geometry geometry_{};
    bool writable_ = false;
};

// Master only: creates ftpd.<pid>.status (replacing a leftover of that name) and removes it
// when destroyed in the process that created it (a forked child that unwinds leaves it).
class SegmentOwner : public SegmentMapping {
public:
    // Creates, sizes (reserving the memory, so a full /dev/shm fails here and not later with
    // SIGBUS) and initialises the segment: header, every slot (state dead, semaphore count 1)
    // and every row free. Throws std::invalid_argument for a bad geometry and
    // std::runtime_error naming the segment when it cannot be created.
    SegmentOwner(int master_pid, Geometry g, std::string_view config_path);
    ~SegmentOwner();
    SegmentOwner(SegmentOwner&&) = delete;

    // Re-initialises what a dead worker could have left behind: the slot's semaphore (count 1,
    // even if the worker died holding it), its data (state dead, pid 0; `restarts` kept) and
    // all its rows; and marks every user's quota usage for recomputation (quota_table.hpp). Call after reaping the worker and before its replacement starts; never
    // while a worker runs in the slot. Throws std::out_of_range for a bad slot.
    void reset_slot(std::uint32_t slot);
    // Adds one to the slot's restart count (lock-free; allowed while a worker runs in it).
    void add_restart(std::uint32_t slot);
    // The slot's last heartbeat (CLOCK_MONOTONIC ms; 0 = none yet), read without any lock:
    // compare it with monotonic_ms() to find a hung worker.
    std::int64_t heartbeat_ms(std::uint32_t slot) const;

    // A reload that needs a larger geometry creates a new owner (which takes the name) and
    // moves the header over with adopt_header(); the old one, still mapped by draining
    // workers, is then disown()ed so that its destructor leaves the new segment's name alone.
    void adopt_header(const SegmentOwner& previous) noexcept;
    void disown() noexcept { creator_pid_ = 0; }

    // Header setters; each is one write under the header's sequence counter.
    void set_generation(std::uint64_t generation) noexcept;
    void set_config_path(std::string_view path) noexcept;
    // Records a reload attempt: ok, or failed with error (truncated to 511 bytes).
    void set_reload_result(bool ok, std::string_view error,
                           std::int64_t when_ms = realtime_ms()) noexcept;
    // A binary upgrade (SIGUSR2): this master's part in it and the other master's pid.
    void set_upgrade_state(UpgradeState state, int peer_pid) noexcept;
    // Records an upgrade's outcome: ok, or failed with error (truncated to 511 bytes).
    void set_upgrade_result(bool ok, std::string_view error,
                            std::int64_t when_ms = realtime_ms()) noexcept;
    // The hook runner's state and counters (ftpctl status, metrics).
    void set_hooks(const HookRunnerData& hooks) noexcept;

private:
    template <class Fn>
    void write_header(Fn&& fn) noexcept;

    int creator_pid_;
};

// How a SegmentView maps the segment.
enum class Access {
    read_write,                // workers; ftpctl run as root
    read_only,                 // no locking: snapshots rely on the sequence counters alone
    read_write_if_permitted,   // ftpctl: read_write, falling back to read_only on EACCES
};

// Workers and ftpctl: attach to the segment of the master with this pid; never removes it.
class SegmentView : public SegmentMapping {
public:
    // Maps ftpd.<pid>.status and checks its magic, version, geometry and size. Throws
    // std::runtime_error with an operator-facing message when it is missing, unreadable,
    // or from another build ("... has version 2, expected 1 (ftpctl and ftpd from different
    // builds?)").
    explicit SegmentView(int master_pid, Access access = Access::read_write);
    SegmentView(SegmentView&&) noexcept = default;
    SegmentView& operator=(SegmentView&&) noexcept = default;
};

// Checks a mapped segment's header against kStatusMagic, kStatusVersion and the mapped size;
// returns its geometry. Throws std::runtime_error naming `name` with what is wrong.
Geometry validate_segment(const void* base, std::size_t mapped_size, std::string_view name);

// RAII: takes a slot's semaphore, waiting at most `timeout` (0: one try, no wait), and gives
// it back in the destructor if it got it. Never throws. Hold it for a few stores, never
// across I/O.
class SlotLock {
public:
    SlotLock(WorkerSlot& slot, std::chrono::milliseconds timeout) noexcept;
    ~SlotLock();
    SlotLock(const SlotLock&) = delete;
    SlotLock& operator=(const SlotLock&) = delete;

    bool locked() const noexcept { return locked_; }

private:
    WorkerSlot& slot_;
    bool locked_ = false;
};

// Which way bytes went, for SlotWriter::add_bytes().
enum class Direction { in, out };

// What SlotWriter::update_row() changes; fields left empty keep their value.
// Example: writer.update_row(row, {.state = "RETR", .file = "/pub/a.iso", .bytes = 0});
struct RowUpdate {
    std::optional<std::string_view> user = std::nullopt;
    std::optional<std::string_view> state = std::nullopt;  // current command, or "login"/"idle"
    std::optional<std::string_view> file = std::nullopt;
    std::optional<std::uint64_t> bytes = std::nullopt;
    std::optional<bool> tls = std::nullopt;
    // The file-system call the session now waits for ("stat"), stamped with the time; an
    // empty one ends the wait.
    std::optional<std::string_view> fs_op = std::nullopt;
    std::optional<std::string_view> client_name = std::nullopt;  // CLNT
};

// Worker only: the writer of one slot, used by one thread. Structured writes happen under
// the slot's sequence counter and, when it is free, its semaphore; a worker never waits for
// the semaphore (a reader holds it for a copy, or died holding it), since the sequence
// counter alone already lets readers detect a torn copy. Byte counters are lock-free.
class SlotWriter {
public:
    // Claims the slot for this process: pid, generation, start time, state starting,
    // heartbeat now. Throws std::invalid_argument for a read-only view, std::out_of_range for
    // a bad slot. The view must outlive the writer.
    SlotWriter(SegmentMapping& segment, std::uint32_t slot, std::uint64_t generation);

    void set_state(WorkerState state) noexcept;
    // Publishes liveness (call about once a second); lock-free.
    void heartbeat(std::int64_t now_monotonic_ms = monotonic_ms()) noexcept;
    void set_dropped_events(std::uint64_t dropped) noexcept;
    // The file-system threads: how many, calls queued or running, calls stuck, and the age
    // in seconds of the oldest running call.
    void set_fs(std::uint32_t threads, std::uint32_t pending, std::uint32_t stuck, std::uint32_t oldest_s) noexcept;

    // A session started: counts it in `sessions` and `accepted` and claims the lowest free row
    // (state "login"); returns the row, or -1 when all rows are taken (the session is still
    // counted). Pass the result to the other calls and to close_session_row().
    int open_session_row(std::uint64_t session_id, std::string_view client, bool tls = false) noexcept;
    // Changes the given fields of a row; row -1 is ignored.
    void update_row(int row, const RowUpdate& update) noexcept;
    // Adds n bytes to the slot's total and (row >= 0) to the row; lock-free, no syscall.
    void add_bytes(int row, Direction dir, std::uint64_t n) noexcept;
    // The session ended: frees the row (if any) and uncounts it from `sessions`.
    void close_session_row(int row) noexcept;
    // True when request_kick() asked to end session `session_id` in `row`; lock-free.
    bool kick_requested(int row, std::uint64_t session_id) const noexcept;
    // One more failed accept() (EMFILE, ENFILE, ENOBUFS, ...); lock-free.
    void add_accept_error() noexcept;
    // The row's session now has a passive listener on `port` waiting for its connection
    // (0: none any more); clears any take-over request. Lock-free; row -1 is ignored.
    void set_passive(int row, std::uint16_t port) noexcept;
    // The port another session asked to take over from this row's session (0: none), and
    // clears the request. Lock-free.
    std::uint16_t take_passive_revocation(int row) noexcept;

    std::uint32_t slot_index() const noexcept { return index_; }

private:
    template <class Fn>
    void write(Fn&& fn) noexcept;
    SessionRowData* row_ptr(int row) const noexcept;

    SegmentMapping& segment_;
    std::uint32_t index_;
    WorkerSlot& slot_;
    // Freed rows below slot_.data.rows_high, smallest on top: new sessions take the lowest
    // free row, so the rows in use stay packed at the front and readers copy only those.
    // Its capacity is reserved up front (rows_per_slot), so pushing never allocates.
    std::vector<std::uint32_t> free_rows_;
};

// A consistent copy of one slot.
struct SlotSnapshot {
    std::uint32_t slot = 0;
    WorkerSlotData data{};
    bool busy = false;  // its semaphore could not be taken in time (data read without it)
    bool torn = false;  // no consistent copy could be made: data may mix two writes
};

// A copy of one in-use session row.
struct RowSnapshot {
    std::uint32_t slot = 0;
    std::uint32_t row = 0;
    SessionRowData data{};
};

// A copy of one quota table entry (ipc/quota_table.hpp).
struct QuotaUsage {
    std::string user;
    std::int64_t bytes = 0;
    std::int64_t files = 0;
    std::uint64_t limit_bytes = 0;  // 0: none
    std::uint64_t limit_files = 0;  // 0: none
    bool valid = false;  // counted since the last worker death (else recounted at the next login or upload)
};

struct Snapshot {
    HeaderData header{};
    bool header_torn = false;  // the master was writing the header (or died doing so)
    std::vector<SlotSnapshot> slots;    // one per slot, in slot order
    std::vector<RowSnapshot> sessions;  // in-use rows, by slot then row
    std::vector<QuotaUsage> quotas;     // every user with a quota that logged in, in claim order
};

// Copies the header, every slot, every in-use row and the quota table. Locks each slot for its copy when the
// mapping is writable, waiting at most per_slot_wait for it; a slot it cannot lock is read
// anyway and marked busy, and marked torn if its sequence counter shows a concurrent or
// interrupted write. Never waits longer than per_slot_wait per slot (plus the header).
// Throws only std::bad_alloc.
Snapshot read_snapshot(const SegmentMapping& segment, std::chrono::milliseconds per_slot_wait);

// A new session id (1, 2, ...), unique over all workers of this master; lock-free.
std::uint64_t next_session_id(SegmentMapping& segment) noexcept;

// Open sessions over all slots (each slot's `sessions`), without locks: a worker checks
// max_clients with it on accept. Never waits; may be off by sessions opening right now.
std::uint64_t count_sessions(const SegmentMapping& segment) noexcept;

// Open sessions whose client address is `host` (the "127.0.0.1" or "[::1]" part of a
// row's client text), over all slots, without locks: max_per_ip on accept.
std::uint32_t count_sessions_from(const SegmentMapping& segment, std::string_view host) noexcept;

// ftpctl user del --kick: asks the worker of `slot` to end session `session_id` in `row`
// (it checks about once a second). A row reused by another session since is left alone:
// the worker compares the id. Needs a writable mapping; lock-free.
void request_kick(SegmentMapping& segment, std::uint32_t slot, std::uint32_t row, std::uint64_t session_id) noexcept;

// Logged-in sessions whose row names `user` (exactly, or in any case when ignore_case),
// over all slots, without locks: per-user max_sessions at login.
std::uint32_t count_sessions_of(const SegmentMapping& segment, std::string_view user, bool ignore_case) noexcept;
// Passive listeners waiting for their connection, held by sessions from `host`, with a
// port in [low, high], over all slots, without locks: the per-address passive-port cap.
std::uint32_t count_passive_from(const SegmentMapping& segment, std::string_view host, std::uint16_t low,
                                 std::uint16_t high) noexcept;

// A passive listener another session was asked to give up.
struct PassiveVictim {
    std::uint32_t slot = 0;
    std::int32_t pid = 0;          // its worker
    std::uint64_t session_id = 0;
    std::uint16_t port = 0;
    std::int64_t since_ms = 0;     // CLOCK_MONOTONIC time it was opened
};

// The pasv_ports range is exhausted: marks the passive listener with a port in [low, high]
// that has waited longest for its connection, opened at or before `opened_before_ms`
// (CLOCK_MONOTONIC) and not already marked, as taken over (its row's pasv_revoke, set with
// a compare-and-swap, so two takers never pick the same one). Its worker then closes it.
// nullopt when there is none. Lock-free.
std::optional<PassiveVictim> revoke_oldest_passive(SegmentMapping& segment, std::uint16_t low, std::uint16_t high,
                                                   std::int64_t opened_before_ms) noexcept;

}  // namespace ftpd::ipc
