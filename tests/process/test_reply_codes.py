"""Every refusal's code is one RFC 959 section 5.4 (RFC 3659 for SIZE, MDTM, MLST, MLSD)
lists for that command, because clients act on the code (issue 14): a table of command
and error path -> code, run against a real server. The same table is in ftpd(8), REPLY CODES.
"""

import os
import subprocess
import tempfile
import unittest

from ftpd_fixture import RawControl, Server

LONG = "n" * 300  # longer than NAME_MAX
DATA_VERBS = {"RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD"}

# (error path, command lines sent first, the command, expected code)
WRITABLE = [
    # a missing file or directory
    ("missing", [], "RETR missing", "550"),
    ("missing", [], "SIZE missing", "550"),
    ("missing", [], "MDTM missing", "550"),
    ("missing", [], "MLST missing", "550"),
    ("missing", [], "DELE missing", "550"),
    ("missing", [], "RNFR missing", "550"),
    ("missing", [], "CWD missing", "550"),
    ("missing", [], "RMD missing", "550"),
    ("missing", [], "LIST missing", "450"),
    ("missing", [], "NLST missing", "450"),
    ("missing", [], "MLSD missing", "550"),
    ("missing", [], "STAT missing", "450"),
    ("missing", [], "APPE nodir/x", "550"),
    ("missing", [], "STOR nodir/x", "553"),
    ("missing", [], "MFMT 20200101000000 missing", "550"),
    ("missing", [], "HASH missing", "550"),
    ("missing", [], "SITE CHMOD 644 missing", "550"),
    ("missing", ["RNFR file.txt"], "RNTO nodir/x", "553"),
    # the name exists
    ("exists", [], "MKD dir", "550"),  # rclone and lftp read 550 as "already there"
    ("exists", [], "STOR file.txt", "553"),
    ("exists", ["RNFR file.txt"], "RNTO dir/inner.txt", "553"),
    # not a directory
    ("not a directory", [], "CWD file.txt", "550"),
    ("not a directory", [], "MLSD file.txt", "501"),
    ("not a directory", [], "RMD file.txt", "550"),
    ("not a directory", [], "STOR file.txt/x", "553"),
    ("not a directory", [], "LIST file.txt/x", "450"),
    # a directory where a file is needed
    ("is a directory", [], "RETR dir", "550"),
    ("is a directory", [], "DELE dir", "550"),
    ("is a directory", [], "STOR dir", "553"),
    ("is a directory", [], "SIZE dir", "550"),
    ("is a directory", [], "HASH dir", "550"),
    ("not empty", [], "RMD dir", "550"),
    # the file system's permissions (ro_dir is not writable by the workers' account)
    ("permission", [], "STOR ro_dir/new", "553"),
    ("permission", [], "DELE ro_dir/locked.txt", "550"),
    ("permission", [], "MKD ro_dir/sub", "550"),
    ("permission", [], "RMD ro_dir/sub_locked", "550"),
    ("permission", ["RNFR ro_dir/locked.txt"], "RNTO ro_dir/moved", "553"),
    ("permission", [], "MFMT 20200101000000 ro_dir/locked.txt", "550"),
    # a name the file system cannot take
    ("bad name", [], f"STOR {LONG}", "553"),
    ("bad name", [], f"MKD {LONG}", "550"),
    ("bad name", [], f"RETR {LONG}", "550"),
    ("bad name", [], f"CWD {LONG}", "550"),
    ("bad name", ["RNFR file.txt"], f"RNTO {LONG}", "553"),
]

# The session may not write (anonymous_write = no).
READ_ONLY = [
    ("session permission", [], "STOR new", "553"),
    ("session permission", [], "STOU", "553"),
    ("session permission", [], "APPE file.txt", "550"),
    ("session permission", [], "DELE file.txt", "550"),
    ("session permission", [], "MKD new", "550"),
    ("session permission", [], "RMD dir", "550"),
    ("session permission", [], "RNFR file.txt", "550"),
    ("session permission", [], "MFMT 20200101000000 file.txt", "550"),
    ("session permission", [], "SITE CHMOD 600 file.txt", "550"),
    ("session permission", [], "SITE UTIME file.txt 20200101000000", "550"),
]


def files():
    return {"file.txt": b"f", "dir/inner.txt": b"i", "ro_dir/locked.txt": b"l", "ro_dir/sub_locked/x": b"x"}


class ReplyCodesTest(unittest.TestCase):
    def check_table(self, server, table):
        for path, setup, line, expected in table:
            with self.subTest(path=path, command=line[:40]):
                control = RawControl(server.port)
                try:
                    for before in setup:
                        code, text = control.command(before)
                        self.assertLess(int(code), 400, f"{before}: {text}")
                    verb = line.split()[0]
                    if verb in DATA_VERBS:
                        control.command("EPSV")
                    code, text = control.command(line)
                    self.assertEqual(code, expected, f"{line[:40]}: {text}")
                finally:
                    control.close()

    def test_refusals_of_a_writable_session(self):
        server = Server.for_test(self, files=files(), upload_overwrite=False)
        for d in ("ro_dir", "ro_dir/sub_locked"):
            os.chmod(server.path(d), 0o755)  # owned by root: the workers (nobody) cannot write
        self.check_table(server, WRITABLE)

    def test_refusals_of_a_read_only_session(self):
        server = Server.for_test(self, files=files(), anonymous_write=False)
        self.check_table(server, READ_ONLY)


class NoSpaceTest(unittest.TestCase):
    """A file system without free inodes: STOR gets 452 before any data, MKD its 550."""

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("mounting a tmpfs needs root")
        self.mnt = tempfile.mkdtemp(prefix="ftpd-full-")
        self.addCleanup(os.rmdir, self.mnt)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,nr_inodes=3,mode=0777", "tmpfs", self.mnt],
                          capture_output=True).returncode != 0:
            self.skipTest("cannot mount a tmpfs here")
        self.addCleanup(lambda: subprocess.run(["umount", "-l", self.mnt], capture_output=True))
        for name in ("a", "b"):  # the root and these two: no inode left
            with open(os.path.join(self.mnt, name), "w"):
                pass
        os.chmod(os.path.join(self.mnt, "a"), 0o666)

    def test_no_space_refusals(self):
        server = Server.for_test(self, files={}, config_extra=f"root = {self.mnt}\n")
        control = RawControl(server.port)
        self.addCleanup(control.close)
        control.command("EPSV")
        code, text = control.command("STOR new.bin")
        self.assertEqual(code, "452", text)
        self.assertEqual(control.command("MKD sub")[0], "550")
        self.assertEqual(sorted(os.listdir(self.mnt)), ["a", "b"])


if __name__ == "__main__":
    unittest.main()
