// The status segment's hot and read paths: a worker's writes to its own slot (never
// waiting), the slot lock readers take, consistent snapshots (ftpctl) and the lock-free
// counts a worker needs on accept. Nothing here waits longer than a caller-given timeout.
#include "ipc/status_segment.hpp"

#include "ipc/quota_table.hpp"
#include "ipc/status_seqlock.hpp"

#include <boost/date_time/posix_time/posix_time_types.hpp>
#include <boost/interprocess/exceptions.hpp>

#include <algorithm>
#include <functional>
#include <memory>
#include <span>
#include <cerrno>
#include <cstring>

namespace ftpd::ipc {
namespace bip = boost::interprocess;
using namespace detail;

// ---------------------------------------------------------------- SlotLock

SlotLock::SlotLock(WorkerSlot& slot, std::chrono::milliseconds timeout) noexcept : slot_(slot) {
    try {
        if (timeout.count() <= 0) {
            locked_ = slot_.sem.try_wait();
            return;
        }
        // Boost 1.74 takes an absolute CLOCK_REALTIME deadline (sem_timedwait).
        const auto deadline = boost::posix_time::microsec_clock::universal_time() +
                              boost::posix_time::milliseconds(timeout.count());
        for (;;) {
            try {
                locked_ = slot_.sem.timed_wait(deadline);
                return;
            } catch (const bip::interprocess_exception& e) {
                // A signal handler interrupted sem_timedwait: wait out the rest of the time.
                if (e.get_native_error() != EINTR) return;
            }
        }
    } catch (...) {
        locked_ = false;
    }
}

SlotLock::~SlotLock() {
    if (!locked_) return;
    try {
        slot_.sem.post();
    } catch (...) {
        // EOVERFLOW: someone posted a semaphore they did not take; nothing to give back.
    }
}

// ---------------------------------------------------------------- SlotWriter

SlotWriter::SlotWriter(SegmentMapping& segment, std::uint32_t slot, std::uint64_t generation)
    : segment_(segment), index_(slot), slot_(segment.slot(slot)) {
    if (!segment.writable())
        throw std::invalid_argument("SlotWriter needs a read-write mapping of " + segment.name());
    const std::uint32_t rows = segment.geometry().rows_per_slot;
    free_rows_.reserve(rows);
    write([&] {
        WorkerSlotData& d = slot_.data;
        d.pid = static_cast<std::int32_t>(::getpid());
        d.state = WorkerState::starting;
        d.generation = generation;
        d.start_time_ms = realtime_ms();
        // The master resets a slot before its next worker starts (rows_high 0); should a
        // slot come with rows anyway, the free ones below rows_high are reused all the same.
        d.rows_high = std::min(d.rows_high, rows);
        for (std::uint32_t r = 0; r < d.rows_high; ++r)
            if (!segment_.row(index_, r).in_use) free_rows_.push_back(r);
        std::make_heap(free_rows_.begin(), free_rows_.end(), std::greater<>());
    });
    heartbeat();
}

// Never waits for the semaphore: a reader holds it only for a copy (and detects our write
// through the sequence counter if we go ahead), or died holding it. The worker is the only
// writer of its slot, so the lock protects nothing that the counter does not.
template <class Fn>
void SlotWriter::write(Fn&& fn) noexcept {
    SlotLock lock(slot_, std::chrono::milliseconds{0});
    const std::uint32_t begin = begin_write(slot_.seq);
    fn();
    end_write(slot_.seq, begin);
}

SessionRowData* SlotWriter::row_ptr(int row) const noexcept {
    if (row < 0 || static_cast<std::uint32_t>(row) >= segment_.geometry().rows_per_slot) return nullptr;
    return &segment_.row(index_, static_cast<std::uint32_t>(row));
}

void SlotWriter::set_state(WorkerState state) noexcept {
    write([&] { slot_.data.state = state; });
}

void SlotWriter::heartbeat(std::int64_t now_monotonic_ms) noexcept {
    counter(slot_.data.heartbeat_ms).store(now_monotonic_ms, std::memory_order_relaxed);
}

void SlotWriter::set_dropped_events(std::uint64_t dropped) noexcept {
    write([&] { slot_.data.dropped_events = dropped; });
}

void SlotWriter::set_fs(std::uint32_t threads, std::uint32_t pending, std::uint32_t stuck,
                        std::uint32_t oldest_s) noexcept {
    auto& d = slot_.data;
    if (d.fs_threads == threads && d.fs_pending == pending && d.fs_stuck == stuck && d.fs_oldest_s == oldest_s)
        return;
    write([&] {
        d.fs_threads = threads;
        d.fs_pending = pending;
        d.fs_stuck = stuck;
        d.fs_oldest_s = oldest_s;
    });
}

int SlotWriter::open_session_row(std::uint64_t session_id, std::string_view client, bool tls) noexcept {
    const std::uint32_t rows = segment_.geometry().rows_per_slot;
    int found = -1;
    write([&] {
        ++slot_.data.sessions;
        ++slot_.data.accepted;
        std::uint32_t r;
        if (!free_rows_.empty()) {
            std::pop_heap(free_rows_.begin(), free_rows_.end(), std::greater<>());
            r = free_rows_.back();
            free_rows_.pop_back();
        } else if (slot_.data.rows_high < rows) {
            r = slot_.data.rows_high++;
        } else {
            return;  // every row is taken
        }
        SessionRowData fresh{};
        fresh.in_use = 1;
        fresh.tls = tls ? 1 : 0;
        fresh.session_id = session_id;
        fresh.start_time_ms = realtime_ms();
        set_text(fresh.client, client);
        set_text(fresh.state, "login");
        segment_.row(index_, r) = fresh;
        found = static_cast<int>(r);
    });
    return found;
}

void SlotWriter::update_row(int row, const RowUpdate& u) noexcept {
    SessionRowData* r = row_ptr(row);
    if (!r) return;
    write([&] {
        if (u.user) set_text(r->user, *u.user);
        if (u.state) set_text(r->state, *u.state);
        if (u.file) set_text(r->file, *u.file);
        if (u.bytes) counter(r->bytes).store(*u.bytes, std::memory_order_relaxed);
        if (u.tls) r->tls = *u.tls ? 1 : 0;
        if (u.client_name) set_text(r->client_name, *u.client_name);
        if (u.fs_op) {
            set_text(r->fs_op, *u.fs_op);
            r->fs_since_ms = u.fs_op->empty() ? 0 : monotonic_ms();
        }
    });
}

void SlotWriter::add_bytes(int row, Direction dir, std::uint64_t n) noexcept {
    auto& total = dir == Direction::in ? slot_.data.bytes_in : slot_.data.bytes_out;
    counter(total).fetch_add(n, std::memory_order_relaxed);
    if (SessionRowData* r = row_ptr(row)) counter(r->bytes).fetch_add(n, std::memory_order_relaxed);
}

void SlotWriter::close_session_row(int row) noexcept {
    SessionRowData* r = row_ptr(row);
    write([&] {
        if (slot_.data.sessions > 0) --slot_.data.sessions;
        if (r && r->in_use) {
            *r = SessionRowData{};
            // At most rows_high entries, within the capacity reserved: never allocates.
            free_rows_.push_back(static_cast<std::uint32_t>(row));
            std::push_heap(free_rows_.begin(), free_rows_.end(), std::greater<>());
        }
    });
}

bool SlotWriter::kick_requested(int row, std::uint64_t session_id) const noexcept {
    SessionRowData* r = row_ptr(row);
    return r && session_id != 0 && counter(r->kick).load(std::memory_order_relaxed) == session_id;
}

void SlotWriter::add_accept_error() noexcept {
    counter(slot_.data.accept_errors).fetch_add(1, std::memory_order_relaxed);
}

void SlotWriter::set_passive(int row, std::uint16_t port) noexcept {
    SessionRowData* r = row_ptr(row);
    if (!r) return;
    counter(r->pasv_port).store(0, std::memory_order_release);
    counter(r->pasv_revoke).store(0, std::memory_order_relaxed);
    counter(r->pasv_since_ms).store(port ? monotonic_ms() : 0, std::memory_order_relaxed);
    if (port) counter(r->pasv_port).store(port, std::memory_order_release);
}

std::uint16_t SlotWriter::take_passive_revocation(int row) noexcept {
    SessionRowData* r = row_ptr(row);
    if (!r || counter(r->pasv_revoke).load(std::memory_order_relaxed) == 0) return 0;  // the usual case: no write
    return static_cast<std::uint16_t>(counter(r->pasv_revoke).exchange(0, std::memory_order_acq_rel));
}

// ---------------------------------------------------------------- read_snapshot

namespace {

// Copies slot `index` and its in-use rows into snap; `rows` is scratch space of one slot's rows.
void read_slot(const SegmentMapping& segment, std::uint32_t index, std::chrono::milliseconds wait,
               std::span<SessionRowData> rows, Snapshot& snap) {
    WorkerSlot& s = segment.slot(index);
    const SessionRowData* shared_rows = &segment.row(index, 0);
    const std::size_t row_count = rows.size();
    SlotSnapshot out;
    out.slot = index;
    std::optional<SlotLock> lock;
    if (segment.writable()) lock.emplace(s, wait);
    out.busy = lock && !lock->locked();
    // When busy, the wait is already spent: only the minimum number of attempts is left.
    const auto deadline = std::chrono::steady_clock::now() + (out.busy ? std::chrono::milliseconds{0} : wait);
    // Only rows below rows_high can be in use (a torn copy may see any value: clamp it).
    std::size_t used = 0;
    out.torn = !copy_consistent(s.seq, [&] {
        std::memcpy(&out.data, &s.data, sizeof out.data);
        used = std::min<std::size_t>(out.data.rows_high, row_count);
        std::memcpy(rows.data(), shared_rows, used * sizeof(SessionRowData));
    }, deadline);
    lock.reset();

    out.data.heartbeat_ms = load_counter(s.data.heartbeat_ms);
    out.data.restarts = load_counter(s.data.restarts);
    out.data.bytes_in = load_counter(s.data.bytes_in);
    out.data.bytes_out = load_counter(s.data.bytes_out);
    snap.slots.push_back(out);
    for (std::size_t r = 0; r < used; ++r) {
        if (rows[r].in_use != 1) continue;
        RowSnapshot rs{index, static_cast<std::uint32_t>(r), rows[r]};
        rs.data.bytes = load_counter(shared_rows[r].bytes);
        snap.sessions.push_back(rs);
    }
}

}  // namespace

Snapshot read_snapshot(const SegmentMapping& segment, std::chrono::milliseconds per_slot_wait) {
    Snapshot snap;
    const Geometry g = segment.geometry();
    const SegmentHeader& h = segment.header();
    snap.header_torn = !copy_consistent(h.seq, [&] { std::memcpy(&snap.header, &h.data, sizeof snap.header); },
                                        std::chrono::steady_clock::now() + per_slot_wait);
    snap.slots.reserve(g.slots);
    std::size_t expected = 0;  // a hint only: rows_high read without the slots' locks
    for (std::uint32_t i = 0; i < g.slots; ++i)
        expected += std::min(load_counter(segment.slot(i).data.rows_high), g.rows_per_slot);
    snap.sessions.reserve(expected);
    // Left uninitialised: only the rows below a slot's rows_high are ever written (and so
    // only their pages touched), not the whole, possibly large, table.
    auto rows = std::make_unique_for_overwrite<SessionRowData[]>(g.rows_per_slot);
    for (std::uint32_t i = 0; i < g.slots; ++i)
        read_slot(segment, i, per_slot_wait, std::span(rows.get(), g.rows_per_slot), snap);
    snap.quotas = read_quotas(segment);
    return snap;
}

// ---------------------------------------------------------------- limits on accept

std::uint64_t next_session_id(SegmentMapping& segment) noexcept {
    return segment.header().last_session_id.fetch_add(1, std::memory_order_relaxed) + 1;
}

std::uint64_t count_sessions(const SegmentMapping& segment) noexcept {
    std::uint64_t total = 0;
    for (std::uint32_t i = 0; i < segment.geometry().slots; ++i) {
        const WorkerSlot& s = segment.slot(i);
        if (s.data.pid != 0) total += counter(const_cast<std::uint32_t&>(s.data.sessions)).load(std::memory_order_relaxed);
    }
    return total;
}

namespace {

bool client_is(const SessionRowData& row, std::string_view host) noexcept {
    std::string_view client(row.client, strnlen(row.client, sizeof row.client));
    return client.size() > host.size() && client.compare(0, host.size(), host) == 0 && client[host.size()] == ':';
}

// Calls fn(slot, row) for every in-use row of every live slot.
template <class Fn>
void for_each_row(const SegmentMapping& segment, Fn&& fn) noexcept {
    const Geometry g = segment.geometry();
    for (std::uint32_t i = 0; i < g.slots; ++i) {
        const WorkerSlot& s = segment.slot(i);
        if (s.data.pid == 0) continue;
        const std::uint32_t used = std::min(detail::load_counter(s.data.rows_high), g.rows_per_slot);
        for (std::uint32_t r = 0; r < used; ++r) {
            SessionRowData& row = segment.row(i, r);
            if (row.in_use == 1) fn(i, row);
        }
    }
}

// The rows in use in every live slot for which match(row) holds.
template <class Match>
std::uint32_t count_rows(const SegmentMapping& segment, Match&& match) noexcept {
    std::uint32_t n = 0;
    for_each_row(segment, [&](std::uint32_t, const SessionRowData& row) { n += match(row) ? 1 : 0; });
    return n;
}

}  // namespace

std::uint32_t count_sessions_from(const SegmentMapping& segment, std::string_view host) noexcept {
    return count_rows(segment, [&](const SessionRowData& row) { return client_is(row, host); });
}

void request_kick(SegmentMapping& segment, std::uint32_t slot, std::uint32_t row, std::uint64_t session_id) noexcept {
    const Geometry g = segment.geometry();
    if (slot >= g.slots || row >= g.rows_per_slot) return;
    SessionRowData& r = segment.row(slot, row);
    counter(r.kick).store(session_id, std::memory_order_relaxed);
}

std::uint32_t count_sessions_of(const SegmentMapping& segment, std::string_view user, bool ignore_case) noexcept {
    auto same = [&](std::string_view a) {
        if (a.size() != user.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            unsigned char x = a[i], y = user[i];
            if (ignore_case && x >= 'A' && x <= 'Z') x = x - 'A' + 'a';
            if (ignore_case && y >= 'A' && y <= 'Z') y = y - 'A' + 'a';
            if (x != y) return false;
        }
        return true;
    };
    return count_rows(segment, [&](const SessionRowData& row) {
        return same(std::string_view(row.user, strnlen(row.user, sizeof row.user)));
    });
}


std::uint32_t count_passive_from(const SegmentMapping& segment, std::string_view host, std::uint16_t low,
                                 std::uint16_t high) noexcept {
    std::uint32_t n = 0;
    for_each_row(segment, [&](std::uint32_t, SessionRowData& row) {
        const std::uint32_t port = counter(row.pasv_port).load(std::memory_order_acquire);
        if (port >= low && port <= high && port != 0 && client_is(row, host)) ++n;
    });
    return n;
}

std::optional<PassiveVictim> revoke_oldest_passive(SegmentMapping& segment, std::uint16_t low, std::uint16_t high,
                                                   std::int64_t opened_before_ms) noexcept {
    // Another taker may mark the oldest first: then look again, a bounded number of times.
    for (int attempt = 0; attempt < 8; ++attempt) {
        SessionRowData* best = nullptr;
        PassiveVictim v;
        for_each_row(segment, [&](std::uint32_t slot, SessionRowData& row) {
            const std::uint32_t port = counter(row.pasv_port).load(std::memory_order_acquire);
            if (port == 0 || port < low || port > high) return;
            if (counter(row.pasv_revoke).load(std::memory_order_relaxed) != 0) return;
            const std::int64_t since = counter(row.pasv_since_ms).load(std::memory_order_relaxed);
            if (since <= 0 || since > opened_before_ms || (best && since >= v.since_ms)) return;
            best = &row;
            v = {slot, segment.slot(slot).data.pid, row.session_id, static_cast<std::uint16_t>(port), since};
        });
        if (!best) return std::nullopt;
        std::uint32_t expected = 0;
        if (counter(best->pasv_revoke).compare_exchange_strong(expected, v.port, std::memory_order_acq_rel) &&
            counter(best->pasv_port).load(std::memory_order_acquire) == v.port)
            return v;
    }
    return std::nullopt;
}

}  // namespace ftpd::ipc
