"""Disk full during an upload gives 451 and leaves no temporary file; pasv_address and pasv_ports shape the
passive replies."""

import ftplib
import os
import re
import subprocess
import unittest

from ftpd_fixture import Server, free_port, ftp_client, make_tempdir


class DiskFullTest(unittest.TestCase):

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("mounting a small tmpfs needs root")
        self.mnt = make_tempdir("ftpd-full-")
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k,mode=0777", "tmpfs", self.mnt],
                          capture_output=True).returncode != 0:
            self.skipTest("cannot mount a tmpfs here")
        self.addCleanup(lambda: subprocess.run(["umount", "-l", self.mnt], capture_output=True))

    def test_upload_that_fills_the_disk_gets_451_and_leaves_nothing(self):
        server = Server.for_test(self, files={}, config_extra=f"root = {self.mnt}\n")
        ftp = ftp_client(server)
        ftp.voidcmd("TYPE I")
        conn = ftp.transfercmd("STOR big.bin")
        data = os.urandom(2 * 1024 * 1024)
        try:   # the server stops reading once the disk is full and closes the connection
            for i in range(0, len(data), 65536):
                conn.sendall(data[i:i + 65536])
        except OSError:
            pass
        conn.close()
        with self.assertRaises(ftplib.error_temp) as cm:
            ftp.voidresp()
        # RFC 959 5.4: after STOR's 150 the failure codes are 425, 426, 451, 551, 552 (452 is
        # for a refusal before it); ENOSPC is a local error, 552 is kept for a quota.
        self.assertTrue(str(cm.exception).startswith("451 Insufficient storage"), str(cm.exception))
        self.assertEqual(ftp.voidcmd("NOOP")[:3], "200")   # the session goes on
        ftp.quit()
        self.assertEqual(os.listdir(self.mnt), [])          # no big.bin, no temporary file


class PassiveTest(unittest.TestCase):

    def test_pasv_address_and_pasv_ports_are_announced(self):
        low = free_port()
        low = max(1024, min(low, 65530))
        server = Server.for_test(self, files={"a.txt": b"a\n"},
                                 config_extra=f"pasv_address = 127.0.0.9\npasv_ports = {low}-{low + 4}\n")
        ftp = ftp_client(server)
        reply = ftp.sendcmd("PASV")
        m = re.search(r"\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)", reply)
        self.assertIsNotNone(m, reply)
        self.assertEqual(".".join(m.group(i) for i in range(1, 5)), "127.0.0.9")
        port = int(m.group(5)) * 256 + int(m.group(6))
        self.assertTrue(low <= port <= low + 4, reply)
        epsv = ftp.sendcmd("EPSV")
        eport = int(re.search(r"\(\|\|\|(\d+)\|\)", epsv).group(1))
        self.assertTrue(low <= eport <= low + 4, epsv)
        # A real transfer on the range works (ftplib connects to the control peer for EPSV).
        ftp.af = 2
        lines = []
        ftp.sendcmd("TYPE I")
        ftp.retrlines("NLST", lines.append)
        self.assertEqual(lines, ["a.txt"])
        ftp.quit()


if __name__ == "__main__":
    unittest.main()
