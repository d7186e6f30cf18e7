"""curl against ftpd: listing, download, upload, refused overwrite, and every
data-connection mode curl speaks (EPSV, PASV, EPRT, PORT)."""

import os
import unittest

from curl_case import HELLO, CurlCase
from ftpd_fixture import sha256, sha256_file

DATA = os.urandom(300 * 1024 + 17)
VISIBLE = {"hello.txt", "data.bin", "sub"}


class CurlTest(CurlCase):
    DATA = DATA

    def download_and_check(self, server, *mode_args, expect_command):
        out = os.path.join(self.local, "data.bin")
        rc, _, err = self.curl(*mode_args, "-o", out, self.url(server, "data.bin"))
        self.assertEqual(rc, 0, err)
        self.assertIn(f"> {expect_command}", err)
        self.assertEqual(sha256_file(out), sha256(DATA))

    # ---- listing

    def test_listing_shows_regular_files_and_not_dot_files(self):
        server = self.server()
        rc, out, err = self.curl(self.url(server))
        self.assertEqual(rc, 0, err)
        listing = out.decode()
        names = {line.split()[-1] for line in listing.splitlines() if line.strip()}
        self.assertEqual(names, VISIBLE, listing)
        self.assertNotIn(".secret", listing)

    def test_name_only_listing_is_exactly_the_visible_names(self):
        server = self.server()
        rc, out, err = self.curl("--list-only", self.url(server))
        self.assertEqual(rc, 0, err)
        self.assertEqual(set(out.decode().split()), VISIBLE)

    def test_listing_a_subdirectory(self):
        server = self.server()
        rc, out, err = self.curl("--list-only", self.url(server, "sub/"))
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.decode().split(), ["inner.txt"])

    # ---- download in every mode

    def test_download_with_epsv_is_byte_identical(self):
        self.download_and_check(self.server(), expect_command="EPSV")

    def test_download_with_pasv_is_byte_identical(self):
        self.download_and_check(self.server(), "--disable-epsv", expect_command="PASV")

    def test_download_in_active_mode_with_eprt_is_byte_identical(self):
        self.download_and_check(self.server(), "-P", "127.0.0.1", expect_command="EPRT")

    def test_download_in_active_mode_with_port_is_byte_identical(self):
        self.download_and_check(self.server(), "-P", "127.0.0.1", "--disable-eprt",
                                expect_command="PORT")

    def test_download_of_missing_file_fails(self):
        server = self.server()
        rc, _, err = self.curl("-o", os.path.join(self.local, "x"),
                               self.url(server, "no-such-file"))
        self.assertNotEqual(rc, 0)
        self.assertIn("< 550", err)

    # ---- upload

    def upload_and_check(self, server, *mode_args, name="up.bin"):
        payload = os.urandom(257 * 1024)
        src = os.path.join(self.local, "src.bin")
        with open(src, "wb") as f:
            f.write(payload)
        rc, _, err = self.curl(*mode_args, "-T", src, self.url(server, name))
        self.assertEqual(rc, 0, err)
        self.assertEqual(sha256_file(server.path(name)), sha256(payload))

    def test_upload_with_epsv_stores_identical_file(self):
        self.upload_and_check(self.server())

    def test_upload_with_pasv_stores_identical_file(self):
        self.upload_and_check(self.server(), "--disable-epsv")

    def test_upload_in_active_mode_stores_identical_file(self):
        self.upload_and_check(self.server(), "-P", "127.0.0.1")

    def test_upload_into_subdirectory_stores_identical_file(self):
        self.upload_and_check(self.server(), name="sub/up.bin")

    def test_upload_onto_existing_name_fails_when_overwrite_is_off(self):
        server = self.server(upload_overwrite=False)
        src = os.path.join(self.local, "other.txt")
        with open(src, "wb") as f:
            f.write(b"something else entirely\n")
        rc, _, err = self.curl("-T", src, self.url(server, "hello.txt"))
        self.assertNotEqual(rc, 0, err)
        self.assertIn("< 553", err)
        with open(server.path("hello.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO)

    def test_upload_onto_existing_name_replaces_it_when_overwrite_is_on(self):
        server = self.server(upload_overwrite=True)
        self.upload_and_check(server, name="hello.txt")

    def test_upload_is_refused_when_anonymous_write_is_off(self):
        server = self.server(anonymous_write=False)
        src = os.path.join(self.local, "src.bin")
        with open(src, "wb") as f:
            f.write(b"x" * 100)
        rc, _, err = self.curl("-T", src, self.url(server, "up.bin"))
        self.assertNotEqual(rc, 0, err)
        self.assertRegex(err, r"< 55\d")
        self.assertFalse(os.path.exists(server.path("up.bin")))


if __name__ == "__main__":
    unittest.main()
