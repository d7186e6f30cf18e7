"""PROXY protocol (v1 and v2, as HAProxy sends them) on a listener marked
`proxy_protocol`: only proxy_trusted sources, the header before the 220, and the
client address it names seen by the log, `ftpctl status`, max_per_ip and the passive
data connection check. An unmarked listener of the same server needs no header."""

import ipaddress
import re
import shutil
import socket
import struct
import unittest

from ftpd_fixture import (Server, connect_from, greeting, make_tempdir, make_test_cert,
                          read_reply, read_until_eof, status_json, tls_client_context,
                          wait_until)

DEADLINE = 10.0
V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def proxy_v1(src, sport, dst, dport):
    family = "TCP6" if ":" in src else "TCP4"
    return f"PROXY {family} {src} {dst} {sport} {dport}\r\n".encode()


def proxy_v2(src, sport, dst, dport, command=0x21, tlvs=b""):
    a, b = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    fam = 0x11 if a.version == 4 else 0x21
    block = a.packed + b.packed + struct.pack("!HH", sport, dport) + tlvs
    return V2_SIGNATURE + bytes([command, fam]) + struct.pack("!H", len(block)) + block


def proxy_v2_local():
    return V2_SIGNATURE + bytes([0x20, 0x00]) + struct.pack("!H", 0)


class Control:
    """A control connection to the proxy_protocol listener, from SOURCE, that first
    sends HEADER (as a balancer would), then speaks FTP line by line."""

    def __init__(self, port, header, source="127.0.0.1", host="127.0.0.2"):
        self.sock = connect_from(source, port, host=host)
        if header:
            self.sock.sendall(header)
        self.file = self.sock.makefile("rb")

    def reply(self):
        return read_reply(self.file)

    def command(self, line):
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def login(self):
        code, text = self.reply()
        assert code == "220", text
        self.command("USER anonymous")
        code, text = self.command("PASS test@example.com")
        assert code == "230", text

    def pasv_port(self):
        code, text = self.command("PASV")
        assert code == "227", text
        h = [int(x) for x in re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", text).groups()]
        return ".".join(map(str, h[:4])), h[4] * 256 + h[5]

    def close(self):
        self.file.close()
        self.sock.close()


class ProxyProtocolTest(unittest.TestCase):

    def server(self, **options):
        extra = ("listen = 127.0.0.1:0\n"
                 "listen = 127.0.0.2:0 proxy_protocol\n"
                 "proxy_trusted = 127.0.0.1, ::1\n")
        server = Server.for_test(self, config_extra=extra, files={"hello.txt": b"hello\n"},
                                 **options)
        server.proxy_port = next(p for h, p in server.ports if h == "127.0.0.2")
        return server

    def control(self, server, header, source="127.0.0.1"):
        c = Control(server.proxy_port, header, source)
        self.addCleanup(c.close)
        return c

    def session_rows(self, server, client_prefix):
        return [s for s in status_json(server)["sessions"] if s["client"].startswith(client_prefix)]

    def wait_row(self, server, client_prefix, user=None):
        def found():
            rows = self.session_rows(server, client_prefix)
            return rows if rows and (user is None or rows[0]["user"] == user) else None
        try:
            return wait_until(found, DEADLINE, f"a status row for {client_prefix}")
        except AssertionError as e:
            raise AssertionError(f"{e}\nstatus: {status_json(server)['sessions']}") from None

    # ---- the claimed address everywhere

    def test_v1_header_gives_the_session_the_claimed_address(self):
        server = self.server()
        c = self.control(server, proxy_v1("203.0.113.7", 40001, "127.0.0.2", server.proxy_port))
        c.login()
        server.wait_for_log(r"session \d+ from 203\.0\.113\.7 port 40001: connected "
                            r"\(PROXY protocol, via 127\.0\.0\.1 port \d+\)")
        server.wait_for_log(r"session \d+ from 203\.0\.113\.7 port 40001 user 'anonymous'")
        rows = self.wait_row(server, "203.0.113.7:40001", user="anonymous")
        self.assertEqual(len(rows), 1)
        self.assertEqual(c.command("PWD")[0], "257")

    def test_v2_headers_ipv6_ipv4_and_local(self):
        server = self.server()
        six = self.control(server, proxy_v2("2001:db8::5", 40002, "::1", 21))
        six.login()
        four = self.control(server, proxy_v2("198.51.100.9", 40003, "127.0.0.2", 21,
                                             tlvs=b"\x01\x00\x03ftp"))
        four.login()
        self.wait_row(server, "[2001:db8::5]:40002", user="anonymous")
        self.wait_row(server, "198.51.100.9:40003", user="anonymous")
        server.wait_for_log(r"session \d+ from 2001:db8::5 port 40002: connected \(PROXY protocol")
        # LOCAL (a balancer's health check): the balancer's own address stands.
        local = self.control(server, proxy_v2_local())
        local.login()
        rows = self.wait_row(server, "127.0.0.1:", user="anonymous")
        self.assertEqual(len(rows), 1)
        # The header's bytes were taken exactly: the commands right behind it work.
        self.assertEqual(four.command("SYST")[0], "215")

    def test_max_per_ip_counts_the_claimed_address(self):
        server = self.server(max_per_ip=1)
        wait_until(lambda: status_json(server)["totals"]["sessions_active"] == 0, DEADLINE,
                   "the readiness probe's session to end")
        first = self.control(server, proxy_v1("203.0.113.7", 40010, "127.0.0.2", 21))
        first.login()
        self.wait_row(server, "203.0.113.7:", user="anonymous")
        second = self.control(server, proxy_v1("203.0.113.7", 40011, "127.0.0.2", 21))
        code, _ = second.reply()
        self.assertEqual(code, "421")
        self.assertEqual(read_until_eof(second.sock), b"")
        server.wait_for_log(r"refused connection from 203\.0\.113\.7 port 40011: max_per_ip \(1\)")
        # Same real source (127.0.0.1), another claimed address: accepted.
        third = self.control(server, proxy_v2("203.0.113.8", 40012, "127.0.0.2", 21))
        third.login()
        self.wait_row(server, "203.0.113.8:", user="anonymous")

    # ---- who may send a header, and what a header must look like

    def test_untrusted_source_is_dropped_without_banner(self):
        server = self.server()
        c = self.control(server, proxy_v1("203.0.113.7", 40020, "127.0.0.2", 21), source="127.0.0.5")
        self.assertEqual(read_until_eof(c.sock), b"")
        server.wait_for_log(r"refused connection from 127\.0\.0\.5 port \d+: not in proxy_trusted")
        self.assertEqual(self.session_rows(server, "203.0.113.7"), [])

    def test_malformed_or_missing_headers_are_dropped(self):
        server = self.server()
        cases = [
            (b"PROXY TCP4 bogus\r\n", r"v1 header with too few fields"),
            (b"USER anonymous\r\n", r"not a PROXY protocol header"),
            (b"PROXY TCP4 203.0.113.7 127.0.0.2 40021 21\n", r"v1 header with a bare LF"),
            (b"PROXY UNKNOWN " + b"x" * 120, r"v1 header without CRLF in 107 bytes"),
            (V2_SIGNATURE + b"\x31\x11\x00\x0c" + bytes(12), r"v2 header with an unknown version"),
            (V2_SIGNATURE + b"\x21\x11\x00\x04" + bytes(4), r"v2 header with a short address block"),
        ]
        for header, why in cases:
            with self.subTest(why=why):
                mark = server.log_mark()
                c = self.control(server, header)
                self.assertEqual(read_until_eof(c.sock), b"")
                server.wait_for_log(r"dropped connection from 127\.0\.0\.1 port \d+: bad PROXY header: "
                                    + why, since=mark)

    def test_a_header_that_never_comes_times_out(self):
        server = self.server(login_timeout=2)
        c = self.control(server, b"PROXY TCP4 203.0.113.7")  # no end of line, then silence
        self.assertEqual(read_until_eof(c.sock, timeout=DEADLINE), b"")
        server.wait_for_log(r"bad PROXY header: no complete PROXY header within 2 s")

    def test_header_and_commands_in_one_write_take_only_the_header(self):
        server = self.server()
        for header in (proxy_v1("203.0.113.20", 40070, "127.0.0.2", 21),
                       proxy_v2("203.0.113.21", 40071, "127.0.0.2", 21, tlvs=b"\x04\x00\x02ab")):
            c = self.control(server, header + b"USER anonymous\r\nPASS x@y\r\nPWD\r\n")
            self.assertEqual([c.reply()[0] for _ in range(4)], ["220", "331", "230", "257"])

    def test_unmarked_listener_still_works_without_header(self):
        server = self.server()
        code, _ = greeting(server.port)
        self.assertEqual(code, "220")
        # There a PROXY line is just an unknown command: it claims nothing.
        with socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE) as s:
            f = s.makefile("rb")
            self.assertEqual(read_reply(f)[0], "220")
            s.sendall(proxy_v1("203.0.113.7", 40030, "127.0.0.1", 21))
            self.assertEqual(read_reply(f)[0], "500")
            self.assertEqual(self.session_rows(server, "203.0.113.7"), [])

    # ---- the passive data connection must come from the claimed client

    def test_passive_data_from_another_address_than_the_claimed_one_is_refused(self):
        server = self.server(data_timeout=2)
        c = self.control(server, proxy_v1("203.0.113.7", 40040, "127.0.0.2", 21))
        c.login()
        host, port = c.pasv_port()
        self.assertEqual(host, "127.0.0.2")
        data = connect_from("127.0.0.1", port, host=host)
        self.addCleanup(data.close)
        c.sock.sendall(b"LIST\r\n")
        self.assertEqual(read_until_eof(data), b"")
        server.wait_for_log(r"from 203\.0\.113\.7 port 40040 user 'anonymous': refused data connection "
                            r"from 127\.0\.0\.1 port \d+ \(not the client's address\)")
        code, text = c.reply()
        self.assertEqual(code, "425", text)

    def test_passive_data_from_the_claimed_address_works(self):
        server = self.server()
        c = self.control(server, proxy_v1("127.0.0.9", 40050, "127.0.0.2", 21))
        c.login()
        host, port = c.pasv_port()
        data = connect_from("127.0.0.9", port, host=host)
        self.addCleanup(data.close)
        code, text = c.command("RETR hello.txt")
        self.assertEqual(code, "150", text)
        self.assertEqual(read_until_eof(data), b"hello\n")
        self.assertEqual(c.reply()[0], "226")

    # ---- implicit TLS: the header comes before the handshake

    def test_implicit_tls_listener_reads_the_header_then_the_handshake(self):
        local = make_tempdir("ftpd-proxy-tls-")
        self.addCleanup(shutil.rmtree, local, True)
        cert, key = make_test_cert(local)
        server = Server.for_test(
            self, tls="explicit", tls_cert=cert, tls_key=key,
            config_extra=("listen = 127.0.0.1:0\n"
                          "listen_implicit = 127.0.0.2:0 proxy_protocol\n"
                          "proxy_trusted = 127.0.0.1\n"))
        port = next(p for h, p in server.ports if h == "127.0.0.2")
        raw = connect_from("127.0.0.1", port, host="127.0.0.2")
        self.addCleanup(raw.close)
        raw.sendall(proxy_v2("203.0.113.77", 40060, "127.0.0.2", port))
        with tls_client_context(cert).wrap_socket(raw, server_hostname="127.0.0.1") as s:
            f = s.makefile("rb")
            self.assertEqual(read_reply(f)[0], "220")
            s.sendall(b"USER anonymous\r\nPASS x@y\r\n")
            self.assertEqual(read_reply(f)[0], "331")
            self.assertEqual(read_reply(f)[0], "230")
            rows = self.wait_row(server, "203.0.113.77:40060", user="anonymous")
            self.assertTrue(rows[0]["tls"])
            s.sendall(b"QUIT\r\n")
            self.assertEqual(read_reply(f)[0], "221")


if __name__ == "__main__":
    unittest.main()
