// Internal to ipc/: the sequence-counter (seqlock) protocol shared by the segment's owner,
// its writers and its readers. Not part of the library's interface.
#pragma once

#include "ipc/status_layout.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace ftpd::ipc::detail {

// A reader that lost the race for a slot's semaphore still makes this many copy attempts.
constexpr int kMinCopyAttempts = 3;

// Sequence-counter writes (a seqlock, as in the Linux kernel): the counter is odd while the
// data is being changed. Starting from an odd value (a writer died mid-write) still gives an
// odd "begin" above it, so readers never mistake the new write for a stable state.
inline std::uint32_t begin_write(std::atomic<std::uint32_t>& seq) noexcept {
    const std::uint32_t begin = (seq.load(std::memory_order_relaxed) + 1) | 1u;
    seq.store(begin, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);  // seq is odd before any data store
    return begin;
}

inline void end_write(std::atomic<std::uint32_t>& seq, std::uint32_t begin) noexcept {
    seq.store(begin + 1, std::memory_order_release);  // data stores happen before "even"
}

// Runs copy() until it ran while the counter was even and unchanged; gives up (false) after
// kMinCopyAttempts tries once `deadline` has passed. The data copied may race with a writer
// in another process; the counter check is what makes the result trustworthy.
template <class Copy>
bool copy_consistent(const std::atomic<std::uint32_t>& seq, Copy&& copy,
                     std::chrono::steady_clock::time_point deadline) {
    for (int attempt = 1;; ++attempt) {
        const std::uint32_t before = seq.load(std::memory_order_acquire);
        if ((before & 1u) == 0) {
            copy();
            std::atomic_thread_fence(std::memory_order_acquire);  // copy's loads before re-check
            if (seq.load(std::memory_order_relaxed) == before) return true;
        }
        if (attempt >= kMinCopyAttempts && std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::yield();
    }
}

// Lock-free counters may be bumped during a copy without touching the sequence counter:
// take each one with a single atomic load. (atomic_ref needs a non-const object; a load
// never writes, so this is fine on a read-only mapping too.)
template <class T>
T load_counter(const T& field) noexcept {
    return counter(const_cast<T&>(field)).load(std::memory_order_relaxed);
}

}  // namespace ftpd::ipc::detail
