"""The ftp client (client/ftp) over TLS against a running ftpd: explicit FTPS with -s
(AUTH TLS, PBSZ 0, PROT P) for uploads, downloads and listings in both data modes,
implicit FTPS with ftps:// URLs, certificate verification (an untrusted or misnamed
certificate refused with a one-line reason, --cacert, -k), a server without TLS
refusing AUTH TLS, and `ftpctl status` seeing the client's session as TLS. ftpd
speaks TLS 1.3; pyftpdlib (capped at TLS 1.2, when pyOpenSSL is there) covers 1.2.

Every server here keeps tls_require_reuse = yes (the default): a data connection that
did not resume the control connection's TLS session would be refused, so each
successful transfer is also the proof that the client resumes it."""

import os
import re
import shutil
import subprocess
import unittest

from ftpd_fixture import (PyftpdlibServer, Server, ftp_bin, make_tempdir, make_test_cert,
                          python_with_pyftpdlib, run_ftp, sha256, sha256_file, status_json,
                          wait_until)

HELLO = b"Hello over TLS from ftpd.\n"
DATA = os.urandom(700 * 1024 + 5)
BIG = os.urandom(6 << 20)
FILES = {"hello.txt": HELLO, "data.bin": DATA, "big.bin": BIG, "sub/inner.txt": b"inner\n"}

VERIFY_FAILED = re.compile(r"^ftp: open 127\.0\.0\.1: TLS: certificate verify failed: "
                           r"self[- ]signed certificate\n$")
NOT_RESUMED = "TLS session not resumed"


class FtpClientTlsTest(unittest.TestCase):

    def setUp(self):
        self.local = make_tempdir("ftp-client-tls-")
        self.addCleanup(shutil.rmtree, self.local, True)
        self.certs = make_tempdir("ftp-client-tls-certs-")
        self.addCleanup(shutil.rmtree, self.certs, True)
        self.cert, self.key = make_test_cert(self.certs)

    # ---- helpers

    def server(self, mode="required", **kwargs):
        kwargs.setdefault("files", FILES)
        return Server.for_test(self, tls=mode, tls_cert=self.cert, tls_key=self.key, **kwargs)

    def implicit_server(self):
        server = self.server(mode="explicit", config_extra="listen_implicit = 127.0.0.1:0")
        self.assertEqual(len(server.ports), 2, server.ports)
        return server, server.ports[1][1]

    def ftp(self, args, commands=None):
        """Run the client with ARGS (and -c COMMANDS); return (rc, out, err)."""
        extra = ["-c", "; ".join(commands)] if commands is not None else []
        return run_ftp(extra + list(args), cwd=self.local, timeout=120)

    def ok(self, args, commands=None, allow_err=""):
        rc, out, err = self.ftp(args, commands)
        self.assertEqual(rc, 0, f"ftp failed:\nstdout:\n{out}\nstderr:\n{err}")
        self.assertEqual(err, allow_err, "a successful run writes nothing else on stderr")
        return out

    def local_path(self, name):
        return os.path.join(self.local, name)

    def assert_reused(self, server):
        self.assertNotIn(NOT_RESUMED, server.log_text())

    # ---- explicit FTPS (-s)

    def test_explicit_upload_download_and_listing_keep_their_bytes(self):
        server = self.server()
        with open(self.local_path("up.bin"), "wb") as f:
            f.write(BIG)
        out = self.ok(["-s", "--cacert", self.cert, "127.0.0.1", server.port],
                      ["put up.bin", "get data.bin", "get big.bin", "ls", "nlist sub"])
        self.assertEqual(sha256_file(server.path("up.bin")), sha256(BIG), "the upload is complete")
        self.assertEqual(sha256_file(self.local_path("data.bin")), sha256(DATA))
        self.assertEqual(sha256_file(self.local_path("big.bin")), sha256(BIG))
        self.assertRegex(out, r"(?m) hello\.txt$")
        self.assertRegex(out, r"(?m)^(sub/)?inner\.txt$")  # NLST names as the server gives them
        self.assert_reused(server)

    def test_explicit_verbose_shows_auth_prot_and_the_cipher(self):
        server = self.server()
        out = self.ok(["-v", "-s", "--cacert", self.cert, "127.0.0.1", server.port], ["get hello.txt"])
        for code in ("220", "234", "331", "230", "200"):
            self.assertRegex(out, rf"(?m)^{code}[ -]", out)
        self.assertRegex(out, r"(?m)^TLS: TLSv1\.[23], \S+ \(certificate verified\)$")
        # The TLS line comes after AUTH TLS's 234 and before the login.
        self.assertLess(out.index("\n234 "), out.index("\nTLS: "))
        self.assertLess(out.index("\nTLS: "), out.index("\n331 "))
        with open(self.local_path("hello.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO)

    def test_explicit_active_mode_download_and_upload(self):
        server = self.server()
        with open(self.local_path("act.bin"), "wb") as f:
            f.write(DATA)
        self.ok(["-A", "-s", "--cacert", self.cert, "127.0.0.1", server.port],
                ["get data.bin got.bin", "put act.bin", "ls"])
        self.assertEqual(sha256_file(self.local_path("got.bin")), sha256(DATA))
        self.assertEqual(sha256_file(server.path("act.bin")), sha256(DATA))
        self.assert_reused(server)

    def test_s_with_an_ftp_url_fetches_over_explicit_tls(self):
        server = self.server()
        self.ok(["-s", "--cacert", self.cert, f"ftp://127.0.0.1:{server.port}/sub/inner.txt"])
        with open(self.local_path("inner.txt"), "rb") as f:
            self.assertEqual(f.read(), b"inner\n")
        self.assert_reused(server)

    def test_without_s_a_tls_required_server_refuses_the_login(self):
        server = self.server()
        rc, _, err = self.ftp(["127.0.0.1", server.port], ["get hello.txt"])
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"ftp: open 127\.0\.0\.1: 530 ")
        self.assertFalse(os.path.exists(self.local_path("hello.txt")))

    def test_server_without_tls_refuses_auth_and_nothing_goes_in_clear_text(self):
        server = Server.for_test(self, files=FILES)  # tls = off
        rc, out, err = self.ftp(["-s", "127.0.0.1", server.port], ["get hello.txt"])
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(err, r"(?m)^ftp: open 127\.0\.0\.1: the server refused AUTH TLS \(5\d\d .*\); "
                              r"not going on without TLS$")
        self.assertIn("ftp: get hello.txt: not connected", err)
        self.assertFalse(os.path.exists(self.local_path("hello.txt")))
        self.assertNotIn("anonymous", server.log_text(), "no USER was sent in clear text")

    # ---- implicit FTPS (ftps://)

    def test_implicit_download_of_a_url(self):
        server, port = self.implicit_server()
        self.ok(["--cacert", self.cert, f"ftps://127.0.0.1:{port}/big.bin"])
        self.assertEqual(sha256_file(self.local_path("big.bin")), sha256(BIG))
        self.assert_reused(server)

    def test_implicit_session_with_commands_and_upload(self):
        server, port = self.implicit_server()
        with open(self.local_path("imp.bin"), "wb") as f:
            f.write(DATA)
        out = self.ok(["--cacert", self.cert, f"ftps://127.0.0.1:{port}/"],
                      ["put imp.bin", "get hello.txt", "status"])
        self.assertEqual(sha256_file(server.path("imp.bin")), sha256(DATA))
        with open(self.local_path("hello.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO)
        self.assertRegex(out, rf"(?m)^Connected to 127\.0\.0\.1 port {port}\.$")
        self.assertRegex(out, r"(?m)^TLS: TLSv1\.[23], \S+, certificate verified$")
        self.assertIn("Data connections: TLS (PROT P)\n", out)
        self.assert_reused(server)

    def test_implicit_tls_to_a_clear_text_port_fails_the_handshake(self):
        server = Server.for_test(self, files=FILES)  # answers with a clear-text 220
        rc, out, err = self.ftp(["--cacert", self.cert, f"ftps://127.0.0.1:{server.port}/hello.txt"])
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(err, r"^ftp: open 127\.0\.0\.1: TLS: handshake failed: .+\n$")
        self.assertEqual(os.listdir(self.local), [])

    # ---- certificate verification

    def test_untrusted_self_signed_certificate_is_refused_explicit(self):
        server = self.server()
        rc, out, err = self.ftp(["-s", "127.0.0.1", server.port], ["get hello.txt"])
        self.assertEqual(rc, 1, out + err)
        first, rest = err.split("\n", 1)
        self.assertRegex(first + "\n", VERIFY_FAILED)
        self.assertEqual(rest, "ftp: get hello.txt: not connected (use open HOST first)\n")
        self.assertEqual(os.listdir(self.local), [], "no file is written")

    def test_untrusted_self_signed_certificate_is_refused_implicit(self):
        server, port = self.implicit_server()
        rc, out, err = self.ftp([f"ftps://127.0.0.1:{port}/hello.txt"])
        self.assertNotEqual(rc, 0, out + err)
        self.assertRegex(err, VERIFY_FAILED)
        self.assertEqual(os.listdir(self.local), [], "no file is written")
        self.assertNotIn("anonymous", server.log_text(), "nothing was sent over the refused connection")

    def test_certificate_for_another_name_is_refused(self):
        server = self.server()
        # The certificate names IP 127.0.0.1 only; "localhost" is not in it.
        rc, out, err = self.ftp(["-s", "--cacert", self.cert, "localhost", server.port], ["get hello.txt"])
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(err, r"(?m)^ftp: open localhost: TLS: certificate verify failed: hostname mismatch$")
        self.assertFalse(os.path.exists(self.local_path("hello.txt")))

    def test_cacert_of_another_ca_is_refused(self):
        server = self.server()
        other, _ = make_test_cert(self.certs, "other")
        rc, out, err = self.ftp(["-s", "--cacert", other, "127.0.0.1", server.port], ["ls"])
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(err, r"(?m)^ftp: open 127\.0\.0\.1: TLS: certificate verify failed: ")

    def test_k_skips_verification_with_a_warning(self):
        server, port = self.implicit_server()
        self.ok(["-k", f"ftps://127.0.0.1:{port}/data.bin"],
                allow_err="ftp: warning: -k: the server's TLS certificate is not verified\n")
        self.assertEqual(sha256_file(self.local_path("data.bin")), sha256(DATA))
        out = self.ok(["--insecure", "-s", "127.0.0.1", server.port], ["status"],
                      allow_err="ftp: warning: -k: the server's TLS certificate is not verified\n")
        self.assertRegex(out, r"(?m)^TLS: TLSv1\.[23], \S+, certificate NOT verified \(-k\)$")

    def test_unreadable_cacert_is_a_one_line_error(self):
        rc, out, err = self.ftp(["-s", "--cacert", os.path.join(self.certs, "none.pem"), "127.0.0.1", "21"])
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(err, r"^ftp: TLS: cannot load --cacert '.*none\.pem': .+\n$")

    def test_tls_flags_without_tls_are_a_usage_error(self):
        rc, _, err = self.ftp(["-k", "127.0.0.1", "21"])
        self.assertEqual(rc, 2)
        self.assertTrue(err.startswith("ftp: -k needs TLS (-s or an ftps:// URL)\nusage: ftp "), err)

    # ---- the server's view

    def test_ftpctl_status_shows_the_clients_session_as_tls(self):
        server = self.server()
        proc = subprocess.Popen([ftp_bin(), "-s", "--cacert", self.cert, "127.0.0.1", str(server.port)],
                                cwd=self.local, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            def logged_in_row():
                rows = status_json(server)["sessions"]
                return rows if rows and rows[0]["user"] == "anonymous" else None
            rows = wait_until(logged_in_row, what="the client's session logged in")
            self.assertEqual(len(rows), 1, rows)
            self.assertIs(rows[0]["tls"], True, rows)
            out, err = proc.communicate(b"get hello.txt\nstatus\nbye\n", timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual((proc.returncode, err), (0, b""), out)
        self.assertRegex(out.decode(), r"(?m)^TLS: TLSv1\.[23], \S+, certificate verified$")
        with open(self.local_path("hello.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO)
        wait_until(lambda: status_json(server)["sessions"] == [], what="the session gone after bye")
        self.assert_reused(server)


class FtpClientTls12PyftpdlibTest(unittest.TestCase):
    """Explicit FTPS against pyftpdlib limited to TLS 1.2: the session to resume is
    there right after the handshake (no tickets to wait for), and another server's
    ideas of PBSZ, PROT and closing a TLS data connection."""

    def setUp(self):
        python = python_with_pyftpdlib(tls=True)
        if python is None:
            self.skipTest("pyftpdlib with pyOpenSSL is not installed (Debian: apt-get install "
                          "python3-pyftpdlib python3-openssl)")
        self.dir = make_tempdir("ftp-client-tls12-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.local = os.path.join(self.dir, "local")
        self.root = os.path.join(self.dir, "root")
        os.mkdir(self.local)
        os.mkdir(self.root)
        with open(os.path.join(self.root, "data.bin"), "wb") as f:
            f.write(DATA)
        self.cert, key = make_test_cert(self.dir)
        self.server = PyftpdlibServer(python, self.root, os.path.join(self.dir, "server.log"),
                                      tls=(self.cert, key))
        self.addCleanup(self.server.stop)

    def test_tls12_download_upload_and_listing(self):
        with open(os.path.join(self.local, "up.bin"), "wb") as f:
            f.write(BIG)
        rc, out, err = run_ftp(["-n", "-s", "--cacert", self.cert, "-c",
                                "user alice s3cret; get data.bin; put up.bin; ls; status",
                                "127.0.0.1", self.server.port], cwd=self.local, timeout=120)
        self.assertEqual((rc, err), (0, ""), out)
        self.assertEqual(sha256_file(os.path.join(self.local, "data.bin")), sha256(DATA))
        self.assertEqual(sha256_file(os.path.join(self.root, "up.bin")), sha256(BIG))
        self.assertRegex(out, r"(?m) up\.bin$")
        self.assertRegex(out, r"(?m)^TLS: TLSv1\.2, \S+, certificate verified$")

    def test_untrusted_certificate_is_refused(self):
        rc, out, err = run_ftp(["-s", "-c", "ls", "127.0.0.1", self.server.port], cwd=self.local)
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(err, r"(?m)^ftp: open 127\.0\.0\.1: TLS: certificate verify failed: "
                              r"self[- ]signed certificate$")


if __name__ == "__main__":
    unittest.main()
