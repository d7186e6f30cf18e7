"""A slow or hung file system costs only the sessions that touch it (issue 13).

The served root is a FUSE mount (tests/support/gated_fs.py) whose operations under the
"slow" folders wait at a gate the test opens: nothing here is timed. With workers = 1, while
sessions are blocked there, another session of the same worker logs in, gets NOOP replies,
lists and downloads from the fast folder; ABOR, STAT and QUIT of a blocked session are
answered; after the release every blocked command completes with the right reply and bytes.
Then: a worker whose file-system threads are all stuck past worker_timeout is not killed and
answers "busy"; a worker whose event loop is blocked is killed, once; upload_sync flushes
before the 226; a failed call's reply codes.
"""

import os
import select
import shutil
import signal
import unittest

from ftpd_fixture import RawControl, Server, read_until_eof, sha256, status_json, wait_until
from gated_mount import GatedMount, fuse_missing

SMALL = os.urandom(4096)
BIG = os.urandom(3 << 20)
# One folder per blocked command: the kernel lets only one lookup of a name wait at a time,
# so two sessions waiting for the same folder would not both reach the gate.
SLOW = ("/slow_list", "/slow_retr", "/slow_stor", "/slow_size", "/slow_mdtm", "/slow_cwd", "/slow_dele",
        "/slow_rn", "/slow_abor", "/slow_quit", "/slow_stat", "/slow_a", "/slow_b", "/slow_sync")


def make_backing(base):
    """The tree behind the mount: a fast folder and the slow ones, writable by the workers."""
    backing = os.path.join(base, "backing")
    os.makedirs(os.path.join(backing, "fast"))
    for folder in SLOW:
        os.makedirs(backing + folder)
    files = {
        "fast/small.bin": SMALL,
        "slow_list/one.txt": b"1", "slow_list/two.txt": b"2",
        "slow_retr/big.bin": BIG,
        "slow_size/sized.bin": b"x" * 12345,
        "slow_mdtm/dated.bin": b"d",
        "slow_dele/doomed.txt": b"bye",
        "slow_rn/old.txt": b"renamed",
        "slow_abor/big.bin": BIG,
    }
    for name, data in files.items():
        with open(os.path.join(backing, name), "wb") as f:
            f.write(data)
    os.utime(os.path.join(backing, "slow_mdtm/dated.bin"), (1_600_000_000, 1_600_000_000))
    os.makedirs(os.path.join(backing, "slow_cwd/inner"))
    for d, _, names in os.walk(backing):
        os.chmod(d, 0o777)
        for n in names:
            os.chmod(os.path.join(d, n), 0o644)
    return backing


def no_reply_yet(control):
    """True when nothing has arrived on the control connection: used for a reply that the
    server can only send after an event the test still holds back (the last reply read was
    a complete one, so nothing waits in the reader's buffer either)."""
    readable, _, _ = select.select([control.sock], [], [], 0)
    return not readable


class SlowFsCase(unittest.TestCase):
    def setUp(self):
        reason = fuse_missing()
        if reason:
            self.skipTest(f"FUSE not available: {reason}")
        self.base = os.path.realpath(__import__("tempfile").mkdtemp(prefix="ftpd-slowfs-"))
        self.addCleanup(shutil.rmtree, self.base, True)
        self.backing = make_backing(self.base)
        self.mount = GatedMount(self.backing, slow=SLOW)
        self.addCleanup(self.mount.cleanup)

    def server(self, **options):
        options.setdefault("workers", 1)
        return Server.for_test(self, root=self.mount.mountpoint, **options)

    def raw(self, server, **kwargs):
        control = RawControl(server.port, **kwargs)
        self.addCleanup(control.close)
        return control

    def data_connection(self, control):
        data = control.pasv()
        self.addCleanup(data.close)
        return data

    def backing_path(self, name):
        return os.path.join(self.backing, name.lstrip("/"))


class BlockedSessionsTest(SlowFsCase):
    def test_blocked_commands_leave_the_worker_serving_and_complete_after_release(self):
        server = self.server(upload_overwrite=False)
        self.mount.close_gate()
        blocked = {}

        def block(name, line, path, data=False):
            control = self.raw(server)
            control.command("TYPE I")
            conn = self.data_connection(control) if data else None
            control.send(line + "\r\n")
            self.mount.wait_blocked(path=path)
            blocked[name] = (control, conn)

        block("list", "LIST slow_list", "/slow_list", data=True)
        block("retr", "RETR slow_retr/big.bin", "/slow_retr/big.bin", data=True)
        block("stor", "STOR slow_stor/new.bin", "/slow_stor/new.bin", data=True)
        block("size", "SIZE slow_size/sized.bin", "/slow_size/sized.bin")
        block("mdtm", "MDTM slow_mdtm/dated.bin", "/slow_mdtm/dated.bin")
        block("cwd", "CWD slow_cwd/inner", "/slow_cwd/inner")
        block("dele", "DELE slow_dele/doomed.txt", "/slow_dele/doomed.txt")
        block("rnfr", "RNFR slow_rn/old.txt", "/slow_rn/old.txt")
        block("abor", "RETR slow_abor/big.bin", "/slow_abor/big.bin", data=True)
        block("quit", "CWD slow_quit/gone", "/slow_quit/gone")
        block("stat", "SIZE slow_stat/gone", "/slow_stat/gone")

        # The same worker serves a new session in full while eleven of its sessions wait.
        victim = self.raw(server)
        for _ in range(3):
            self.assertEqual(victim.command("NOOP")[0], "200")
        self.assertEqual(victim.command("TYPE I")[0], "200")
        data = victim.pasv()
        victim.send("LIST fast\r\n")
        self.assertEqual(victim.reply()[0], "150")
        listing = read_until_eof(data).decode()
        data.close()
        self.assertEqual(victim.reply()[0], "226")
        self.assertIn("small.bin", listing)
        data = victim.pasv()
        victim.send("RETR fast/small.bin\r\n")
        self.assertEqual(victim.reply()[0], "150")
        self.assertEqual(read_until_eof(data), SMALL)
        data.close()
        self.assertEqual(victim.reply()[0], "226")

        # ftpctl shows who waits for what, and (from the next heartbeat) the worker's pending calls.
        status = status_json(server)
        waiting = {s["id"]: s for s in status["sessions"] if s["fs_op"]}
        self.assertEqual(len(waiting), 11, status["sessions"])
        self.assertEqual({s["fs_op"] for s in waiting.values()}, {"list", "open", "create", "stat", "remove"})
        wait_until(lambda: status_json(server)["workers"][0]["fs_pending"] == 11, what="11 calls pending")

        # STAT of a blocked session reports the wait; ABOR and QUIT are answered now.
        control, _ = blocked["stat"]
        code, text = control.command("STAT")
        self.assertEqual(code, "211", text)
        self.assertIn("Waiting for the file system: stat /slow_stat/", text)
        control, conn = blocked.pop("abor")
        control.send("ABOR\r\n")
        code, text = control.reply()
        self.assertEqual(code, "450", text)  # RETR's refusal (RFC 959: 450 before the 150)
        self.assertIn("Aborted", text)
        self.assertEqual(control.reply()[0], "226")  # ABOR's own reply
        self.assertEqual(control.command("NOOP")[0], "200")  # the session goes on
        code, text = control.command("SIZE fast/small.bin")  # its abandoned call is still out
        self.assertEqual(code, "550", text)
        self.assertIn("busy", text)
        control, _ = blocked.pop("quit")
        control.send("QUIT\r\n")
        code, text = control.reply()
        self.assertEqual(code, "550", text)  # CWD's only refusal code
        self.assertEqual(control.reply()[0], "221")
        self.assertEqual(control.file.read(), b"")  # closed, while its call still waits

        self.mount.open_gate()

        control, conn = blocked["list"]
        self.assertEqual(control.reply()[0], "150")
        names = read_until_eof(conn).decode()
        self.assertEqual(control.reply()[0], "226")
        self.assertIn("one.txt", names)
        self.assertIn("two.txt", names)
        control, conn = blocked["retr"]
        self.assertEqual(control.reply()[0], "150")
        self.assertEqual(sha256(read_until_eof(conn)), sha256(BIG))
        self.assertEqual(control.reply()[0], "226")
        control, conn = blocked["stor"]
        self.assertEqual(control.reply()[0], "150")
        conn.sendall(SMALL)
        conn.close()
        self.assertEqual(control.reply()[0], "226")
        with open(self.backing_path("slow_stor/new.bin"), "rb") as f:
            self.assertEqual(f.read(), SMALL)
        control, _ = blocked["size"]
        self.assertEqual(control.reply(), ("213", "213 12345\r\n"))
        control, _ = blocked["mdtm"]
        self.assertEqual(control.reply(), ("213", "213 20200913122640\r\n"))
        control, _ = blocked["cwd"]
        self.assertEqual(control.reply()[0], "250")
        self.assertIn('"/slow_cwd/inner"', control.command("PWD")[1])
        control, _ = blocked["dele"]
        self.assertEqual(control.reply()[0], "250")
        self.assertFalse(os.path.exists(self.backing_path("slow_dele/doomed.txt")))
        control, _ = blocked["rnfr"]
        self.assertEqual(control.reply()[0], "350")
        self.assertEqual(control.command("RNTO slow_rn/new.txt")[0], "250")
        with open(self.backing_path("slow_rn/new.txt"), "rb") as f:
            self.assertEqual(f.read(), b"renamed")
        control, _ = blocked["stat"]
        self.assertEqual(control.reply()[0], "550")  # SIZE of nothing
        # The abandoned RETR came back: the ABORted session works on the file system again.
        aborted = self.raw(server)
        self.assertEqual(aborted.command("SIZE slow_abor/big.bin")[0], "213")
        status = status_json(server)
        self.assertEqual([s for s in status["sessions"] if s["fs_op"]], [])


class StuckThreadsTest(SlowFsCase):
    def test_a_worker_whose_threads_are_all_stuck_is_not_killed_and_answers_busy(self):
        server = self.server(fs_threads=2, fs_timeout=1, worker_timeout=2)
        worker = status_json(server)["workers"][0]["pid"]
        self.mount.close_gate()
        stuck = []
        for folder in ("slow_a", "slow_b"):
            control = self.raw(server)
            control.send(f"CWD {folder}/inner\r\n")
            self.mount.wait_blocked(path=f"/{folder}/inner")
            stuck.append(control)
        for control in stuck:  # fs_timeout: the client hears, the call stays stuck
            code, text = control.reply()
            self.assertEqual(code, "550", text)
            self.assertIn("not responding", text)
        server.wait_for_log(r"file system: stat /slow_a/inner stuck for \d+ s")

        # Past worker_timeout with every thread stuck, the worker is alive and its loop is too.
        def stuck_long():
            w = status_json(server)["workers"][0]
            return w if w["fs_oldest_s"] > 3 and w["fs_stuck"] == 2 else None
        slot = wait_until(stuck_long, timeout=30, what="calls stuck past worker_timeout")
        self.assertEqual(slot["pid"], worker)
        self.assertLess(slot["heartbeat_age_ms"], 2000)
        fresh = self.raw(server)
        self.assertEqual(fresh.command("NOOP")[0], "200")
        self.assertEqual(fresh.command("PWD")[0], "257")
        code, text = fresh.command("CWD fast")
        self.assertEqual((code, "File system busy" in text), ("550", True), text)
        code, text = fresh.command("RETR fast/small.bin")
        self.assertEqual((code, "File system busy" in text), ("450", True), text)
        self.assertEqual(status_json(server)["workers"][0]["pid"], worker)
        self.assertNotIn("missed its heartbeat", server.log_text())

        self.mount.open_gate()
        server.wait_for_log(r"file system: stat /slow_a/inner finished after \d+ s")
        server.wait_for_log(r"file system: stat /slow_b/inner finished after \d+ s")
        self.assertEqual(fresh.command("CWD fast")[0], "250")
        wait_until(lambda: status_json(server)["workers"][0]["fs_stuck"] == 0, what="no call stuck")


class BlockedLoopTest(unittest.TestCase):
    def test_a_worker_whose_event_loop_is_blocked_is_killed_once(self):
        server = Server.for_test(self, workers=1, worker_timeout=1, env={"FTPD_FAULT_INJECTION": "block_loop"})
        worker = status_json(server)["workers"][0]["pid"]
        mark = server.log_mark()
        os.kill(worker, signal.SIGUSR2)
        server.wait_for_log(r"fault injection: blocking the event loop", since=mark)
        server.wait_for_log(rf"worker 0 \(pid {worker}\) missed its heartbeat for \d+ s; killing it", since=mark)
        server.wait_for_log(rf"worker 0 \(pid {worker}\) killed by signal 9", since=mark)
        def replaced():
            workers = status_json(server)["workers"]
            return workers and workers[0]["pid"] not in (0, worker) and workers[0]["state"] == "running"
        wait_until(replaced, what="a new worker")
        self.assertEqual(len(server.log_findall(r"missed its heartbeat", since=mark)), 1)
        control = RawControl(server.port)
        self.addCleanup(control.close)
        self.assertEqual(control.command("NOOP")[0], "200")


class UploadSyncTest(SlowFsCase):
    def upload(self, server, name):
        control = self.raw(server)
        control.command("TYPE I")
        data = self.data_connection(control)
        control.send(f"STOR {name}\r\n")
        self.assertEqual(control.reply()[0], "150")
        data.sendall(SMALL)
        data.close()
        return control

    def test_upload_sync_flushes_file_and_directory_before_the_226(self):
        server = self.server(upload_sync=True)
        self.mount.trace()
        self.mount.close_gate(["fsyncdir"])
        control = self.upload(server, "slow_sync/durable.bin")
        self.mount.wait_did("fsync")  # the file, under its temporary name
        self.mount.wait_blocked("fsyncdir", "/slow_sync")
        # The rename is done, the directory's flush is not: no 226 yet.
        self.assertTrue(os.path.exists(self.backing_path("slow_sync/durable.bin")))
        self.assertTrue(no_reply_yet(control))
        self.mount.open_gate()
        self.assertEqual(control.reply()[0], "226")
        with open(self.backing_path("slow_sync/durable.bin"), "rb") as f:
            self.assertEqual(f.read(), SMALL)

    def test_without_upload_sync_nothing_is_flushed(self):
        server = self.server()
        self.mount.trace()
        control = self.upload(server, "slow_sync/plain.bin")
        self.assertEqual(control.reply()[0], "226")
        self.mount.wait_did("rename")
        control.command("NOOP")
        self.assertEqual([line for line in self.mount.lines() if line.startswith("did fsync")], [])


if __name__ == "__main__":
    unittest.main()
