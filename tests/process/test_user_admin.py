"""`ftpctl user` against a running ftpd: add then log in, passwd for new logins without a
reload, concurrent edits that lose nothing, comments/malformed lines/mode/owner kept,
list and show; per-user max_sessions (and anonymous_max_sessions), and download and
upload rates that are separate from each other."""

import ftplib
import io
import json
import os
import pwd
import re
import subprocess
import time
import unittest

from ftpd_fixture import RawControl, Server, ftp_client, ftpctl_bin, sha256, sha512_crypt, wait_until

PAYLOAD = os.urandom(384 * 1024)
RATE = 128 * 1024  # bytes/s


def user_cmd(server, *args, password=None, timeout=30):
    """ftpctl -c CONF user ARGS, with `password` (a line) on stdin; no controlling terminal."""
    cmd = [ftpctl_bin(), "-c", server.conf_path, "user"] + [str(a) for a in args]
    out = subprocess.run(cmd, input=(password + "\n").encode() if password is not None else b"",
                         capture_output=True, timeout=timeout, start_new_session=True)
    return out.returncode, out.stdout.decode(errors="replace"), out.stderr.decode(errors="replace")


class UserAdminTest(unittest.TestCase):

    def server(self, lines=None, **kwargs):
        kwargs.setdefault("files", {"pub.txt": b"public\n"})
        server = Server.for_test(self, start=False, **kwargs)
        server.home = server.make_dir("home", {"mine.txt": b"mine\n"}, writable=True)
        if lines is None:
            lines = ["# users of the test", f"alice:{sha512_crypt('alice-pw')}:{server.home}"]
        elif callable(lines):
            lines = lines(server)
        server.users_path = server.write_users(lines)
        server.rewrite_config(users_file=server.users_path)
        server.start()
        return server

    def login(self, server, user, password):
        ftp = ftp_client(server, login=False)
        self.addCleanup(ftp.close)
        return ftp.login(user, password)

    def assert_login_fails(self, server, user, password, code="530"):
        ftp = ftp_client(server, login=False)
        self.addCleanup(ftp.close)
        with self.assertRaises(ftplib.Error) as ctx:
            ftp.login(user, password)
        self.assertTrue(str(ctx.exception).startswith(code), str(ctx.exception))

    def edit(self, server, *args, password=None):
        """Runs an editing command and waits until every worker took the new file."""
        mark = server.log_mark()
        rc, out, err = user_cmd(server, *args, password=password)
        self.assertEqual(rc, 0, f"stdout={out!r} stderr={err!r}")
        wait_until(lambda: len(server.log_findall(r"users file re-read: \d+ user", mark)) >= 2,
                   what="both workers re-read the users file")
        return out, err

    def test_add_then_log_in_with_that_password(self):
        server = self.server()
        out, _ = self.edit(server, "add", "bob", "--root", server.home, "--password-stdin", password="b0b pass")
        self.assertIn("user 'bob' added", out)
        self.assertTrue(self.login(server, "bob", "b0b pass").startswith("230"))
        self.assert_login_fails(server, "bob", "wrong")
        with open(server.users_path) as f:
            line = next(l for l in f if l.startswith("bob:"))
        self.assertRegex(line, r"^bob:\$(y|6)\$")  # yescrypt, or SHA-512 where missing
        with open(server.users_path) as f:
            self.assertNotIn("b0b pass", f.read())

    def test_passwd_changes_it_for_new_logins_without_a_reload(self):
        server = self.server()
        before = ftp_client(server, login=False)
        self.addCleanup(before.close)
        before.login("alice", "alice-pw")
        mark = server.log_mark()
        self.edit(server, "passwd", "alice", "--password-stdin", password="new-secret")
        self.assertNotRegex(server.log_text()[mark:], r"reload: generation")
        for _ in range(3):
            self.assertTrue(self.login(server, "alice", "new-secret").startswith("230"))
            self.assert_login_fails(server, "alice", "alice-pw")
        self.assertEqual(before.nlst(), ["mine.txt"])  # the open session goes on

    def test_two_concurrent_edits_lose_neither(self):
        server = self.server()
        procs = []
        for i in range(8):
            procs.append(subprocess.Popen(
                [ftpctl_bin(), "-c", server.conf_path, "user", "add", f"u{i}", "--password-stdin"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                start_new_session=True))
        for i, p in enumerate(procs):
            out, err = p.communicate(f"pw{i}\n".encode(), timeout=60)
            self.assertEqual(p.returncode, 0, err)
        rc, out, err = user_cmd(server, "list", "--json")
        self.assertEqual(rc, 0, err)
        names = {u["name"] for u in json.loads(out)}
        self.assertEqual(names, {"alice"} | {f"u{i}" for i in range(8)})

    def test_edits_keep_comments_malformed_lines_mode_and_owner(self):
        server = self.server(lines=None)
        with open(server.users_path, "a") as f:
            f.write("this line is broken\n# trailing comment\n")
        nobody = pwd.getpwnam("nobody")
        os.chown(server.users_path, 0, nobody.pw_gid)
        os.chmod(server.users_path, 0o640)
        rc, out, err = user_cmd(server, "set", "alice", "--quota", "10M", "--max-sessions", "3")
        self.assertEqual(rc, 0, err)
        self.assertRegex(err, re.escape(server.users_path) + r":3: .*kept as it is")
        st = os.stat(server.users_path)
        self.assertEqual((st.st_mode & 0o7777, st.st_uid, st.st_gid), (0o640, 0, nobody.pw_gid))
        with open(server.users_path) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0], "# users of the test")
        self.assertRegex(lines[1], r"^alice:\$6\$[^:]+:" + re.escape(server.home) + r":rw:quota=10M,sessions=3$")
        self.assertEqual(lines[2:], ["this line is broken", "# trailing comment"])
        self.assertEqual([n for n in os.listdir(server.dir) if n.startswith("users.")], ["users.lock"])

    def test_del_and_unknown_users_and_bad_options(self):
        server = self.server()
        self.edit(server, "del", "alice")
        self.assert_login_fails(server, "alice", "alice-pw")
        rc, _, err = user_cmd(server, "del", "alice")
        self.assertEqual(rc, 1)
        self.assertIn("no user 'alice'", err)
        rc, _, err = user_cmd(server, "add", "carol", "--quota", "lots", "--password-stdin", password="x")
        self.assertEqual(rc, 2, err)
        rc, _, err = user_cmd(server, "add", "carol", "--password", "x")
        self.assertEqual(rc, 2, err)  # never from the command line
        rc, _, err = user_cmd(server, "add", "carol")  # no terminal, no --password-stdin
        self.assertEqual(rc, 1)
        self.assertIn("--password-stdin", err)
        rc, _, err = user_cmd(server, "add", "anonymous", "--password-stdin", password="x")
        self.assertEqual(rc, 1)
        self.assertIn("reserved", err)
        rc, _, err = user_cmd(server, "add", "dave", "--root", "/no/such/dir", "--password-stdin", password="x")
        self.assertEqual(rc, 1)
        self.assertIn("/no/such/dir", err)

    def test_del_leaves_open_sessions_and_del_kick_ends_them(self):
        server = self.server(lines=lambda s: [f"alice:{sha512_crypt('alice-pw')}:{s.home}",
                                              f"bob:{sha512_crypt('bob-pw')}:{s.home}"])
        alice = RawControl(server.port, user="alice", passwd="alice-pw")
        self.addCleanup(alice.close)
        bobs = [RawControl(server.port, user="bob", passwd="bob-pw") for _ in range(2)]
        for b in bobs:
            self.addCleanup(b.close)
        self.edit(server, "del", "alice")
        self.assertEqual(alice.command("NOOP")[0], "200")  # not cut
        mark = server.log_mark()
        rc, out, err = user_cmd(server, "del", "bob", "--kick")
        self.assertEqual(rc, 0, err)
        self.assertIn("ended 2 open session(s)", out)
        for b in bobs:
            code, text = b.reply()  # unsolicited, within the workers' next heartbeat
            self.assertEqual(code, "421", text)
            self.assertEqual(b.file.readline(), b"")
        self.assertEqual(len(server.log_findall(r"ended by 'ftpctl user del --kick'", mark)), 2)
        self.assertEqual(alice.command("NOOP")[0], "200")
        wait_until(lambda: len(server.log_findall(r"users file re-read: \d+ user", mark)) >= 2,
                   what="both workers re-read the users file")
        self.assert_login_fails(server, "bob", "bob-pw")

    def test_list_and_show(self):
        server = self.server()
        rc, out, err = user_cmd(server, "set", "alice", "--ro", "--quota-files", "50", "--rate-down", "1M",
                                "--rate-up", "0")
        self.assertEqual(rc, 0, err)
        rc, out, err = user_cmd(server, "list", "--json")
        self.assertEqual(rc, 0, err)
        (alice,) = json.loads(out)
        self.assertEqual((alice["perm"], alice["quota_files"], alice["rate_down"], alice["rate_up"]),
                         ("ro", 50, 1048576, 0))
        rc, out, err = user_cmd(server, "list")
        self.assertRegex(out, r"alice\s+" + re.escape(server.home) + r"\s+ro\s+-\s+50\s+-\s+1M\s+unlimited")
        wait_until(lambda: server.log_findall(r"users file \S+ changed"), what="the master saw the change")
        wait_until(lambda: self._try_login(server), what="alice logs in")
        rc, out, err = user_cmd(server, "show", "alice", "--json")
        self.assertEqual(rc, 0, err)
        shown = json.loads(out)
        self.assertTrue(shown["running"])
        self.assertEqual(len(shown["sessions"]), 1)
        rc, out, err = user_cmd(server, "show", "alice")
        self.assertIn("open:       1 session(s)", out)

    def _try_login(self, server):
        ftp = ftp_client(server, login=False)
        try:
            ftp.login("alice", "alice-pw")
        except ftplib.Error:
            ftp.close()
            return False
        self.addCleanup(ftp.close)
        return True

    # ---- limits

    def test_max_sessions_refuses_the_one_over_with_421(self):
        server = self.server(lines=[f"alice:{sha512_crypt('alice-pw')}:::sessions=2"])
        self.login(server, "alice", "alice-pw")
        self.login(server, "alice", "alice-pw")
        self.assert_login_fails(server, "alice", "alice-pw", code="421")
        self.assertIn("max_sessions is 2", server.log_text())

    def test_anonymous_max_sessions(self):
        server = self.server(anonymous_max_sessions=1)
        self.login(server, "anonymous", "a@b")
        self.assert_login_fails(server, "ftp", "a@b", code="421")
        self.assertTrue(self.login(server, "alice", "alice-pw").startswith("230"))

    def test_download_and_upload_rates_are_separate(self):
        # max_rate = 1 KiB/s would make either transfer take over 6 minutes; the user's
        # up=0 lifts it for uploads only, down= sets downloads' own limit.
        server = self.server(lines=lambda s: [f"alice:{sha512_crypt('alice-pw')}:{s.home}:rw:down={RATE // 1024}K,up=0"],
                             max_rate=1024)
        with open(os.path.join(server.home, "payload.bin"), "wb") as f:
            f.write(PAYLOAD)
        ftp = ftp_client(server, login=False)
        self.addCleanup(ftp.close)
        ftp.login("alice", "alice-pw")
        ftp.storbinary("STOR up.bin", io.BytesIO(PAYLOAD))  # unlimited: the test's timeout bounds it
        with open(os.path.join(server.home, "up.bin"), "rb") as f:
            self.assertEqual(sha256(f.read()), sha256(PAYLOAD))
        buf = io.BytesIO()
        start = time.monotonic()
        ftp.retrbinary("RETR payload.bin", buf.write)
        elapsed = time.monotonic() - start
        self.assertEqual(sha256(buf.getvalue()), sha256(PAYLOAD))
        self.assertGreaterEqual(elapsed, (len(PAYLOAD) - RATE / 10) / RATE)


if __name__ == "__main__":
    unittest.main()
