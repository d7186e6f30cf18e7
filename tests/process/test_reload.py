"""SIGHUP: a valid config starts a new pool while old workers finish their
sessions byte-exact; an invalid one is refused and the old config keeps
serving; a changed `listen` moves the service to the new port."""

import hashlib
import os
import re
import signal
import socket
import unittest

from ftpd_fixture import (download, Server, ftp_client, free_port, greeting, pid_alive, sha256,
                          wait_until, write_big_file, WORKER_READY_RE)

BIG_SIZE = 64 * 1024 * 1024
SMALL = os.urandom(64 * 1024)
RELOAD_OK = r"reload: generation (\d+)"


def banner_of(port):
    code, text = greeting(port)
    assert code == "220", text
    return text




class ReloadTest(unittest.TestCase):

    def server(self, **kwargs):
        kwargs.setdefault("files", {"small.bin": SMALL})
        kwargs.setdefault("banner", "old banner")
        return Server.for_test(self, **kwargs)

    def assert_serves(self, port):
        reply, data = download(name="small.bin", port=port)
        self.assertTrue(reply.startswith("226"), reply)
        self.assertEqual(sha256(data), sha256(SMALL))

    def wait_new_ready_workers(self, server, since, old, n):
        """Poll until `n` workers not in `old` have logged 'ready' since `since`."""
        def ready():
            pids = {int(pid) for _, pid in server.log_findall(WORKER_READY_RE, since)} - old
            return pids if len(pids) >= n else None
        pids = wait_until(ready, what=f"{n} new workers ready")
        self.assertEqual(len(pids), n, pids)
        return pids

    # ---- a valid reload

    def test_download_in_progress_during_reload_completes_byte_exact(self):
        server = self.server(workers=2)
        big_sha = write_big_file(server.path("big.bin"), BIG_SIZE)
        old_workers = server.wait_for_workers(2)

        ftp = ftp_client(server)
        self.addCleanup(ftp.close)
        ctrl_port = ftp.sock.getsockname()[1]
        ftp.voidcmd("TYPE I")
        conn = ftp.transfercmd("RETR big.bin")
        self.addCleanup(conn.close)
        # A small receive buffer keeps most of the file on the server's side.
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        h = hashlib.sha256()
        received = 0
        while received < 1024 * 1024:
            chunk = conn.recv(65536)
            self.assertTrue(chunk, "data connection closed early")
            h.update(chunk)
            received += len(chunk)

        serving = server.wait_for_log(
            rf"worker (\d+)\[(\d+)\]:[^\n]*session \S+ from 127\.0\.0\.1 port {ctrl_port}\b")
        draining = int(serving.group(2))
        self.assertIn(draining, old_workers)

        mark = server.log_mark()
        server.rewrite_config(banner="new banner")
        server.signal(signal.SIGHUP)
        server.wait_for_log(RELOAD_OK, since=mark)

        # A new pool of two comes up; the idle old worker leaves; the one
        # with the download stays.
        new_workers = self.wait_new_ready_workers(server, mark, old_workers, 2)
        server.wait_for_workers(3, exclude=old_workers - {draining})
        self.assertEqual(server.worker_pids(), new_workers | {draining})
        self.assertTrue(pid_alive(draining))

        # New connections reach the new pool only.
        for _ in range(5):
            self.assertIn("new banner", banner_of(server.port))

        # The old download finishes byte-exact.
        while True:
            chunk = conn.recv(1 << 20)
            if not chunk:
                break
            h.update(chunk)
            received += len(chunk)
        conn.close()
        self.assertTrue(ftp.voidresp().startswith("226"))
        self.assertEqual(received, BIG_SIZE)
        self.assertEqual(h.hexdigest(), big_sha)
        self.assertTrue(ftp.quit().startswith("221"))

        # With its last session gone the old worker exits.
        self.assertEqual(server.wait_for_workers(2, exclude=old_workers), new_workers)
        self.assertFalse(pid_alive(draining))
        self.assert_serves(server.port)

    def test_reload_with_new_banner_shows_it_to_new_connections(self):
        server = self.server(workers=2)
        self.assertIn("old banner", banner_of(server.port))
        old_workers = server.wait_for_workers(2)
        mark = server.log_mark()
        server.rewrite_config(banner="brand new banner")
        server.signal(signal.SIGHUP)
        server.wait_for_log(RELOAD_OK, since=mark)
        server.wait_for_workers(2, exclude=old_workers)
        for _ in range(5):
            text = banner_of(server.port)
            self.assertIn("brand new banner", text)
            self.assertNotIn("old banner", text)
        self.assertEqual(server.stop(), 0)

    def test_reload_increments_the_generation(self):
        server = self.server()
        mark = server.log_mark()
        server.signal(signal.SIGHUP)
        first = int(server.wait_for_log(RELOAD_OK, since=mark).group(1))
        mark = server.log_mark()
        server.signal(signal.SIGHUP)
        second = int(server.wait_for_log(RELOAD_OK, since=mark).group(1))
        self.assertEqual(second, first + 1)

    def test_reload_changing_workers_from_2_to_4_gives_four_workers(self):
        server = self.server(workers=2)
        old_workers = server.wait_for_workers(2)
        mark = server.log_mark()
        server.rewrite_config(workers=4)
        server.signal(signal.SIGHUP)
        server.wait_for_log(RELOAD_OK, since=mark)
        self.assertEqual(len(server.wait_for_workers(4, exclude=old_workers)), 4)
        self.assert_serves(server.port)

    # ---- an invalid reload

    def test_reload_with_broken_config_logs_failure_and_keeps_old_config(self):
        server = self.server(workers=2)
        old_workers = server.wait_for_workers(2)
        mark = server.log_mark()
        server.rewrite_config("no_such_key = 1", banner="new banner")
        server.signal(signal.SIGHUP)
        failed = server.wait_for_log(r"reload failed: ([^\n]+)", since=mark)
        self.assertIn("no_such_key", failed.group(1))
        self.assertEqual(re.findall(RELOAD_OK, server.log_text()[mark:]), [])

        self.assertTrue(server.master_alive())
        self.assertEqual(server.worker_pids(), old_workers)
        self.assertIn("old banner", banner_of(server.port))
        self.assert_serves(server.port)

    def test_reload_with_bad_value_keeps_old_workers_then_a_fixed_config_reloads(self):
        server = self.server(workers=2)
        old_workers = server.wait_for_workers(2)
        good_config = server.config_text()
        mark = server.log_mark()
        server.rewrite_config(raw=good_config.replace("workers = 2", "workers = many"))
        server.signal(signal.SIGHUP)
        server.wait_for_log(r"reload failed", since=mark)
        self.assertEqual(server.worker_pids(), old_workers)
        self.assertIn("old banner", banner_of(server.port))

        mark = server.log_mark()
        server.rewrite_config(banner="fixed banner")
        server.signal(signal.SIGHUP)
        server.wait_for_log(RELOAD_OK, since=mark)
        server.wait_for_workers(2, exclude=old_workers)
        self.assertIn("fixed banner", banner_of(server.port))

    def test_reload_with_unreadable_config_file_keeps_serving(self):
        server = self.server(workers=2)
        old_workers = server.wait_for_workers(2)
        os.rename(server.conf_path, server.conf_path + ".moved")
        mark = server.log_mark()
        server.signal(signal.SIGHUP)
        server.wait_for_log(r"reload failed", since=mark)
        self.assertEqual(server.worker_pids(), old_workers)
        self.assert_serves(server.port)
        os.rename(server.conf_path + ".moved", server.conf_path)

    # ---- listen

    def test_reload_changing_listen_serves_on_the_new_port(self):
        server = self.server(workers=2)
        old_port = server.port
        new_port = free_port()
        while new_port == old_port:
            new_port = free_port()
        mark = server.log_mark()
        server.rewrite_config(f"listen = 127.0.0.1:{new_port}", banner="moved banner")
        server.signal(signal.SIGHUP)
        server.wait_for_log(RELOAD_OK, since=mark)
        server.wait_for_log(rf"listening on 127\.0\.0\.1:{new_port}\b", since=mark)
        text = server.wait_ready(new_port)
        self.assertIn("moved banner", text)
        self.assert_serves(new_port)

    def test_reload_changing_listen_stops_listening_on_the_old_port(self):
        server = self.server(workers=2)
        old_port = server.port
        old_workers = server.wait_for_workers(2)
        new_port = free_port()
        while new_port == old_port:
            new_port = free_port()
        mark = server.log_mark()
        server.rewrite_config(f"listen = 127.0.0.1:{new_port}")
        server.signal(signal.SIGHUP)
        server.wait_for_log(RELOAD_OK, since=mark)
        server.wait_for_workers(2, exclude=old_workers)
        server.wait_ready(new_port)

        def refused():
            try:
                socket.create_connection(("127.0.0.1", old_port), timeout=2).close()
            except ConnectionRefusedError:
                return True
            return False
        wait_until(refused, what=f"old port {old_port} to refuse connections")


if __name__ == "__main__":
    unittest.main()
