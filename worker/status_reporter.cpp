// The worker's status slot and event queue. Runs in workers; every call after the
// constructor is noexcept and costs no syscall except the queue's non-blocking send.
#include "worker/status_reporter.hpp"

#include "ipc/fault_injection.hpp"
#include "ipc/names.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string_view>

namespace ftpd::worker {

StatusReporter::StatusReporter(int master_pid, unsigned slot, unsigned generation)
    : master_pid_(master_pid),
      pid_(::getpid()),
      slot_(slot),
      view_(master_pid, ipc::Access::read_write),
      writer_(view_, slot, generation),
      sender_(master_pid, slot) {
    if (fault_injection_enabled())
        fault_queue_ = std::make_unique<ipc::testing::QueueMutexHandle>(ipc::event_queue_name(master_pid, slot));
}

StatusReporter::~StatusReporter() = default;

bool StatusReporter::fault_injection_enabled() {
    const char* f = std::getenv("FTPD_FAULT_INJECTION");
    return f && *f != '\0' && std::string_view(f) != "0";
}

bool StatusReporter::fault_injection(std::string_view name) {
    const char* f = std::getenv("FTPD_FAULT_INJECTION");
    return f && std::string_view(f) == name;
}

ipc::Event StatusReporter::event(ipc::EventType type, std::uint64_t id) const {
    ipc::Event e;
    e.type = type;
    e.slot = slot_;
    e.pid = pid_;  // cached: three events per session, and a worker never forks
    e.session_id = id;
    e.time_ms = ipc::realtime_ms();
    return e;
}

void StatusReporter::heartbeat() noexcept {
    writer_.heartbeat();
    writer_.set_dropped_events(sender_.dropped());
}

int StatusReporter::session_opened(std::uint64_t id, const std::string& client) noexcept {
    int row = writer_.open_session_row(id, client);
    try {
        auto e = event(ipc::EventType::session_opened, id);
        e.client = client;
        sender_.try_send(e);
    } catch (...) {
    }
    return row;
}

void StatusReporter::session_closed(int row, std::uint64_t id, const std::string& client, const std::string& user,
                                    double seconds, bool tls) noexcept {
    writer_.close_session_row(row);
    try {
        auto e = event(ipc::EventType::session_closed, id);
        e.client = client;
        e.user = user;
        e.seconds = seconds;
        e.tls = tls;
        sender_.try_send(e);
    } catch (...) {
    }
}

void StatusReporter::login(int row, std::uint64_t id, const std::string& client, const std::string& user, bool ok,
                           bool anonymous, bool tls) noexcept {
    if (ok) writer_.update_row(row, {.user = user});
    try {
        auto e = event(ok ? ipc::EventType::login_ok : ipc::EventType::login_failed, id);
        e.client = client;
        e.user = user;
        e.tls = tls;
        e.ok = ok;
        e.anonymous = anonymous;
        sender_.try_send(e);
    } catch (...) {
    }
}

void StatusReporter::transfer_finished(std::uint64_t id, const TransferRecord& t) noexcept {
    try {
        auto e = event(ipc::EventType::transfer_finished, id);
        e.client = t.client;
        e.user = t.user;
        e.anonymous = t.anonymous;
        e.direction = t.direction;
        e.path = t.path;
        e.bytes = t.bytes;
        e.seconds = t.seconds;
        e.ok = t.complete;
        e.transfer_type = t.ascii ? 'a' : 'b';
        e.file = t.file;
        e.tls = t.tls;
        sender_.try_send(e);
    } catch (...) {
    }
}

void StatusReporter::file_changed(std::uint64_t id, const FileChange& c) noexcept {
    try {
        auto e = event(c.type, id);
        e.client = c.client;
        e.user = c.user;
        e.path = c.path;
        e.target = c.target;
        e.file = c.file;
        e.tls = c.tls;
        e.ok = true;
        sender_.try_send(e);
    } catch (...) {
    }
}

void StatusReporter::fatal(const std::string& message) noexcept {
    try {
        auto e = event(ipc::EventType::worker_fatal, 0);
        e.message = message;
        sender_.try_send(e);
    } catch (...) {
    }
}

}  // namespace ftpd::worker

namespace ftpd::worker {

void StatusReporter::inject_faults() {
    if (!fault_queue_) return;
    ipc::testing::hold_slot_semaphore(view_, slot_);
    fault_queue_->lock_forever();
}

}  // namespace ftpd::worker
