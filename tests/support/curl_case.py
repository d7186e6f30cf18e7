"""A unittest base for tests that drive curl against a real ftpd: a local temp dir, a
server with a few files (and a dot-file), and curl run verbosely."""

import os
import shutil
import subprocess
import unittest

from ftpd_fixture import Server, make_tempdir

CURL = shutil.which("curl")
HELLO = b"Hello from ftpd.\n"


class CurlCase(unittest.TestCase):
    """Subclasses set DATA (the bytes of data.bin) and are skipped when curl is missing."""

    DATA = b""

    def setUp(self):
        if not CURL:
            self.skipTest("curl is not installed (apt-get install curl)")
        self.local = make_tempdir("ftpd-curl-")
        self.addCleanup(shutil.rmtree, self.local, True)

    def files(self):
        return {"hello.txt": HELLO, "data.bin": self.DATA, "sub/inner.txt": b"inner\n"}

    def server(self, **kwargs):
        kwargs.setdefault("files", self.files())
        kwargs.setdefault("hidden_file", True)
        return Server.for_test(self, **kwargs)

    def curl(self, *args):
        """Run curl verbosely; return (exit code, stdout bytes, stderr text)."""
        proc = subprocess.run([CURL, "--silent", "--show-error", "--verbose", "--max-time", "60", *args],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=90)
        return proc.returncode, proc.stdout, proc.stderr.decode(errors="replace")

    def url(self, server, path=""):
        return f"ftp://127.0.0.1:{server.port}/{path}"

    def local_file(self, name, data):
        path = os.path.join(self.local, name)
        with open(path, "wb") as f:
            f.write(data)
        return path
