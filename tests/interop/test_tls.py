"""FTP over TLS (RFC 4217) against curl and Python's ftplib/ssl: explicit AUTH TLS with
PROT P listings, downloads and uploads (sha256), implicit TLS on listen_implicit,
data connections that do not resume the control session refused, tls = required
refusing a clear-text login, ABOR under TLS, and `ftpctl status` showing TLS rows."""

import ftplib
import io
import os
import re
import shutil
import socket
import ssl
import subprocess
import unittest

from ftpd_fixture import (ReusingFTP_TLS, Server, make_tempdir, make_test_cert, read_reply,
                          sha256, sha256_file, status_json, tls_client_context, wait_until)

CURL = shutil.which("curl")
DATA = os.urandom(700 * 1024 + 5)
BIG = os.urandom(8 << 20)
HELLO = b"Hello over TLS.\n"
FILES = {"hello.txt": HELLO, "data.bin": DATA, "big.bin": BIG}


class TlsTestBase(unittest.TestCase):

    def setUp(self):
        self.local = make_tempdir("ftpd-tls-")
        self.addCleanup(shutil.rmtree, self.local, True)
        self.cert, self.key = make_test_cert(self.local)

    def server(self, mode="explicit", config_extra="", **kwargs):
        kwargs.setdefault("files", FILES)
        return Server.for_test(self, tls=mode, tls_cert=self.cert, tls_key=self.key,
                               config_extra=config_extra, **kwargs)

    def ftps(self, server, port=None, cls=ReusingFTP_TLS, prot_p=True):
        ftp = cls(context=tls_client_context(self.cert), timeout=20)
        ftp.connect("127.0.0.1", port or server.port)
        ftp.auth()
        ftp.login("anonymous", "test@example.com")
        if prot_p:
            ftp.prot_p()
        self.addCleanup(ftp.close)
        return ftp


class FtplibTlsTest(TlsTestBase):

    def test_feat_lists_auth_tls_pbsz_and_prot(self):
        server = self.server()
        ftp = ftplib.FTP()
        ftp.connect("127.0.0.1", server.port, timeout=10)
        self.addCleanup(ftp.close)
        feat = ftp.sendcmd("FEAT")
        for line in ("AUTH TLS", "PBSZ", "PROT"):
            self.assertIn(f"\n {line}\n", feat)

    def test_prot_p_download_and_upload_keep_their_bytes(self):
        server = self.server()
        ftp = self.ftps(server)
        got = io.BytesIO()
        ftp.retrbinary("RETR data.bin", got.write)
        self.assertEqual(sha256(got.getvalue()), sha256(DATA))
        ftp.storbinary("STOR up.bin", io.BytesIO(DATA))
        self.assertEqual(sha256_file(server.path("up.bin")), sha256(DATA))
        names = ftp.nlst()
        self.assertIn("up.bin", names)
        self.assertIn("hello.txt", names)
        self.assertIn("TLS", server.log_text())

    def test_prot_before_pbsz_is_503_and_ccc_is_refused(self):
        server = self.server()
        ftp = ftplib.FTP_TLS(context=tls_client_context(self.cert), timeout=10)
        ftp.connect("127.0.0.1", server.port)
        self.addCleanup(ftp.close)
        ftp.auth()
        with self.assertRaises(ftplib.error_perm) as cm:
            ftp.sendcmd("PROT P")
        self.assertTrue(str(cm.exception).startswith("503"), cm.exception)
        self.assertTrue(ftp.sendcmd("PBSZ 0").startswith("200"))
        self.assertTrue(ftp.sendcmd("PROT P").startswith("200"))
        with self.assertRaises(ftplib.error_perm) as cm:
            ftp.sendcmd("CCC")
        self.assertTrue(str(cm.exception).startswith("534"), cm.exception)

    def test_data_connection_without_session_reuse_is_refused(self):
        server = self.server()
        ftp = self.ftps(server, cls=ftplib.FTP_TLS)  # ftplib does not resume the session
        with self.assertRaises((ftplib.error_temp, ftplib.error_perm, ssl.SSLError, OSError)):
            ftp.retrbinary("RETR hello.txt", lambda b: None)
        wait_until(lambda: "TLS session not resumed" in server.log_text(),
                   what="the refusal in the log")

    def test_active_mode_download_under_prot_p(self):
        server = self.server()
        ftp = self.ftps(server)
        ftp.set_pasv(False)  # PORT: the server connects, and is still the TLS server
        got = io.BytesIO()
        ftp.retrbinary("RETR data.bin", got.write)
        self.assertEqual(sha256(got.getvalue()), sha256(DATA))

    def test_clear_text_pipelined_behind_auth_is_dropped(self):
        server = self.server()
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            f = raw.makefile("rb")
            self.assertEqual(int(read_reply(f)[0]), 220)
            raw.sendall(b"AUTH TLS\r\nUSER injected\r\n")  # the STARTTLS injection
            self.assertEqual(int(read_reply(f)[0]), 234)
            with tls_client_context(self.cert).wrap_socket(raw, server_hostname="127.0.0.1") as s:
                sf = s.makefile("rb")
                s.sendall(b"NOOP\r\n")
                self.assertEqual(int(read_reply(sf)[0]), 200)  # not USER's 331
        self.assertIn("clear text after AUTH dropped", server.log_text())

    def test_session_reuse_may_be_turned_off(self):
        server = self.server(tls_require_reuse=False)
        ftp = self.ftps(server, cls=ftplib.FTP_TLS)
        got = io.BytesIO()
        ftp.retrbinary("RETR hello.txt", got.write)
        self.assertEqual(got.getvalue(), HELLO)

    def test_required_refuses_clear_text_login_and_clear_data(self):
        server = self.server(mode="required")
        ftp = ftplib.FTP()
        ftp.connect("127.0.0.1", server.port, timeout=10)
        self.addCleanup(ftp.close)
        with self.assertRaises(ftplib.error_perm) as cm:
            ftp.login("anonymous", "test@example.com")
        self.assertTrue(str(cm.exception).startswith("530"), cm.exception)
        secure = self.ftps(server, prot_p=False)
        with self.assertRaises(ftplib.error_perm) as cm:
            secure.retrbinary("RETR hello.txt", lambda b: None)
        self.assertTrue(str(cm.exception).startswith("521"), cm.exception)
        secure.prot_p()
        got = io.BytesIO()
        secure.retrbinary("RETR hello.txt", got.write)
        self.assertEqual(got.getvalue(), HELLO)

    def test_implicit_listener_speaks_tls_before_the_greeting(self):
        server = self.server(config_extra="listen_implicit = 127.0.0.1:0")
        self.assertEqual(len(server.ports), 2, server.ports)
        port = server.ports[1][1]
        ctx = tls_client_context(self.cert)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                f = s.makefile("rb")
                code, _ = read_reply(f)
                self.assertEqual(int(code), 220)
                s.sendall(b"USER anonymous\r\n")
                self.assertEqual(int(read_reply(f)[0]), 331)
                s.sendall(b"PASS x@y\r\n")
                self.assertEqual(int(read_reply(f)[0]), 230)
                s.sendall(b"QUIT\r\n")
                self.assertEqual(int(read_reply(f)[0]), 221)

    def test_abor_works_over_tls(self):
        server = self.server()
        ftp = self.ftps(server)
        conn = ftp.transfercmd("RETR big.bin")
        conn.recv(65536)
        ftp.sock.sendall(b"ABOR\r\n")  # seen by the control monitor, through TLS
        replies = [ftp.getline(), ftp.getline()]
        conn.close()
        self.assertEqual([r[:3] for r in replies], ["426", "226"], replies)
        self.assertTrue(ftp.sendcmd("NOOP").startswith("200"))

    def test_ftpctl_status_shows_tls_sessions(self):
        server = self.server()
        ftp = self.ftps(server)
        plain = ftplib.FTP()
        plain.connect("127.0.0.1", server.port, timeout=10)
        self.addCleanup(plain.close)
        st = wait_until(lambda: (lambda s: s if len(s["sessions"]) == 2 else None)(status_json(server)),
                        what="two session rows")
        flags = sorted(s["tls"] for s in st["sessions"])
        self.assertEqual(flags, [False, True], st)
        ftp.quit()


@unittest.skipUnless(CURL, "curl is not installed (apt-get install curl)")
class CurlTlsTest(TlsTestBase):

    def curl(self, *args):
        proc = subprocess.run([CURL, "--silent", "--show-error", "--verbose", "--max-time", "60",
                               "--cacert", self.cert, *args],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=90)
        return proc.returncode, proc.stdout, proc.stderr.decode(errors="replace")

    def test_explicit_list_get_put(self):
        server = self.server(mode="required")
        url = f"ftp://127.0.0.1:{server.port}/"
        rc, out, err = self.curl("--ssl-reqd", url)
        self.assertEqual(rc, 0, err)
        self.assertIn("data.bin", out.decode())
        self.assertRegex(err, r"> AUTH (SSL|TLS)")
        self.assertIn("SSL re-using session", err)
        dest = os.path.join(self.local, "data.bin")
        rc, _, err = self.curl("--ssl-reqd", "-o", dest, url + "data.bin")
        self.assertEqual(rc, 0, err)
        self.assertEqual(sha256_file(dest), sha256(DATA))
        rc, _, err = self.curl("--ssl-reqd", "-T", dest, url + "put.bin")
        self.assertEqual(rc, 0, err)
        self.assertEqual(sha256_file(server.path("put.bin")), sha256(DATA))

    def test_implicit_ftps_download_with_k(self):
        server = self.server(config_extra="listen_implicit = 127.0.0.1:0")
        port = server.ports[1][1]
        dest = os.path.join(self.local, "big.bin")
        rc, _, err = self.curl("-k", "-o", dest, f"ftps://127.0.0.1:{port}/big.bin")
        self.assertEqual(rc, 0, err)
        self.assertEqual(sha256_file(dest), sha256(BIG))


if __name__ == "__main__":
    unittest.main()
