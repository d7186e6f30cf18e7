"""TLS certificates are configuration: `ftpd -t` reports a missing or mismatched
certificate with its line, and SIGHUP with a bad one fails the reload and keeps
serving the old certificate, while a good new one is served to new sessions."""

import os
import shutil
import signal
import socket
import ssl
import unittest

from ftpd_fixture import (Server, make_tempdir, make_test_cert, read_reply, run_ftpd,
                          tls_client_context, wait_until)


def served_certificate(port):
    """The DER certificate the server presents after AUTH TLS on 127.0.0.1:PORT."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        f = raw.makefile("rb")
        read_reply(f)
        raw.sendall(b"AUTH TLS\r\n")
        code, _ = read_reply(f)
        assert int(code) == 234, code
        with tls_client_context().wrap_socket(raw, server_hostname="127.0.0.1") as s:
            return s.getpeercert(binary_form=True)


def pem_to_der(path):
    with open(path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


class TlsConfigTest(unittest.TestCase):

    def setUp(self):
        self.dir = make_tempdir("ftpd-tlsconf-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.cert, self.key = make_test_cert(self.dir)
        self.cert2, self.key2 = make_test_cert(self.dir, "second")
        self.root = os.path.join(self.dir, "root")
        os.mkdir(self.root)

    def check(self, lines):
        path = os.path.join(self.dir, "t.conf")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path, run_ftpd(["-t", "-c", path], cwd=self.dir)

    def test_check_reports_a_missing_certificate_with_its_line(self):
        path, (rc, out, err) = self.check([f"root = {self.root}", "tls = explicit",
                                           f"tls_cert = {self.dir}/none.crt", f"tls_key = {self.key}"])
        self.assertEqual(rc, 1, out + err)
        self.assertIn(f"{path}:3: tls_cert", err)

    def test_check_reports_a_key_that_does_not_match(self):
        path, (rc, out, err) = self.check([f"root = {self.root}", "tls = explicit",
                                           f"tls_cert = {self.cert}", f"tls_key = {self.key2}"])
        self.assertEqual(rc, 1, out + err)
        self.assertIn(f"{path}:4: tls_key", err)

    def test_check_accepts_a_good_pair(self):
        _, (rc, out, err) = self.check([f"root = {self.root}", "tls = required",
                                        f"tls_cert = {self.cert}", f"tls_key = {self.key}"])
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(out.strip(), "ok")

    def test_reload_with_a_bad_certificate_keeps_the_old_one_and_a_good_one_replaces_it(self):
        server = Server.for_test(self, tls="explicit", tls_cert=self.cert, tls_key=self.key)
        self.assertEqual(served_certificate(server.port), pem_to_der(self.cert))
        mark = server.log_mark()
        server.rewrite_config(tls_key=self.key2)  # does not match tls_cert
        server.signal(signal.SIGHUP)
        failed = server.wait_for_log(r"reload failed: ([^\n]+)", since=mark)
        self.assertIn("tls_key", failed.group(1))
        self.assertEqual(served_certificate(server.port), pem_to_der(self.cert))
        mark = server.log_mark()
        server.rewrite_config(tls_cert=self.cert2, tls_key=self.key2)
        server.signal(signal.SIGHUP)
        server.wait_for_log(r"reload: generation 2", since=mark)
        # Old workers stop accepting as they start draining: poll, new sessions get the new one.
        wait_until(lambda: served_certificate(server.port) == pem_to_der(self.cert2),
                   what="the new certificate on new sessions")


if __name__ == "__main__":
    unittest.main()
