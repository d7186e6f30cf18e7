"""curl against ftpd's fuller command set: listing, download and upload in every data-
connection mode, append, resumed download and upload (-C -), directory creation on upload,
and quoted DELE and RNFR/RNTO; contents are compared by sha256."""

import os
import unittest

from curl_case import HELLO, CurlCase
from ftpd_fixture import sha256, sha256_file

DATA = os.urandom(700 * 1024 + 13)
VISIBLE = {"hello.txt", "data.bin", "sub"}


class CurlCommandsTest(CurlCase):
    DATA = DATA

    # ---- listing and download

    def test_list_shows_visible_names_only(self):
        server = self.server()
        rc, out, err = self.curl(self.url(server))
        self.assertEqual(rc, 0, err)
        names = {line.split()[-1] for line in out.decode().splitlines() if line.strip()}
        self.assertEqual(names, VISIBLE)

    def test_get_in_every_mode_is_byte_identical(self):
        server = self.server()
        modes = {"EPSV": [], "PASV": ["--disable-epsv"], "EPRT": ["-P", "127.0.0.1"],
                 "PORT": ["-P", "127.0.0.1", "--disable-eprt"]}
        for command, args in modes.items():
            out = os.path.join(self.local, f"get-{command}.bin")
            rc, _, err = self.curl(*args, "-o", out, self.url(server, "data.bin"))
            self.assertEqual(rc, 0, err)
            self.assertIn(f"> {command}", err)
            self.assertEqual(sha256_file(out), sha256(DATA), command)

    # ---- upload

    def test_put_in_every_mode_stores_identical_files(self):
        server = self.server()
        modes = {"EPSV": [], "PASV": ["--disable-epsv"], "EPRT": ["-P", "127.0.0.1"]}
        for command, args in modes.items():
            payload = os.urandom(200 * 1024 + len(command))
            src = self.local_file(f"{command}.bin", payload)
            rc, _, err = self.curl(*args, "-T", src, self.url(server, f"put-{command}.bin"))
            self.assertEqual(rc, 0, err)
            self.assertIn(f"> {command}", err)
            self.assertEqual(sha256_file(server.path(f"put-{command}.bin")), sha256(payload), command)

    def test_append_adds_to_the_end_of_the_file(self):
        server = self.server()
        os.chmod(server.path("hello.txt"), 0o666)  # the worker's user writes it in place
        tail = os.urandom(64 * 1024)
        src = self.local_file("tail.bin", tail)
        rc, _, err = self.curl("--append", "-T", src, self.url(server, "hello.txt"))
        self.assertEqual(rc, 0, err)
        self.assertIn("> APPE hello.txt", err)
        self.assertEqual(sha256_file(server.path("hello.txt")), sha256(HELLO + tail))

    # ---- resume

    def test_resumed_download_fetches_only_the_rest(self):
        server = self.server()
        out = self.local_file("data.bin", DATA[:300 * 1024])
        rc, _, err = self.curl("-C", "-", "-o", out, self.url(server, "data.bin"))
        self.assertEqual(rc, 0, err)
        self.assertIn(f"> REST {300 * 1024}", err)
        self.assertIn("< 350", err)
        self.assertEqual(sha256_file(out), sha256(DATA))

    def test_resumed_upload_sends_only_the_rest(self):
        server = self.server(upload_overwrite=False)
        payload = os.urandom(500 * 1024 + 7)
        os.chmod(server.add_file("partial.bin", payload[:123 * 1024]), 0o666)
        src = self.local_file("full.bin", payload)
        rc, _, err = self.curl("-C", "-", "-T", src, self.url(server, "partial.bin"))
        self.assertEqual(rc, 0, err)
        self.assertIn("> SIZE partial.bin", err)
        self.assertIn("> APPE partial.bin", err)
        self.assertEqual(sha256_file(server.path("partial.bin")), sha256(payload))

    # ---- directories, delete, rename

    def test_ftp_create_dirs_makes_the_missing_directories(self):
        server = self.server()
        payload = os.urandom(10 * 1024)
        src = self.local_file("deep.bin", payload)
        rc, _, err = self.curl("--ftp-create-dirs", "-T", src, self.url(server, "new/deeper/deep.bin"))
        self.assertEqual(rc, 0, err)
        self.assertIn("> MKD new", err)
        self.assertTrue(os.path.isdir(server.path("new/deeper")))
        self.assertEqual(sha256_file(server.path("new/deeper/deep.bin")), sha256(payload))

    def test_quoted_dele_deletes_the_file(self):
        server = self.server()
        rc, _, err = self.curl("-Q", "-DELE hello.txt", self.url(server))
        self.assertEqual(rc, 0, err)
        self.assertIn("< 250", err)
        self.assertFalse(os.path.exists(server.path("hello.txt")))

    def test_quoted_dele_of_missing_file_fails(self):
        server = self.server()
        rc, _, err = self.curl("-Q", "-DELE no-such-file", self.url(server))
        self.assertNotEqual(rc, 0)
        self.assertIn("< 550", err)

    def test_quoted_rnfr_rnto_renames_the_file(self):
        server = self.server()
        rc, _, err = self.curl("-Q", "-RNFR hello.txt", "-Q", "-RNTO renamed.txt", self.url(server))
        self.assertEqual(rc, 0, err)
        self.assertIn("< 350", err)
        self.assertFalse(os.path.exists(server.path("hello.txt")))
        with open(server.path("renamed.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO)

    def test_quoted_commands_are_refused_without_write_access(self):
        server = self.server(anonymous_write=False)
        rc, _, err = self.curl("-Q", "-DELE hello.txt", self.url(server))
        self.assertNotEqual(rc, 0)
        self.assertIn("< 550", err)
        self.assertTrue(os.path.exists(server.path("hello.txt")))


if __name__ == "__main__":
    unittest.main()
