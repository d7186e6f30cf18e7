// A worker's voice: its slot in the status segment (state, heartbeat, session rows,
// byte counters) and its event queue to the master (sessions, logins, transfers). Runs in
// workers; attaches before the privilege drop; never blocks and never throws after that.
#pragma once

#include "ipc/event.hpp"
#include "ipc/event_queue.hpp"
#include "ipc/status_segment.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ftpd::ipc::testing {
class QueueMutexHandle;  // ipc/fault_injection.hpp, tests only: kept out of this header
}

namespace ftpd::worker {

// What the master needs to write one xferlog line.
struct TransferRecord {
    std::string client;     // "127.0.0.1:40000"
    std::string user;
    bool anonymous = false;
    char direction = 'o';   // 'o' download, 'i' upload
    std::string path;       // as the user sees it
    std::uint64_t bytes = 0;
    double seconds = 0;
    bool ascii = false;
    bool complete = false;
    std::string file;       // absolute path on disk, for hooks
    bool tls = false;       // the control connection is TLS
};

// A change in the file system a session made (DELE, RNTO, MKD, RMD), for hooks.
struct FileChange {
    ipc::EventType type = ipc::EventType::file_deleted;
    std::string client;
    std::string user;
    std::string path;       // as the user sees it (RNTO: the old name)
    std::string target;     // RNTO: the new name
    std::string file;       // absolute path on disk of path (RNTO: of target)
    bool tls = false;
};

class StatusReporter {
public:
    // Attaches to the master's segment and queue. Throws std::runtime_error if they are
    // missing or do not match this build.
    StatusReporter(int master_pid, unsigned slot, unsigned generation);
    ~StatusReporter();

    void set_state(ipc::WorkerState state) noexcept { writer_.set_state(state); }
    // Once a second: liveness for the master, and the count of events lost so far.
    void heartbeat() noexcept;

    // A row for a new session (-1 when the table is full; every call accepts -1).
    int session_opened(std::uint64_t id, const std::string& client) noexcept;
    void session_closed(int row, std::uint64_t id, const std::string& client, const std::string& user,
                        double seconds, bool tls = false) noexcept;
    void login(int row, std::uint64_t id, const std::string& client, const std::string& user, bool ok,
               bool anonymous, bool tls = false) noexcept;
    void command(int row, std::string_view verb) noexcept { writer_.update_row(row, {.state = verb}); }
    void tls(int row) noexcept { writer_.update_row(row, {.tls = true}); }  // the control connection is TLS
    void transfer_started(int row, std::string_view file) noexcept {
        writer_.update_row(row, {.file = file, .bytes = 0});
    }
    void add_bytes(int row, ipc::Direction dir, std::uint64_t n) noexcept { writer_.add_bytes(row, dir, n); }
    // The session waits for a file-system call (op "stat"), or no longer (op empty).
    void fs_wait(int row, std::string_view op) noexcept { writer_.update_row(row, {.fs_op = op}); }
    void client_name(int row, std::string_view name) noexcept { writer_.update_row(row, {.client_name = name}); }
    // The worker's file-system threads, published with the heartbeat.
    void fs_stats(unsigned threads, unsigned pending, unsigned stuck, unsigned oldest_s) noexcept {
        writer_.set_fs(threads, pending, stuck, oldest_s);
    }
    void transfer_finished(std::uint64_t id, const TransferRecord& t) noexcept;
    void file_changed(std::uint64_t id, const FileChange& c) noexcept;
    // The id for a new session, unique over all workers of this master.
    std::uint64_t next_session_id() noexcept { return ipc::next_session_id(view_); }

    // For max_clients and max_per_ip on accept: open sessions over all workers, and those
    // from one host ("127.0.0.1", "[::1]"). Lock-free reads of the segment.
    std::uint64_t sessions_total() const noexcept { return ipc::count_sessions(view_); }
    std::uint32_t sessions_from(std::string_view host) const noexcept { return ipc::count_sessions_from(view_, host); }
    // For max_sessions at login: the row takes the user's name first, then counts (itself
    // included), so two logins at once on two workers can both be refused, never both let in.
    bool kick_requested(int row, std::uint64_t id) const noexcept { return writer_.kick_requested(row, id); }
    void claim_user(int row, std::string_view user) noexcept { writer_.update_row(row, {.user = user}); }
    std::uint32_t sessions_of(std::string_view user, bool ignore_case) const noexcept {
        return ipc::count_sessions_of(view_, user, ignore_case);
    }

    // A failed accept(), counted in the slot (accept_errors).
    void accept_error() noexcept { writer_.add_accept_error(); }
    // Passive listeners (pasv_ports): the row's session listens on `port` (0: no more); the
    // port another session took over from it (0: none); those held by sessions from `host`;
    // and the take-over of the oldest unused one opened before `opened_before_ms`.
    void passive(int row, std::uint16_t port) noexcept { writer_.set_passive(row, port); }
    std::uint16_t passive_revoked(int row) noexcept { return writer_.take_passive_revocation(row); }
    std::uint32_t passive_from(std::string_view host, std::uint16_t low, std::uint16_t high) const noexcept {
        return ipc::count_passive_from(view_, host, low, high);
    }
    std::optional<ipc::PassiveVictim> revoke_oldest_passive(std::uint16_t low, std::uint16_t high,
                                                            std::int64_t opened_before_ms) noexcept {
        return ipc::revoke_oldest_passive(view_, low, high, opened_before_ms);
    }

    // The status segment, for the quota table (ipc/quota_table.hpp).
    ipc::SegmentView& segment() noexcept { return view_; }
    // The worker is about to die of an error: tell the master why.
    void fatal(const std::string& message) noexcept;

    // Tests only: with FTPD_FAULT_INJECTION=1 in the environment, the constructor prepares,
    // and inject_faults() (SIGUSR2) takes this slot's semaphore and locks this worker's event
    // queue, as a SIGKILL inside a status write or a send would leave them.
    static bool fault_injection_enabled();
    // FTPD_FAULT_INJECTION=<name>: SIGUSR2 injects that fault instead ("block_loop": the
    // worker's event loop stops, as a loop stuck in a system call would).
    static bool fault_injection(std::string_view name);
    void inject_faults();

private:
    ipc::Event event(ipc::EventType type, std::uint64_t id) const;

    int master_pid_;
    int pid_;  // this worker's
    unsigned slot_;
    ipc::SegmentView view_;
    ipc::SlotWriter writer_;
    ipc::EventSender sender_;
    std::unique_ptr<ipc::testing::QueueMutexHandle> fault_queue_;
};

}  // namespace ftpd::worker
