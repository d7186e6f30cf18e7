// Worker -> master event queues: one Boost.Interprocess message_queue per worker slot, so a
// worker killed inside a send (holding the queue's internal mutex) wedges only its own queue.
// The master creates, drains and re-creates them; a worker only sends, and never blocks.
//
// Boost 1.74's message_queue takes its mutex with an untimed lock even in try_send and
// try_receive. The build defines BOOST_INTERPROCESS_ENABLE_TIMEOUT_WHEN_LOCKING (250 ms), so a
// dead holder makes the lock throw after 250 ms instead of hanging; both ends here catch that,
// report the queue as wedged and stop touching it, so the 250 ms are paid at most once.
#pragma once

#include <boost/interprocess/ipc/message_queue.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ipc/event.hpp"

namespace ftpd::ipc {

// What one EventQueueOwner::drain() call did.
struct DrainResult {
    std::size_t handled = 0;    // events passed to the handler
    std::size_t malformed = 0;  // messages that did not decode (dropped)
    bool wedged = false;        // the queue is unusable: recreate() it once its worker is gone
};

// Master only: owns the queue ftpd.<pid>.events.<slot>; removes it when destroyed in the
// process that created it (never in a forked worker that unwinds).
class EventQueueOwner {
public:
    // Creates the queue (removing a leftover of the same name) holding up to `capacity`
    // events of kMaxEventSize bytes. Throws std::invalid_argument for capacity 0 and
    // std::runtime_error naming the queue when it cannot be created.
    EventQueueOwner(int master_pid, std::uint32_t slot, std::size_t capacity);
    ~EventQueueOwner();
    EventQueueOwner(EventQueueOwner&& other) noexcept;
    EventQueueOwner& operator=(EventQueueOwner&& other) noexcept;
    EventQueueOwner(const EventQueueOwner&) = delete;
    EventQueueOwner& operator=(const EventQueueOwner&) = delete;

    // Replaces the queue by a new, empty one (pending events are lost) and clears wedged().
    // Call after the slot's worker died and before its replacement starts: never drain the
    // queue of a worker known dead, it may have died inside a send. Throws like the
    // constructor.
    void recreate();

    // Receives without waiting and hands each event to handler, until the queue is empty or
    // max_events messages were taken. Never throws for a queue failure: a lock timeout (a
    // process died holding the queue's mutex) sets wedged in the result and in wedged(), and
    // later calls return at once until recreate(). Exceptions from handler propagate (the
    // event being handled is consumed).
    DrainResult drain(const std::function<void(const Event&)>& handler, std::size_t max_events);

    bool wedged() const noexcept { return wedged_; }
    const std::string& name() const noexcept { return name_; }
    std::uint32_t slot() const noexcept { return slot_; }

private:
    void create();

    std::string name_;
    std::uint32_t slot_ = 0;
    std::size_t capacity_ = 0;
    int creator_pid_ = -1;  // -1 once moved from
    std::unique_ptr<boost::interprocess::message_queue> queue_;
    bool wedged_ = false;
};

// Worker only: the sending end of its slot's queue. Open it before dropping privileges.
class EventSender {
public:
    // Opens ftpd.<pid>.events.<slot>. Throws std::runtime_error with an operator-facing
    // message when it is missing or cannot be opened.
    EventSender(int master_pid, std::uint32_t slot);

    // Queues e without blocking (worker_fatal ahead of other events). Returns false, and
    // counts a drop, when the queue is full or wedged; never throws, and waits at most the
    // 250 ms lock timeout once, after which the queue counts as wedged and every later
    // call returns false at once.
    bool try_send(const Event& e) noexcept;

    // Events not delivered since construction (full or wedged queue).
    std::uint64_t dropped() const noexcept { return dropped_; }
    bool wedged() const noexcept { return wedged_; }

private:
    std::string name_;
    std::unique_ptr<boost::interprocess::message_queue> queue_;
    std::size_t max_size_ = 0;  // the queue's message size, at most kMaxEventSize
    std::uint64_t dropped_ = 0;
    bool wedged_ = false;
};

}  // namespace ftpd::ipc
