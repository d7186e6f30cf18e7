// The status segment: geometry, creation and reset (master), attach and validation
// (workers, ftpctl). Slot writes, the slot lock and snapshots are in status_access.cpp.
#include "ipc/status_segment.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/date_time/posix_time/posix_time_types.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <new>
#include <stdexcept>
#include <thread>

#include "ipc/names.hpp"
#include "ipc/status_seqlock.hpp"

namespace ftpd::ipc {
namespace bip = boost::interprocess;
using namespace detail;
namespace {

constexpr std::size_t kAlign = 64;

constexpr std::size_t round_up(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }
constexpr std::size_t quota_offset() { return round_up(sizeof(SegmentHeader)); }
constexpr std::size_t slots_offset() { return quota_offset() + round_up(sizeof(QuotaTable)); }
std::size_t rows_offset(Geometry g) { return slots_offset() + std::size_t{g.slots} * sizeof(WorkerSlot); }

std::runtime_error segment_error(std::string_view name, const std::string& what) {
    return std::runtime_error("status segment " + std::string(name) + " " + what);
}

std::string hint_builds() { return " (ftpctl and ftpd from different builds?)"; }

}  // namespace

// ---------------------------------------------------------------- geometry and mapping

std::size_t segment_size(Geometry g) {
    if (g.slots == 0 || g.slots > kMaxSlots)
        throw std::invalid_argument("status segment: slot count " + std::to_string(g.slots) +
                                    " out of range 1-" + std::to_string(kMaxSlots));
    if (g.rows_per_slot == 0 || g.rows_per_slot > kMaxRowsPerSlot)
        throw std::invalid_argument("status segment: rows per slot " + std::to_string(g.rows_per_slot) +
                                    " out of range 1-" + std::to_string(kMaxRowsPerSlot));
    const std::size_t rows = std::size_t{g.slots} * g.rows_per_slot * sizeof(SessionRowData);
    return round_up(rows_offset(g) + rows);
}

WorkerSlot& SegmentMapping::slot(std::uint32_t slot) const {
    if (slot >= geometry_.slots)
        throw std::out_of_range("status segment: slot " + std::to_string(slot) + " of " +
                                std::to_string(geometry_.slots));
    return static_cast<WorkerSlot*>(static_cast<void*>(static_cast<char*>(base()) + slots_offset()))[slot];
}

QuotaTable& SegmentMapping::quota_table() const noexcept {
    return *static_cast<QuotaTable*>(static_cast<void*>(static_cast<char*>(base()) + quota_offset()));
}

SessionRowData& SegmentMapping::row(std::uint32_t slot, std::uint32_t row) const {
    if (slot >= geometry_.slots || row >= geometry_.rows_per_slot)
        throw std::out_of_range("status segment: row " + std::to_string(slot) + "/" + std::to_string(row));
    auto* rows = static_cast<SessionRowData*>(static_cast<void*>(static_cast<char*>(base()) + rows_offset(geometry_)));
    return rows[std::size_t{slot} * geometry_.rows_per_slot + row];
}

Geometry validate_segment(const void* base, std::size_t mapped_size, std::string_view name) {
    // Magic and version first, from the 12 bytes every version shares, so a build with a
    // different header size still gets "has version N" rather than "too small".
    HeaderData h{};
    const std::size_t stable = offsetof(HeaderData, version) + sizeof h.version;
    if (mapped_size < stable)
        throw segment_error(name, "is too small (" + std::to_string(mapped_size) + " bytes)" + hint_builds());
    std::memcpy(&h, base, stable);
    if (h.magic == 0) throw segment_error(name, "is not initialised (is ftpd still starting?)");
    if (h.magic != kStatusMagic) throw segment_error(name, "is not an ftpd status segment (bad magic)");
    if (h.version != kStatusVersion)
        throw segment_error(name, "has version " + std::to_string(h.version) + ", expected " +
                                      std::to_string(kStatusVersion) + hint_builds());
    if (mapped_size < sizeof h)
        throw segment_error(name, "is too small (" + std::to_string(mapped_size) + " bytes)" + hint_builds());
    std::memcpy(&h, base, sizeof h);
    const Geometry g{h.slot_count, h.rows_per_slot};
    std::size_t expected = 0;
    try {
        expected = segment_size(g);
    } catch (const std::invalid_argument&) {
        throw segment_error(name, "has an invalid geometry (" + std::to_string(g.slots) + " slots, " +
                                      std::to_string(g.rows_per_slot) + " rows per slot)");
    }
    if (h.total_size != expected || mapped_size < expected)
        throw segment_error(name, "is " + std::to_string(mapped_size) + " bytes, header says " +
                                      std::to_string(h.total_size) + ", geometry needs " +
                                      std::to_string(expected) + hint_builds());
    return g;
}

// ---------------------------------------------------------------- SegmentOwner

SegmentOwner::SegmentOwner(int master_pid, Geometry g, std::string_view config_path)
    : creator_pid_(::getpid()) {
    const std::size_t size = segment_size(g);
    name_ = status_segment_name(master_pid);
    geometry_ = g;
    writable_ = true;
    bip::shared_memory_object::remove(name_.c_str());  // a leftover of a master with our pid
    try {
        // 0644: workers attach before dropping root; a non-root ftpctl maps it read-only.
        bip::shared_memory_object shm(bip::create_only, name_.c_str(), bip::read_write, bip::permissions(0644));
        shm.truncate(static_cast<bip::offset_t>(size));
        // tmpfs allocates pages on first touch; a full /dev/shm would then kill us with
        // SIGBUS. Reserve now so it fails here, with a message.
        const int err = ::posix_fallocate(shm.get_mapping_handle().handle, 0, static_cast<off_t>(size));
        if (err != 0 && err != EOPNOTSUPP && err != EINVAL)
            throw std::runtime_error(std::strerror(err) + std::string(" (is /dev/shm full?)"));
        region_ = bip::mapped_region(shm, bip::read_write, 0, size);

        auto* header = new (base()) SegmentHeader{};
        new (&quota_table()) QuotaTable{};
        for (std::uint32_t i = 0; i < g.slots; ++i) {
            auto* s = new (&slot(i)) WorkerSlot{};
            s->data.state = WorkerState::dead;
        }
        for (std::uint32_t i = 0; i < g.slots; ++i)
            for (std::uint32_t r = 0; r < g.rows_per_slot; ++r) new (&row(i, r)) SessionRowData{};
        HeaderData& h = header->data;
        h.version = kStatusVersion;
        h.slot_count = g.slots;
        h.rows_per_slot = g.rows_per_slot;
        h.total_size = size;
        h.master_pid = master_pid;
        h.start_time_ms = realtime_ms();
        h.generation = 1;
        h.last_reload_ok = 1;
        h.last_upgrade_ok = 1;
        h.upgrade_state = UpgradeState::none;
        set_text(h.config_path, config_path);
        // Magic last: a reader that attaches meanwhile sees "not initialised", not garbage.
        std::atomic_thread_fence(std::memory_order_release);
        h.magic = kStatusMagic;
    } catch (const std::exception& e) {
        bip::shared_memory_object::remove(name_.c_str());
        throw segment_error(name_, std::string("cannot be created: ") + e.what());
    }
}

SegmentOwner::~SegmentOwner() {
    if (::getpid() == creator_pid_) bip::shared_memory_object::remove(name_.c_str());
}

void SegmentOwner::reset_slot(std::uint32_t index) {
    WorkerSlot& s = slot(index);
    const std::uint32_t restarts = counter(s.data.restarts).load(std::memory_order_relaxed);
    const std::uint32_t begin = begin_write(s.seq);
    // Not destroyed first: the old semaphore may be held by the dead worker, and destroying
    // a semaphore in that state is undefined; sem_init over it is what glibc supports. A
    // reader holding the old one meanwhile later posts into the new one (count 2): harmless,
    // since the sequence counter, not the semaphore, is what keeps copies consistent.
    new (&s.sem) bip::interprocess_semaphore(1);
    WorkerSlotData d{};
    d.state = WorkerState::dead;
    d.restarts = restarts;
    s.data = d;
    for (std::uint32_t r = 0; r < geometry_.rows_per_slot; ++r) row(index, r) = SessionRowData{};
    end_write(s.seq, begin);
    // The dead worker may have counted bytes it never wrote: every user's usage is
    // recomputed from the disk when next needed.
    quota_table().epoch.fetch_add(1, std::memory_order_acq_rel);
}

void SegmentOwner::add_restart(std::uint32_t index) {
    counter(slot(index).data.restarts).fetch_add(1, std::memory_order_relaxed);
}

std::int64_t SegmentOwner::heartbeat_ms(std::uint32_t index) const {
    return load_counter(slot(index).data.heartbeat_ms);
}

template <class Fn>
void SegmentOwner::write_header(Fn&& fn) noexcept {
    SegmentHeader& h = header();
    const std::uint32_t begin = begin_write(h.seq);
    fn(h.data);
    end_write(h.seq, begin);
}

void SegmentOwner::adopt_header(const SegmentOwner& previous) noexcept {
    const HeaderData& old = previous.header().data;
    write_header([&](HeaderData& h) {
        h.start_time_ms = old.start_time_ms;
        h.generation = old.generation;
        h.reload_time_ms = old.reload_time_ms;
        h.last_reload_ok = old.last_reload_ok;
        std::memcpy(h.config_path, old.config_path, sizeof h.config_path);
        std::memcpy(h.last_reload_error, old.last_reload_error, sizeof h.last_reload_error);
        h.upgrade_time_ms = old.upgrade_time_ms;
        h.last_upgrade_ok = old.last_upgrade_ok;
        h.upgrade_state = old.upgrade_state;
        h.upgrade_peer_pid = old.upgrade_peer_pid;
        std::memcpy(h.last_upgrade_error, old.last_upgrade_error, sizeof h.last_upgrade_error);
        h.hooks = old.hooks;
    });
    header().last_session_id.store(previous.header().last_session_id.load(std::memory_order_relaxed),
                                   std::memory_order_relaxed);
}

void SegmentOwner::set_generation(std::uint64_t generation) noexcept {
    write_header([&](HeaderData& h) { h.generation = generation; });
}

void SegmentOwner::set_config_path(std::string_view path) noexcept {
    write_header([&](HeaderData& h) { set_text(h.config_path, path); });
}

void SegmentOwner::set_reload_result(bool ok, std::string_view error, std::int64_t when_ms) noexcept {
    write_header([&](HeaderData& h) {
        h.last_reload_ok = ok ? 1 : 0;
        set_text(h.last_reload_error, ok ? std::string_view{} : error);
        h.reload_time_ms = when_ms;
    });
}

void SegmentOwner::set_upgrade_state(UpgradeState state, int peer_pid) noexcept {
    write_header([&](HeaderData& h) {
        h.upgrade_state = state;
        h.upgrade_peer_pid = state == UpgradeState::none ? 0 : peer_pid;
    });
}

void SegmentOwner::set_upgrade_result(bool ok, std::string_view error, std::int64_t when_ms) noexcept {
    write_header([&](HeaderData& h) {
        h.last_upgrade_ok = ok ? 1 : 0;
        set_text(h.last_upgrade_error, ok ? std::string_view{} : error);
        h.upgrade_time_ms = when_ms;
    });
}

void SegmentOwner::set_hooks(const HookRunnerData& hooks) noexcept {
    write_header([&](HeaderData& h) { h.hooks = hooks; });
}

// ---------------------------------------------------------------- SegmentView

namespace {

bip::shared_memory_object open_segment(const std::string& name, int master_pid, bool write) {
    try {
        return bip::shared_memory_object(bip::open_only, name.c_str(), write ? bip::read_write : bip::read_only);
    } catch (const bip::interprocess_exception& e) {
        if (e.get_native_error() == ENOENT)
            throw segment_error(name, "not found (is ftpd running with master pid " +
                                          std::to_string(master_pid) + "?)");
        std::string what = std::string("cannot be opened ") + (write ? "read-write" : "read-only") +
                           ": " + e.what();
        if (e.get_native_error() == EACCES) what += " (run as root or as ftpd's user)";
        throw segment_error(name, what);
    }
}

}  // namespace

SegmentView::SegmentView(int master_pid, Access access) {
    name_ = status_segment_name(master_pid);
    bool write = access != Access::read_only;
    bip::shared_memory_object shm = [&] {
        try {
            return open_segment(name_, master_pid, write);
        } catch (const std::runtime_error&) {
            if (access != Access::read_write_if_permitted) throw;
            write = false;
            return open_segment(name_, master_pid, write);
        }
    }();
    bip::offset_t size = 0;
    if (!shm.get_size(size)) throw segment_error(name_, "cannot be sized");
    if (static_cast<std::size_t>(size) < sizeof(HeaderData))  // mapping 0 bytes would fail obscurely
        throw segment_error(name_, "is too small (" + std::to_string(size) + " bytes; is ftpd still starting?)");
    try {
        region_ = bip::mapped_region(shm, write ? bip::read_write : bip::read_only);
    } catch (const bip::interprocess_exception& e) {
        throw segment_error(name_, std::string("cannot be mapped: ") + e.what());
    }
    geometry_ = validate_segment(region_.get_address(), region_.get_size(), name_);
    writable_ = write;
}

}  // namespace ftpd::ipc
