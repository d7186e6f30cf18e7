"""max_rate and anonymous_max_rate: a limited transfer cannot finish sooner than its size
divided by the rate. Only that lower bound is asserted: a slow machine makes transfers
longer, never shorter, so the check cannot fail for lack of speed."""

import ftplib
import io
import os
import time
import unittest

from ftpd_fixture import Server, ftp_client, sha256

RATE = 256 * 1024            # bytes/s
PAYLOAD = os.urandom(3 * RATE // 2)   # 1.5 s at the limit


class RateTest(unittest.TestCase):

    def timed_download(self, server):
        ftp = ftp_client(server)
        buf = io.BytesIO()
        start = time.monotonic()
        reply = ftp.retrbinary("RETR payload.bin", buf.write)
        elapsed = time.monotonic() - start
        ftp.quit()
        self.assertTrue(reply.startswith("226"), reply)
        self.assertEqual(sha256(buf.getvalue()), sha256(PAYLOAD))
        return elapsed

    def test_anonymous_download_is_held_to_anonymous_max_rate(self):
        server = Server.for_test(self, config_extra=f"anonymous_max_rate = {RATE}\n",
                                 files={"payload.bin": PAYLOAD})
        # The first chunk goes out at once; the rest is paced: at least (size - chunk) / rate.
        self.assertGreaterEqual(self.timed_download(server), (len(PAYLOAD) - RATE / 10) / RATE)

    def test_anonymous_upload_is_held_to_anonymous_max_rate(self):
        server = Server.for_test(self, config_extra=f"anonymous_max_rate = {RATE}\n", files={})
        ftp = ftp_client(server)
        start = time.monotonic()
        reply = ftp.storbinary("STOR up.bin", io.BytesIO(PAYLOAD))
        elapsed = time.monotonic() - start
        ftp.quit()
        self.assertTrue(reply.startswith("226"), reply)
        with open(server.path("up.bin"), "rb") as f:
            self.assertEqual(sha256(f.read()), sha256(PAYLOAD))
        self.assertGreaterEqual(elapsed, (len(PAYLOAD) - 2 * RATE / 10 - 512 * 1024) / RATE)

    def test_max_rate_does_not_limit_anonymous_sessions(self):
        # max_rate is for virtual users: an anonymous download of the same file at a rate
        # of 1 KiB/s would take 25 minutes; it completes (the test's timeout is the bound).
        server = Server.for_test(self, config_extra="max_rate = 1024\n", files={"payload.bin": PAYLOAD})
        self.timed_download(server)


if __name__ == "__main__":
    unittest.main()
