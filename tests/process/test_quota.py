"""Quotas of virtual users (quota= and files= in the users file): usage counted from the
disk at login and shared by every worker through the status segment; STOR/STOU/APPE
refused with 552 before the 150 when at the quota (or when ALLO's size would pass it);
an upload that passes it cut with 552 and nothing left under its name or a temporary one;
DELE and overwrites give room back; two sessions on two workers at once never store more
than the quota; usage is right after a worker is SIGKILLed mid-upload; ftpctl status
(table, --json, metrics) and ftpctl user show show it."""

import ftplib
import io
import json
import os
import signal
import socket
import unittest

from ftpd_fixture import Server, ftp_client, ftpctl, sha512_crypt, status_json, wait_until

KIB = 1024
MIB = 1024 * KIB


def disk_usage(root):
    """(bytes, files) of the regular files under root, as ftpd counts them."""
    total, files = 0, 0
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            if os.path.isfile(p) and not os.path.islink(p):
                total += os.path.getsize(p)
                files += 1
    return total, files


def quota_of(server, user="alice"):
    for q in status_json(server)["quotas"]:
        if q["user"] == user:
            return q
    return None


class QuotaTest(unittest.TestCase):

    def server(self, settings="quota=1M", **kwargs):
        kwargs.setdefault("upload_overwrite", True)
        server = Server.for_test(self, start=False, **kwargs)
        server.home = server.make_dir("home", {"mine.txt": b"x" * 1000}, writable=True)
        server.users_path = server.write_users(
            [f"alice:{sha512_crypt('alice-pw')}:{server.home}:rw:{settings}"])
        server.rewrite_config(users_file=server.users_path)
        server.start()
        return server

    def login(self, server):
        ftp = ftp_client(server, user="alice", passwd="alice-pw")
        self.addCleanup(ftp.close)
        return ftp

    def stor(self, ftp, name, data):
        return ftp.storbinary(f"STOR {name}", io.BytesIO(data))

    def assert_refused(self, fn, code="552"):
        with self.assertRaises(ftplib.Error) as ctx:
            fn()
        self.assertTrue(str(ctx.exception).startswith(code), str(ctx.exception))
        return str(ctx.exception)

    def leftovers(self, server):
        return [n for n in os.listdir(server.home) if n.startswith(".ftpd-upload")]

    def test_usage_counted_at_login_and_shown(self):
        server = self.server()
        self.login(server)
        q = quota_of(server)
        self.assertEqual((q["bytes"], q["files"], q["quota_bytes"], q["counted"]), (1000, 1, MIB, True))
        rc, out, err = ftpctl(server, "status")
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"alice\s+1000 B\s+1\.0 MiB\s+1\s+-")
        rc, out, err = ftpctl(server, "metrics")
        self.assertIn('ftpd_user_quota_used_bytes{user="alice"} 1000', out)
        rc, out, err = ftpctl(server, "user", "show", "alice")
        self.assertEqual(rc, 0, err)
        self.assertIn("used:       1000 bytes of 1M, 1 files", out)
        rc, out, err = ftpctl(server, "user", "show", "alice", "--json")
        self.assertEqual(json.loads(out)["usage"], {"bytes": 1000, "files": 1, "counted": True})

    def test_upload_passing_the_quota_is_cut_with_552_and_leaves_nothing(self):
        server = self.server()
        ftp = self.login(server)
        self.assertTrue(self.stor(ftp, "a.bin", os.urandom(600 * KIB)).startswith("226"))
        self.assertEqual(quota_of(server)["bytes"], 1000 + 600 * KIB)
        text = self.assert_refused(lambda: self.stor(ftp, "b.bin", os.urandom(600 * KIB)))
        self.assertIn("exceeded storage allocation", text)
        self.assertFalse(os.path.exists(os.path.join(server.home, "b.bin")))
        wait_until(lambda: not self.leftovers(server), what="the temporary file removed")
        self.assertEqual(quota_of(server)["bytes"], 1000 + 600 * KIB)
        self.assertEqual(disk_usage(server.home), (1000 + 600 * KIB, 2))
        # The session still works, and a smaller file still fits.
        self.assertTrue(self.stor(ftp, "c.bin", b"c" * 1000).startswith("226"))
        self.assertEqual(quota_of(server)["files"], 3)

    def test_refused_before_the_150_when_at_the_quota_or_allo_passes_it(self):
        server = self.server(settings="quota=100K")
        ftp = self.login(server)
        self.assertTrue(ftp.sendcmd("ALLO 200000").startswith("202"))
        self.assert_refused(lambda: self.stor(ftp, "big.bin", b""))  # 552 to STOR itself: no 150
        self.assertFalse(os.path.exists(os.path.join(server.home, "big.bin")))
        # ALLO counts for one upload only.
        self.assertTrue(self.stor(ftp, "fits.bin", b"f" * (99 * KIB - 1000)).startswith("226"))
        self.assert_refused(lambda: self.stor(ftp, "more.bin", b"m" * 2 * KIB))
        self.assertEqual(quota_of(server)["bytes"], 99 * KIB)
        # Exactly at the quota: every upload is refused before the 150.
        self.assertTrue(self.stor(ftp, "last.bin", b"l" * KIB).startswith("226"))
        self.assertEqual(quota_of(server)["bytes"], 100 * KIB)
        for cmd in ("STOR x.bin", "APPE x.bin", "STOU"):
            self.assert_refused(lambda: ftp.storbinary(cmd, io.BytesIO(b"y")))
        self.assertFalse(os.path.exists(os.path.join(server.home, "x.bin")))

    def test_dele_and_overwrite_give_room_back(self):
        server = self.server(settings="quota=100K,files=3")
        ftp = self.login(server)
        self.stor(ftp, "a.bin", b"a" * 50 * KIB)
        self.stor(ftp, "a.bin", b"a" * 10 * KIB)  # overwrite: the old bytes leave
        self.assertEqual(quota_of(server)["bytes"], 1000 + 10 * KIB)
        self.assertEqual(quota_of(server)["files"], 2)
        self.stor(ftp, "b.bin", b"b" * KIB)
        self.assertEqual(quota_of(server)["files"], 3)
        self.assert_refused(lambda: self.stor(ftp, "c.bin", b"c"))  # files=3: no new file
        self.stor(ftp, "b.bin", b"B" * KIB)  # an overwrite is no new file
        ftp.delete("a.bin")
        self.assertEqual((quota_of(server)["bytes"], quota_of(server)["files"]), (1000 + KIB, 2))
        self.assertTrue(self.stor(ftp, "c.bin", b"c").startswith("226"))
        ftp.sendcmd("RNFR c.bin")
        ftp.sendcmd("RNTO b.bin")  # replaces b.bin: its bytes and its file leave
        self.assertEqual((quota_of(server)["bytes"], quota_of(server)["files"]), (1001, 2))
        self.assertEqual(disk_usage(server.home), (1001, 2))

    def sessions_on_two_workers(self, server):
        """Two logged-in sessions of alice on different workers."""
        clients = []
        while True:
            ftp = self.login(server)
            clients.append(ftp)
            workers = {}
            for s in status_json(server)["sessions"]:
                workers.setdefault(s["worker"], s)
            if len(workers) >= 2:
                break
            self.assertLess(len(clients), 40, "the kernel gave every connection to one worker")
        by_worker, seen = [], set()
        sessions = status_json(server)["sessions"]
        for ftp in clients:
            port = ftp.sock.getsockname()[1]
            s = next(x for x in sessions if x["client"].endswith(f":{port}"))
            if s["worker"] not in seen:
                seen.add(s["worker"])
                by_worker.append(ftp)
        return by_worker[:2]

    def test_two_sessions_on_two_workers_never_store_more_than_the_quota(self):
        server = self.server()
        a, b = self.sessions_on_two_workers(server)
        chunk = os.urandom(350 * KIB)
        conns = []
        for ftp, name in ((a, "a.bin"), (b, "b.bin")):
            ftp.voidcmd("TYPE I")
            conns.append(ftp.transfercmd(f"STOR {name}"))
        # Interleaved: 700 KiB each, 1.4 MiB in all against a quota of 1 MiB.
        for _ in range(2):
            for conn in conns:
                try:
                    conn.sendall(chunk)
                except OSError:
                    pass  # this upload was cut: the server closed its data connection
        replies = []
        for ftp, conn in zip((a, b), conns):
            try:
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            conn.close()
            try:
                replies.append(ftp.voidresp())
            except ftplib.Error as e:
                replies.append(str(e))
        self.assertTrue(any(r.startswith("552") for r in replies), replies)
        self.assertLessEqual(sum(r.startswith("226") for r in replies), 1, replies)
        wait_until(lambda: not self.leftovers(server), what="temporary files removed")
        used, files = disk_usage(server.home)
        self.assertLessEqual(used, MIB)
        self.assertEqual((quota_of(server)["bytes"], quota_of(server)["files"]), (used, files))

    def test_usage_right_after_a_worker_is_killed_mid_upload(self):
        server = self.server(env={})
        ftp = self.login(server)
        ftp.voidcmd("TYPE I")
        conn = ftp.transfercmd("STOR big.bin")
        self.addCleanup(conn.close)
        conn.sendall(os.urandom(300 * KIB))
        port = ftp.sock.getsockname()[1]
        mine = lambda: next((s for s in status_json(server)["sessions"] if s["client"].endswith(f":{port}")), None)
        wait_until(lambda: (mine() or {}).get("bytes", 0) >= 300 * KIB, what="300 KiB received")
        worker = next(w["pid"] for w in status_json(server)["workers"] if w["slot"] == mine()["worker"])
        before = server.worker_pids()
        os.kill(worker, signal.SIGKILL)
        server.wait_for_workers(len(before), exclude={worker})
        self.login(server)  # the next login counts again from the disk
        wait_until(lambda: quota_of(server)["counted"], what="usage counted again")
        self.assertEqual((quota_of(server)["bytes"], quota_of(server)["files"]), disk_usage(server.home))


if __name__ == "__main__":
    unittest.main()
