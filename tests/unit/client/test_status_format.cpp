// Unit tests of client/ftpctl/status_format, json_writer and text_table: the JSON document (exact text,
// validity and keys checked by python3's json module), the tables' alignment and terminal
// safety, the Prometheus metrics, and the small formatters. Snapshots are built by hand.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "client/ftpctl/json_writer.hpp"
#include "client/ftpctl/status_format.hpp"
#include "client/ftpctl/text_table.hpp"
#include "tests/unit/ipc/ipc_fixtures.hpp"

using namespace ftpd::client;
namespace ipc = ftpd::ipc;

namespace {

constexpr Now kNow{1'700'000'000'000, 5'000'000};  // 2023-11-14T22:13:20Z
// A user name with a quote, a backslash, a control character and a byte that is not UTF-8.
constexpr std::string_view kEvilUser = "ev\"il\\\x01\xff";

ipc::SlotSnapshot slot(std::uint32_t index, int pid, ipc::WorkerState state) {
    ipc::SlotSnapshot s;
    s.slot = index;
    s.data.pid = pid;
    s.data.state = state;
    return s;
}

ipc::RowSnapshot row(std::uint32_t slot, std::uint32_t index, std::uint64_t id, std::string_view client,
                     std::string_view user, std::string_view state, std::string_view file) {
    ipc::RowSnapshot r;
    r.slot = slot;
    r.row = index;
    r.data.in_use = 1;
    r.data.session_id = id;
    ipc::set_text(r.data.client, client);
    ipc::set_text(r.data.user, user);
    ipc::set_text(r.data.state, state);
    ipc::set_text(r.data.file, file);
    return r;
}

// Master 1234 up 1:02:03 after a failed reload; worker slot 0 running, slot 1 empty (its
// worker died; 3 restarts), slot 2 draining, busy and without a heartbeat; one session on
// each of the two workers, the second with kEvilUser.
ipc::Snapshot sample_snapshot() {
    ipc::Snapshot snap;
    ipc::HeaderData& h = snap.header;
    h.master_pid = 1234;
    h.start_time_ms = kNow.realtime_ms - 3'723'000;
    h.generation = 2;
    h.reload_time_ms = kNow.realtime_ms - 60'000;
    h.last_reload_ok = 0;
    h.last_upgrade_ok = 1;
    ipc::set_text(h.config_path, "/etc/ftpd.conf");
    ipc::set_text(h.last_reload_error, "/etc/ftpd.conf:3: unknown key 'x'");
    h.hooks.pid = 3001;
    h.hooks.configured = 1;
    h.hooks.restarts = 1;
    h.hooks.counters.queued = 2;
    h.hooks.counters.running = 1;
    h.hooks.counters.done = 7;
    h.hooks.counters.failed = 1;
    h.hooks.counters.dropped = 3;
    h.hooks.counters.by_event[0][ipc::hook_ok] = 7;
    h.hooks.counters.by_event[0][ipc::hook_failed] = 1;
    h.hooks.counters.by_event[0][ipc::hook_dropped] = 3;

    ipc::SlotSnapshot a = slot(0, 2001, ipc::WorkerState::running);
    a.data = {.pid = 2001, .state = ipc::WorkerState::running, .generation = 2,
              .start_time_ms = kNow.realtime_ms - 600'000, .heartbeat_ms = kNow.monotonic_ms - 250,
              .sessions = 1, .restarts = 1, .accepted = 9, .bytes_in = 100, .bytes_out = 1'048'576,
              .dropped_events = 0, .rows_high = 1, .fs_threads = 16, .fs_pending = 0, .fs_stuck = 0, .fs_oldest_s = 0,
              .accept_errors = 0};
    ipc::SlotSnapshot empty = slot(1, 0, ipc::WorkerState::dead);
    empty.data.restarts = 3;
    ipc::SlotSnapshot b = slot(2, 2002, ipc::WorkerState::draining);
    b.data = {.pid = 2002, .state = ipc::WorkerState::draining, .generation = 1,
              .start_time_ms = kNow.realtime_ms - 3'600'000, .heartbeat_ms = 0, .sessions = 1,
              .restarts = 0, .accepted = 5, .bytes_in = 2048, .bytes_out = 0, .dropped_events = 2,
              .rows_high = 1, .fs_threads = 4, .fs_pending = 5, .fs_stuck = 4, .fs_oldest_s = 95,
              .accept_errors = 7};
    b.busy = true;
    snap.slots = {a, empty, b};

    ipc::RowSnapshot r0 = row(0, 0, 7, "127.0.0.1:40000", "anonymous", "RETR", "/pub/a.iso");
    r0.data.bytes = 1'048'576;
    r0.data.start_time_ms = kNow.realtime_ms - 2'000;
    ipc::set_text(r0.data.client_name, "FileZilla 3.66.5");
    ipc::RowSnapshot r1 = row(2, 3, 8, "[::1]:40001", kEvilUser, "STOR", "/in/x");
    r1.data.tls = 1;
    r1.data.start_time_ms = kNow.realtime_ms - 65'000;
    ipc::set_text(r1.data.fs_op, "write");
    r1.data.fs_since_ms = kNow.monotonic_ms - 42'500;
    snap.sessions = {r0, r1};
    // Quota usage: shown for users with a session open only ("bob" has none).
    snap.quotas.push_back({.user = "anonymous", .bytes = 2048, .files = 3, .limit_bytes = 1 << 20, .limit_files = 0,
                           .valid = true});
    snap.quotas.push_back({.user = "bob", .bytes = 1, .files = 1, .limit_bytes = 10, .limit_files = 5, .valid = true});
    return snap;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// The lines from the one starting with `title` up to the next empty line.
std::vector<std::string> table_starting_with(const std::string& text, std::string_view title) {
    std::vector<std::string> table;
    for (const std::string& line : lines_of(text)) {
        if (table.empty() && line.rfind(title, 0) != 0) continue;
        if (line.empty()) break;
        table.push_back(line);
    }
    return table;
}

// A cell of a table line: its text and its first and one-past-last column (in characters).
struct Cell {
    std::string text;
    std::size_t begin, end;
};

// Terminal columns of UTF-8 text, counted here rather than with display_width(), which the
// alignment checks are testing.
std::size_t columns(const std::string& utf8) {
    return static_cast<std::size_t>(
        std::count_if(utf8.begin(), utf8.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// Cells are separated by two or more spaces; a cell holds at most single spaces ("1.0 MiB").
std::vector<Cell> cells_of(const std::string& line) {
    std::vector<Cell> cells;
    std::size_t pos = 0;
    while (pos < line.size()) {
        const std::size_t start = line.find_first_not_of(' ', pos);
        if (start == std::string::npos) break;
        std::size_t stop = line.find("  ", start);
        if (stop == std::string::npos) stop = line.size();
        const std::size_t col = columns(line.substr(0, start));
        cells.push_back({line.substr(start, stop - start), col, col + columns(line.substr(start, stop - start))});
        pos = stop;
    }
    return cells;
}

// Checks that in every row each cell starts (left-aligned) or ends (right-aligned titles)
// in the column of its title.
void check_aligned(const std::vector<std::string>& table, const std::set<std::string>& right_aligned,
                   std::size_t optional_trailing = 0) {
    BOOST_TEST_REQUIRE(table.size() >= 2u);
    const std::vector<Cell> titles = cells_of(table.front());
    for (std::size_t r = 1; r < table.size(); ++r) {
        const std::vector<Cell> cells = cells_of(table[r]);
        BOOST_TEST_INFO("row: " << table[r]);
        BOOST_TEST_REQUIRE(cells.size() + optional_trailing >= titles.size());
        BOOST_TEST_REQUIRE(cells.size() <= titles.size());
        for (std::size_t i = 0; i < cells.size(); ++i) {
            BOOST_TEST_INFO("column " << titles[i].text << ", cell '" << cells[i].text << "'");
            if (right_aligned.count(titles[i].text)) BOOST_TEST(cells[i].end == titles[i].end);
            else BOOST_TEST(cells[i].begin == titles[i].begin);
        }
    }
}

// Runs python3's json module on the document and returns what `script` prints.
std::string run_python_on(const std::string& document, const std::string& script) {
    ipc::test::TempDir dir;
    std::ofstream(dir.path / "doc.json") << document;
    std::ofstream(dir.path / "check.py") << script;
    const std::string cmd = "python3 " + (dir.path / "check.py").string() + " < " + (dir.path / "doc.json").string();
    FILE* p = ::popen(cmd.c_str(), "r");
    BOOST_TEST_REQUIRE(p != nullptr);
    std::string out;
    char buf[512];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int status = ::pclose(p);
    BOOST_TEST(status == 0, "python3 failed on: " << document);
    return out;
}

bool has_line(const std::string& text, const std::string& line) {
    const auto lines = lines_of(text);
    return std::find(lines.begin(), lines.end(), line) != lines.end();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(status_format)

BOOST_AUTO_TEST_CASE(json_string_escapes_quote_backslash_and_control_characters) {
    BOOST_TEST(json_string("a\"b\\c") == R"("a\"b\\c")");
    BOOST_TEST(json_string(std::string_view("\x01\n\t\x1b\x7f\0", 6)) == R"("\u0001\u000a\u0009\u001b\u007f\u0000")");
    BOOST_TEST(json_string("") == R"("")");
}

BOOST_AUTO_TEST_CASE(json_string_keeps_valid_utf8_and_replaces_each_invalid_byte) {
    BOOST_TEST(json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    BOOST_TEST(json_string("a\xff" "b") == R"("a\ufffdb")");
    BOOST_TEST(json_string("\xc0\xaf") == R"("\ufffd\ufffd")");           // overlong '/'
    BOOST_TEST(json_string("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");  // surrogate U+D800
    BOOST_TEST(json_string("\xe2\x82") == R"("\ufffd\ufffd")");            // truncated sequence
    BOOST_TEST(json_string("\xf4\x90\x80\x80") == R"("\ufffd\ufffd\ufffd\ufffd")");  // above U+10FFFF
    BOOST_TEST(json_string("\x80x") == R"("\ufffdx")");                    // stray continuation
}

BOOST_AUTO_TEST_CASE(json_writer_places_commas_and_colons) {
    JsonWriter w;
    w.begin_object().field("a", 1).field("s", "x").key("l").begin_array();
    w.value(true).null().begin_object().end_object().value(std::uint64_t{18446744073709551615u});
    w.end_array().key("e").begin_array().end_array().field("n", -3).end_object();
    BOOST_TEST(std::move(w).str() == R"({"a":1,"s":"x","l":[true,null,{},18446744073709551615],"e":[],"n":-3})");
}

BOOST_AUTO_TEST_CASE(status_json_is_the_documented_document) {
    const std::string expected =
        R"({"master":{"pid":1234,"uptime_s":3723,"start_time":"2023-11-14T21:11:17Z","config":"/etc/ftpd.conf",)"
        R"("generation":2,"torn":false,"last_reload":{"ok":false,"error":"/etc/ftpd.conf:3: unknown key 'x'",)"
        R"("time":"2023-11-14T22:12:20Z"},"upgrade":{"state":"none","peer_pid":null},)"
        R"("last_upgrade":{"ok":true,"error":"","time":null}},"other_master":null,)"
        R"("workers":[{"slot":0,"pid":2001,"state":"running","sessions":1,"accepted":9,"bytes_in":100,)"
        R"("bytes_out":1048576,"restarts":1,"heartbeat_age_ms":250,"dropped_events":0,"accept_errors":0,"fs_threads":16,)"
        R"("fs_pending":0,"fs_stuck":0,"fs_oldest_s":0,"generation":2,)"
        R"("uptime_s":600,"busy":false,"torn":false},)"
        R"({"slot":2,"pid":2002,"state":"draining","sessions":1,"accepted":5,"bytes_in":2048,"bytes_out":0,)"
        R"("restarts":0,"heartbeat_age_ms":null,"dropped_events":2,"accept_errors":7,"fs_threads":4,"fs_pending":5,"fs_stuck":4,"fs_oldest_s":95,)"
        R"("generation":1,"uptime_s":3600,)"
        R"("busy":true,"torn":false}],)"
        R"("sessions":[{"worker":0,"id":7,"client":"127.0.0.1:40000","user":"anonymous","state":"RETR",)"
        R"("file":"/pub/a.iso","bytes":1048576,"age_s":2,"tls":false,"client_name":"FileZilla 3.66.5","fs_op":"",)"
        R"("fs_wait_s":0},)"
        R"({"worker":2,"id":8,"client":"[::1]:40001","user":"ev\"il\\\u0001\ufffd","state":"STOR",)"
        R"("file":"/in/x","bytes":0,"age_s":65,"tls":true,"client_name":"","fs_op":"write","fs_wait_s":42}],)"
        R"("quotas":[{"user":"anonymous","bytes":2048,"files":3,"quota_bytes":1048576,"quota_files":0,"counted":true}],)"
        R"("totals":{"sessions_active":2,"sessions_total":14,"bytes_in":2148,"bytes_out":1048576,)"
        R"("worker_restarts":4,"accept_errors":7},)"
        R"("hooks":{"configured":true,"pid":3001,"state":"running","restarts":1,"queued":2,"running":1,)"
        R"("done":7,"failed":1,"dropped":3,"events":{"upload":{"ok":7,"failed":1,"dropped":3},)"
        R"("download":{"ok":0,"failed":0,"dropped":0},"delete":{"ok":0,"failed":0,"dropped":0},)"
        R"("rename":{"ok":0,"failed":0,"dropped":0},"mkdir":{"ok":0,"failed":0,"dropped":0},)"
        R"("rmdir":{"ok":0,"failed":0,"dropped":0},"login":{"ok":0,"failed":0,"dropped":0},)"
        R"("login_failed":{"ok":0,"failed":0,"dropped":0},"logout":{"ok":0,"failed":0,"dropped":0}}}})"
        "\n";
    BOOST_TEST(status_json(sample_snapshot(), kNow) == expected);
}

BOOST_AUTO_TEST_CASE(status_json_parses_with_every_documented_key) {
    const std::string out = run_python_on(status_json(sample_snapshot(), kNow), R"(
import json, sys
d = json.load(sys.stdin)
print(",".join(d))
print(",".join(d["master"]))
print(",".join(d["master"]["last_reload"]))
print(",".join(d["workers"][0]))
print(",".join(d["sessions"][0]))
print(",".join(d["quotas"][0]))
print(",".join(d["totals"]))
print(",".join(d["hooks"]))
print(",".join(d["hooks"]["events"]["upload"]))
print(d["sessions"][1]["user"].encode("unicode_escape").decode())
)");
    const std::vector<std::string> expected = {
        "master,other_master,workers,sessions,quotas,totals,hooks",
        "pid,uptime_s,start_time,config,generation,torn,last_reload,upgrade,last_upgrade",
        "ok,error,time",
        "slot,pid,state,sessions,accepted,bytes_in,bytes_out,restarts,heartbeat_age_ms,dropped_events,accept_errors,"
        "fs_threads,fs_pending,fs_stuck,fs_oldest_s,generation,uptime_s,busy,torn",
        "worker,id,client,user,state,file,bytes,age_s,tls,client_name,fs_op,fs_wait_s",
        "user,bytes,files,quota_bytes,quota_files,counted",
        "sessions_active,sessions_total,bytes_in,bytes_out,worker_restarts,accept_errors",
        "configured,pid,state,restarts,queued,running,done,failed,dropped,events",
        "ok,failed,dropped",
        R"(ev"il\\\x01\ufffd)",
    };
    BOOST_TEST(lines_of(out) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(status_json_of_a_fresh_master_has_empty_lists_and_null_reload_time) {
    ipc::Snapshot snap;
    snap.header.master_pid = 1;
    snap.header.last_reload_ok = 1;
    snap.header_torn = true;
    snap.slots = {slot(0, 0, ipc::WorkerState::dead)};
    const std::string json = status_json(snap, kNow);
    BOOST_TEST(json.find(R"("workers":[],"sessions":[])") != std::string::npos);
    BOOST_TEST(json.find(R"("last_reload":{"ok":true,"error":"","time":null})") != std::string::npos);
    BOOST_TEST(json.find(R"("torn":true)") != std::string::npos);
    BOOST_TEST(run_python_on(json, "import json, sys\nprint(len(json.load(sys.stdin)['workers']))\n") == "0\n");
}

BOOST_AUTO_TEST_CASE(status_during_an_upgrade_shows_both_masters) {
    ipc::Snapshot current = sample_snapshot();
    current.header.upgrade_state = ipc::UpgradeState::replacing;
    current.header.upgrade_peer_pid = 999;
    current.header.upgrade_time_ms = current.header.start_time_ms;
    ipc::Snapshot old;
    old.header.master_pid = 999;
    old.header.last_reload_ok = 1;
    old.header.last_upgrade_ok = 1;
    old.header.upgrade_state = ipc::UpgradeState::retiring;
    old.header.upgrade_peer_pid = 1234;
    old.slots = {slot(0, 3001, ipc::WorkerState::draining)};
    const std::string out = run_python_on(status_json(current, kNow, &old), R"(
import json, sys
d = json.load(sys.stdin)
print(d["master"]["upgrade"]["state"], d["master"]["upgrade"]["peer_pid"], d["master"]["last_upgrade"]["ok"])
o = d["other_master"]
print(o["master"]["pid"], o["master"]["upgrade"]["state"], [w["pid"] for w in o["workers"]], o["workers"][0]["state"])
)");
    BOOST_TEST(out == "replacing 999 True\n999 retiring [3001] draining\n");
    const std::string table = status_table(current, kNow, &old);
    BOOST_TEST(table.find("upgrade: took over from master 999, which drains") != std::string::npos);
    BOOST_TEST(table.find("other master 999,") != std::string::npos);
    BOOST_TEST(table.find("upgrade: handed over to master 1234, draining") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_failed_upgrade_is_shown_like_a_failed_reload) {
    ipc::Snapshot snap = sample_snapshot();
    snap.header.last_upgrade_ok = 0;
    snap.header.upgrade_time_ms = snap.header.start_time_ms;
    ipc::set_text(snap.header.last_upgrade_error, "the new master (pid 5) exited with status 1 before it was ready");
    const std::string json = status_json(snap, kNow);
    BOOST_TEST(json.find(R"("last_upgrade":{"ok":false,"error":"the new master (pid 5) exited with status 1 )"
                         R"(before it was ready","time":"2023-11-14T21:11:17Z"})") != std::string::npos);
    BOOST_TEST(status_table(snap, kNow).find("last upgrade FAILED at 2023-11-14T21:11:17Z: the new master (pid 5)") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(totals_sum_listed_workers_and_restarts_of_every_slot) {
    const Totals t = totals_of(sample_snapshot());
    BOOST_TEST(t.sessions_active == 2u);
    BOOST_TEST(t.sessions_total == 14u);
    BOOST_TEST(t.bytes_in == 2148u);
    BOOST_TEST(t.bytes_out == 1'048'576u);
    BOOST_TEST(t.worker_restarts == 4u);  // 1 + 3 of the empty slot + 0
}

BOOST_AUTO_TEST_CASE(table_master_line_shows_uptime_generation_and_failed_reload) {
    const auto lines = lines_of(status_table(sample_snapshot(), kNow));
    BOOST_TEST_REQUIRE(!lines.empty());
    BOOST_TEST(lines.front() ==
               "master 1234, up 1:02:03, generation 2, config /etc/ftpd.conf, "
               "last reload FAILED at 2023-11-14T22:12:20Z: /etc/ftpd.conf:3: unknown key 'x'");
    BOOST_TEST(lines.back() == "totals: 2 sessions active, 14 accepted, 2.1 KiB in, 1.0 MiB out, 4 worker restarts, 7 accept errors");
}

BOOST_AUTO_TEST_CASE(quota_table_lists_logged_in_users_with_a_quota) {
    const auto table = table_starting_with(status_table(sample_snapshot(), kNow), "USER");
    BOOST_TEST_REQUIRE(table.size() == 2u);  // header and anonymous: bob has no session
    const auto row = cells_of(table[1]);
    BOOST_TEST(row.at(0).text == "anonymous");
    BOOST_TEST(row.at(1).text == "2.0 KiB");
    BOOST_TEST(row.at(2).text == "1.0 MiB");
    BOOST_TEST(row.at(3).text == "3");
    BOOST_TEST(row.at(4).text == "-");
}

BOOST_AUTO_TEST_CASE(worker_table_lists_claimed_slots_aligned_with_busy_mark) {
    const auto table = table_starting_with(status_table(sample_snapshot(), kNow), "SLOT");
    BOOST_TEST_REQUIRE(table.size() == 3u);  // header, slot 0, slot 2: the empty slot 1 is not listed
    check_aligned(table, {"SLOT", "PID", "GEN", "SESSIONS", "ACCEPTED", "IN", "OUT", "RESTARTS", "HEARTBEAT", "FS"},
                  1);
    const auto first = cells_of(table[1]);
    const auto second = cells_of(table[2]);
    BOOST_TEST(first.at(0).text == "0");
    BOOST_TEST(first.at(9).text == "0.2s");
    BOOST_TEST(first.at(10).text == "0/16");
    BOOST_TEST(first.size() == 11u);  // no NOTE
    BOOST_TEST(second.at(0).text == "2");
    BOOST_TEST(second.at(3).text == "draining");
    BOOST_TEST(second.at(9).text == "-");  // no heartbeat yet
    BOOST_TEST(second.at(10).text == "5/4, 4 stuck 95s");
    BOOST_TEST(second.at(11).text == "busy");
}

BOOST_AUTO_TEST_CASE(session_table_aligns_columns_in_characters_not_bytes) {
    const auto table = table_starting_with(status_table(sample_snapshot(), kNow), "WORKER");
    BOOST_TEST_REQUIRE(table.size() == 3u);
    check_aligned(table, {"WORKER", "ID", "BYTES", "RATE", "AGE", "FS WAIT"});
    const auto first = cells_of(table[1]);
    const auto evil = cells_of(table[2]);
    BOOST_TEST(first.at(5).text == "FileZilla 3.66.5");
    BOOST_TEST(evil.at(5).text == "-");
    BOOST_TEST(first.at(11).text == "-");
    BOOST_TEST(evil.at(11).text == "write 42s");
    BOOST_TEST(first.at(7).text == "/pub/a.iso");
    BOOST_TEST(first.at(9).text == "512.0 KiB/s");  // 1 MiB in 2 s
    BOOST_TEST(first.at(10).text == "0:00:02");
    BOOST_TEST(evil.at(3).text == "yes");
    BOOST_TEST(evil.at(4).text == "ev\"il\\?\xEF\xBF\xBD");  // control char '?', bad byte U+FFFD
    BOOST_TEST(evil.at(10).text == "0:01:05");
}

BOOST_AUTO_TEST_CASE(table_never_passes_terminal_control_sequences_through) {
    ipc::Snapshot snap = sample_snapshot();
    ipc::set_text(snap.sessions[0].data.user, "\x1b]0;owned\x07\x1b[2J");
    ipc::set_text(snap.sessions[0].data.file, "/a\xc2\x9b" "31m");  // C1 CSI
    ipc::set_text(snap.header.last_reload_error, "bad\rline");
    const std::string table = status_table(snap, kNow);
    for (char c : table) BOOST_TEST((static_cast<unsigned char>(c) >= 0x20 || c == '\n'));
    BOOST_TEST(table.find("\xc2\x9b") == std::string::npos);
    BOOST_TEST(table.find("?]0;owned??[2J") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(session_table_shows_the_tail_of_a_long_file_name) {
    ipc::Snapshot snap = sample_snapshot();
    const std::string file = "/" + std::string(60, 'd') + "/movie.iso";
    ipc::set_text(snap.sessions[0].data.file, file);
    const auto table = table_starting_with(status_table(snap, kNow), "WORKER");
    BOOST_TEST_REQUIRE(table.size() == 3u);
    const std::string cell = cells_of(table[1]).at(7).text;
    BOOST_TEST(cell.size() == 40u);
    BOOST_TEST(cell.rfind("...", 0) == 0u);
    BOOST_TEST(file.ends_with(cell.substr(3)));
}

BOOST_AUTO_TEST_CASE(table_says_none_without_workers_or_sessions) {
    ipc::Snapshot snap;
    snap.slots = {slot(0, 0, ipc::WorkerState::dead)};
    const std::string table = status_table(snap, kNow);
    BOOST_TEST(has_line(table, "workers: none"));
    BOOST_TEST(has_line(table, "sessions: none"));
    BOOST_TEST(table.find("never reloaded") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(metrics_have_the_documented_samples) {
    const std::string m = status_metrics(sample_snapshot(), kNow);
    for (const char* line : {
             "ftpd_up 1", "ftpd_generation 2", "ftpd_last_reload_ok 0",
             "ftpd_start_time_seconds 1699996277.000", "ftpd_last_reload_time_seconds 1699999940.000",
             R"(ftpd_workers{state="running"} 1)", R"(ftpd_workers{state="draining"} 1)",
             R"(ftpd_workers{state="dead"} 0)",
             R"(ftpd_worker_sessions{slot="0"} 1)", R"(ftpd_worker_sessions{slot="2"} 1)",
             R"(ftpd_worker_accepted_total{slot="0"} 9)", R"(ftpd_worker_accepted_total{slot="2"} 5)",
             R"(ftpd_worker_bytes_in_total{slot="2"} 2048)", R"(ftpd_worker_bytes_out_total{slot="0"} 1048576)",
             R"(ftpd_worker_restarts_total{slot="0"} 1)", R"(ftpd_worker_dropped_events_total{slot="2"} 2)",
             R"(ftpd_worker_accept_errors_total{slot="2"} 7)", "# TYPE ftpd_worker_accept_errors_total counter",
             R"(ftpd_worker_heartbeat_age_seconds{slot="0"} 0.250)",
             R"(ftpd_fs_threads{slot="2"} 4)", R"(ftpd_fs_pending{slot="2"} 5)", R"(ftpd_fs_stuck{slot="2"} 4)",
             R"(ftpd_fs_stuck{slot="0"} 0)", "# TYPE ftpd_fs_stuck gauge",
             "ftpd_sessions_active 2", "ftpd_sessions_total 14",
             "# TYPE ftpd_worker_accepted_total counter", "# TYPE ftpd_sessions_active gauge"}) {
        BOOST_TEST(has_line(m, line), "missing: " << line);
    }
    BOOST_TEST(m.find(R"(slot="1")") == std::string::npos);  // the empty slot
    BOOST_TEST(m.find(R"(ftpd_worker_heartbeat_age_seconds{slot="2"})") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(metrics_declare_help_and_type_once_before_each_family) {
    std::map<std::string, int> declared;  // name -> 1 after HELP, 2 after TYPE
    std::size_t samples = 0;
    for (const std::string& line : lines_of(status_metrics(sample_snapshot(), kNow))) {
        BOOST_TEST_INFO("line: " << line);
        std::istringstream in(line);
        std::string a, b;
        in >> a >> b;
        if (a == "#" && b == "HELP") {
            std::string name;
            in >> name;
            BOOST_TEST(declared.count(name) == 0u);
            declared[name] = 1;
        } else if (a == "#" && b == "TYPE") {
            std::string name, type;
            in >> name >> type;
            BOOST_TEST(declared[name] == 1);
            declared[name] = 2;
            BOOST_TEST((type == "gauge" || type == "counter"));
            BOOST_TEST((type == "counter") == name.ends_with("_total"));
        } else {
            const std::string name = a.substr(0, a.find('{'));
            BOOST_TEST(declared[name] == 2);
            BOOST_TEST(!b.empty());
            ++samples;
        }
    }
    BOOST_TEST(samples >= 20u);
}

BOOST_AUTO_TEST_CASE(metrics_down_says_ftpd_up_0) {
    const std::string m = metrics_down();
    BOOST_TEST(has_line(m, "ftpd_up 0"));
    BOOST_TEST(has_line(m, "# TYPE ftpd_up gauge"));
    BOOST_TEST(!has_line(m, "ftpd_up 1"));
}

BOOST_AUTO_TEST_CASE(human_bytes_uses_binary_units_with_one_decimal) {
    BOOST_TEST(human_bytes(0) == "0 B");
    BOOST_TEST(human_bytes(1023) == "1023 B");
    BOOST_TEST(human_bytes(1024) == "1.0 KiB");
    BOOST_TEST(human_bytes(1536) == "1.5 KiB");
    BOOST_TEST(human_bytes(1024 * 1024 - 1) == "1.0 MiB");  // not "1024.0 KiB"
    BOOST_TEST(human_bytes(5ull << 30) == "5.0 GiB");
    BOOST_TEST(human_bytes(UINT64_MAX) == "16.0 EiB");
}

BOOST_AUTO_TEST_CASE(clock_duration_is_hours_minutes_seconds) {
    BOOST_TEST(clock_duration(0) == "0:00:00");
    BOOST_TEST(clock_duration(3723) == "1:02:03");
    BOOST_TEST(clock_duration(90'000) == "25:00:00");
    BOOST_TEST(clock_duration(-5) == "0:00:00");
}

BOOST_AUTO_TEST_CASE(terminal_text_width_counts_characters) {
    BOOST_TEST(terminal_text("a\tb\x7f") == "a?b?");
    BOOST_TEST(terminal_text("caf\xc3\xa9") == "caf\xc3\xa9");
    BOOST_TEST(display_width("caf\xc3\xa9") == 4u);
    BOOST_TEST(display_width(terminal_text("x\xff\xfe")) == 3u);
    BOOST_TEST(iso8601_utc(0) == "1970-01-01T00:00:00Z");
}

BOOST_AUTO_TEST_SUITE_END()
