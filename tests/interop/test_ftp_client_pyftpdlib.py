"""The ftp client (client/ftp) against another server, Python's pyftpdlib
(Debian: python3-pyftpdlib): login as a user and anonymously, ls, get, put,
and what pyftpdlib offers beyond our server (MLSD globs, REST, APPE, RNFR).

pyftpdlib runs in a child process on 127.0.0.1 with an ephemeral port, under
whichever Python can import it; the tests skip, saying so, when none can."""

import os
import shutil
import tempfile
import unittest

from ftpd_fixture import PyftpdlibServer, python_with_pyftpdlib, run_ftp, sha256, sha256_file

USER, PASSWORD = "alice", "s3cret"
HELLO = b"Hello from pyftpdlib.\n"
DATA = os.urandom(700 * 1024 + 9)


class FtpClientPyftpdlibTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        python = python_with_pyftpdlib()
        if python is None:
            raise unittest.SkipTest("pyftpdlib is not installed (Debian: apt-get install "
                                    "python3-pyftpdlib); skipping the client-vs-pyftpdlib tests")
        cls.dir = tempfile.mkdtemp(prefix="ftp-pyftpdlib-")
        cls.root = os.path.join(cls.dir, "root")
        os.makedirs(os.path.join(cls.root, "sub"))
        for name, data in {"hello.txt": HELLO, "data.bin": DATA, "t1.txt": b"one\n",
                           "t2.txt": b"two\n", "sub/inner.txt": b"inner\n"}.items():
            with open(os.path.join(cls.root, name), "wb") as f:
                f.write(data)
        try:
            cls.server = PyftpdlibServer(python, cls.root, os.path.join(cls.dir, "server.log"),
                                         user=USER, password=PASSWORD)
        except BaseException:
            shutil.rmtree(cls.dir, ignore_errors=True)
            raise
        cls.url = f"ftp://{USER}:{PASSWORD}@127.0.0.1:{cls.server.port}/"

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        self.local = tempfile.mkdtemp(prefix="ftp-client-local-")
        self.addCleanup(shutil.rmtree, self.local, ignore_errors=True)

    def ok(self, commands, *args):
        rc, out, err = run_ftp(list(args) + ["-c", "; ".join(commands), self.url], cwd=self.local)
        self.assertEqual((rc, err), (0, ""), f"stdout:\n{out}")
        return out

    def local_path(self, name):
        return os.path.join(self.local, name)

    def test_user_login_ls_and_get(self):
        out = self.ok(["ls", "get data.bin"])
        for name in ("hello.txt", "data.bin", "sub"):
            self.assertIn(name, out)
        self.assertEqual(sha256_file(self.local_path("data.bin")), sha256(DATA))

    def test_anonymous_login_by_url(self):
        url = f"ftp://127.0.0.1:{self.server.port}/"
        rc, out, err = run_ftp(["-c", "pwd; get hello.txt", url], cwd=self.local)
        self.assertEqual((rc, err), (0, ""))
        with open(self.local_path("hello.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO)

    def test_wrong_password_fails_with_530(self):
        url = f"ftp://{USER}:wrong@127.0.0.1:{self.server.port}/"
        rc, out, err = run_ftp(["-c", "pwd", url], cwd=self.local)
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"ftp: open 127\.0\.0\.1: 530 ")

    def test_put_then_size(self):
        payload = os.urandom(200 * 1024 + 1)
        with open(self.local_path("up.bin"), "wb") as f:
            f.write(payload)
        out = self.ok(["put up.bin", "size up.bin"])
        with open(os.path.join(self.root, "up.bin"), "rb") as f:
            self.assertEqual(f.read(), payload)
        self.assertIn(f"up.bin\t{len(payload)}", out)

    def test_active_mode_get(self):
        self.ok(["get hello.txt"], "-A")
        with open(self.local_path("hello.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO)

    def test_mget_over_mlsd(self):
        self.ok(["mget t*.txt"])
        self.assertEqual(sorted(os.listdir(self.local)), ["t1.txt", "t2.txt"])

    def test_reget_and_reput_resume(self):
        with open(self.local_path("data.bin"), "wb") as f:
            f.write(DATA[:100_000])
        out = self.ok(["reget data.bin"], "-v")
        self.assertEqual(sha256_file(self.local_path("data.bin")), sha256(DATA))
        self.assertRegex(out, r"(?m)^350 ")
        with open(os.path.join(self.root, "part.bin"), "wb") as f:
            f.write(DATA[:300_000])
        self.ok(["reput data.bin part.bin"])
        self.assertEqual(sha256_file(os.path.join(self.root, "part.bin")), sha256(DATA))

    def test_rename_and_delete(self):
        with open(os.path.join(self.root, "before.txt"), "wb") as f:
            f.write(b"x")
        self.ok(["rename before.txt after.txt"])
        self.assertTrue(os.path.exists(os.path.join(self.root, "after.txt")))
        self.ok(["delete after.txt"])
        self.assertFalse(os.path.exists(os.path.join(self.root, "after.txt")))


if __name__ == "__main__":
    unittest.main()
