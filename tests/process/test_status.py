"""`ftpctl status`, metrics and control against a running ftpd: the workers and
sessions it lists, respawns seen through it (SIGKILL, a wedged queue, a missed
heartbeat), the reload result, the IPC objects in /dev/shm, and the xferlog."""

import io
import os
import re
import signal
import subprocess
import time
import unittest

from ftpd_fixture import (download, Server, ftp_client, ftpctl, pid_alive, sha256, shm_entries,
                          status_json, wait_until)

PAYLOAD = os.urandom(200 * 1024)
BIG = 256 << 20          # a sparse file: a download that outlasts the test
CHUNK = 1 << 20
FTPCTL_TIMEOUT = 3.0     # `ftpctl status` must answer well within this, always


def by_slot(st):
    return {w["slot"]: w for w in st["workers"]}


def wait_status(server, predicate, timeout=10.0, what="status"):
    """Poll `ftpctl status --json` until predicate(status) is truthy; return the status."""
    last = {}

    def check():
        last["st"] = status_json(server, timeout=FTPCTL_TIMEOUT)
        return last["st"] if predicate(last["st"]) else None
    try:
        return wait_until(check, timeout, what)
    except AssertionError as e:
        raise AssertionError(f"{e}\nlast status: {last.get('st')}\n"
                             f"log:\n{server.log_text()[-4000:]}") from None


def all_running(n):
    return lambda st: (len(st["workers"]) == n
                       and all(w["state"] == "running" for w in st["workers"]))




def read_some(conn, n):
    """Read up to `n` bytes from a data socket (fewer only at EOF)."""
    got = 0
    while got < n:
        data = conn.recv(min(65536, n - got))
        if not data:
            break
        got += len(data)
    return got


XFERLOG_FIELDS = 18   # Www Mmm dd hh:mm:ss yyyy secs host bytes path type _ dir access user ftp 0 * status


def xferlog_lines(path):
    try:
        with open(path) as f:
            return [line for line in f.read().splitlines() if line.strip()]
    except FileNotFoundError:
        return []


class StatusTest(unittest.TestCase):

    def server(self, **kwargs):
        kwargs.setdefault("files", {"payload.bin": PAYLOAD})
        return Server.for_test(self, **kwargs)

    def assert_serves(self, server, times=1):
        for _ in range(times):
            reply, data = download(server)
            self.assertTrue(reply.startswith("226"), reply)
            self.assertEqual(sha256(data), sha256(PAYLOAD))

    def start_big_download(self, server):
        """A RETR of a 256 MiB sparse file that the test reads at its own pace.
        Returns (ftp, data socket, client address as the status shows it)."""
        big = server.add_file("big.bin", b"")
        os.truncate(big, BIG)
        ftp = ftp_client(server)
        self.addCleanup(ftp.close)
        ftp.voidcmd("TYPE I")
        conn = ftp.transfercmd("RETR big.bin")
        self.addCleanup(conn.close)
        host, port = ftp.sock.getsockname()[:2]
        return ftp, conn, f"{host}:{port}"

    # ---- 1. workers and master

    def test_status_json_lists_exactly_the_running_workers_and_the_master(self):
        server = self.server(workers=3)
        st = wait_status(server, all_running(3), what="three running workers")
        pids = server.wait_for_workers(3)

        self.assertEqual(sorted(w["slot"] for w in st["workers"]), [0, 1, 2])
        self.assertEqual({w["pid"] for w in st["workers"]}, pids)
        for w in st["workers"]:
            self.assertEqual(w["restarts"], 0, w)
            self.assertFalse(w["busy"], w)
        with open(server.pid_file) as f:
            self.assertEqual(st["master"]["pid"], int(f.read().split()[0]))
        self.assertEqual(st["master"]["pid"], server.pid)
        self.assertEqual(st["master"]["config"], server.conf_path)
        self.assertEqual(st["master"]["generation"], 1)
        self.assertIs(st["master"]["last_reload"]["ok"], True)
        self.assertEqual(st["master"]["last_reload"]["error"], "")
        self.assertEqual(st["totals"]["worker_restarts"], 0)

    def test_status_table_exits_0_and_names_every_worker_pid(self):
        server = self.server(workers=3)
        wait_status(server, all_running(3), what="three running workers")
        rc, out, err = ftpctl(server, "status", timeout=FTPCTL_TIMEOUT)
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, rf"\b{server.pid}\b")
        for pid in server.wait_for_workers(3):
            self.assertRegex(out, rf"\b{pid}\b")

    # ---- 2. a live download

    def test_download_in_progress_shows_retr_and_growing_byte_counts(self):
        server = self.server(workers=2)
        _, conn, client = self.start_big_download(server)
        samples = []

        def progress():
            # Reading is what lets the server send more: the counters can only move
            # between two polls because we read in between.
            read_some(conn, CHUNK)
            st = status_json(server, timeout=FTPCTL_TIMEOUT)
            rows = [s for s in st["sessions"] if s["client"] == client]
            if not rows or rows[0]["state"] != "RETR":
                return None
            row = rows[0]
            worker = by_slot(st)[row["worker"]]
            samples.append((row, worker, st["totals"]))
            if len(samples) < 2:
                return None
            (r1, w1, _), (r2, w2, _) = samples[0], samples[-1]
            return r2["bytes"] > r1["bytes"] > 0 and w2["bytes_out"] > w1["bytes_out"]

        wait_until(progress, 15, "a RETR row whose bytes grow between two polls")
        row, worker, totals = samples[-1]
        self.assertEqual(row["file"], "/big.bin")
        self.assertEqual(row["user"], "anonymous")
        self.assertLess(row["bytes"], BIG)
        self.assertGreaterEqual(worker["bytes_out"], row["bytes"])
        self.assertGreaterEqual(worker["sessions"], 1)
        self.assertGreaterEqual(totals["sessions_active"], 1)
        self.assertGreaterEqual(totals["bytes_out"], row["bytes"])

    def test_session_row_goes_away_when_the_client_leaves(self):
        server = self.server(workers=2)
        ftp, conn, client = self.start_big_download(server)
        read_some(conn, CHUNK)
        wait_status(server, lambda st: any(s["client"] == client for s in st["sessions"]),
                    what=f"a session row for {client}")
        conn.close()
        ftp.close()
        st = wait_status(server, lambda st: not any(s["client"] == client
                                                    for s in st["sessions"]),
                         what=f"the row of {client} to go")
        self.assertEqual(st["totals"]["sessions_active"], 0, st)
        self.assertEqual(sum(w["sessions"] for w in st["workers"]), 0, st)

    # ---- 3. SIGKILL

    def test_sigkilled_worker_shows_a_new_pid_and_one_restart(self):
        server = self.server(workers=3)
        st = wait_status(server, all_running(3), what="three running workers")
        victim = by_slot(st)[1]["pid"]
        others = {s: w["pid"] for s, w in by_slot(st).items() if s != 1}
        os.kill(victim, signal.SIGKILL)

        st = wait_status(server, lambda st: (1 in by_slot(st)
                                             and by_slot(st)[1]["pid"] != victim
                                             and by_slot(st)[1]["state"] == "running"),
                         what="slot 1 with a new running pid")
        slot1 = by_slot(st)[1]
        self.assertEqual(slot1["restarts"], 1, slot1)
        self.assertGreaterEqual(st["totals"]["worker_restarts"], 1)
        self.assertIn(slot1["pid"], server.worker_pids())
        self.assertFalse(pid_alive(victim))
        self.assertEqual({s: w["pid"] for s, w in by_slot(st).items() if s != 1}, others)
        for s in others:
            self.assertEqual(by_slot(st)[s]["restarts"], 0)

    def test_sessions_of_a_sigkilled_worker_leave_the_status(self):
        server = self.server(workers=1)
        _, conn, client = self.start_big_download(server)
        read_some(conn, CHUNK)
        st = wait_status(server, lambda st: any(s["client"] == client and s["state"] == "RETR"
                                                for s in st["sessions"]),
                         what=f"a RETR row for {client}")
        victim = by_slot(st)[0]["pid"]
        os.kill(victim, signal.SIGKILL)
        # The master re-initialises the dead worker's slot: no ghost rows or counters.
        st = wait_status(server, lambda st: (0 in by_slot(st)
                                             and by_slot(st)[0]["pid"] != victim),
                         what="slot 0 with a new pid")
        self.assertEqual(st["sessions"], [], st)
        self.assertEqual(st["totals"]["sessions_active"], 0, st)
        self.assertEqual(by_slot(st)[0]["bytes_out"], 0, st)

    # ---- 4. a worker wedged inside a status write and a queue send

    def test_wedged_worker_is_replaced_and_status_never_hangs(self):
        server = self.server(workers=2, env={"FTPD_FAULT_INJECTION": "1"})
        st = wait_status(server, all_running(2), what="two running workers")
        victim = by_slot(st)[0]["pid"]
        bystander = by_slot(st)[1]["pid"]
        mark = server.log_mark()
        os.kill(victim, signal.SIGUSR2)
        server.wait_for_log(rf"worker 0\[{victim}\]: fault injection", since=mark)

        # Each call has a hard timeout: a reader stuck on the held semaphore fails here.
        seen = []

        def busy_or_replaced():
            st = status_json(server, timeout=FTPCTL_TIMEOUT)
            seen.append(st)
            w = by_slot(st).get(0)
            return w is not None and (w["pid"] != victim or w["busy"])
        wait_until(busy_or_replaced, 10, "slot 0 busy or replaced")
        for _ in range(4):
            seen.append(status_json(server, timeout=FTPCTL_TIMEOUT))
        rc, out, err = ftpctl(server, "status", timeout=FTPCTL_TIMEOUT)
        self.assertEqual(rc, 0, err)

        if pid_alive(victim):
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                pass
        st = wait_status(server, lambda st: (0 in by_slot(st)
                                             and by_slot(st)[0]["pid"] != victim
                                             and by_slot(st)[0]["state"] == "running"
                                             and not by_slot(st)[0]["busy"]),
                         what="slot 0 replaced, running and not busy")
        slot0 = by_slot(st)[0]
        self.assertGreaterEqual(slot0["restarts"], 1, slot0)
        self.assertGreaterEqual(st["totals"]["worker_restarts"], 1)
        self.assertEqual(by_slot(st)[1]["pid"], bystander)
        self.assertFalse(pid_alive(victim))
        server.wait_for_log(rf"worker 0 \(pid {victim}\) (wedged its event queue|"
                            rf"killed by signal 9)", since=mark)

        # The replacement and the bystander serve; the status still answers.
        self.assert_serves(server, times=6)
        st = status_json(server, timeout=FTPCTL_TIMEOUT)
        self.assertEqual(len(st["workers"]), 2, st)
        self.assertFalse(any(w["busy"] for w in st["workers"]), st)
        self.assertTrue(server.master_alive())

    def test_replacement_of_a_wedged_worker_gets_a_working_event_queue(self):
        server, xferlog = self.xferlog_server(workers=1, env={"FTPD_FAULT_INJECTION": "1"})
        st = wait_status(server, all_running(1), what="one running worker")
        victim = by_slot(st)[0]["pid"]
        mark = server.log_mark()
        os.kill(victim, signal.SIGUSR2)
        server.wait_for_log(rf"worker 0\[{victim}\]: fault injection", since=mark)
        if pid_alive(victim):
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_status(server, lambda st: (0 in by_slot(st) and by_slot(st)[0]["pid"] != victim
                                        and by_slot(st)[0]["state"] == "running"),
                    what="slot 0 replaced")
        # With one worker this download goes through the replacement: its transfer
        # event reaches the master only if the slot's queue was re-created.
        self.assert_serves(server)
        lines = wait_until(lambda: xferlog_lines(xferlog) or None, 5, "an xferlog line")
        self.assertEqual(len(lines), 1, lines)
        self.assertEqual(lines[0].split()[8], "/payload.bin")

    # ---- 5. missed heartbeat

    def test_stopped_worker_misses_its_heartbeat_and_is_replaced(self):
        server = self.server(workers=2, worker_timeout=2)
        st = wait_status(server, all_running(2), what="two running workers")
        victim = by_slot(st)[0]["pid"]
        mark = server.log_mark()
        os.kill(victim, signal.SIGSTOP)

        server.wait_for_log(rf"worker 0 \(pid {victim}\) missed its heartbeat", since=mark)
        st = wait_status(server, lambda st: (0 in by_slot(st)
                                             and by_slot(st)[0]["pid"] != victim
                                             and by_slot(st)[0]["state"] == "running"),
                         what="slot 0 with a new running pid")
        self.assertEqual(by_slot(st)[0]["restarts"], 1)
        wait_until(lambda: not pid_alive(victim), 5, f"stopped worker {victim} to be gone")
        self.assert_serves(server)

    # ---- 6. reload result

    def test_failed_reload_is_reported_with_file_and_line_then_a_good_one_clears_it(self):
        server = self.server(workers=2)
        before = wait_status(server, all_running(2), what="two running workers")
        good = server.config_text()
        bad_line = len(good.splitlines()) + 1
        server.rewrite_config(raw=good + "bogus_key = 1\n")
        mark = server.log_mark()
        server.signal(signal.SIGHUP)
        server.wait_for_log(r"reload failed", since=mark)

        st = wait_status(server, lambda st: st["master"]["last_reload"]["ok"] is False,
                         what="last_reload.ok false")
        error = st["master"]["last_reload"]["error"]
        self.assertIn(f"{server.conf_path}:{bad_line}", error)
        self.assertIn("bogus_key", error)
        self.assertIsNotNone(st["master"]["last_reload"]["time"])
        self.assertEqual(st["master"]["generation"], 1)
        self.assertEqual({w["pid"] for w in st["workers"]},
                         {w["pid"] for w in before["workers"]})
        rc, out, err = ftpctl(server, "status", timeout=FTPCTL_TIMEOUT)
        self.assertEqual(rc, 0, err)
        self.assertIn("FAILED", out)
        self.assertIn(f"{server.conf_path}:{bad_line}", out)
        self.assert_serves(server)

        server.write_config()
        server.signal(signal.SIGHUP)
        st = wait_status(server, lambda st: st["master"]["generation"] == 2,
                         what="generation 2")
        self.assertIs(st["master"]["last_reload"]["ok"], True)
        self.assertEqual(st["master"]["last_reload"]["error"], "")
        self.assert_serves(server)

    # ---- 7. IPC objects

    def test_status_segment_and_queues_exist_while_running_and_are_gone_after_sigterm(self):
        server = self.server(workers=3)
        master = server.pid
        entries = shm_entries(master)
        self.assertIn(f"ftpd.{master}.status", entries)
        for slot in range(3):
            self.assertIn(f"ftpd.{master}.events.{slot}", entries)
        self.assertTrue(os.path.exists(f"/dev/shm/ftpd.{master}.status"))

        self.assertEqual(server.stop(signal.SIGTERM), 0)
        self.assertEqual(shm_entries(master), [])
        self.assertFalse(os.path.exists(f"/dev/shm/ftpd.{master}.status"))
        for slot in range(3):
            self.assertFalse(os.path.exists(f"/dev/shm/ftpd.{master}.events.{slot}"))

    def test_stale_ipc_objects_of_a_dead_master_are_removed_on_start(self):
        server = self.server(start=False)
        # A pid that surely belongs to no live process: a child we started and reaped.
        dead = subprocess.Popen(["true"])
        dead.wait()
        stale = [f"/dev/shm/ftpd.{dead.pid}.status", f"/dev/shm/ftpd.{dead.pid}.events.0"]
        for path in stale:
            with open(path, "wb") as f:
                f.write(b"left by a crashed ftpd")
            self.addCleanup(lambda p=path: os.path.exists(p) and os.unlink(p))
        server.start()
        for path in stale:
            self.assertFalse(os.path.exists(path), path)
        self.assertIn(f"ftpd.{server.pid}.status", shm_entries(server.pid))

    # ---- 8. xferlog

    def xferlog_server(self, **kwargs):
        server = self.server(start=False, **kwargs)
        path = os.path.join(server.dir, "xferlog")
        server.rewrite_config(xferlog=path)
        server.start()
        return server, path

    def assert_xferlog_line(self, line, *, size, path, direction, status):
        f = line.split()
        self.assertEqual(len(f), XFERLOG_FIELDS, line)
        when = time.mktime(time.strptime(" ".join(f[0:5]), "%a %b %d %H:%M:%S %Y"))
        self.assertLess(abs(when - time.time()), 120, line)
        self.assertRegex(f[5], r"^\d+$", line)        # transfer time, seconds
        self.assertEqual(f[6], "127.0.0.1", line)
        if size is not None:
            self.assertEqual(int(f[7]), size, line)
        self.assertEqual(f[8], path, line)
        self.assertEqual(f[9], "b", line)             # ftplib sends TYPE I
        self.assertEqual(f[10], "_", line)
        self.assertEqual(f[11], direction, line)
        self.assertEqual(f[12], "a", line)            # anonymous
        self.assertNotEqual(f[13], "", line)
        self.assertEqual(f[14:17], ["ftp", "0", "*"], line)
        self.assertEqual(f[17], status, line)
        return f

    def test_xferlog_has_one_line_per_download_and_upload_in_wu_ftpd_format(self):
        data = os.urandom(12345)
        upload = os.urandom(54321)
        server, path = self.xferlog_server(files={"a.bin": data})

        ftp = ftp_client(server)
        self.addCleanup(ftp.close)
        buf = io.BytesIO()
        self.assertTrue(ftp.retrbinary("RETR a.bin", buf.write).startswith("226"))
        self.assertEqual(buf.getvalue(), data)
        wait_until(lambda: len(xferlog_lines(path)) >= 1, 5, "the download's xferlog line")
        self.assertTrue(ftp.storbinary("STOR b.bin", io.BytesIO(upload)).startswith("226"))
        wait_until(lambda: len(xferlog_lines(path)) >= 2, 5, "the upload's xferlog line")
        ftp.quit()

        lines = xferlog_lines(path)
        self.assertEqual(len(lines), 2, lines)
        self.assert_xferlog_line(lines[0], size=len(data), path="/a.bin", direction="o",
                                 status="c")
        self.assert_xferlog_line(lines[1], size=len(upload), path="/b.bin", direction="i",
                                 status="c")

    def test_xferlog_marks_a_download_the_client_abandoned_incomplete(self):
        server, path = self.xferlog_server()
        ftp, conn, _ = self.start_big_download(server)
        self.assertEqual(read_some(conn, CHUNK), CHUNK)
        conn.close()
        ftp.close()

        lines = wait_until(lambda: xferlog_lines(path) or None, 10, "an xferlog line")
        self.assertEqual(len(lines), 1, lines)
        f = self.assert_xferlog_line(lines[0], size=None, path="/big.bin", direction="o",
                                     status="i")
        self.assertGreaterEqual(int(f[7]), CHUNK)
        self.assertLess(int(f[7]), BIG)

    def test_xferlog_marks_an_upload_whose_client_vanished_incomplete(self):
        server, path = self.xferlog_server()
        ftp = ftp_client(server)
        self.addCleanup(ftp.close)
        ftp.voidcmd("TYPE I")
        conn = ftp.transfercmd("STOR gone.bin")
        self.addCleanup(conn.close)
        conn.sendall(os.urandom(100000))
        ftp.close()     # the control connection first: the data EOF is then no success
        conn.close()

        lines = wait_until(lambda: xferlog_lines(path) or None, 10, "an xferlog line")
        self.assertEqual(len(lines), 1, lines)
        self.assert_xferlog_line(lines[0], size=None, path="/gone.bin", direction="i",
                                 status="i")
        self.assertFalse(os.path.exists(server.path("gone.bin")))

    def test_ftpctl_reopen_logs_reopens_the_xferlog(self):
        server, path = self.xferlog_server()
        self.assert_serves(server)
        wait_until(lambda: len(xferlog_lines(path)) == 1, 5, "the first xferlog line")
        os.rename(path, path + ".1")          # as logrotate does
        rc, out, err = ftpctl(server, "reopen-logs", timeout=FTPCTL_TIMEOUT)
        self.assertEqual(rc, 0, err)
        self.assertIn(f"SIGUSR1 to ftpd master {server.pid}", out)
        # The master takes pending signals before queued events in each turn of its
        # loop, so this transfer is logged after the reopen.
        self.assert_serves(server)
        lines = wait_until(lambda: xferlog_lines(path) or None, 5, "a line in the new xferlog")
        self.assertEqual(len(lines), 1, lines)
        self.assertEqual(len(xferlog_lines(path + ".1")), 1)

    def test_reopen_logs_gives_workers_the_new_root_only_log_file(self):
        # logrotate's "create 0600 root root": the workers (now `nobody`) could not open
        # the new file themselves; the master opens it and passes it to them.
        server = self.server(daemon=True)  # logs to the file server.log_path
        path = server.log_path
        self.assert_serves(server)
        os.rename(path, path + ".1")
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        rc, out, err = ftpctl(server, "reopen-logs", timeout=FTPCTL_TIMEOUT)
        self.assertEqual(rc, 0, err)
        wait_until(lambda: len(re.findall(r"worker \d+\[\d+\]: log file reopened", open(path).read()))
                   == len(server.worker_pids()), 10, "every worker's reopen line in the new file")
        before = open(path + ".1").read()
        self.assert_serves(server)
        session = r"worker \d+\[\d+\]: session \d+ from 127\.0\.0\.1 port \d+: connected"
        wait_until(lambda: re.search(session, open(path).read()), 10, "the session's lines in the new file")
        self.assertEqual(open(path + ".1").read(), before)  # nothing more went to the old one
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)

    # ---- 9. metrics and control commands

    def test_metrics_reports_up_and_per_slot_sessions(self):
        server = self.server(workers=2)
        wait_status(server, all_running(2), what="two running workers")
        rc, out, err = ftpctl(server, "metrics", timeout=FTPCTL_TIMEOUT)
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"(?m)^ftpd_up 1$")
        self.assertRegex(out, r'(?m)^ftpd_worker_sessions\{slot="0"\} \d+$')
        self.assertRegex(out, r'(?m)^ftpd_worker_sessions\{slot="1"\} \d+$')
        self.assertRegex(out, r"(?m)^ftpd_generation 1$")

    def test_ftpctl_reload_makes_generation_2(self):
        server = self.server(workers=2)
        wait_status(server, all_running(2), what="two running workers")
        rc, out, err = ftpctl(server, "reload", timeout=FTPCTL_TIMEOUT)
        self.assertEqual(rc, 0, err)
        self.assertIn(f"SIGHUP to ftpd master {server.pid}", out)
        st = wait_status(server, lambda st: st["master"]["generation"] == 2,
                         what="generation 2")
        self.assertIs(st["master"]["last_reload"]["ok"], True)
        self.assert_serves(server)

    def test_ftpctl_stop_stops_the_server_then_status_says_no_ftpd_running(self):
        server = self.server(workers=2)
        workers = server.wait_for_workers(2)
        master = server.pid
        rc, out, err = ftpctl(server, "stop", timeout=FTPCTL_TIMEOUT)
        self.assertEqual(rc, 0, err)
        self.assertIn(f"SIGTERM to ftpd master {master}", out)
        self.assertEqual(server.wait_exit(), 0)
        for pid in workers | {master}:
            wait_until(lambda: not pid_alive(pid), 5, f"process {pid} to exit")
        self.assertEqual(shm_entries(master), [])

        rc, out, err = ftpctl(server, "status", timeout=FTPCTL_TIMEOUT)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("no ftpd running", err)
        rc, out, err = ftpctl(server, "status", "--json", timeout=FTPCTL_TIMEOUT)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("no ftpd running", err)
        rc, out, err = ftpctl(server, "metrics", timeout=FTPCTL_TIMEOUT)
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(out, r"(?m)^ftpd_up 0$")

    def test_status_with_a_stale_pid_file_says_no_ftpd_running(self):
        server = self.server(workers=1)
        master = server.pid
        server.stop()
        with open(server.pid_file, "w") as f:   # as a crashed master would leave it
            f.write(f"{master}\n")
        self.assertFalse(pid_alive(master))
        rc, out, err = ftpctl(server, "status", timeout=FTPCTL_TIMEOUT)
        self.assertEqual(rc, 1, out + err)
        self.assertIn("no ftpd running", err)


if __name__ == "__main__":
    unittest.main()
