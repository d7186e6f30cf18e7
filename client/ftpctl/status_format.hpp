// Turns a status snapshot into text: JSON for scripts, aligned tables for people, and the
// Prometheus text format for node_exporter's textfile collector. Runs in ftpctl only. Pure
// functions: no I/O and no clock ("now" is an argument), so tests are deterministic.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ipc/status_segment.hpp"

namespace ftpd::client {

// The two clocks a snapshot is compared with: realtime for start times, monotonic for
// heartbeats (see ipc/status_layout.hpp).
struct Now {
    std::int64_t realtime_ms = 0;
    std::int64_t monotonic_ms = 0;
};

// The clocks as they are now.
inline Now now() noexcept { return {ipc::realtime_ms(), ipc::monotonic_ms()}; }

// Sums over the worker slots.
struct Totals {
    std::uint64_t sessions_active = 0;  // open control connections
    std::uint64_t sessions_total = 0;   // accepted since each running worker started
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    std::uint64_t worker_restarts = 0;  // also of slots that are empty right now
};

// A slot is shown when a worker has claimed it: pid 0 means never used, or reset after its
// worker died and before the replacement started.
bool is_listed(const ipc::SlotSnapshot& slot) noexcept;

Totals totals_of(const ipc::Snapshot& snap) noexcept;

// One line of compact JSON (ends in '\n') with the keys documented in ftpctl(8). other:
// the other master of a binary upgrade in progress (key "other_master"; null without).
std::string status_json(const ipc::Snapshot& snap, Now now, const ipc::Snapshot* other = nullptr);

// The master line, the worker table, the session table and the totals line. Text from the
// segment is made safe for a terminal (see terminal_text() in text_table.hpp) and columns
// are aligned in characters, not bytes.
std::string status_table(const ipc::Snapshot& snap, Now now, const ipc::Snapshot* other = nullptr);

// The Prometheus text exposition format (version 0.0.4), with # HELP and # TYPE lines.
std::string status_metrics(const ipc::Snapshot& snap, Now now);

// The metrics to publish when no master runs or its status cannot be read: ftpd_up 0.
std::string metrics_down();

// --- Pieces of the above, public for the tests.

// s as a quoted JSON string (see append_json_string in json_writer.hpp).
std::string json_string(std::string_view s);

// "0 B", "1023 B", "1.5 KiB", "3.0 MiB" ... "EiB".
std::string human_bytes(std::uint64_t bytes);

// "h:mm:ss", hours unbounded ("25:00:00"); negative counts as 0.
std::string clock_duration(std::int64_t seconds);

// "2024-05-01T12:00:00Z" (UTC) for milliseconds since the Unix epoch.
std::string iso8601_utc(std::int64_t epoch_ms);

}  // namespace ftpd::client
