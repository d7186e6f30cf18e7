// The byte layout of the status segment: header, worker slots, session rows. Shared by the
// master (creates it), the workers (each writes its own slot) and ftpctl (reads it).
// Plain structs only: never a pointer, std::string or anything whose meaning is per-process.
#pragma once

#include <boost/interprocess/sync/interprocess_semaphore.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <string_view>
#include <type_traits>

namespace ftpd::ipc {

// "FTPDSTAT" read as a little-endian u64: the first 8 bytes of every status segment.
inline constexpr std::uint64_t kStatusMagic = 0x5441545344505446ULL;
// Bump whenever any struct below changes: ftpctl and ftpd from different builds then get a
// clear error on attach instead of reading garbage.
inline constexpr std::uint32_t kStatusVersion = 10;

// Enumerators are spelled as `ftpctl status --json` spells them.
enum class WorkerState : std::uint32_t { starting, running, draining, dead };

// A master's part in a binary upgrade (SIGUSR2): none; starting, it started a new binary
// that is not ready yet (peer: its pid); retiring, it handed over to the new master (peer)
// and drains its workers; replacing, it took over from the old master (peer) that still
// drains. Spelled as `ftpctl status --json` spells them.
enum class UpgradeState : std::uint32_t { none, starting, retiring, replacing };

constexpr std::string_view to_string(UpgradeState s) noexcept {
    switch (s) {
        case UpgradeState::none: return "none";
        case UpgradeState::starting: return "starting";
        case UpgradeState::retiring: return "retiring";
        case UpgradeState::replacing: return "replacing";
    }
    return "unknown";
}

// "starting", "running", "draining" or "dead"; "unknown" for a value from a corrupt slot.
constexpr std::string_view to_string(WorkerState s) noexcept {
    switch (s) {
        case WorkerState::starting: return "starting";
        case WorkerState::running: return "running";
        case WorkerState::draining: return "draining";
        case WorkerState::dead: return "dead";
    }
    return "unknown";
}

// --- Clocks. Times shown to people are realtime (Unix epoch ms). The heartbeat is
// CLOCK_MONOTONIC ms, which is system-wide on Linux, so the master can compare a worker's
// heartbeat with its own clock and a change of the wall clock never kills a healthy worker.

// Milliseconds since the Unix epoch (CLOCK_REALTIME).
inline std::int64_t realtime_ms() noexcept {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Milliseconds of CLOCK_MONOTONIC (comparable between processes of one boot).
inline std::int64_t monotonic_ms() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

// --- Fixed-size text fields: NUL-terminated, truncated, never split inside a UTF-8 sequence.

// The longest prefix of s of at most max bytes that does not cut a UTF-8 sequence (bytes
// that are not UTF-8 are treated as single characters). Also used by the event encoder.
constexpr std::size_t utf8_prefix_length(std::string_view s, std::size_t max) noexcept {
    if (s.size() <= max) return s.size();
    const auto byte = [s](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    // Step back over at most 3 continuation bytes (10xxxxxx) to a lead byte.
    std::size_t n = max;
    for (int i = 0; i < 3 && n > 0 && (byte(n) & 0xC0) == 0x80; ++i) --n;
    if (n == max || byte(n) < 0xC0) return max;  // a boundary already, or not UTF-8 here
    const std::size_t len = byte(n) >= 0xF0 ? 4 : byte(n) >= 0xE0 ? 3 : 2;
    return n + len <= max ? max : n;  // cut before the lead byte only if its sequence is split
}

// Stores s in field (truncated to N-1 bytes at a character boundary) and zero-fills the rest.
template <std::size_t N>
void set_text(char (&field)[N], std::string_view s) noexcept {
    const std::size_t n = utf8_prefix_length(s, N - 1);
    if (n > 0) std::memcpy(field, s.data(), n);  // s.data() may be null when n == 0
    std::memset(field + n, 0, N - n);
}

// The text of a field, up to its first NUL (or all N bytes when a corrupt field has none).
template <std::size_t N>
std::string_view text_of(const char (&field)[N]) noexcept {
    const void* nul = std::memchr(field, 0, N);
    return {field, nul ? static_cast<std::size_t>(static_cast<const char*>(nul) - field) : N};
}

// --- Lock-free counters. Fields that a worker bumps on its hot path (bytes, heartbeat) and
// `restarts` (bumped by the master while a worker may run) are plain integers updated through
// std::atomic_ref: a relaxed fetch_add costs no syscall and no lock, and the *Data structs
// stay trivially copyable, so a snapshot is a plain copy of the same type. Atomics that span
// processes must be lock-free: a lock-based one would use a lock table private to each process.
static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic_ref<std::int64_t>::is_always_lock_free);
static_assert(std::atomic_ref<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

// An atomic view of a lock-free counter field in the segment (alignment checked at compile
// time by the alignas below and by std::atomic_ref).
template <class T>
std::atomic_ref<T> counter(T& field) noexcept {
    return std::atomic_ref<T>(field);
}

// --- Hook runner (ftpd.conf `hook`, `webhook`): its events, as ftpd.conf spells them, and
// what it did with them.
inline constexpr std::size_t kHookEvents = 9;
inline constexpr const char* kHookEventNames[kHookEvents] = {
    "upload", "download", "delete", "rename", "mkdir", "rmdir", "login", "login_failed", "logout"};
enum HookResult : std::uint32_t { hook_ok, hook_failed, hook_dropped, kHookResults };
inline constexpr const char* kHookResultNames[kHookResults] = {"ok", "failed", "dropped"};

// Counted by the hook runner (and the master, for events it could not pass on). A job is
// one event for one hook.
struct HookCounters {
    std::uint64_t queued;     // jobs waiting now
    std::uint64_t running;    // jobs running now
    std::uint64_t done;       // finished successfully (exit status 0, HTTP 2xx)
    std::uint64_t failed;     // non-zero exit, killed at hook_timeout, webhook given up
    std::uint64_t dropped;    // never run: the queue was full (hook_queue) or the runner gone
    std::uint64_t by_event[kHookEvents][kHookResults];
};

struct HookRunnerData {
    std::int32_t pid;          // 0 = not running
    WorkerState state;         // running, or dead while it is respawned
    std::int64_t start_time_ms;
    std::uint32_t restarts;
    std::uint32_t configured;  // 1 = some hook or webhook is configured
    HookCounters counters;
};

// --- Header: written by the master only, under the header's sequence counter.
struct HeaderData {
    // These four fields keep their offsets in every version, so any build can read them.
    std::uint64_t magic;          // kStatusMagic
    std::uint32_t version;        // kStatusVersion
    std::uint32_t slot_count;     // geometry: worker slots
    std::uint64_t total_size;     // bytes of the whole segment
    std::uint32_t rows_per_slot;  // geometry: session rows per slot
    std::int32_t master_pid;
    std::int64_t start_time_ms;   // realtime
    std::uint64_t generation;     // of the config the master runs; 1 for the first
    std::int64_t reload_time_ms;  // realtime of the last reload attempt; 0 = never
    std::uint32_t last_reload_ok; // 1 = ok (also before any reload), 0 = failed
    std::uint32_t reserved;
    char config_path[256];
    char last_reload_error[512];  // empty when last_reload_ok
    std::int64_t upgrade_time_ms;   // realtime of the last upgrade's outcome; 0 = never
    std::uint32_t last_upgrade_ok;  // 1 = ok (also before any upgrade), 0 = failed
    UpgradeState upgrade_state;     // now
    std::int32_t upgrade_peer_pid;  // the other master while upgrade_state is not none
    std::uint32_t reserved2;
    char last_upgrade_error[512];   // empty when last_upgrade_ok
    HookRunnerData hooks;
};

struct alignas(64) SegmentHeader {
    HeaderData data;                      // first, so magic sits at offset 0
    std::atomic<std::uint32_t> seq{0};    // odd while the master writes `data`
    // Session ids, unique for the master's lifetime across all workers and their
    // replacements: each worker takes the next one with a lock-free fetch_add.
    std::atomic<std::uint64_t> last_session_id{0};
};

// --- Worker slot: written by its worker (or, while no worker runs in it, by the master).
struct WorkerSlotData {
    std::int32_t pid;                       // 0 = no worker yet
    WorkerState state;
    std::uint64_t generation;               // of the config this worker runs
    std::int64_t start_time_ms;             // realtime
    alignas(8) std::int64_t heartbeat_ms;   // CLOCK_MONOTONIC; atomic (master reads it lock-free)
    std::uint32_t sessions;                 // open control connections
    alignas(4) std::uint32_t restarts;      // atomic; bumped by the master, kept by reset
    std::uint64_t accepted;                 // control connections accepted since start
    alignas(8) std::uint64_t bytes_in;      // atomic; uploads, all sessions since start
    alignas(8) std::uint64_t bytes_out;     // atomic; downloads, all sessions since start
    std::uint64_t dropped_events;           // events lost to a full or wedged queue
    // Rows [0, rows_high) of this slot are all it has used since its worker started (the
    // worker takes the lowest free row): readers copy and scan only those, not every row.
    std::uint32_t rows_high;
    // The worker's file-system threads (fs_threads), the calls queued or running on them,
    // and those running longer than fs_timeout; published with each heartbeat.
    std::uint32_t fs_threads;
    std::uint32_t fs_pending;
    std::uint32_t fs_stuck;
    std::uint32_t fs_oldest_s;  // seconds the oldest running call has run; 0: none
    alignas(8) std::uint64_t accept_errors;  // atomic; failed accept() calls (EMFILE, ...) since start
};

// The semaphore (count 1) is the slot's lock; the sequence counter is odd while the slot or
// its rows are being written, so a reader that could not lock still detects a torn copy.
struct alignas(64) WorkerSlot {
    boost::interprocess::interprocess_semaphore sem{1};
    std::atomic<std::uint32_t> seq{0};
    WorkerSlotData data{};
};

// --- Session row: one per control connection, owned by the worker of its slot.
struct SessionRowData {
    std::uint32_t in_use;                  // 1 = this row describes a live session
    std::uint32_t tls;                     // 1 = control connection is TLS
    std::uint64_t session_id;
    alignas(8) std::uint64_t bytes;        // atomic; bytes of the current/last transfer
    std::int64_t start_time_ms;            // realtime
    char client[64];                       // "127.0.0.1:40000" or "[::1]:40000"
    char user[64];                         // empty before USER
    char state[16];                        // current command ("RETR") or "login"/"idle"
    char file[256];                        // file of the current/last transfer
    char fs_op[16];                        // the file-system call it waits for ("stat"); empty: none
    std::int64_t fs_since_ms;              // CLOCK_MONOTONIC start of that wait; 0: none
    char client_name[64];                  // what CLNT said ("FileZilla 3.66"); empty: nothing
    alignas(8) std::uint64_t kick;         // atomic; ftpctl stores session_id here to end it (user del --kick)
    // The session's passive listener (PASV/EPSV) while no data connection has come to it,
    // for the per-address cap and the take-over of an unused one when pasv_ports runs dry.
    // All three atomic: the owner writes the first two, any worker may set pasv_revoke.
    alignas(4) std::uint32_t pasv_port;    // 0: none
    alignas(4) std::uint32_t pasv_revoke;  // another session takes over this port (its number); 0: none
    alignas(8) std::int64_t pasv_since_ms; // CLOCK_MONOTONIC time it was opened
};

// --- Quota table: one entry per virtual user with a quota (quota= or files=), shared by
// every worker, between the header and the slots. Entries are claimed under the table's
// claim word (a pid; one held by a dead process is taken over) and never freed for the
// segment's life; every other field is read and written lock-free through atomic_ref, so a
// worker SIGKILLed at any moment wedges nobody. Usage is valid while its epoch equals the
// table's: the master bumps the table's epoch whenever it resets a dead worker's slot, so
// the next login or upload of each user recomputes it from the disk.
inline constexpr std::uint32_t kQuotaEntries = 4096;

struct QuotaEntryData {
    alignas(4) std::uint32_t in_use;        // atomic; 1 once `user` is written (release)
    std::uint32_t reserved;
    char user[64];                          // the account's name
    alignas(8) std::int64_t bytes;          // atomic; bytes under the user's root (incl. uploads in flight)
    alignas(8) std::int64_t files;          // atomic; regular files under the user's root
    alignas(8) std::uint64_t limit_bytes;   // atomic; the account's quota= (0: none), as of its last login
    alignas(8) std::uint64_t limit_files;   // atomic; the account's files= (0: none)
    alignas(8) std::uint64_t epoch;         // atomic; the table's epoch at the last scan (0: never)
    alignas(8) std::int64_t scanned_ms;     // atomic; CLOCK_MONOTONIC of the last scan's start
    std::uint64_t spare;
};

struct alignas(64) QuotaTable {
    std::atomic<std::int32_t> claim_pid{0};  // pid claiming an entry now; 0: nobody
    std::atomic<std::uint32_t> used{0};      // entries [0, used) are claimed or being claimed
    std::atomic<std::uint64_t> epoch{1};
    QuotaEntryData entries[kQuotaEntries]{};
};

// Snapshots are plain copies of these: keep them trivially copyable.
static_assert(std::is_trivially_copyable_v<HeaderData>);
static_assert(std::is_trivially_copyable_v<WorkerSlotData>);
static_assert(std::is_trivially_copyable_v<SessionRowData>);
static_assert(std::is_trivially_copyable_v<QuotaEntryData>);
static_assert(std::is_standard_layout_v<HeaderData> && offsetof(HeaderData, magic) == 0 &&
              offsetof(HeaderData, version) == 8 && offsetof(HeaderData, total_size) == 16);
// Sizes are part of the format: a change here needs a new kStatusVersion.
static_assert(sizeof(HeaderData) == 1648);
static_assert(sizeof(SegmentHeader) == 1664);
static_assert(sizeof(WorkerSlotData) == 104);
static_assert(sizeof(WorkerSlot) == 192);
static_assert(sizeof(SessionRowData) == 544);
static_assert(sizeof(QuotaEntryData) == 128);
static_assert(alignof(SessionRowData) >= std::atomic_ref<std::uint64_t>::required_alignment);

}  // namespace ftpd::ipc
