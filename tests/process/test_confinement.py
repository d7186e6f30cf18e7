"""What a session may reach and change: write refusals when anonymous_write = no, no path
(.., absolute, %2e%2e, symlinks) reaching outside the root, dot-files hidden from every
listing unless show_hidden = yes, upload_overwrite, and broken uploads leaving nothing."""

import io
import os
import shutil
import socket
import struct
import subprocess
import unittest

from ftplib_case import FtpCase
from ftpd_fixture import RawControl, sha256, sha256_file, wait_until

HELLO = b"Hello from ftpd.\n"
FILES = {"hello.txt": HELLO, "sub/inner.txt": b"inner\n"}
VISIBLE = {"hello.txt", "sub"}
CURL = shutil.which("curl")


def retrieve(ftp, name):
    buf = io.BytesIO()
    ftp.retrbinary(f"RETR {name}", buf.write)
    return buf.getvalue()


def upload_leftovers(root):
    """Temporary upload files anywhere under root."""
    found = []
    for dirpath, _, names in os.walk(root):
        found += [os.path.join(dirpath, n) for n in names if n.startswith(".ftpd-upload.")]
    return found


class ConfinementTest(FtpCase):
    FILES = FILES

    def outside_entries(self, server):
        """What the temp dir (the root's parent) holds besides the fixture's own files."""
        return {n for n in os.listdir(server.dir) if n != "root" and not n.startswith(("ftpd.", "run-"))}

    # ---- anonymous_write = no

    def test_anonymous_cannot_write_when_anonymous_write_is_off(self):
        server = self.server(anonymous_write=False)
        ftp = self.client(server)
        self.assert_code("553", ftp.storbinary, "STOR new.bin", io.BytesIO(b"data"))  # RFC 959: STOR has no 550
        self.assert_code("550", ftp.storbinary, "APPE hello.txt", io.BytesIO(b"data"))
        self.assert_code("550", ftp.mkd, "newdir")
        self.assert_code("550", ftp.delete, "hello.txt")
        self.assert_code("550", ftp.sendcmd, "RNFR hello.txt")
        self.assert_code("550", ftp.rmd, "sub")
        self.assert_code("553", ftp.sendcmd, "STOU")
        self.assert_code("550", ftp.sendcmd, "SITE CHMOD 777 hello.txt")
        self.assertEqual(sorted(os.listdir(server.root)), sorted(VISIBLE | {".secret"}))
        with open(server.path("hello.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO)
        self.assertEqual(os.stat(server.path("hello.txt")).st_mode & 0o777, 0o644)

    # ---- traversal

    def test_dotdot_absolute_and_encoded_paths_do_not_leave_the_root(self):
        server = self.server()
        ftp = self.client(server)
        # ftpd.conf sits right beside the root, readable by everybody.
        for path in ("../ftpd.conf", "/../ftpd.conf", "sub/../../ftpd.conf", "../../../../etc/passwd",
                     server.conf_path, "%2e%2e/ftpd.conf", "..%2fftpd.conf", "..\\ftpd.conf"):
            self.assert_code("550", retrieve, ftp, path)
            self.assert_code("550", ftp.size, path)
            self.assert_code("550", ftp.sendcmd, f"MLST {path}")
        ftp.sendcmd("CWD ..")
        self.assertEqual(ftp.pwd(), "/")
        self.assertEqual(set(ftp.nlst("..")), {"../hello.txt", "../sub"})
        self.assert_code("550", retrieve, ftp, "ftpd.conf")

    def test_writes_through_dotdot_land_inside_the_root(self):
        server = self.server()
        before = self.outside_entries(server)
        ftp = self.client(server)
        ftp.storbinary("STOR ../escaped.txt", io.BytesIO(b"x"))
        ftp.mkd("../../escaped-dir")
        ftp.rename("hello.txt", "../../moved.txt")
        self.assertEqual(self.outside_entries(server), before)
        for name in ("escaped.txt", "escaped-dir", "moved.txt"):
            self.assertTrue(os.path.exists(server.path(name)), name)

    @unittest.skipUnless(CURL, "curl is not installed")
    def test_percent_encoded_dotdot_url_does_not_leave_the_root(self):
        server = self.server()
        out = os.path.join(server.dir, "curl-out")
        for url_path in ("%2e%2e/ftpd.conf", "%2E%2E%2Fftpd.conf", "sub/%2e%2e/%2e%2e/ftpd.conf"):
            proc = subprocess.run([CURL, "--silent", "--path-as-is", "--max-time", "30", "-o", out,
                                   f"ftp://127.0.0.1:{server.port}/{url_path}"],
                                  stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
            self.assertNotEqual(proc.returncode, 0, url_path)
            self.assertFalse(os.path.exists(out) and os.path.getsize(out) > 0, url_path)

    def test_symlinks_pointing_outside_the_root_are_not_followed(self):
        server = self.server()
        os.symlink(server.conf_path, server.path("escape.conf"))          # absolute, outside
        os.symlink("../ftpd.conf", server.path("relative.conf"))          # relative, outside
        os.symlink(server.dir, server.path("escape-dir"))                 # a directory outside
        before = self.outside_entries(server)
        ftp = self.client(server)
        for path in ("escape.conf", "relative.conf", "escape-dir/ftpd.conf"):
            self.assert_code("550", retrieve, ftp, path)
        self.assert_code("550", ftp.cwd, "escape-dir")
        # RFC 959 5.4 gives STOR 450, 452 and 553 for a refusal: the name is not allowed.
        self.assert_code("553", ftp.storbinary, "STOR escape-dir/planted.txt", io.BytesIO(b"x"))
        self.assertEqual(self.outside_entries(server), before)
        names = set(ftp.nlst())
        self.assertFalse(names & {"escape.conf", "relative.conf", "escape-dir"}, names)

    def test_symlink_inside_the_root_is_followed(self):
        server = self.server()
        os.symlink("sub/inner.txt", server.path("link.txt"))
        ftp = self.client(server)
        self.assertEqual(retrieve(ftp, "link.txt"), b"inner\n")

    # ---- dot-files

    def listings(self, ftp):
        lines = []
        ftp.retrlines("LIST", lines.append)
        result = {"LIST": {line.split()[-1] for line in lines}}
        for flags in ("-a", "-la", "-l"):
            lines = []
            ftp.retrlines(f"LIST {flags}", lines.append)
            result[f"LIST {flags}"] = {line.split()[-1] for line in lines}
        result["NLST"] = set(ftp.nlst())
        result["NLST -a"] = set(ftp.nlst("-a"))
        result["MLSD"] = {name for name, _ in ftp.mlsd()}
        return result

    def test_dot_files_are_hidden_from_every_listing(self):
        server = self.server()
        ftp = self.client(server)
        for command, names in self.listings(ftp).items():
            self.assertEqual(names, VISIBLE, command)
        self.assertNotIn(".secret", ftp.sendcmd("STAT ."))

    def test_dot_files_are_listed_when_show_hidden_is_on(self):
        server = self.server(show_hidden=True)
        ftp = self.client(server)
        for command, names in self.listings(ftp).items():
            self.assertEqual(names, VISIBLE | {".secret"}, command)

    # ---- upload_overwrite

    def test_stor_onto_existing_file_is_553_when_overwrite_is_off(self):
        server = self.server(upload_overwrite=False)
        ftp = self.client(server)
        self.assert_code("553", ftp.storbinary, "STOR hello.txt", io.BytesIO(b"other"))
        with open(server.path("hello.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO)
        self.assertEqual(upload_leftovers(server.root), [])

    def test_stor_onto_existing_file_replaces_it_when_overwrite_is_on(self):
        server = self.server(upload_overwrite=True)
        ftp = self.client(server)
        payload = os.urandom(50 * 1024)
        self.assertTrue(ftp.storbinary("STOR hello.txt", io.BytesIO(payload)).startswith("226"))
        self.assertEqual(sha256_file(server.path("hello.txt")), sha256(payload))

    # ---- broken uploads

    def start_upload(self, server, name):
        """STOR `name` over a raw control connection; send 2 MiB; return (control, data)."""
        control = RawControl(server.port)
        self.addCleanup(control.close)
        control.command("TYPE I")
        data = control.pasv()
        self.addCleanup(data.close)
        code, text = control.command(f"STOR {name}")
        self.assertEqual(code, "150", text)
        data.sendall(os.urandom(2 << 20))
        # The bytes go to a temporary name first.
        wait_until(lambda: upload_leftovers(server.root), what="the upload's temporary file")
        return control, data

    def assert_nothing_left(self, server, name):
        wait_until(lambda: not upload_leftovers(server.root), what="the temporary file to go")
        self.assertFalse(os.path.exists(server.path(name)), f"{name} exists after a broken upload")
        ftp = self.client(server)   # the worker still serves
        self.assertNotIn(name, ftp.nlst())

    def test_client_reset_mid_upload_leaves_no_file(self):
        server = self.server()
        control, data = self.start_upload(server, "broken.bin")
        data.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        data.close()      # RST
        control.close()
        self.assert_nothing_left(server, "broken.bin")

    def test_client_closing_control_then_data_mid_upload_leaves_no_file(self):
        server = self.server()
        control, data = self.start_upload(server, "vanished.bin")
        control.sock.shutdown(socket.SHUT_RDWR)
        control.close()
        data.close()      # a clean FIN on the data connection, after the control one
        self.assert_nothing_left(server, "vanished.bin")


if __name__ == "__main__":
    unittest.main()
