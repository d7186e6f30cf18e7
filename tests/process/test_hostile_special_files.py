"""Uploads over what is not a regular file: STOR, APPE, STOU and RNTO onto an existing FIFO,
Unix socket, directory (and, as root, a character device) are refused with 553 and leave it
exactly as it was, also with upload_overwrite = yes (vsftpd refuses these too)."""

import os
import socket
import stat
import unittest

from ftpd_fixture import RawControl, Server

HELLO = b"Hello from ftpd.\n"


class SpecialFileUploadTest(unittest.TestCase):

    def setUp(self):
        self.server = Server.for_test(self, workers=1, upload_overwrite=True,
                                      files={"hello.txt": HELLO, "dir/inside.txt": b"inside\n"})
        root = self.server.root
        os.mkfifo(os.path.join(root, "pipe"), 0o666)
        self.unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(self.unix.close)
        self.unix.bind(os.path.join(root, "sock"))
        os.chmod(os.path.join(root, "sock"), 0o666)
        os.chmod(os.path.join(root, "dir"), 0o777)
        self.targets = ["pipe", "sock", "dir"]
        if os.geteuid() == 0:
            os.mknod(os.path.join(root, "null"), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
            self.targets.append("null")
        self.before = self.tree()
        self.c = RawControl(self.server.port)
        self.addCleanup(self.c.close)

    def tree(self):
        """Every name under the root with its type, inode and size."""
        out = {}
        for dirpath, dirnames, filenames in os.walk(self.server.root):
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                st = os.lstat(path)
                size = st.st_size if stat.S_ISREG(st.st_mode) else 0
                out[os.path.relpath(path, self.server.root)] = (stat.S_IFMT(st.st_mode), st.st_ino, size)
        return out

    def assert_refused(self, line):
        code, text = self.c.command(line)
        self.assertEqual(code, "553", f"{line}: {text}")

    def test_stor_appe_stou_and_rnto_onto_special_files_get_553_and_change_nothing(self):
        c = self.c
        for target in self.targets:
            with self.subTest(target=target):
                # A data channel ready, as a client that means it would have: the refusal
                # must come before the 150, not from a failed connection.
                self.assertEqual(c.command("EPSV")[0], "229")
                self.assert_refused(f"STOR {target}")
                self.assert_refused(f"APPE {target}")
                self.assert_refused(f"STOU {target}")
                self.assertEqual(c.command("REST 1")[0], "350")
                self.assert_refused(f"STOR {target}")
                self.assertEqual(c.command("RNFR hello.txt")[0], "350")
                self.assert_refused(f"RNTO {target}")
                self.assertEqual(c.command("NOOP")[0], "200")
                self.assertEqual(self.tree(), self.before)

    def test_a_directory_is_not_replaced_by_a_renamed_directory(self):
        os.mkdir(os.path.join(self.server.root, "empty"), 0o777)
        before = self.tree()
        self.assertEqual(self.c.command("RNFR empty")[0], "350")
        self.assert_refused("RNTO dir")
        self.assertEqual(self.tree(), before)
        os.mkdir(os.path.join(self.server.root, "empty2"), 0o777)
        before = self.tree()
        self.assertEqual(self.c.command("RNFR empty")[0], "350")
        self.assert_refused("RNTO empty2")  # an empty directory would go without a word
        self.assertEqual(self.tree(), before)

    def test_regular_files_are_still_replaced_with_upload_overwrite(self):
        c = self.c
        data = c.pasv()
        with data:
            c.send(b"STOR hello.txt\r\n")
            self.assertEqual(c.reply()[0], "150")
            data.sendall(b"new\n")
        self.assertEqual(c.reply()[0], "226")
        with open(self.server.path("hello.txt"), "rb") as f:
            self.assertEqual(f.read(), b"new\n")
        self.assertEqual(c.command("RNFR hello.txt")[0], "350")
        self.assertEqual(c.command("RNTO dir/inside.txt")[0], "250")
        with open(self.server.path("dir/inside.txt"), "rb") as f:
            self.assertEqual(f.read(), b"new\n")


if __name__ == "__main__":
    unittest.main()
