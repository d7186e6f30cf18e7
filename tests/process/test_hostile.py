"""Hostile clients, on raw sockets where ftplib would hide the behaviour: paths aimed at
/etc/passwd, overlong lines, NUL and CR in names, non-UTF-8 names on disk, commands before
login, FTP bounce, passive data connections from another address, login failures, the
login/idle/data timeouts, max_per_ip and max_clients over all workers, and clients that
vanish (RST) mid-transfer. The server must answer with a reply code and stay up."""

import os
import re
import select
import signal
import socket
import time
import unittest

from ftpd_fixture import (RawControl, Server, connect_from, free_port, greeting, read_reply,
                          read_until_eof, reset_close, sha256, status_json, vm_rss_kib,
                          wait_until, write_big_file)

HELLO = b"Hello from ftpd.\n"
DECOY = b"decoy:x:0:0:inside the served root:/:/bin/false\n"
FILES = {"hello.txt": HELLO, "etc/passwd": DECOY}
SHORT = 2          # seconds, for login_timeout, idle_timeout and data_timeout
DEADLINE = 10.0    # the most any of those may take to fire
BIG = 32 << 20     # more than loopback socket buffers hold


def real_passwd():
    with open("/etc/passwd", "rb") as f:
        return f.read()


def epsv_port(control):
    code, text = control.command("EPSV")
    if code != "229":
        raise AssertionError(f"EPSV failed: {text}")
    return int(re.search(r"\(\|\|\|(\d+)\|\)", text).group(1))


def data_command(control, line):
    """EPSV, connect, send LINE (bytes); return (first reply, data, final reply or None)."""
    data = connect_from("127.0.0.1", epsv_port(control))
    with data:
        control.send(line + b"\r\n")
        first = control.reply()
        if first[0] != "150":
            return first, b"", None
        payload = read_until_eof(data)
    return first, payload, control.reply()


def at_eof(control, timeout=DEADLINE):
    """True once the server has closed the control connection (nothing more to read)."""
    control.sock.settimeout(timeout)
    try:
        return control.file.readline() == b""
    except ConnectionResetError:
        return True


def port_is_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def nothing_readable(sock):
    return not select.select([sock], [], [], 0)[0]


class HostileTest(unittest.TestCase):

    def server(self, **kwargs):
        kwargs.setdefault("files", FILES)
        return Server.for_test(self, **kwargs)

    def control(self, server, **kwargs):
        c = RawControl(server.port, **kwargs)
        self.addCleanup(c.close)
        return c

    def sessions_active(self, server):
        return status_json(server)["totals"]["sessions_active"]

    def wait_sessions(self, server, n):
        wait_until(lambda: self.sessions_active(server) == n, DEADLINE, f"sessions_active == {n}")

    def greet_from(self, server, source):
        """Connect from SOURCE; return (greeting code, socket) with the socket kept open."""
        s = connect_from(source, server.port)
        self.addCleanup(s.close)
        code, _ = read_reply(s.makefile("rb"))
        return code, s

    # ---- paths

    def test_traversal_never_returns_the_real_etc_passwd(self):
        server = self.server()
        os.symlink("/etc", server.path("sys-etc"))
        os.symlink("/etc/passwd", server.path("passwd-link"))
        c = self.control(server)
        self.assertEqual(c.command("CWD ..")[0], "250")
        self.assertIn('"/"', c.command("PWD")[1])
        for name in ("../../etc/passwd", "/etc/passwd", "%2e%2e/%2e%2e/etc/passwd",
                     "../../../../../../../etc/passwd", "sys-etc/passwd", "passwd-link"):
            first, data, final = data_command(c, b"RETR " + name.encode())
            self.assertNotEqual(data, real_passwd(), name)
            if first[0] == "150":   # resolved inside the root: only the decoy may come back
                self.assertEqual(data, DECOY, name)
                self.assertEqual(final[0], "226", name)
            else:
                self.assertEqual(first[0], "550", f"{name}: {first[1]}")
        self.assertIn('"/"', c.command("PWD")[1])

    # ---- malformed input

    def test_64k_line_gets_500_and_the_session_survives_without_growing(self):
        server = self.server(workers=1)
        (worker,) = server.worker_pids()
        c = self.control(server)
        long_line = b"NOOP " + b"A" * (64 << 10) + b"\r\n"
        c.send(long_line)
        self.assertEqual(c.reply()[0], "500")
        self.assertEqual(c.command("NOOP")[0], "200")
        before = vm_rss_kib(worker)
        c.send(long_line * 20)
        codes = [c.reply()[0] for _ in range(20)]
        self.assertEqual(codes, ["500"] * 20)
        self.assertEqual(c.command("NOOP")[0], "200")    # exactly one 500 per line
        grown = vm_rss_kib(worker) - before
        self.assertLess(grown, 4096, f"worker RSS grew by {grown} KiB over 20 long lines")
        server.wait_for_log(r"session \d+ from 127\.0\.0\.1 port \d+(?: user '[^']*')?: command line too long")

    def test_nul_and_cr_in_a_path_get_501_and_the_session_survives(self):
        server = self.server()
        c = self.control(server)
        for line in (b"RETR a\0b", b"STOR a\0b", b"MKD a\0b", b"CWD a\0b", b"DELE hello.txt\0",
                     b"RETR a\rb", b"MKD a\rb"):
            c.send(line + b"\r\n")
            self.assertEqual(c.reply()[0], "501", line)
        self.assertEqual(c.command("NOOP")[0], "200")
        self.assertEqual(sorted(os.listdir(server.root)), ["etc", "hello.txt"])

    def test_bad_input_is_logged(self):
        # DESIGN "Quality bars": bad input gets a reply code *and* a log line.
        server = self.server()
        write_big_file(server.path("big.bin"), BIG)
        c = self.control(server)
        session = re.escape(f"from 127.0.0.1 port {c.sock.getsockname()[1]}") + r"(?: user '[^']*')?:"
        for line in (b"RETR a\0b", b"MKD a\rb", b"XYZZY now"):
            mark = server.log_mark()
            c.send(line + b"\r\n")
            self.assertIn(c.reply()[0], ("500", "501"), line)
            self.assertEqual(c.command("NOOP")[0], "200")
            with self.subTest(line=line):
                self.assert_logged(server, session, mark)
        # An overlong line that arrives during a transfer: the control monitor reads it, as
        # its answer to the STAT behind it proves; the session loop replies 500 afterwards.
        mark = server.log_mark()
        data = connect_from("127.0.0.1", epsv_port(c), rcvbuf=4096)
        with data:
            self.assertEqual(c.command("RETR big.bin")[0], "150")
            c.send(b"NOOP " + b"y" * (64 << 10) + b"\r\nSTAT\r\nNOOP\r\n")
            self.assertEqual(c.reply()[0], "213")
            read_until_eof(data)
        self.assertEqual([c.reply()[0] for _ in range(3)], ["226", "500", "200"])
        with self.subTest(line="64 KiB line during a transfer"):
            self.assert_logged(server, session + r" command line too long", mark)

    def assert_logged(self, server, regex, since):
        try:
            wait_until(lambda: re.search(regex, server.log_text()[since:]), 2, "a log line")
            return
        except AssertionError:
            pass
        self.fail(f"no log line /{regex}/; the log since then:\n{server.log_text()[since:]}")

    def test_non_utf8_file_name_on_disk_does_not_break_listings(self):
        server = self.server()
        name = b"\xff\xfe.txt"
        with open(os.path.join(os.fsencode(server.root), name), "wb") as f:
            f.write(b"bytes")
        c = self.control(server)
        for command in (b"LIST", b"NLST", b"MLSD"):
            first, data, final = data_command(c, command)
            self.assertEqual(first[0], "150", f"{command}: {first[1]}")
            self.assertEqual(final[0], "226", f"{command}: {final[1]}")
            self.assertIn(b"hello.txt", data, command)
            self.assertIn(name, data, command)
        # RFC 854/959: the control connection is Telnet, so a 0xFF byte is sent as IAC IAC.
        first, data, final = data_command(c, b"RETR " + name.replace(b"\xff", b"\xff\xff"))
        self.assertEqual((first[0], data, final[0]), ("150", b"bytes", "226"))
        self.assertEqual(c.command("NOOP")[0], "200")

    def test_fifo_in_the_tree_gets_an_error_without_blocking_the_worker(self):
        # open() of a FIFO waits for a peer on the other end; a worker must never wait on it.
        for line in (b"RETR pipe", b"APPE pipe"):
            with self.subTest(line=line):
                server = self.server(workers=1, upload_overwrite=True)
                os.mkfifo(server.path("pipe"))
                os.chmod(server.path("pipe"), 0o666)
                c = self.control(server)
                data = connect_from("127.0.0.1", epsv_port(c))
                self.addCleanup(data.close)
                c.send(line + b"\r\n")
                c.sock.settimeout(5)
                try:
                    code, text = c.reply()
                except socket.timeout:
                    self.fail(f"{line!r}: no reply within 5 s (the worker is stuck in open())")
                self.assertIn(code, ("550", "553"), text)
                self.assertEqual(greeting(server.port, timeout=5)[0], "220")

    # ---- commands in the wrong state

    def test_commands_before_login_get_530_and_unknown_ones_500(self):
        server = self.server()
        c = self.control(server, login=False)
        for line in ("LIST", "NLST", "RETR hello.txt", "STOR x", "CWD /", "PASV", "EPSV",
                     "PORT 127,0,0,1,4,1", "EPRT |1|127.0.0.1|1025|", "MKD x", "DELE hello.txt",
                     "SIZE hello.txt", "PWD", "MLSD", "RNFR hello.txt"):
            self.assertEqual(c.command(line)[0], "530", line)
        self.assertEqual(c.command("XYZZY")[0], "500")
        self.assertEqual(c.command("NOOP")[0], "200")
        self.assertEqual(os.listdir(server.root).count("x"), 0)

    # ---- FTP bounce

    def test_port_and_eprt_to_other_hosts_or_low_ports_are_refused(self):
        server = self.server()
        target = socket.socket()
        self.addCleanup(target.close)
        target.bind(("127.0.0.2", 0))
        target.listen(4)
        p = target.getsockname()[1]
        c = self.control(server)
        for line in (f"PORT 127,0,0,2,{p >> 8},{p & 255}", "PORT 127,0,0,1,0,21",
                     "PORT 127,0,0,1,3,255", f"EPRT |1|127.0.0.2|{p}|", "EPRT |1|127.0.0.1|21|",
                     f"EPRT |2|::1|{p}|"):
            self.assertEqual(c.command(line)[0], "500", line)
            # Had it been accepted, RETR would connect before its first reply.
            self.assertEqual(c.command("RETR hello.txt")[0], "425", line)
            self.assertTrue(nothing_readable(target), f"the server connected after {line}")
        server.wait_for_log(r"refused active data connection to 127\.0\.0\.2 port \d+")
        first, data, final = data_command(c, b"RETR hello.txt")
        self.assertEqual((first[0], data, final[0]), ("150", HELLO, "226"))

    def test_passive_connection_from_another_address_is_dropped_and_the_client_still_served(self):
        server = self.server()
        payload_sha = write_big_file(server.path("big.bin"), 3 << 20)
        c = self.control(server)
        c.command("TYPE I")
        port = epsv_port(c)
        c.send("RETR big.bin\r\n")
        intruder = connect_from("127.0.0.2", port)
        self.addCleanup(intruder.close)
        self.assertEqual(read_until_eof(intruder), b"", "the intruder got file bytes")
        server.wait_for_log(r"refused data connection from 127\.0\.0\.2 port \d+")
        self.assertTrue(nothing_readable(c.sock), "the server answered before the client connected")
        with connect_from("127.0.0.1", port) as data:
            self.assertEqual(c.reply()[0], "150")
            got = read_until_eof(data)
        self.assertEqual(c.reply()[0], "226")
        self.assertEqual(sha256(got), payload_sha)

    # ---- logins and timeouts

    def test_second_login_failure_gets_421_and_the_connection_closes(self):
        server = self.server(max_login_failures=2, login_fail_delay=0)
        c = self.control(server, login=False)
        self.assertEqual(c.command("USER nosuchuser")[0], "331")
        self.assertEqual(c.command("PASS wrong")[0], "530")
        self.assertEqual(c.command("USER nosuchuser")[0], "331")
        self.assertEqual(c.command("PASS wrong")[0], "421")
        self.assertTrue(at_eof(c))
        self.assertEqual(self.control(server).command("NOOP")[0], "200")   # no ban: a new connection logs in

    def test_idle_client_gets_421_and_eof(self):
        server = self.server(idle_timeout=SHORT)
        c = self.control(server)
        start = time.monotonic()
        self.assertEqual(c.reply()[0], "421")
        self.assertTrue(at_eof(c))
        self.assertLess(time.monotonic() - start, DEADLINE)
        self.wait_sessions(server, 0)

    def test_client_that_never_logs_in_gets_421_and_eof_even_while_sending_noop(self):
        server = self.server(login_timeout=SHORT)
        quiet = self.control(server, login=False)
        chatty = self.control(server, login=False)
        start = time.monotonic()
        code = None
        while time.monotonic() - start < DEADLINE:     # NOOP every 0.5 s keeps nothing alive
            code = chatty.command("NOOP")[0]
            if code != "200":
                break
            time.sleep(0.5)
        self.assertEqual(code, "421")
        self.assertTrue(at_eof(chatty))
        self.assertEqual(quiet.reply()[0], "421")
        self.assertTrue(at_eof(quiet))
        self.assertLess(time.monotonic() - start, DEADLINE)

    def test_data_connection_never_opened_gets_425_and_control_survives(self):
        server = self.server(data_timeout=SHORT)
        c = self.control(server)
        epsv_port(c)        # announced, never connected
        start = time.monotonic()
        self.assertEqual(c.command("RETR hello.txt")[0], "425")
        self.assertLess(time.monotonic() - start, DEADLINE)
        self.assertEqual(c.command("NOOP")[0], "200")
        first, data, final = data_command(c, b"RETR hello.txt")
        self.assertEqual((first[0], data, final[0]), ("150", HELLO, "226"))

    def test_upload_whose_client_stops_sending_ends_with_426_and_leaves_no_file(self):
        server = self.server(data_timeout=SHORT)
        c = self.control(server)
        data = connect_from("127.0.0.1", epsv_port(c))
        self.addCleanup(data.close)
        self.assertEqual(c.command("STOR stalled.bin")[0], "150")
        data.sendall(b"first bytes, then nothing")
        start = time.monotonic()
        self.assertEqual(c.reply()[0], "426")
        self.assertLess(time.monotonic() - start, DEADLINE)
        self.assertEqual(sorted(os.listdir(server.root)), ["etc", "hello.txt"])
        self.assertEqual(c.command("NOOP")[0], "200")

    def test_client_that_never_reads_its_replies_is_closed_at_idle_timeout(self):
        # Pipelined commands whose replies are never read: the server ends up blocked writing
        # a reply. That must not hold the session (and a max_clients slot) for ever.
        server = self.server(idle_timeout=SHORT, workers=1)
        c = self.control(server)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        # A small send buffer too: the backlog of NOOPs the server still has to answer stays
        # small, so even a slow (sanitizer) build reaches the blocked write quickly.
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        c.sock.setblocking(False)
        flood, start = b"NOOP\r\n" * 1000, time.monotonic()
        blocked_since = None
        while time.monotonic() - start < DEADLINE:      # until both directions stay full
            try:
                c.sock.send(flood)
                blocked_since = None
            except BlockingIOError:
                blocked_since = blocked_since or time.monotonic()
                if time.monotonic() - blocked_since > 0.5:
                    break
                select.select([], [c.sock], [], 0.1)
        else:
            self.fail("the server kept reading a client that never reads")
        try:
            self.wait_sessions(server, 0)
        except AssertionError:
            self.fail(f"a logged-in client that never reads replies still holds its session "
                      f"{time.monotonic() - start:.0f}s later (idle_timeout = {SHORT})")

    def test_download_the_client_stops_reading_ends_with_426_and_the_session_is_freed(self):
        server = self.server(data_timeout=SHORT)
        write_big_file(server.path("big.bin"), BIG)
        c = self.control(server)
        c.command("TYPE I")
        data = connect_from("127.0.0.1", epsv_port(c), rcvbuf=4096)
        self.addCleanup(data.close)
        self.assertEqual(c.command("RETR big.bin")[0], "150")
        start = time.monotonic()
        self.assertEqual(c.reply()[0], "426")           # never read a byte
        self.assertLess(time.monotonic() - start, DEADLINE)
        self.assertEqual(c.command("NOOP")[0], "200")
        c.close()
        data.close()
        self.wait_sessions(server, 0)

    def test_transfers_slower_than_idle_timeout_are_not_cut(self):
        # DESIGN: the idle timer does not run while a transfer is active.
        server = self.server(idle_timeout=SHORT)
        payload_sha = write_big_file(server.path("big.bin"), 8 << 20)
        c = self.control(server)
        c.command("TYPE I")
        data = connect_from("127.0.0.1", epsv_port(c), rcvbuf=4096)
        with data:
            self.assertEqual(c.command("RETR big.bin")[0], "150")
            time.sleep(SHORT + 1)       # the server is stuck in the send, longer than the timer
            self.assertTrue(nothing_readable(c.sock), "the download ended early: no test")
            data.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            got = read_until_eof(data)
        self.assertEqual(c.reply()[0], "226")
        self.assertEqual(sha256(got), payload_sha)
        data = connect_from("127.0.0.1", epsv_port(c))
        with data:
            self.assertEqual(c.command("STOR slow-up.bin")[0], "150")
            block, start = os.urandom(16384), time.monotonic()
            sent = []
            while time.monotonic() - start < SHORT + 1:    # a sender slower than the timer
                data.sendall(block)
                sent.append(block)
                time.sleep(0.05)
        self.assertEqual(c.reply()[0], "226")
        with open(server.path("slow-up.bin"), "rb") as f:
            self.assertEqual(sha256(f.read()), sha256(b"".join(sent)))

    # ---- resources a client can hold

    def test_silent_connections_do_not_stall_other_clients(self):
        server = self.server(workers=1)
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(40)]
        for s in idle:
            self.addCleanup(s.close)
        c = self.control(server)
        first, data, final = data_command(c, b"RETR hello.txt")
        self.assertEqual((first[0], data, final[0]), ("150", HELLO, "226"))

    def test_repeated_pasv_does_not_leak_passive_ports(self):
        low = free_port()
        if not port_is_free(low + 1):
            self.skipTest(f"port {low + 1} is in use")
        server = self.server(pasv_ports=f"{low}-{low + 1}")
        # Three addresses: one may hold only half of the range (one port here).
        a, b, c = (self.control(server, source=f"127.0.0.{i}") for i in (1, 2, 3))
        for _ in range(20):
            self.assertEqual(a.command("PASV")[0], "227")
        self.assertEqual(a.command("EPSV")[0], "229")
        self.assertEqual(b.command("PASV")[0], "227")
        code, text = c.command("PASV")
        if code == "425":
            server.wait_for_log(r"cannot open a passive port \(\d+-\d+\): passive port range exhausted")
        else:  # a's listener was over a second old already: c took it over
            self.assertEqual(code, "227", text)
            server.wait_for_log(r"pasv_ports exhausted: took over port")
        a.command("QUIT")
        wait_until(lambda: c.command("EPSV")[0] == "229", DEADLINE, "a passive port after A quit")

    def test_a_flood_of_pipelined_lines_behind_a_transfer_is_answered_in_order(self):
        server = self.server(workers=1)
        (worker,) = server.worker_pids()
        payload_sha = write_big_file(server.path("big.bin"), 8 << 20)
        c = self.control(server)
        c.command("TYPE I")
        before = vm_rss_kib(worker)
        data = connect_from("127.0.0.1", epsv_port(c))
        with data:
            c.send(b"RETR big.bin\r\n" + b"".join(b"MDTM hello.txt\r\nNOOP\r\n" for _ in range(1000)))
            got = read_until_eof(data)
        self.assertEqual(sha256(got), payload_sha)
        codes = [c.reply()[0] for _ in range(2002)]
        self.assertEqual(codes[:2], ["150", "226"])
        self.assertEqual(codes[2:], ["213", "200"] * 1000)
        self.assertEqual(c.command("PWD")[0], "257")
        grown = vm_rss_kib(worker) - before
        self.assertLess(grown, 16 << 10, f"worker RSS grew by {grown} KiB")

    # ---- connection limits

    def test_max_per_ip_refuses_the_fourth_connection_but_not_another_address(self):
        server = self.server(max_per_ip=3)
        self.wait_sessions(server, 0)   # the fixture's readiness probe has left
        first = [self.greet_from(server, "127.0.0.1") for _ in range(3)]
        self.assertEqual([code for code, _ in first], ["220"] * 3)
        code, fourth = self.greet_from(server, "127.0.0.1")
        self.assertEqual(code, "421")
        self.assertEqual(read_until_eof(fourth), b"")
        self.assertEqual(self.greet_from(server, "127.0.0.2")[0], "220")
        server.wait_for_log(r"refused connection from 127\.0\.0\.1 port \d+: max_per_ip \(3\)")
        first[0][1].close()             # a slot frees up once its session has ended
        wait_until(lambda: self.greet_from(server, "127.0.0.1")[0] == "220", DEADLINE,
                   "a 220 after one of the three left")

    def test_max_clients_is_counted_across_both_workers(self):
        server = self.server(workers=2, max_clients=4)
        self.wait_sessions(server, 0)   # the fixture's readiness probe has left
        a, b = sorted(server.worker_pids())
        for pid in (a, b):
            self.addCleanup(self.cont, pid)
        # With one worker stopped the other must accept: two sessions on each worker.
        for stopped in (a, b):
            os.kill(stopped, signal.SIGSTOP)
            self.assertEqual([self.greet_from(server, f"127.0.0.{i}")[0] for i in (3, 4)], ["220"] * 2)
            self.cont(stopped)
        per_worker = {w["pid"]: w["sessions"] for w in status_json(server)["workers"]}
        self.assertEqual(per_worker, {a: 2, b: 2})
        # Whichever worker accepts the fifth, it refuses it.
        for stopped in (a, b):
            os.kill(stopped, signal.SIGSTOP)
            code, s = self.greet_from(server, "127.0.0.5")
            self.cont(stopped)
            self.assertEqual(code, "421", f"worker {stopped} stopped")
            self.assertEqual(read_until_eof(s), b"")
        self.assertEqual(len(server.log_findall(r"max_clients \(4\) reached")), 2)

    def cont(self, pid):
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass

    # ---- clients that vanish

    def test_clients_vanishing_mid_transfer_leave_workers_and_others_unharmed(self):
        server = self.server(workers=2)
        big_sha = write_big_file(server.path("big.bin"), 8 << 20)
        for i in range(2000):
            server.add_file(f"many/{i:04d}-{'n' * 80}.txt", b"")
        workers = server.worker_pids()
        bystander = self.control(server)
        for scenario in (self.vanish_mid_upload, self.vanish_mid_download, self.vanish_mid_list):
            scenario(server)
            self.wait_sessions(server, 1)
            self.assertEqual(bystander.command("NOOP")[0], "200", scenario.__name__)
        bystander.command("TYPE I")
        first, data, final = data_command(bystander, b"RETR big.bin")
        self.assertEqual((first[0], sha256(data), final[0]), ("150", big_sha, "226"))
        self.assertEqual(server.worker_pids(), workers)
        self.assertEqual(server.log_findall(r"\[(?:critical|error)\]"), [])
        bystander.close()
        self.wait_sessions(server, 0)

    def start_transfer(self, server, line, rcvbuf=None):
        c = RawControl(server.port)
        c.command("TYPE I")
        data = connect_from("127.0.0.1", epsv_port(c), rcvbuf=rcvbuf)
        self.assertEqual(c.command(line)[0], "150", line)
        return c, data

    def vanish(self, c, data):
        reset_close(data)
        c.file.close()
        reset_close(c.sock)

    def vanish_mid_upload(self, server):
        c, data = self.start_transfer(server, "STOR vanished.bin")
        data.sendall(os.urandom(1 << 20))
        wait_until(lambda: any(n.startswith(".ftpd-upload.") for n in os.listdir(server.root)),
                   what="the upload's temporary file")
        self.vanish(c, data)
        wait_until(lambda: not any(n.startswith(".ftpd-upload.") for n in os.listdir(server.root)),
                   DEADLINE, "the temporary upload file to go")
        self.assertFalse(os.path.exists(server.path("vanished.bin")))

    def vanish_mid_download(self, server):
        c, data = self.start_transfer(server, "RETR big.bin", rcvbuf=4096)
        self.assertTrue(data.recv(4096))
        self.vanish(c, data)

    def vanish_mid_list(self, server):
        c, data = self.start_transfer(server, "LIST -l many", rcvbuf=4096)
        self.assertTrue(data.recv(4096))
        self.vanish(c, data)


if __name__ == "__main__":
    unittest.main()
