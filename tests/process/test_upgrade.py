"""Binary upgrade (SIGUSR2, `ftpctl upgrade`): a download in flight finishes byte-exact on
the old master's worker while the new master serves new sessions, no connection attempt is
refused meanwhile, and nothing of the old master is left afterwards; a new binary that
cannot start (a script that exits 1, an invalid configuration, a file that cannot be
executed) leaves the old master serving, with a log line and `last_upgrade` in the status.

Synchronised on the status table and the pid file, never on sleeps: the download is paused
by the client (it stops reading) across the upgrade, so the old worker is provably busy.
"""

import ftplib
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))

from ftpd_fixture import (DEFAULT_TIMEOUT, Server, children_of, ftpctl_bin, ftpd_bin, pid_alive,  # noqa: E402
                          read_reply, shm_entries, status_json, wait_until, write_big_file)

SIZE = 64 << 20


def install_binary(path, source=None, text=None, mode=0o755):
    """Put a new file at `path` the way dpkg does: write beside it, then rename over it."""
    tmp = path + ".new"
    if text is not None:
        with open(tmp, "w") as f:
            f.write(text)
    else:
        shutil.copyfile(source or ftpd_bin(), tmp)
    os.chmod(tmp, mode)
    os.rename(tmp, path)


def run_ftpctl(server, *args, timeout=200):
    out = subprocess.run([ftpctl_bin(), "-c", server.conf_path, *args], capture_output=True, text=True,
                         timeout=timeout)
    return out.returncode, out.stdout, out.stderr


def read_pid_file(server):
    with open(server.pid_file) as f:
        return int(f.read().split()[0])


class Connector(threading.Thread):
    """Connects in a loop until stopped; records every greeting (or error)."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.stop = threading.Event()
        self.results = []

    def run(self):
        while not self.stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=DEFAULT_TIMEOUT) as s:
                    f = s.makefile("rb")
                    code, _ = read_reply(f)
                    s.sendall(b"QUIT\r\n")
                    read_reply(f)
                    self.results.append(code)
            except OSError as e:
                self.results.append(f"error: {e}")

    def attempts(self):
        return len(self.results)


class UpgradeTest(unittest.TestCase):
    def start(self, **options):
        self.bindir = None
        server = Server(start=False, workers=2, **options)
        self.addCleanup(server.cleanup)
        bindir = os.path.join(server.dir, "sbin")
        os.makedirs(bindir)
        server.binary = os.path.join(bindir, "ftpd")
        install_binary(server.binary)
        server.start()
        return server

    def test_download_in_flight_survives_the_upgrade(self):
        server = self.start(anonymous_max_rate=32 << 20)
        digest = write_big_file(server.path("big.bin"), SIZE)
        old_pid = server.pid
        old_workers = server.worker_pids()

        ftp = ftplib.FTP()
        ftp.connect("127.0.0.1", server.port, timeout=DEFAULT_TIMEOUT)
        ftp.login("anonymous", "t@example.com")
        ftp.voidcmd("TYPE I")
        data = ftp.transfercmd("RETR big.bin")
        h = hashlib.sha256()
        got = 0
        while got < (1 << 20):
            chunk = data.recv(1 << 16)
            self.assertTrue(chunk, "download ended early")
            h.update(chunk)
            got += len(chunk)
        # The client stops reading now: the old worker's session stays in RETR until we go on.
        connector = Connector(server.port)
        connector.start()
        self.addCleanup(connector.stop.set)
        wait_until(lambda: connector.attempts() >= 5, what="connections before the upgrade")

        install_binary(server.binary)  # a new file at the same path
        rc, out, err = run_ftpctl(server, "upgrade")
        self.assertEqual(rc, 0, out + err + server.log_text()[-4000:])
        new_pid = read_pid_file(server)
        self.assertNotEqual(new_pid, old_pid)
        self.assertIn(f"upgraded: ftpd master {old_pid} -> {new_pid}", out)
        server.wait_for_log(rf"upgrade: master {new_pid} is ready")
        attempts_at_handover = connector.attempts()

        # Both masters in the status: the new one current, the old one retiring, its
        # worker with the download draining.
        st = status_json(server)
        self.assertEqual(st["master"]["pid"], new_pid)
        self.assertEqual(st["master"]["upgrade"]["state"], "replacing")
        self.assertEqual(st["master"]["upgrade"]["peer_pid"], old_pid)
        self.assertTrue(st["master"]["last_upgrade"]["ok"])
        other = st["other_master"]
        self.assertIsNotNone(other, st)
        self.assertEqual(other["master"]["pid"], old_pid)
        self.assertEqual(other["master"]["upgrade"]["state"], "retiring")
        wait_until(lambda: any(w["state"] == "draining" and w["sessions"] >= 1
                               for w in status_json(server)["other_master"]["workers"]),
                   what="the old worker with the download draining")
        self.assertTrue(any(s["state"] == "RETR" for s in other["sessions"]), other)
        table = run_ftpctl(server, "status")[1]
        self.assertIn(f"other master {old_pid}", table)

        # New sessions go to the new master's workers.
        new_workers = children_of(new_pid)
        self.assertEqual(len(new_workers), 2)
        self.assertFalse(new_workers & old_workers)
        probe = ftplib.FTP()
        probe.connect("127.0.0.1", server.port, timeout=DEFAULT_TIMEOUT)
        probe.login("anonymous", "t@example.com")
        wait_until(lambda: any(s["user"] == "anonymous" for s in status_json(server)["sessions"]),
                   what="a session on the new master")
        probe.quit()
        wait_until(lambda: connector.attempts() >= attempts_at_handover + 5,
                   what="connections after the hand-over")

        # The download goes on to the end, byte-exact, on the old worker.
        while True:
            chunk = data.recv(1 << 20)
            if not chunk:
                break
            h.update(chunk)
            got += len(chunk)
        data.close()
        self.assertEqual(ftp.voidresp()[:3], "226")
        ftp.quit()
        self.assertEqual(got, SIZE)
        self.assertEqual(h.hexdigest(), digest)

        # The old master leaves: exit 0, no process, segment or queue of it.
        self.assertEqual(server.proc.wait(timeout=60), 0, server.log_text()[-4000:])
        wait_until(lambda: not any(pid_alive(p) for p in old_workers), what="old workers gone")
        self.assertEqual(shm_entries(old_pid), [])
        connector.stop.set()
        connector.join(timeout=DEFAULT_TIMEOUT)
        self.assertGreater(len(connector.results), attempts_at_handover)
        self.assertEqual([r for r in connector.results if r != "220"], [])

        server.adopt_master(new_pid)
        wait_until(lambda: status_json(server)["master"]["upgrade"]["state"] == "none",
                   what="the new master noticing the old one left")
        self.assertIsNone(status_json(server)["other_master"])
        self.assertEqual(read_pid_file(server), new_pid)
        server.stop()

    def test_upgrade_of_a_detached_daemon(self):
        server = self.start(daemon=True, files={"a.txt": b"hello\n"})
        old_pid = server.pid
        old_workers = server.worker_pids()
        install_binary(server.binary)
        rc, out, err = run_ftpctl(server, "upgrade")
        self.assertEqual(rc, 0, out + err + server.log_text()[-4000:])
        new_pid = read_pid_file(server)
        self.assertNotEqual(new_pid, old_pid)
        wait_until(lambda: not pid_alive(old_pid) and not any(pid_alive(p) for p in old_workers),
                   what="the old master and its workers to exit")
        self.assertEqual(shm_entries(old_pid), [])
        server.adopt_master(new_pid)
        ftp = ftplib.FTP()
        ftp.connect("127.0.0.1", server.port, timeout=DEFAULT_TIMEOUT)
        ftp.login("anonymous", "t@example.com")
        self.assertEqual(ftp.size("a.txt"), 6)
        ftp.quit()
        server.stop()

    def assert_failed_upgrade(self, server, expect):
        pid = server.pid
        mark = server.log_mark()
        rc, out, err = run_ftpctl(server, "upgrade")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("upgrade failed", err)
        self.assertIn(expect, err)
        server.wait_for_log(r"upgrade failed: .*" + expect, since=mark)
        st = status_json(server)
        self.assertEqual(st["master"]["pid"], pid)
        self.assertFalse(st["master"]["last_upgrade"]["ok"])
        self.assertIn(expect, st["master"]["last_upgrade"]["error"])
        self.assertIsNotNone(st["master"]["last_upgrade"]["time"])
        self.assertEqual(st["master"]["upgrade"]["state"], "none")
        self.assertIsNone(st["other_master"])
        self.assertEqual(read_pid_file(server), pid)
        self.assertTrue(server.master_alive())
        # still serving, on the same master and workers
        ftp = ftplib.FTP()
        ftp.connect("127.0.0.1", server.port, timeout=DEFAULT_TIMEOUT)
        ftp.login("anonymous", "t@example.com")
        self.assertEqual(ftp.size("a.txt"), 6)
        ftp.quit()
        self.assertIn("FAILED", run_ftpctl(server, "status")[1])

    def test_new_binary_that_exits_1_keeps_the_old_master(self):
        server = self.start(files={"a.txt": b"hello\n"})
        install_binary(server.binary, text="#!/bin/sh\nexit 1\n")
        self.assert_failed_upgrade(server, "exited with status 1 before it was ready")
        # once a good binary is back, the upgrade goes through
        install_binary(server.binary)
        rc, out, err = run_ftpctl(server, "upgrade")
        self.assertEqual(rc, 0, out + err)
        new_pid = read_pid_file(server)
        self.assertEqual(server.proc.wait(timeout=60), 0)
        server.adopt_master(new_pid)
        self.assertTrue(status_json(server)["master"]["last_upgrade"]["ok"])
        server.stop()

    def test_invalid_configuration_keeps_the_old_master(self):
        server = self.start(files={"a.txt": b"hello\n"})
        with open(server.conf_path, "a") as f:
            f.write("no_such_key = 1\n")
        self.assert_failed_upgrade(server, "invalid configuration")
        self.assertIn("no_such_key", status_json(server)["master"]["last_upgrade"]["error"])
        server.stop()

    def test_binary_that_cannot_be_executed_keeps_the_old_master(self):
        server = self.start(files={"a.txt": b"hello\n"})
        install_binary(server.binary, mode=0o644)
        self.assert_failed_upgrade(server, "Permission denied")
        server.stop()


if __name__ == "__main__":
    unittest.main()
