// Formats a status snapshot as JSON, aligned tables and Prometheus metrics. Runs in ftpctl
// only; pure functions of the snapshot and the clocks passed in, no I/O. Every text that
// came from the segment goes through json_string() or terminal_text() before output.
#include "client/ftpctl/status_format.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "client/ftpctl/json_writer.hpp"
#include "client/ftpctl/text_table.hpp"

namespace ftpd::client {
namespace {

using ipc::text_of;

// Milliseconds from `since` to `now`; 0 when `since` is unset (0) or in the future.
std::int64_t elapsed_ms(std::int64_t since, std::int64_t now) noexcept {
    return since > 0 && now > since ? now - since : 0;
}

std::string format(const char* fmt, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

// ---------------------------------------------------------------- JSON

// "upgrade": this master's part in a binary upgrade now; "last_upgrade": the last outcome.
void write_upgrade(JsonWriter& w, const ipc::HeaderData& h) {
    w.key("upgrade").begin_object();
    w.field("state", ipc::to_string(h.upgrade_state)).key("peer_pid");
    if (h.upgrade_state != ipc::UpgradeState::none && h.upgrade_peer_pid > 0) w.value(h.upgrade_peer_pid);
    else w.null();
    w.end_object();
    w.key("last_upgrade").begin_object();
    w.field("ok", h.last_upgrade_ok != 0).field("error", text_of(h.last_upgrade_error)).key("time");
    if (h.upgrade_time_ms > 0) w.value(iso8601_utc(h.upgrade_time_ms));
    else w.null();
    w.end_object();
}

void write_master(JsonWriter& w, const ipc::Snapshot& snap, Now now) {
    const ipc::HeaderData& h = snap.header;
    w.key("master").begin_object();
    w.field("pid", h.master_pid)
        .field("uptime_s", elapsed_ms(h.start_time_ms, now.realtime_ms) / 1000)
        .field("start_time", iso8601_utc(h.start_time_ms))
        .field("config", text_of(h.config_path))
        .field("generation", h.generation)
        .field("torn", snap.header_torn);
    w.key("last_reload").begin_object();
    w.field("ok", h.last_reload_ok != 0).field("error", text_of(h.last_reload_error)).key("time");
    if (h.reload_time_ms > 0) w.value(iso8601_utc(h.reload_time_ms));
    else w.null();
    w.end_object();
    write_upgrade(w, h);
    w.end_object();
}

// The hook runner: state, counters, and per event its results.
void write_hooks(JsonWriter& w, const ipc::HookRunnerData& d) {
    const ipc::HookCounters& c = d.counters;
    w.key("hooks").begin_object();
    w.field("configured", d.configured != 0)
        .field("pid", d.pid)
        .field("state", d.pid > 0 ? "running" : d.configured ? "dead" : "off")
        .field("restarts", d.restarts)
        .field("queued", c.queued)
        .field("running", c.running)
        .field("done", c.done)
        .field("failed", c.failed)
        .field("dropped", c.dropped);
    w.key("events").begin_object();
    for (std::size_t e = 0; e < ipc::kHookEvents; ++e) {
        w.key(ipc::kHookEventNames[e]).begin_object();
        for (std::size_t r = 0; r < ipc::kHookResults; ++r) w.field(ipc::kHookResultNames[r], c.by_event[e][r]);
        w.end_object();
    }
    w.end_object().end_object();
}

void write_worker(JsonWriter& w, const ipc::SlotSnapshot& s, Now now) {
    const ipc::WorkerSlotData& d = s.data;
    w.begin_object();
    w.field("slot", s.slot)
        .field("pid", d.pid)
        .field("state", ipc::to_string(d.state))
        .field("sessions", d.sessions)
        .field("accepted", d.accepted)
        .field("bytes_in", d.bytes_in)
        .field("bytes_out", d.bytes_out)
        .field("restarts", d.restarts)
        .key("heartbeat_age_ms");
    if (d.heartbeat_ms > 0) w.value(elapsed_ms(d.heartbeat_ms, now.monotonic_ms));
    else w.null();  // the worker has not published a heartbeat yet
    w.field("dropped_events", d.dropped_events)
        .field("accept_errors", d.accept_errors)
        .field("fs_threads", d.fs_threads)
        .field("fs_pending", d.fs_pending)
        .field("fs_stuck", d.fs_stuck)
        .field("fs_oldest_s", d.fs_oldest_s)
        .field("generation", d.generation)
        .field("uptime_s", elapsed_ms(d.start_time_ms, now.realtime_ms) / 1000)
        .field("busy", s.busy)
        .field("torn", s.torn);
    w.end_object();
}

void write_session(JsonWriter& w, const ipc::RowSnapshot& r, Now now) {
    const ipc::SessionRowData& d = r.data;
    w.begin_object();
    w.field("worker", r.slot)
        .field("id", d.session_id)
        .field("client", text_of(d.client))
        .field("user", text_of(d.user))
        .field("state", text_of(d.state))
        .field("file", text_of(d.file))
        .field("bytes", d.bytes)
        .field("age_s", elapsed_ms(d.start_time_ms, now.realtime_ms) / 1000)
        .field("tls", d.tls != 0)
        .field("client_name", text_of(d.client_name))
        .field("fs_op", text_of(d.fs_op))
        .field("fs_wait_s", elapsed_ms(d.fs_since_ms, now.monotonic_ms) / 1000);
    w.end_object();
}

// The quota entries of users with a session open now: ftpctl status shows usage against
// quota for logged-in users (ftpctl user show has it for any user).
std::vector<const ipc::QuotaUsage*> logged_in_quotas(const ipc::Snapshot& snap) {
    std::vector<const ipc::QuotaUsage*> out;
    for (const ipc::QuotaUsage& q : snap.quotas)
        if (std::any_of(snap.sessions.begin(), snap.sessions.end(),
                        [&q](const ipc::RowSnapshot& r) { return text_of(r.data.user) == q.user; }))
            out.push_back(&q);
    return out;
}

void write_quota(JsonWriter& w, const ipc::QuotaUsage& q) {
    w.begin_object();
    w.field("user", q.user)
        .field("bytes", static_cast<std::uint64_t>(q.bytes))
        .field("files", static_cast<std::uint64_t>(q.files))
        .field("quota_bytes", q.limit_bytes)
        .field("quota_files", q.limit_files)
        .field("counted", q.valid);
    w.end_object();
}

// ---------------------------------------------------------------- tables

std::string quota_table(const ipc::Snapshot& snap) {
    const auto quotas = logged_in_quotas(snap);
    if (quotas.empty()) return "";
    TextTable t({{"USER", Align::left}, {"USED", Align::right}, {"QUOTA", Align::right},
                 {"FILES", Align::right}, {"FILE LIMIT", Align::right}, {"", Align::left}});
    for (const ipc::QuotaUsage* q : quotas)
        t.add_row({terminal_text(q->user), human_bytes(static_cast<std::uint64_t>(q->bytes)),
                   q->limit_bytes ? human_bytes(q->limit_bytes) : "-", std::to_string(q->files),
                   q->limit_files ? std::to_string(q->limit_files) : "-", q->valid ? "" : "recount due"});
    return "\n" + t.render();
}

// The last `columns` characters of valid UTF-8 text, after "...", when it is wider.
std::string tail_of(const std::string& text, std::size_t columns) {
    if (display_width(text) <= columns) return text;
    std::size_t start = text.size();
    for (std::size_t kept = 0; kept + 3 < columns && start > 0;) {
        --start;
        if ((static_cast<unsigned char>(text[start]) & 0xC0) != 0x80) ++kept;
    }
    return "..." + text.substr(start);
}

// "0.3s" below ten seconds, then whole seconds.
std::string short_age(std::int64_t ms) {
    if (ms < 10'000) return format("%.1fs", static_cast<double>(ms) / 1000.0);
    return std::to_string(ms / 1000) + "s";
}

// The file-system threads of a worker: "2/8" (calls pending of threads), "8/8, 8 stuck 95s"
// (and how long the oldest has run).
std::string fs_cell(const ipc::WorkerSlotData& d) {
    std::string cell = std::to_string(d.fs_pending) + "/" + std::to_string(d.fs_threads);
    if (d.fs_stuck > 0) cell += ", " + std::to_string(d.fs_stuck) + " stuck " + std::to_string(d.fs_oldest_s) + "s";
    return cell;
}

// What a session waits for on the file system and for how long: "stat 12s", or "-".
std::string fs_wait_cell(const ipc::SessionRowData& d, Now now) {
    if (d.fs_since_ms <= 0 || text_of(d.fs_op).empty()) return "-";
    return terminal_text(text_of(d.fs_op)) + " " + short_age(elapsed_ms(d.fs_since_ms, now.monotonic_ms));
}

std::string master_line(const ipc::Snapshot& snap, Now now) {
    const ipc::HeaderData& h = snap.header;
    std::string line = "master " + std::to_string(h.master_pid) + ", up " +
                       clock_duration(elapsed_ms(h.start_time_ms, now.realtime_ms) / 1000) +
                       ", generation " + std::to_string(h.generation) + ", config " +
                       terminal_text(text_of(h.config_path)) + ", ";
    if (h.reload_time_ms <= 0) line += "never reloaded";
    else if (h.last_reload_ok) line += "last reload ok at " + iso8601_utc(h.reload_time_ms);
    else
        line += "last reload FAILED at " + iso8601_utc(h.reload_time_ms) + ": " +
                terminal_text(text_of(h.last_reload_error));
    if (snap.header_torn) line += " (header was being written: may be inconsistent)";
    return line + "\n";
}

// What the master does in a binary upgrade, and how the last one ended; "" for neither.
std::string upgrade_line(const ipc::HeaderData& h) {
    std::string line;
    const std::string peer = std::to_string(h.upgrade_peer_pid);
    switch (h.upgrade_state) {
        case ipc::UpgradeState::none: break;
        case ipc::UpgradeState::starting: line = "upgrade: starting the new master " + peer; break;
        case ipc::UpgradeState::retiring: line = "upgrade: handed over to master " + peer + ", draining"; break;
        case ipc::UpgradeState::replacing: line = "upgrade: took over from master " + peer + ", which drains"; break;
    }
    if (h.upgrade_time_ms > 0 && !h.last_upgrade_ok) {
        line += line.empty() ? "" : "; ";
        line += "last upgrade FAILED at " + iso8601_utc(h.upgrade_time_ms) + ": " +
                terminal_text(text_of(h.last_upgrade_error));
    } else if (h.upgrade_time_ms > 0 && line.empty()) {
        line = "last upgrade ok at " + iso8601_utc(h.upgrade_time_ms);
    }
    return line.empty() ? "" : line + "\n";
}

std::string hooks_line(const ipc::HookRunnerData& d) {
    if (!d.configured && d.pid <= 0) return "";
    const ipc::HookCounters& c = d.counters;
    std::string line = d.pid > 0 ? "hooks: runner pid " + std::to_string(d.pid) : std::string("hooks: runner DEAD (respawning)");
    line += ", restarts " + std::to_string(d.restarts) + ", queued " + std::to_string(c.queued) + ", running " +
            std::to_string(c.running) + ", done " + std::to_string(c.done) + ", failed " + std::to_string(c.failed) +
            ", dropped " + std::to_string(c.dropped);
    return line + "\n";
}

std::string worker_table(const ipc::Snapshot& snap, Now now) {
    TextTable t({{"SLOT", Align::right}, {"PID", Align::right}, {"GEN", Align::right},
                 {"STATE", Align::left}, {"SESSIONS", Align::right}, {"ACCEPTED", Align::right},
                 {"IN", Align::right}, {"OUT", Align::right}, {"RESTARTS", Align::right},
                 {"HEARTBEAT", Align::right}, {"FS", Align::right}, {"NOTE", Align::left}});
    bool any = false;
    for (const ipc::SlotSnapshot& s : snap.slots) {
        if (!is_listed(s)) continue;
        any = true;
        const ipc::WorkerSlotData& d = s.data;
        std::string note = s.busy && s.torn ? "busy,torn" : s.busy ? "busy" : s.torn ? "torn" : "";
        t.add_row({std::to_string(s.slot), std::to_string(d.pid), std::to_string(d.generation),
                   std::string(ipc::to_string(d.state)), std::to_string(d.sessions),
                   std::to_string(d.accepted), human_bytes(d.bytes_in), human_bytes(d.bytes_out),
                   std::to_string(d.restarts),
                   d.heartbeat_ms > 0 ? short_age(elapsed_ms(d.heartbeat_ms, now.monotonic_ms)) : "-",
                   fs_cell(d), std::move(note)});
    }
    return any ? t.render() : "workers: none\n";
}

std::string session_table(const ipc::Snapshot& snap, Now now) {
    if (snap.sessions.empty()) return "sessions: none\n";
    TextTable t({{"WORKER", Align::right}, {"ID", Align::right}, {"CLIENT", Align::left},
                 {"TLS", Align::left}, {"USER", Align::left}, {"SOFTWARE", Align::left}, {"STATE", Align::left},
                 {"FILE", Align::left}, {"BYTES", Align::right}, {"RATE", Align::right},
                 {"AGE", Align::right}, {"FS WAIT", Align::right}});
    for (const ipc::RowSnapshot& r : snap.sessions) {
        const ipc::SessionRowData& d = r.data;
        const std::int64_t age = elapsed_ms(d.start_time_ms, now.realtime_ms);
        const std::string user = terminal_text(text_of(d.user));
        const std::string file = terminal_text(text_of(d.file));
        const std::string software = terminal_text(text_of(d.client_name));
        // bytes of the current transfer over the session's age: a lower bound of the rate
        const std::string rate =
            age > 0 ? human_bytes(static_cast<std::uint64_t>(static_cast<double>(d.bytes) * 1000.0 /
                                                             static_cast<double>(age))) + "/s"
                    : "-";
        t.add_row({std::to_string(r.slot), std::to_string(d.session_id), terminal_text(text_of(d.client)),
                   d.tls ? "yes" : "no", user.empty() ? "-" : user, software.empty() ? "-" : tail_of(software, 24),
                   terminal_text(text_of(d.state)), file.empty() ? "-" : tail_of(file, 40),
                   human_bytes(d.bytes), rate, clock_duration(age / 1000), fs_wait_cell(d, now)});
    }
    return t.render();
}

std::string totals_line(const Totals& t) {
    return "totals: " + std::to_string(t.sessions_active) + " sessions active, " +
           std::to_string(t.sessions_total) + " accepted, " + human_bytes(t.bytes_in) + " in, " +
           human_bytes(t.bytes_out) + " out, " + std::to_string(t.worker_restarts) + " worker restarts, " +
           std::to_string(t.accept_errors) + " accept errors\n";
}

// ---------------------------------------------------------------- metrics

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::string_view labels, const std::string& value) {
    out.append(name).append(labels).append(" ").append(value).append("\n");
}

std::string seconds(std::int64_t ms) { return format("%.3f", static_cast<double>(ms) / 1000.0); }

// A family with one unlabelled sample.
void single(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            const std::string& value) {
    family(out, name, type, help);
    sample(out, name, "", value);
}

constexpr std::string_view kUpHelp = "1 when the status of a running ftpd master could be read, else 0.";

// The per-worker families whose value is a field of the slot, each sample labelled with it.
struct WorkerMetric {
    std::string_view name, type, help;
    std::uint64_t (*value)(const ipc::WorkerSlotData&);
};

constexpr WorkerMetric kWorkerMetrics[] = {
    {"ftpd_worker_sessions", "gauge", "Open sessions of the worker.",
     [](const ipc::WorkerSlotData& d) -> std::uint64_t { return d.sessions; }},
    {"ftpd_worker_accepted_total", "counter", "Sessions the worker accepted since it started.",
     [](const ipc::WorkerSlotData& d) -> std::uint64_t { return d.accepted; }},
    {"ftpd_worker_bytes_in_total", "counter", "Bytes the worker received in uploads since it started.",
     [](const ipc::WorkerSlotData& d) -> std::uint64_t { return d.bytes_in; }},
    {"ftpd_worker_bytes_out_total", "counter", "Bytes the worker sent in downloads since it started.",
     [](const ipc::WorkerSlotData& d) -> std::uint64_t { return d.bytes_out; }},
    {"ftpd_worker_restarts_total", "counter", "Times the master replaced a dead worker in this slot.",
     [](const ipc::WorkerSlotData& d) -> std::uint64_t { return d.restarts; }},
    {"ftpd_worker_dropped_events_total", "counter", "Events the worker could not send to the master.",
     [](const ipc::WorkerSlotData& d) -> std::uint64_t { return d.dropped_events; }},
    {"ftpd_worker_accept_errors_total", "counter",
     "Failed accept() calls of the worker since it started (EMFILE at the descriptor limit, ...).",
     [](const ipc::WorkerSlotData& d) -> std::uint64_t { return d.accept_errors; }},
    {"ftpd_fs_threads", "gauge", "File-system threads of the worker (fs_threads).",
     [](const ipc::WorkerSlotData& d) -> std::uint64_t { return d.fs_threads; }},
    {"ftpd_fs_pending", "gauge", "File-system calls of the worker queued or running.",
     [](const ipc::WorkerSlotData& d) -> std::uint64_t { return d.fs_pending; }},
    {"ftpd_fs_stuck", "gauge", "File-system calls of the worker running longer than fs_timeout.",
     [](const ipc::WorkerSlotData& d) -> std::uint64_t { return d.fs_stuck; }},
    {"ftpd_fs_oldest_seconds", "gauge", "Seconds the worker's oldest running file-system call has run.",
     [](const ipc::WorkerSlotData& d) -> std::uint64_t { return d.fs_oldest_s; }},
};

std::string slot_label(const ipc::SlotSnapshot& s) { return "{slot=\"" + std::to_string(s.slot) + "\"}"; }

void worker_metrics(std::string& out, const ipc::Snapshot& snap, Now now) {
    family(out, "ftpd_workers", "gauge", "Worker processes by state.");
    for (ipc::WorkerState st : {ipc::WorkerState::starting, ipc::WorkerState::running,
                                ipc::WorkerState::draining, ipc::WorkerState::dead}) {
        const auto n = std::count_if(snap.slots.begin(), snap.slots.end(), [st](const ipc::SlotSnapshot& s) {
            return is_listed(s) && s.data.state == st;
        });
        sample(out, "ftpd_workers", "{state=\"" + std::string(ipc::to_string(st)) + "\"}", std::to_string(n));
    }
    for (const WorkerMetric& m : kWorkerMetrics) {
        family(out, m.name, m.type, m.help);
        for (const ipc::SlotSnapshot& s : snap.slots)
            if (is_listed(s)) sample(out, m.name, slot_label(s), std::to_string(m.value(s.data)));
    }
    constexpr std::string_view kHeartbeat = "ftpd_worker_heartbeat_age_seconds";
    family(out, kHeartbeat, "gauge", "Seconds since the worker's last heartbeat (absent before the first).");
    for (const ipc::SlotSnapshot& s : snap.slots)
        if (is_listed(s) && s.data.heartbeat_ms > 0)
            sample(out, kHeartbeat, slot_label(s), seconds(elapsed_ms(s.data.heartbeat_ms, now.monotonic_ms)));
}

}  // namespace

bool is_listed(const ipc::SlotSnapshot& slot) noexcept { return slot.data.pid != 0; }

Totals totals_of(const ipc::Snapshot& snap) noexcept {
    Totals t;
    for (const ipc::SlotSnapshot& s : snap.slots) {
        // An unlisted slot was reset: its counters are 0 except `restarts`, which a reset
        // keeps, so its restarts still count.
        t.worker_restarts += s.data.restarts;
        if (!is_listed(s)) continue;
        t.sessions_active += s.data.sessions;
        t.sessions_total += s.data.accepted;
        t.bytes_in += s.data.bytes_in;
        t.bytes_out += s.data.bytes_out;
        t.accept_errors += s.data.accept_errors;
    }
    return t;
}

// ftpd_hooks_total{event,result}: one job is one event for one hook.
void hook_metrics(std::string& out, const ipc::HookRunnerData& d) {
    out += "# HELP ftpd_hooks_total Hook jobs (one event for one hook or webhook) by event and result.\n";
    out += "# TYPE ftpd_hooks_total counter\n";
    for (std::size_t e = 0; e < ipc::kHookEvents; ++e)
        for (std::size_t r = 0; r < ipc::kHookResults; ++r)
            out += std::string("ftpd_hooks_total{event=\"") + ipc::kHookEventNames[e] + "\",result=\"" +
                   ipc::kHookResultNames[r] + "\"} " + std::to_string(d.counters.by_event[e][r]) + "\n";
    single(out, "ftpd_hooks_queued", "gauge", "Hook jobs waiting in the hook runner's queue.",
           std::to_string(d.counters.queued));
    single(out, "ftpd_hooks_running", "gauge", "Hook jobs running now.", std::to_string(d.counters.running));
    single(out, "ftpd_hooks_runner_up", "gauge", "1 when the hook runner process runs.", d.pid > 0 ? "1" : "0");
}

std::string status_json(const ipc::Snapshot& snap, Now now, const ipc::Snapshot* other) {
    JsonWriter w;
    w.begin_object();
    write_master(w, snap, now);
    // During a binary upgrade: the other master (the old one draining, or the new one
    // starting), with its workers and sessions.
    w.key("other_master");
    if (other) {
        w.begin_object();
        write_master(w, *other, now);
        w.key("workers").begin_array();
        for (const ipc::SlotSnapshot& s : other->slots)
            if (is_listed(s)) write_worker(w, s, now);
        w.end_array();
        w.key("sessions").begin_array();
        for (const ipc::RowSnapshot& r : other->sessions) write_session(w, r, now);
        w.end_array();
        w.end_object();
    } else {
        w.null();
    }
    w.key("workers").begin_array();
    for (const ipc::SlotSnapshot& s : snap.slots)
        if (is_listed(s)) write_worker(w, s, now);
    w.end_array();
    w.key("sessions").begin_array();
    for (const ipc::RowSnapshot& r : snap.sessions) write_session(w, r, now);
    w.end_array();
    w.key("quotas").begin_array();
    for (const ipc::QuotaUsage* q : logged_in_quotas(snap)) write_quota(w, *q);
    w.end_array();
    const Totals t = totals_of(snap);
    w.key("totals").begin_object();
    w.field("sessions_active", t.sessions_active)
        .field("sessions_total", t.sessions_total)
        .field("bytes_in", t.bytes_in)
        .field("bytes_out", t.bytes_out)
        .field("worker_restarts", t.worker_restarts)
        .field("accept_errors", t.accept_errors);
    w.end_object();
    write_hooks(w, snap.header.hooks);
    w.end_object();
    return std::move(w).str() + "\n";
}

std::string status_table(const ipc::Snapshot& snap, Now now, const ipc::Snapshot* other) {
    std::string text = master_line(snap, now) + upgrade_line(snap.header) + hooks_line(snap.header.hooks) + "\n" +
                       worker_table(snap, now) + "\n" + session_table(snap, now) + quota_table(snap) + "\n" +
                       totals_line(totals_of(snap));
    if (other)
        text += "\nother " + master_line(*other, now) + upgrade_line(other->header) + "\n" +
                worker_table(*other, now) + "\n" + session_table(*other, now) + quota_table(*other) + "\n" +
                totals_line(totals_of(*other));
    return text;
}

std::string status_metrics(const ipc::Snapshot& snap, Now now) {
    const ipc::HeaderData& h = snap.header;
    std::string out;
    single(out, "ftpd_up", "gauge", kUpHelp, "1");
    single(out, "ftpd_start_time_seconds", "gauge", "Start time of the ftpd master, seconds since the Unix epoch.",
           seconds(h.start_time_ms));
    single(out, "ftpd_generation", "gauge", "Generation of the configuration the master runs; 1 before any reload.",
           std::to_string(h.generation));
    single(out, "ftpd_last_reload_ok", "gauge", "1 when the last reload succeeded (or none was tried), 0 when it failed.",
           h.last_reload_ok ? "1" : "0");
    single(out, "ftpd_last_reload_time_seconds", "gauge",
           "Time of the last reload attempt, seconds since the Unix epoch; 0 = never.",
           seconds(std::max<std::int64_t>(h.reload_time_ms, 0)));
    worker_metrics(out, snap, now);
    hook_metrics(out, snap.header.hooks);
    const Totals t = totals_of(snap);
    single(out, "ftpd_sessions_active", "gauge", "Open sessions, all workers.", std::to_string(t.sessions_active));
    single(out, "ftpd_sessions_total", "counter", "Sessions accepted by the running workers since they started.",
           std::to_string(t.sessions_total));
    const auto quotas = logged_in_quotas(snap);
    family(out, "ftpd_user_quota_used_bytes", "gauge", "Bytes under the root of a logged-in user with a quota.");
    for (const ipc::QuotaUsage* q : quotas)
        sample(out, "ftpd_user_quota_used_bytes", "{user=" + json_string(q->user) + "}", std::to_string(q->bytes));
    family(out, "ftpd_user_quota_limit_bytes", "gauge", "The user's quota= in bytes; 0: none.");
    for (const ipc::QuotaUsage* q : quotas)
        sample(out, "ftpd_user_quota_limit_bytes", "{user=" + json_string(q->user) + "}", std::to_string(q->limit_bytes));
    family(out, "ftpd_user_quota_used_files", "gauge", "Files under the root of a logged-in user with a quota.");
    for (const ipc::QuotaUsage* q : quotas)
        sample(out, "ftpd_user_quota_used_files", "{user=" + json_string(q->user) + "}", std::to_string(q->files));
    family(out, "ftpd_user_quota_limit_files", "gauge", "The user's files= limit; 0: none.");
    for (const ipc::QuotaUsage* q : quotas)
        sample(out, "ftpd_user_quota_limit_files", "{user=" + json_string(q->user) + "}", std::to_string(q->limit_files));
    return out;
}

std::string metrics_down() {
    std::string out;
    single(out, "ftpd_up", "gauge", kUpHelp, "0");
    return out;
}

std::string json_string(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

std::string human_bytes(std::uint64_t bytes) {
    if (bytes < 1024) return std::to_string(bytes) + " B";
    static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = static_cast<double>(bytes) / 1024.0;
    std::size_t unit = 0;
    // 1023.95 would print as "1024.0", so it moves up a unit as well.
    while (v >= 1023.95 && unit + 1 < std::size(kUnits)) {
        v /= 1024.0;
        ++unit;
    }
    return format("%.1f ", v) + kUnits[unit];
}

std::string clock_duration(std::int64_t seconds) {
    seconds = std::max<std::int64_t>(seconds, 0);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(seconds / 3600),
                  static_cast<long long>(seconds / 60 % 60), static_cast<long long>(seconds % 60));
    return buf;
}

std::string iso8601_utc(std::int64_t epoch_ms) {
    const std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
    std::tm tm{};
    char buf[32];
    if (!::gmtime_r(&t, &tm) || std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) return "";
    return buf;
}

}  // namespace ftpd::client
