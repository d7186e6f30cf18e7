"""A directory of 200,000 entries is listed with LIST, NLST and MLSD, every name present
once, while the worker's memory stays bounded: entries are read and sent in batches
(issue 13), never held all at once. The bound: the worker's peak resident memory (VmHWM,
reset with /proc/PID/clear_refs before each listing) grows by less than 4 MiB over its
resident memory before it, for a listing of 200,000 names (about 15 MiB of LIST text);
not checked in an AddressSanitizer build, whose quarantine keeps freed memory.
"""

import os
import unittest

from ftpd_fixture import Server, ftp_client, proc_status, sanitized_build, status_json

ENTRIES = 200_000
GROWTH_LIMIT_KIB = 4 * 1024


def kib(pid, field):
    return int(proc_status(pid)[field].split()[0])


class BigListingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(workers=1)
        try:
            big = os.path.join(cls.server.root, "big")
            os.mkdir(big)
            os.chmod(big, 0o755)
            cls.names = {f"entry-{i:06d}.dat" for i in range(ENTRIES)}
            for name in cls.names:
                os.close(os.open(os.path.join(big, name), os.O_CREAT | os.O_WRONLY, 0o644))
            cls.worker = status_json(cls.server)["workers"][0]["pid"]
        except BaseException:
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def listed(self, collect):
        """Runs collect(ftp) -> lines and returns (lines, KiB the worker's peak grew by)."""
        ftp = ftp_client(self.server, timeout=120)
        try:
            ftp.voidcmd("NOOP")
            with open(f"/proc/{self.worker}/clear_refs", "w") as f:
                f.write("5")  # VmHWM := VmRSS
            before = kib(self.worker, "VmRSS")
            lines = collect(ftp)
            growth = kib(self.worker, "VmHWM") - before
            ftp.quit()
        finally:
            ftp.close()
        return lines, growth

    def check(self, lines, growth, name_of):
        names = [name_of(line) for line in lines]
        self.assertEqual(len(names), ENTRIES)
        self.assertEqual(set(names), self.names)
        if not sanitized_build():  # ASan's quarantine keeps freed memory on purpose
            self.assertLess(growth, GROWTH_LIMIT_KIB, f"worker peak memory grew by {growth} KiB")

    def test_list(self):
        def collect(ftp):
            lines = []
            ftp.retrlines("LIST big", lines.append)
            return lines
        lines, growth = self.listed(collect)
        self.check(lines, growth, lambda line: line.rsplit(" ", 1)[1])

    def test_nlst(self):
        lines, growth = self.listed(lambda ftp: ftp.nlst("big"))
        self.check(lines, growth, lambda line: line.rsplit("/", 1)[1])

    def test_mlsd(self):
        def collect(ftp):
            lines = []
            ftp.retrlines("MLSD big", lines.append)
            return lines
        lines, growth = self.listed(collect)
        self.check(lines, growth, lambda line: line.split("; ", 1)[1])
        self.assertTrue(all("type=file;" in line and "size=0;" in line for line in lines[:100]))


if __name__ == "__main__":
    unittest.main()
