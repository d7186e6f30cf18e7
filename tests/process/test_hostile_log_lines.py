"""Forged log lines: CR, LF, NUL, ANSI escapes and bytes that are not UTF-8 in USER, PASS,
CWD, RETR, RNFR/RNTO and in a PROXY header, at log_level = debug. Every line of the log
file must still start with ftpd's own timestamp and prefix, and be clean UTF-8 without a
control character, so fail2ban and an administrator's terminal see only ftpd's lines."""

import os
import re
import unittest

from ftpd_fixture import RawControl, Server, connect_from, read_reply

FORGED = "2026-01-01 00:00:00.000 [warning] worker 0[1]: session 1 from 192.0.2.1 port 1: login failed"
PAYLOADS = [
    b"evil\r" + FORGED.encode(),
    b"evil\n" + FORGED.encode(),
    b"nul\x00" + FORGED.encode(),
    b"\x1b[2J\x1b[31mred\x1b]0;title\x07",
    b"bad\xfe\xc3(utf8\xc0\xaf",  # no 0xFF: that is Telnet IAC
    b"c1\xc2\x9b31m\x9b32m",
]
LINE = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} "
                  rb"\[(trace|debug|info|warning|error|critical)\] (master|worker \d+)\[\d+\]: ")


class ForgedLogLinesTest(unittest.TestCase):

    def setUp(self):
        self.server = Server.for_test(
            self, workers=1, files={"hello.txt": b"hello\n"}, log_level="debug", start=False,
            login_fail_delay=0, max_login_failures=100,
            config_extra="listen = 127.0.0.1:0\n"
                         "listen = 127.0.0.2:0 proxy_protocol\n"
                         "proxy_trusted = 127.0.0.1\n")
        self.server._options["log_file"] = self.server.log_path
        self.server.write_config()
        self.server.start()

    def raw(self, c, line):
        """Sends LINE; a LF in it makes two lines, each answered: the first reply."""
        c.send(line + b"\r\n")
        return [c.reply() for _ in range(line.count(b"\n") + 1)][0]

    def assert_every_line_is_ftpds(self):
        with open(self.server.log_path, "rb") as f:
            log = f.read()
        self.assertTrue(log.endswith(b"\n"), log[-200:])
        for line in log.split(b"\n")[:-1]:
            self.assertRegex(line, LINE, f"a line ftpd did not write:\n{line!r}")
            text = line.decode("utf-8")  # raises on bytes that are not UTF-8
            bad = [ch for ch in text if ord(ch) < 0x20 or 0x7f <= ord(ch) < 0xa0]
            self.assertEqual(bad, [], f"control characters in {line!r}")
        return log

    def test_client_bytes_in_commands_and_proxy_headers_never_forge_a_line(self):
        server = self.server
        for i, payload in enumerate(PAYLOADS):
            with self.subTest(payload=payload):
                server.add_file(f"f{i}.txt", b"renamed to the payload\n")
                c = RawControl(server.port, login=False)
                self.addCleanup(c.close)
                self.raw(c, b"USER " + payload)
                self.raw(c, b"PASS " + payload)
                self.assertEqual(self.raw(c, b"USER anonymous")[0], "331")
                if self.raw(c, b"PASS " + payload)[0] != "230":  # refused: CR, LF or NUL in it
                    self.assertEqual(self.raw(c, b"USER anonymous")[0], "331")
                    self.assertEqual(self.raw(c, b"PASS test@example.com")[0], "230")
                for verb in (b"CWD ", b"RETR ", b"RNFR "):
                    self.raw(c, verb + payload)
                self.assertEqual(self.raw(c, f"RNFR f{i}.txt".encode())[0], "350")
                self.raw(c, b"RNTO " + payload)
                self.raw(c, b"SITE CHMOD 644 " + payload)
                self.assertEqual(c.command("QUIT")[0], "221")
        proxy_port = next(p for h, p in server.ports if h == "127.0.0.2")
        for payload in PAYLOADS:
            for header in (b"PROXY TCP4 " + payload + b" 127.0.0.2 1 2\r\n",
                           b"PROXY " + payload + b"\r\n",
                           b"PROXY TCP4 192.0.2.1 127.0.0.2 1 " + payload + b"\r\n"):
                with self.subTest(header=header):
                    s = connect_from("127.0.0.1", proxy_port, host="127.0.0.2")
                    with s:
                        s.sendall(header)
                        try:
                            rest = s.makefile("rb").read()
                        except ConnectionResetError:  # closed with bytes unread
                            rest = b""
                        self.assertEqual(rest, b"")  # closed, no greeting
        c = connect_from("127.0.0.1", proxy_port, host="127.0.0.2")
        with c:
            c.sendall(b"PROXY TCP4 192.0.2.7 127.0.0.2 40001 21\r\nUSER \x1b[31m\rforged\r\nQUIT\r\n")
            f = c.makefile("rb")
            self.assertEqual(read_reply(f)[0], "220")
        server.wait_for_log(r"session \d+ from 192\.0\.2\.7 port 40001: closed")
        server.wait_for_log(r"closed")
        log = self.assert_every_line_is_ftpds()
        # The bytes were logged, escaped: the test saw them go through the log.
        self.assertIn(rb"evil\x0d2026-01-01", log)
        self.assertIn(rb"\x1b[2J", log)
        self.assertIn(rb"bad\xfe\xc3(utf8", log)
        self.assertIn(rb"USER nul\x002026-01-01", log)


if __name__ == "__main__":
    unittest.main()
