"""Virtual users from `users_file`: logins with crypt(3) hashes, each user confined
to their own root, ro/rw permissions, failed logins (delay, 421 after too many, the
fail2ban log line), `ftpd -t` on a bad users file, and SIGHUP picking up changes
(or keeping the old users when the new file is broken)."""

import ftplib
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import unittest

from ftpd_fixture import (Server, ftp_client, read_reply, run_ftpd, sha256, sha256_file,
                          sha512_crypt, wait_until)

HERE = os.path.dirname(os.path.abspath(__file__))
FAIL2BAN_FILTER = os.path.join(HERE, "..", "..", "etc", "fail2ban", "filter.d", "ftpd.conf")
RELOAD_OK = r"reload: generation (\d+)"
ANON_FILES = {"anon.txt": b"anonymous only\n"}
ALICE_FILES = {"mine.txt": b"alice's file\n"}
UPLOAD = os.urandom(256 * 1024 + 7)


def retrieve(ftp, name):
    buf = io.BytesIO()
    reply = ftp.retrbinary(f"RETR {name}", buf.write)
    return reply, buf.getvalue()


def fail2ban_regex():
    """etc/fail2ban/filter.d/ftpd.conf's failregex, with <ADDR> as a named group."""
    with open(FAIL2BAN_FILTER) as f:
        line = next(l for l in f if l.startswith("failregex"))
    regex = line.split("=", 1)[1].strip()
    return re.compile(regex.replace("<ADDR>", r"(?P<addr>[0-9a-fA-F.:]+)"), re.M)


class Control:
    """A bare control connection, for replies ftplib hides (421, then EOF)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.file = self.sock.makefile("rb")
        self.port = self.sock.getsockname()[1]
        code, _ = read_reply(self.file)
        assert code == "220"

    def cmd(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return read_reply(self.file)

    def at_eof(self):
        return self.file.readline() == b""

    def close(self):
        self.file.close()
        self.sock.close()


class AccountsTest(unittest.TestCase):

    def server(self, users, login_fail_delay=0, **kwargs):
        """A server with ANON_FILES in the anonymous root, alice's and bob's roots
        beside it, and a users file made of `users` (a function of the server)."""
        kwargs.setdefault("files", ANON_FILES)
        kwargs.setdefault("anonymous_write", False)
        server = Server.for_test(self, start=False, login_fail_delay=login_fail_delay, **kwargs)
        server.alice_root = server.make_dir("alice", ALICE_FILES, writable=True)
        server.bob_root = server.make_dir("bob", {"readme.txt": b"read me\n"})
        server.users_path = server.write_users(users(server))
        server.rewrite_config(users_file=server.users_path)
        server.start()
        return server

    def standard(self, **kwargs):
        return self.server(lambda s: [
            "# test users",
            f"alice:{sha512_crypt('alice-pw')}:{s.alice_root}",
            f"bob:{sha512_crypt('bob-pw', 'bobsalt')}:{s.bob_root}:ro",
            f"carol:{sha512_crypt('carol-pw')}",
            f"locked:!{sha512_crypt('locked-pw')}",
        ], **kwargs)

    def client(self, server, user=None, passwd=None):
        ftp = ftp_client(server, login=False)
        self.addCleanup(ftp.close)
        if user is not None:
            self.assertTrue(ftp.login(user, passwd).startswith("230"))
        return ftp

    def control(self, server):
        c = Control(server.port)
        self.addCleanup(c.close)
        return c

    def assert_code(self, code, call, *args):
        with self.assertRaises(ftplib.Error) as ctx:
            call(*args)
        self.assertTrue(str(ctx.exception).startswith(code), f"expected {code}, got {ctx.exception}")

    # ---- logins and roots

    def test_user_logs_in_to_their_own_root(self):
        server = self.standard()
        ftp = self.client(server, "alice", "alice-pw")
        self.assertEqual(ftp.pwd(), "/")
        self.assertEqual(ftp.nlst(), ["mine.txt"])
        reply, data = retrieve(ftp, "mine.txt")
        self.assertTrue(reply.startswith("226"), reply)
        self.assertEqual(data, ALICE_FILES["mine.txt"])
        server.wait_for_log(r"session \S+ from 127\.0\.0\.1 port \d+ user 'alice': logged in \(rw\)")

    def test_user_cannot_reach_outside_their_root(self):
        server = self.standard()
        os.symlink(server.path("anon.txt"), os.path.join(server.alice_root, "abs-link"))
        os.symlink("../root/anon.txt", os.path.join(server.alice_root, "rel-link"))
        os.symlink("..", os.path.join(server.alice_root, "up"))
        ftp = self.client(server, "alice", "alice-pw")
        for name in ("anon.txt", "../root/anon.txt", "/../root/anon.txt", server.path("anon.txt"),
                     "abs-link", "rel-link", "up/root/anon.txt", "../../../etc/passwd"):
            self.assert_code("550", retrieve, ftp, name)
        ftp.cwd("..")
        self.assertEqual(ftp.pwd(), "/")
        self.assertIn("mine.txt", ftp.nlst())
        ftp.cwd("up")  # ".." inside the root is the root itself
        self.assertIn("mine.txt", ftp.nlst())
        self.assertNotIn("anon.txt", ftp.nlst())

    def test_user_without_root_gets_the_config_root_and_may_write_there(self):
        server = self.standard()
        os.chmod(server.root, 0o777)
        ftp = self.client(server, "carol", "carol-pw")
        self.assertEqual(ftp.nlst(), ["anon.txt"])
        self.assertTrue(ftp.storbinary("STOR carol.bin", io.BytesIO(UPLOAD)).startswith("226"))
        self.assertEqual(sha256_file(server.path("carol.bin")), sha256(UPLOAD))
        # The same directory stays read-only for anonymous (anonymous_write = no).
        anon = self.client(server, "anonymous", "me@example.com")
        self.assert_code("553", anon.storbinary, "STOR anon.bin", io.BytesIO(b"x"))

    def test_anonymous_still_gets_the_config_root(self):
        server = self.standard()
        ftp = self.client(server, "anonymous", "me@example.com")
        self.assertEqual(ftp.nlst(), ["anon.txt"])

    def test_ro_user_gets_553_on_stor_and_550_on_mkd_dele(self):
        server = self.standard()
        ftp = self.client(server, "bob", "bob-pw")
        reply, data = retrieve(ftp, "readme.txt")
        self.assertEqual(data, b"read me\n")
        self.assert_code("553", ftp.storbinary, "STOR new.bin", io.BytesIO(b"data"))
        self.assert_code("550", ftp.mkd, "newdir")
        self.assert_code("550", ftp.delete, "readme.txt")
        self.assertEqual(sorted(os.listdir(server.bob_root)), ["readme.txt"])

    def test_rw_user_uploads_makes_directories_and_deletes(self):
        server = self.standard()
        ftp = self.client(server, "alice", "alice-pw")
        self.assertTrue(ftp.storbinary("STOR up.bin", io.BytesIO(UPLOAD)).startswith("226"))
        self.assertEqual(sha256_file(os.path.join(server.alice_root, "up.bin")), sha256(UPLOAD))
        _, data = retrieve(ftp, "up.bin")
        self.assertEqual(sha256(data), sha256(UPLOAD))
        self.assertTrue(ftp.mkd("newdir").endswith("newdir"))
        self.assertTrue(os.path.isdir(os.path.join(server.alice_root, "newdir")))
        ftp.delete("mine.txt")
        self.assertFalse(os.path.exists(os.path.join(server.alice_root, "mine.txt")))
        self.assertFalse(os.path.exists(server.path("up.bin")))

    def test_yescrypt_hash_logs_in(self):
        if not shutil.which("mkpasswd"):
            self.skipTest("mkpasswd (package whois) is not installed")
        hashed = subprocess.run(["mkpasswd", "-m", "yescrypt", "--stdin"], input=b"yes-pw",
                                capture_output=True, check=True).stdout.decode().strip()
        self.assertTrue(hashed.startswith("$y$"), hashed)
        server = self.server(lambda s: [f"yvonne:{hashed}:{s.alice_root}:ro"])
        ftp = self.client(server, "yvonne", "yes-pw")
        self.assertEqual(ftp.nlst(), ["mine.txt"])

    def test_a_root_the_workers_cannot_open_gets_530_and_a_log_line(self):
        server = self.standard()
        os.chmod(server.alice_root, 0o700)  # workers run as nobody
        ftp = self.client(server)
        self.assert_code("530", ftp.login, "alice", "alice-pw")
        server.wait_for_log(r"user 'alice': cannot open root: access\(\"[^\n]*\"\): Permission denied")
        os.rename(server.alice_root, server.alice_root + ".gone")
        self.assert_code("530", ftp.login, "alice", "alice-pw")
        server.wait_for_log(r"user 'alice': cannot open root: [^\n]*No such file or directory")
        # The password was right: not a failed login for fail2ban.
        self.assertEqual(server.log_findall(r"login failed for user 'alice'"), [])

    # ---- protocol details

    def test_acct_user_while_logged_in_and_pass_without_user(self):
        server = self.standard()
        c = self.control(server)
        self.assertEqual(c.cmd("PASS x")[0], "503")
        self.assertEqual(c.cmd("USER alice")[0], "331")
        self.assertEqual(c.cmd("PASS alice-pw")[0], "230")
        self.assertEqual(c.cmd("ACCT anything")[0], "202")
        self.assertEqual(c.cmd("USER bob")[0], "530")
        self.assertEqual(c.cmd("PWD")[0], "257")

    def test_names_are_case_sensitive_and_passwords_per_user(self):
        server = self.standard()
        for user, pw in (("Alice", "alice-pw"), ("alice", "bob-pw"), ("bob", "alice-pw")):
            ftp = self.client(server)
            self.assert_code("530", ftp.login, user, pw)

    # ---- failed logins

    def test_wrong_password_gets_530_after_the_delay(self):
        server = self.standard(login_fail_delay=2)
        c = self.control(server)
        self.assertEqual(c.cmd("USER alice")[0], "331")
        start = time.monotonic()
        code, text = c.cmd("PASS wrong")
        elapsed = time.monotonic() - start
        self.assertEqual(code, "530", text)
        self.assertGreaterEqual(elapsed, 1.9)
        # The session goes on: the right password now logs in.
        self.assertEqual(c.cmd("USER alice")[0], "331")
        self.assertEqual(c.cmd("PASS alice-pw")[0], "230")

    def test_other_sessions_are_served_during_a_login_delay(self):
        server = self.standard(login_fail_delay=3, workers=1)
        slow = self.control(server)
        slow.cmd("USER alice")
        slow.sock.sendall(b"PASS wrong\r\n")
        server.wait_for_log(rf"port {slow.port}: login failed for user 'alice'")  # delay started
        start = time.monotonic()
        ftp = self.client(server, "alice", "alice-pw")
        self.assertEqual(ftp.nlst(), ["mine.txt"])
        self.assertLess(time.monotonic() - start, 2.5)
        self.assertEqual(read_reply(slow.file)[0], "530")

    def test_a_slow_password_hash_does_not_stall_the_other_sessions(self):
        # crypt(3) runs on the worker's helper thread: while one session's PASS is being
        # hashed (sha512-crypt with millions of rounds: about a second), another session
        # of the same worker gets its replies. On the event loop, the NOOP's reply would
        # come only after the PASS reply.
        if not shutil.which("mkpasswd"):
            self.skipTest("mkpasswd (package whois) is not installed")
        hashed = subprocess.run(["mkpasswd", "-m", "sha-512", "-R", "5000000", "--stdin"],
                                input=b"slow-pw", capture_output=True, check=True).stdout.decode().strip()
        server = self.server(lambda s: [f"sloane:{hashed}:{s.alice_root}:ro"], workers=1,
                             log_level="debug")
        other = self.control(server)
        self.assertEqual(other.cmd("USER anonymous")[0], "331")
        self.assertEqual(other.cmd("PASS x@y")[0], "230")
        slow = self.control(server)
        self.assertEqual(slow.cmd("USER sloane")[0], "331")
        slow.sock.sendall(b"PASS slow-pw\r\n")
        server.wait_for_log(rf"port {slow.port}: PASS \*\*\*\*")  # being handled now
        self.assertEqual(other.cmd("NOOP")[0], "200")
        self.assertEqual(other.cmd("PWD")[0], "257")
        slow.sock.settimeout(0)  # a timeout socket would wait for data despite MSG_DONTWAIT
        with self.assertRaises(BlockingIOError, msg="the PASS reply came before the NOOP's"):
            slow.sock.recv(1, socket.MSG_PEEK)
        slow.sock.settimeout(10)
        self.assertEqual(read_reply(slow.file)[0], "230")
        self.assertEqual(slow.cmd("NLST")[0], "425")  # logged in: now it wants a data connection

    def test_unknown_user_and_locked_account_get_530(self):
        server = self.standard()
        for user, pw in (("nobody-here", "x"), ("locked", "locked-pw"), ("locked", "!")):
            ftp = self.client(server)
            self.assert_code("530", ftp.login, user, pw)

    def test_third_failure_closes_the_connection_with_421(self):
        server = self.standard()
        c = self.control(server)
        for attempt in (1, 2):
            self.assertEqual(c.cmd("USER alice")[0], "331")
            self.assertEqual(c.cmd(f"PASS wrong{attempt}")[0], "530")
        self.assertEqual(c.cmd("USER alice")[0], "331")
        code, text = c.cmd("PASS wrong3")
        self.assertEqual(code, "421", text)
        self.assertIn("Too many failed logins", text)
        self.assertTrue(c.at_eof())

    def test_max_login_failures_is_configurable(self):
        server = self.standard(max_login_failures=1)
        c = self.control(server)
        c.cmd("USER carol")
        self.assertEqual(c.cmd("PASS wrong")[0], "421")
        self.assertTrue(c.at_eof())

    def test_failed_logins_are_logged_for_fail2ban_with_the_client_address(self):
        server = self.standard()
        c = self.control(server)
        c.cmd("USER alice")
        c.cmd("PASS wrong")
        c.cmd("USER no-such-user")
        c.cmd("PASS wrong")
        server.wait_for_log(rf"from 127\.0\.0\.1 port {c.port}: login failed for user 'no-such-user'")
        regex = fail2ban_regex()
        matches = [m for m in regex.finditer(server.log_text()) if f"port {c.port}:" in m.group(0)]
        self.assertEqual(len(matches), 2, server.log_text()[-3000:])
        self.assertTrue(all(m.group("addr") == "127.0.0.1" for m in matches))
        self.assertIn("login failed for user 'alice'", matches[0].group(0))

    # ---- ftpd -t

    def test_config_check_reports_a_bad_users_file_with_its_line(self):
        server = Server.for_test(self, start=False, files=ANON_FILES)
        users = server.write_users([
            "# line 1",
            f"alice:{sha512_crypt('alice-pw')}",
            "bob:$6$incomplete",
            f"carol:{sha512_crypt('c')}:/no/such/dir",
            f"alice:{sha512_crypt('again')}",
            f"dave:{sha512_crypt('d')}:::quota=lots,sessions=2",
            f"erin:{sha512_crypt('e')}:::quota=1G,files=10,sessions=2,down=1M,up=512K",
        ])
        server.rewrite_config(users_file=users)
        rc, out, err = run_ftpd(["-t", "-c", server.conf_path], cwd=server.dir)
        self.assertEqual(rc, 1, f"stdout={out!r} stderr={err!r}")
        self.assertEqual({int(n) for n in re.findall(re.escape(users) + r":(\d+):", err)}, {3, 4, 5, 6}, err)
        self.assertIn(":6: user 'dave': bad value for 'quota'", err)
        self.assertIn("/no/such/dir", err)
        self.assertIn("already defined on line 2", err)
        self.assertNotIn("alice-pw", err)

        server.write_users([f"alice:{sha512_crypt('alice-pw')}"])
        rc, out, err = run_ftpd(["-t", "-c", server.conf_path], cwd=server.dir)
        self.assertEqual((rc, out.strip()), (0, "ok"), err)

    def test_config_check_reports_a_missing_users_file_at_the_key(self):
        server = Server.for_test(self, start=False)
        missing = os.path.join(server.dir, "absent-users")
        server.rewrite_config(users_file=missing)
        rc, out, err = run_ftpd(["-t", "-c", server.conf_path], cwd=server.dir)
        self.assertEqual(rc, 1, err)
        self.assertRegex(err, re.escape(server.conf_path) + r":\d+: users_file '" + re.escape(missing) + "'")

    # ---- reload

    def reload(self, server, ok=True, workers=2):
        old = server.wait_for_workers(workers)
        mark = server.log_mark()
        server.signal(signal.SIGHUP)
        if ok:
            server.wait_for_log(RELOAD_OK, since=mark)
            server.wait_for_workers(workers, exclude=old)
            return None
        return server.wait_for_log(r"reload failed: ([^\n]+)", since=mark)

    def test_sighup_picks_up_a_new_user(self):
        server = self.standard()
        ftp = self.client(server)
        self.assert_code("530", ftp.login, "dave", "dave-pw")
        ftp.close()  # an open session would keep its old worker draining
        with open(server.users_path, "a") as f:
            f.write(f"dave:{sha512_crypt('dave-pw')}:{server.bob_root}:ro\n")
        self.reload(server)
        ftp = self.client(server, "dave", "dave-pw")
        self.assertEqual(ftp.nlst(), ["readme.txt"])
        self.client(server, "alice", "alice-pw")

    def test_broken_users_file_on_sighup_keeps_the_old_users(self):
        server = self.standard()
        server.write_users([
            f"erin:{sha512_crypt('erin-pw')}",
            "alice:not-a-hash",
        ])
        failed = self.reload(server, ok=False)
        self.assertIn(server.users_path + ":2:", failed.group(1))
        self.assertTrue(server.master_alive())
        self.client(server, "alice", "alice-pw")
        ftp = self.client(server)
        self.assert_code("530", ftp.login, "erin", "erin-pw")

    # ---- live changes of the users file (no reload)

    def replace_users(self, server, lines):
        """Write the users file as an editor would: a temporary file renamed over it."""
        tmp = server.users_path + ".new"
        with open(tmp, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(tmp, 0o600)
        os.rename(tmp, server.users_path)

    def wait_reread(self, server, mark, workers=2):
        """Both workers logged that they took the changed file."""
        server.wait_for_log(r"users file \S+ changed: \d+ user", since=mark)
        wait_until(lambda: len(server.log_findall(r"users file re-read: (\d+) user", mark)) >= workers,
                   what="every worker re-read the users file")

    def test_a_changed_users_file_applies_to_new_logins_without_a_reload(self):
        server = self.standard()
        before = self.client(server, "alice", "alice-pw")  # stays logged in throughout
        mark = server.log_mark()
        self.replace_users(server, [
            "# test users, edited",
            f"alice:{sha512_crypt('alice-new', 'newsalt')}:{server.alice_root}",
            f"dave:{sha512_crypt('dave-pw')}:{server.bob_root}:ro:down=0",
        ])
        self.wait_reread(server, mark)
        self.assertNotRegex(server.log_text()[mark:], RELOAD_OK)
        for _ in range(4):  # whichever worker takes the connection
            self.client(server, "dave", "dave-pw")
            self.client(server, "alice", "alice-new")
            ftp = self.client(server)
            self.assert_code("530", ftp.login, "alice", "alice-pw")
            ftp = self.client(server)
            self.assert_code("530", ftp.login, "bob", "bob-pw")
        self.assertEqual(before.nlst(), ["mine.txt"])  # the open session was not cut

    def test_a_broken_edit_is_reported_with_its_line_and_changes_nothing(self):
        server = self.standard()
        mark = server.log_mark()
        self.replace_users(server, [
            f"erin:{sha512_crypt('erin-pw')}",
            f"alice:{sha512_crypt('alice-pw')}:{server.alice_root}:rw:quota=lots",
        ])
        server.wait_for_log(r"users file \S+ changed but has 1 error", since=mark)
        self.assertIn(server.users_path + ":2: user 'alice': bad value for 'quota'", server.log_text()[mark:])
        self.client(server, "alice", "alice-pw")
        ftp = self.client(server)
        self.assert_code("530", ftp.login, "erin", "erin-pw")


if __name__ == "__main__":
    unittest.main()
