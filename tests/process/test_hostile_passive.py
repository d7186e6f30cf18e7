"""Passive-port hoarding: with a pasv_ports range, clients that ask for passive ports and
never connect cannot lock an honest client out. The longest-waiting unused listener (over a
second old) is taken over when the range is exhausted, in whichever worker it is, and its
session's next transfer gets 425 saying why; accept_timeout closes an unused listener; one
client address holds at most half of the range. Each is logged once per session."""

import random
import re
import socket
import unittest

from ftpd_fixture import RawControl, Server, connect_from, read_until_eof, wait_until

HELLO = b"Hello from ftpd.\n"
DEADLINE = 15.0


def free_range(n):
    """LOW of n consecutive ports of 127.0.0.1 that are free right now."""
    for _ in range(200):
        low = random.randrange(20000, 60000 - n)
        socks = []
        try:
            for p in range(low, low + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return low
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise unittest.SkipTest(f"no {n} consecutive free ports")


def port_of(reply_text):
    h = [int(x) for x in re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", reply_text).groups()]
    return h[4] * 256 + h[5]


class PassiveHoardingTest(unittest.TestCase):

    def server(self, n_ports, **options):
        low = free_range(n_ports)
        server = Server.for_test(self, files={"hello.txt": HELLO}, pasv_ports=f"{low}-{low + n_ports - 1}",
                                 max_per_ip=50, **options)
        return server

    def control(self, server, source="127.0.0.1"):
        c = RawControl(server.port, source=source)
        self.addCleanup(c.close)
        return c

    def test_a_fresh_session_takes_over_from_hoarders_and_the_hoarder_gets_425(self):
        server = self.server(16, workers=2)
        holder = {}   # port -> the hoarder that holds it last
        hoarders = []
        for i in range(30):
            h = self.control(server, source=f"127.0.0.{2 + i % 4}")  # 4 addresses, 8 ports each at most
            hoarders.append(h)
            code, text = h.command("PASV")
            self.assertIn(code, ("227", "425"), text)
            if code == "227":
                holder[port_of(text)] = h
        self.assertEqual(len(holder), 16)  # the whole range is taken
        fresh = self.control(server)
        # Until a hoarder's listener is over a second old, the range is just exhausted.
        replies = []
        wait_until(lambda: replies.append(fresh.command("PASV")) or replies[-1][0] == "227", DEADLINE,
                   "a passive port for the fresh session")
        self.assertTrue(all(code == "425" for code, _ in replies[:-1]), replies)
        port = port_of(replies[-1][1])
        data = connect_from("127.0.0.1", port)
        with data:
            fresh.send(b"LIST\r\n")
            self.assertEqual(fresh.reply()[0], "150")
            self.assertIn(b"hello.txt", read_until_eof(data))
        self.assertEqual(fresh.reply()[0], "226")
        server.wait_for_log(r"pasv_ports exhausted: took over port %d from session \d+" % port)
        victim = holder[port]
        code, text = victim.command("RETR hello.txt")
        self.assertEqual(code, "425", text)
        self.assertIn("another session", text)
        victim_line = server.wait_for_log(r"session (\d+) from [\d.]+ port %d user '[^']*': passive port %d "
                                          r"closed unused: taken over" % (victim.sock.getsockname()[1], port))
        # The victim's next PASV is served like anyone's; the session goes on.
        self.assertEqual(victim.command("NOOP")[0], "200")
        self.assertEqual(len(server.log_findall(r"session %s from .*: passive port \d+ closed unused"
                                                % victim_line.group(1))), 1)

    def test_accept_timeout_closes_an_unused_listener_and_the_next_transfer_gets_425(self):
        server = self.server(4, workers=1, accept_timeout=1)
        c = self.control(server)
        code, text = c.command("PASV")
        self.assertEqual(code, "227", text)
        port = port_of(text)
        me = c.sock.getsockname()[1]
        server.wait_for_log(r"port %d user '[^']*': passive port %d closed unused: no data connection "
                            r"within accept_timeout" % (me, port))
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))  # the port is free again
        code, text = c.command("RETR hello.txt")
        self.assertEqual(code, "425", text)
        self.assertIn("accept_timeout", text)
        # A transfer command waiting for its connection gets the same 425 when it fires,
        # and the session logs it only once.
        self.assertEqual(c.command("PASV")[0], "227")
        code, text = c.command("RETR hello.txt")
        self.assertEqual(code, "425", text)
        self.assertIn("accept_timeout", text)
        self.assertEqual(len(server.log_findall(r"port %d user '[^']*': passive port \d+ closed unused" % me)), 1)
        # A client that connects in time is served as before.
        data = c.pasv()
        with data:
            c.send(b"RETR hello.txt\r\n")
            self.assertEqual(c.reply()[0], "150")
            self.assertEqual(read_until_eof(data), HELLO)
        self.assertEqual(c.reply()[0], "226")

    def test_one_address_holds_at_most_half_of_the_range(self):
        server = self.server(4, workers=2)
        a, b, c = (self.control(server) for _ in range(3))
        self.assertEqual(a.command("PASV")[0], "227")
        self.assertEqual(b.command("EPSV")[0], "229")
        for _ in range(3):
            code, text = c.command("PASV")
            self.assertEqual(code, "425", text)
            self.assertIn("limit is 2", text)
        self.assertEqual(c.command("EPSV")[0], "425")
        me = c.sock.getsockname()[1]
        server.wait_for_log(r"port %d user '[^']*': passive port refused: the address holds 2 of pasv_ports" % me)
        self.assertEqual(len(server.log_findall(r"port %d user '[^']*': passive port refused" % me)), 1)
        # Another address is not limited by this one's ports.
        other = self.control(server, source="127.0.0.2")
        self.assertEqual(other.command("PASV")[0], "227")
        # A's PASV again replaces its own listener: still within the cap.
        self.assertEqual(a.command("PASV")[0], "227")
        a.command("QUIT")
        wait_until(lambda: c.command("PASV")[0] == "227", DEADLINE, "a passive port once A has quit")


if __name__ == "__main__":
    unittest.main()
