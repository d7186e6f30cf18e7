// Test-only fault injection: put a worker's IPC objects in the state a SIGKILL at the worst
// moment leaves them in (slot semaphore taken, message-queue mutex locked). Used by unit
// tests and, when FTPD_FAULT_INJECTION=1 is in a worker's environment, by its SIGUSR2.
#pragma once

#include "ipc/status_segment.hpp"

#include <string>

namespace ftpd::ipc::testing {

// Takes the slot's semaphore and never gives it back, as a worker killed inside a
// status write would.
void hold_slot_semaphore(SegmentMapping& segment, std::uint32_t slot);

// Locks the internal mutex of message queue `name` (Boost 1.74's message_queue layout) and
// never unlocks it, as a worker killed inside a send would. Throws if the queue is missing.
void lock_queue_mutex(const std::string& name);

// The same, in two steps: map the queue now (while the process may still open it), lock
// later (after a privilege drop, say).
class QueueMutexHandle {
public:
    explicit QueueMutexHandle(const std::string& name);
    ~QueueMutexHandle();
    QueueMutexHandle(const QueueMutexHandle&) = delete;
    QueueMutexHandle& operator=(const QueueMutexHandle&) = delete;
    void lock_forever();

private:
    struct Impl;
    Impl* impl_;
};

}  // namespace ftpd::ipc::testing
