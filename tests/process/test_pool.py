"""The worker pool: its size, respawn after SIGKILL, clean stops, the pid-file
lock against a second master, and a daemonized start."""

import ftplib
import io
import os
import shutil
import signal
import unittest

from ftpd_fixture import (download, Server, ftp_client, greeting, pid_alive, pids_with_arg, run_ftpd,
                          sha256, shm_entries, wait_until, WORKER_READY_RE)

PAYLOAD = os.urandom(200 * 1024)




class PoolTest(unittest.TestCase):

    def server(self, **kwargs):
        kwargs.setdefault("files", {"payload.bin": PAYLOAD})
        return Server.for_test(self, **kwargs)

    def assert_serves(self, server, port=None):
        reply, data = download(server, port=port)
        self.assertTrue(reply.startswith("226"), reply)
        self.assertEqual(sha256(data), sha256(PAYLOAD))

    # ---- size

    def test_workers_3_gives_exactly_three_worker_processes(self):
        server = self.server(workers=3)
        ready = wait_until(lambda: len(server.log_findall(WORKER_READY_RE)) >= 3 or None,
                           what="three 'ready' lines")
        ready = server.log_findall(WORKER_READY_RE)
        self.assertEqual(len(ready), 3, ready)
        self.assertEqual({slot for slot, _ in ready}, {"0", "1", "2"})
        self.assertEqual(server.worker_pids(), {int(pid) for _, pid in ready})

    # ---- respawn

    def test_sigkilled_worker_is_replaced_in_its_slot_and_the_pool_serves(self):
        server = self.server(workers=3)
        before = server.wait_for_workers(3)
        victim = min(before)
        mark = server.log_mark()
        os.kill(victim, signal.SIGKILL)

        killed = server.wait_for_log(rf"worker (\d+) \(pid {victim}\) killed by signal 9",
                                     since=mark)
        slot = killed.group(1)
        started = server.wait_for_log(rf"worker {slot} started \(pid (\d+)\)", since=mark)
        new_pid = int(started.group(1))
        self.assertNotEqual(new_pid, victim)

        after = server.wait_for_workers(3, exclude={victim})
        self.assertIn(new_pid, after)
        self.assertEqual(after - {new_pid}, before - {victim})
        self.assertFalse(pid_alive(victim))
        server.wait_for_log(rf"worker {slot}\[{new_pid}\]: ready", since=mark)
        self.assert_serves(server)

    def test_killing_every_worker_at_once_refills_the_pool(self):
        server = self.server(workers=3)
        before = server.wait_for_workers(3)
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        after = server.wait_for_workers(3, exclude=before)
        self.assertFalse(after & before)
        self.assert_serves(server)
        self.assertTrue(server.master_alive())

    # ---- stop

    def test_sigterm_stops_master_and_every_worker_with_status_0(self):
        server = self.server(workers=3)
        workers = server.wait_for_workers(3)
        master = server.pid
        self.assertEqual(server.stop(signal.SIGTERM), 0)
        self.assertFalse(pid_alive(master))
        for pid in workers:
            self.assertFalse(pid_alive(pid), f"worker {pid} still alive")
        self.assertEqual(shm_entries(master), [])

    def test_sigint_stops_master_and_every_worker_with_status_0(self):
        server = self.server(workers=2)
        workers = server.wait_for_workers(2)
        self.assertEqual(server.stop(signal.SIGINT), 0)
        for pid in workers | {server.pid}:
            self.assertFalse(pid_alive(pid), f"process {pid} still alive")

    def test_sigterm_closes_open_sessions(self):
        server = self.server(workers=2)
        ftp = ftp_client(server)
        self.addCleanup(ftp.close)
        self.assertEqual(server.stop(signal.SIGTERM), 0)
        # The worker that held the session is gone: the client was told 421
        # (or the connection was simply closed) and nothing answers any more.
        try:
            reply = ftp.voidcmd("NOOP")
            self.fail(f"session still answers after SIGTERM: {reply}")
        except ftplib.error_temp as e:
            self.assertTrue(str(e).startswith("421"), str(e))
        except (EOFError, OSError):
            pass
        with self.assertRaises((EOFError, OSError)):
            ftp.voidcmd("NOOP")

    def test_sigterm_removes_the_pid_file(self):
        server = self.server()
        self.assertTrue(os.path.exists(server.pid_file))
        server.stop(signal.SIGTERM)
        self.assertFalse(os.path.exists(server.pid_file))

    def test_sigquit_lets_an_open_session_finish_then_exits_0(self):
        server = self.server(workers=2)
        ftp = ftp_client(server)
        self.addCleanup(ftp.close)
        mark = server.log_mark()
        server.signal(signal.SIGQUIT)
        # The session keeps working during the graceful stop...
        self.assertTrue(ftp.voidcmd("NOOP").startswith("200"))
        buf = io.BytesIO()
        self.assertTrue(ftp.retrbinary("RETR payload.bin", buf.write).startswith("226"))
        self.assertEqual(sha256(buf.getvalue()), sha256(PAYLOAD))
        self.assertTrue(server.master_alive(), server.log_text()[mark:])
        # ...and once it ends, everything stops cleanly.
        self.assertTrue(ftp.quit().startswith("221"))
        rc = server.wait_exit(timeout=15)
        self.assertEqual(rc, 0)
        self.assertEqual(server.our_pids(), set())
        self.assertEqual(shm_entries(server.pid), [])

    # ---- the pid file lock

    def test_second_master_on_same_pid_file_exits_3_and_first_keeps_serving(self):
        server = self.server()
        second_conf = os.path.join(server.dir, "second.conf")
        shutil.copyfile(server.conf_path, second_conf)
        try:
            rc, out, err = run_ftpd(["-f", "-c", second_conf], cwd=server.dir, timeout=15)
        finally:
            # If it did start, it must not outlive the test.
            for pid in pids_with_arg(second_conf):
                os.kill(pid, signal.SIGKILL)
        self.assertEqual(rc, 3, f"stdout={out!r} stderr={err!r}")
        message = out + err
        self.assertIn("already running", message)
        self.assertIn(str(server.pid), message)
        with open(server.pid_file) as f:
            self.assertEqual(int(f.read().split()[0]), server.pid)
        self.assertTrue(server.master_alive())
        self.assert_serves(server)

    # ---- daemon

    def test_daemonized_start_returns_0_writes_pid_file_serves_and_stops(self):
        server = self.server(daemon=True, workers=2)
        self.assertIsNone(server.proc)
        self.assertTrue(pid_alive(server.pid))
        # The daemon is not our child: it detached.
        self.assertNotEqual(server.pid, os.getpid())
        workers = server.wait_for_workers(2)
        self.assert_serves(server)
        server.stop(signal.SIGTERM)
        for pid in workers | {server.pid}:
            self.assertFalse(pid_alive(pid), f"process {pid} still alive")
        self.assertFalse(os.path.exists(server.pid_file))

    def test_daemonized_start_is_ready_when_the_command_returns(self):
        server = self.server(daemon=True, start=False)
        rc, out, err = run_ftpd(["-c", server.conf_path], cwd=server.dir, timeout=15)
        with open(server.pid_file) as f:
            server.pid = int(f.read().split()[0])
        self.assertEqual(rc, 0, out + err)
        match = server.wait_for_log(r"listening on 127\.0\.0\.1:(\d+)")
        # No polling: the contract is that the sockets are bound and the
        # workers up when `ftpd -c` returns.
        code, _ = greeting(int(match.group(1)))
        self.assertEqual(code, "220")
        server.stop(signal.SIGTERM)


if __name__ == "__main__":
    unittest.main()
