// Per-slot event queues: created, drained and re-created by the master, fed by one worker.
// Neither end ever blocks on the queue beyond the 250 ms lock timeout, and then only once.
#include "ipc/event_queue.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>
#include <utility>

#include "ipc/names.hpp"

namespace ftpd::ipc {
namespace bip = boost::interprocess;

// ---------------------------------------------------------------- EventQueueOwner

EventQueueOwner::EventQueueOwner(int master_pid, std::uint32_t slot, std::size_t capacity)
    : name_(event_queue_name(master_pid, static_cast<int>(slot))),
      slot_(slot),
      capacity_(capacity),
      creator_pid_(::getpid()) {
    if (capacity == 0) throw std::invalid_argument("event queue " + name_ + ": capacity 0");
    create();
}

EventQueueOwner::~EventQueueOwner() {
    queue_.reset();
    if (creator_pid_ == ::getpid()) bip::message_queue::remove(name_.c_str());
}

EventQueueOwner::EventQueueOwner(EventQueueOwner&& other) noexcept
    : name_(std::move(other.name_)),
      slot_(other.slot_),
      capacity_(other.capacity_),
      creator_pid_(std::exchange(other.creator_pid_, -1)),
      queue_(std::move(other.queue_)),
      wedged_(other.wedged_) {}

EventQueueOwner& EventQueueOwner::operator=(EventQueueOwner&& other) noexcept {
    if (this != &other) {
        queue_.reset();
        if (creator_pid_ == ::getpid()) bip::message_queue::remove(name_.c_str());
        name_ = std::move(other.name_);
        slot_ = other.slot_;
        capacity_ = other.capacity_;
        creator_pid_ = std::exchange(other.creator_pid_, -1);
        queue_ = std::move(other.queue_);
        wedged_ = other.wedged_;
    }
    return *this;
}

void EventQueueOwner::create() {
    queue_.reset();
    bip::message_queue::remove(name_.c_str());  // leftover, or the queue being re-created
    wedged_ = false;
    try {
        // 0644 like the segment: the worker opens it before dropping root.
        queue_ = std::make_unique<bip::message_queue>(bip::create_only, name_.c_str(), capacity_,
                                                      kMaxEventSize, bip::permissions(0644));
    } catch (const bip::interprocess_exception& e) {
        bip::message_queue::remove(name_.c_str());
        throw std::runtime_error("event queue " + name_ + " cannot be created: " + e.what());
    }
}

void EventQueueOwner::recreate() { create(); }

DrainResult EventQueueOwner::drain(const std::function<void(const Event&)>& handler, std::size_t max_events) {
    DrainResult result;
    if (wedged_ || !queue_) {
        result.wedged = true;
        return result;
    }
    std::array<char, kMaxEventSize> buf;
    while (result.handled + result.malformed < max_events) {
        bip::message_queue::size_type size = 0;
        unsigned int priority = 0;
        try {
            if (!queue_->try_receive(buf.data(), buf.size(), size, priority)) break;  // empty
        } catch (const bip::interprocess_exception&) {
            // Lock timeout: a process died holding the queue's mutex. Any other failure
            // leaves the queue just as unusable.
            wedged_ = result.wedged = true;
            break;
        }
        if (auto event = decode(std::span<const char>(buf.data(), size))) {
            ++result.handled;
            handler(*event);
        } else {
            ++result.malformed;
        }
    }
    return result;
}

// ---------------------------------------------------------------- EventSender

EventSender::EventSender(int master_pid, std::uint32_t slot)
    : name_(event_queue_name(master_pid, static_cast<int>(slot))) {
    try {
        queue_ = std::make_unique<bip::message_queue>(bip::open_only, name_.c_str());
    } catch (const bip::interprocess_exception& e) {
        if (e.get_native_error() == ENOENT)
            throw std::runtime_error("event queue " + name_ + " not found (is ftpd running with master pid " +
                                     std::to_string(master_pid) + "?)");
        throw std::runtime_error("event queue " + name_ + " cannot be opened: " + e.what());
    }
    // Reads the queue's header without taking its mutex.
    max_size_ = std::min<std::size_t>(queue_->get_max_msg_size(), kMaxEventSize);
    if (max_size_ < 64)
        throw std::runtime_error("event queue " + name_ + " has messages of " + std::to_string(max_size_) +
                                 " bytes (ftpd from a different build?)");
}

bool EventSender::try_send(const Event& e) noexcept {
    if (!wedged_) {
        try {
            std::array<char, kMaxEventSize> buf;
            const std::size_t n = encode(e, std::span<char>(buf.data(), max_size_));
            const unsigned priority = e.type == EventType::worker_fatal ? 1 : 0;
            if (queue_->try_send(buf.data(), n, priority)) return true;
        } catch (...) {
            // Lock timeout (the master died inside a receive, or a predecessor inside a send
            // and the queue was not re-created): stop paying 250 ms per event.
            wedged_ = true;
        }
    }
    ++dropped_;
    return false;
}

}  // namespace ftpd::ipc
