"""TYPE A (ASCII) with real clients (issue 18): a file with CR LF line ends, and one with LF,
downloaded with `curl --use-ascii` and Python's ftplib.retrlines come back with single line
ends (never CR CR LF); a LF file uploaded in ASCII mode is stored with LF; our `ftp` client
agrees (one converter, worker/protocol/ascii.hpp, in server and client)."""

import io
import os
import unittest

from curl_case import CurlCase
from ftpd_fixture import ftp_client

CRLF_TEXT = b"first line\r\nsecond line\r\n\r\nlast\r\n"
LF_TEXT = b"first line\nsecond line\n\nlast\n"


class AsciiModeTest(CurlCase):
    def files(self):
        return {"crlf.txt": CRLF_TEXT, "lf.txt": LF_TEXT, # 7,001 + 3n bytes puts a CR LF across the server's 256 KiB read chunks
                "big.txt": b"x" * 7000 + b"\n" + b"y\r\n" * 200000}

    def test_curl_use_ascii_gets_single_line_ends(self):
        server = self.server()
        for name in ("crlf.txt", "lf.txt"):
            out = os.path.join(self.local, name)
            rc, _, err = self.curl("--use-ascii", "-o", out, self.url(server, name))
            self.assertEqual(rc, 0, err)
            self.assertIn("> TYPE A", err)
            with open(out, "rb") as f:
                data = f.read()
            self.assertNotIn(b"\r\r\n", data, name)
            # curl turns the wire's CR LF into LF: one line end each, whatever the file had.
            self.assertEqual(data, LF_TEXT, name)

    def test_ftplib_retrlines_gets_the_lines_without_stray_cr(self):
        server = self.server()
        ftp = ftp_client(server)
        self.addCleanup(ftp.close)
        for name in ("crlf.txt", "lf.txt", "big.txt"):
            lines = []
            ftp.retrlines(f"RETR {name}", lines.append)
            self.assertTrue(all(not line.endswith("\r") for line in lines), name)
        lines = []
        ftp.retrlines("RETR crlf.txt", lines.append)
        self.assertEqual(lines, ["first line", "second line", "", "last"])
        big = []
        ftp.retrlines("RETR big.txt", big.append)  # CR LF split across the server's read chunks
        self.assertEqual(len(big), 200001)
        self.assertEqual(set(big[1:]), {"y"})

    def test_an_ascii_upload_is_stored_with_lf(self):
        server = self.server()
        ftp = ftp_client(server)
        self.addCleanup(ftp.close)
        ftp.storlines("STOR up.txt", io.BytesIO(LF_TEXT))  # ftplib sends CR LF
        with open(server.path("up.txt"), "rb") as f:
            self.assertEqual(f.read(), LF_TEXT)
        rc, _, err = self.curl("--use-ascii", "-T", self.local_file("c.txt", LF_TEXT), self.url(server, "curl.txt"))
        self.assertEqual(rc, 0, err)
        with open(server.path("curl.txt"), "rb") as f:
            self.assertEqual(f.read(), LF_TEXT)


if __name__ == "__main__":
    unittest.main()
