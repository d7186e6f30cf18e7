"""A unittest base for tests that drive a real ftpd with Python's ftplib: a server with the
subclass's FILES (and a hidden dot-file), logged-in clients closed at cleanup, and an
assertion on the reply code of a refused command."""

import ftplib
import unittest

from ftpd_fixture import Server, ftp_client


class FtpCase(unittest.TestCase):

    FILES = {}

    def server(self, **kwargs):
        kwargs.setdefault("files", self.FILES)
        kwargs.setdefault("hidden_file", True)
        return Server.for_test(self, **kwargs)

    def client(self, server, **kwargs):
        ftp = ftp_client(server, **kwargs)
        self.addCleanup(ftp.close)
        return ftp

    def assert_code(self, code, call, *args, **kwargs):
        """`call(*args, **kwargs)` fails with an ftplib error whose reply starts with `code`."""
        with self.assertRaises(ftplib.Error) as ctx:
            call(*args, **kwargs)
        self.assertTrue(str(ctx.exception).startswith(code), f"expected {code}, got {ctx.exception}")
