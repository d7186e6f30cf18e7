"""Log floods: at the descriptor limit a worker's accept() fails (EMFILE) every time it
retries. That is logged once when it starts, once a minute with the count, and once when it
ends, counted in `ftpctl status` (accept_errors), and the worker serves again as soon as
descriptors are free."""

import select
import unittest

from ftpd_fixture import RawControl, Server, connect_from, read_reply, sanitized_build, status_json, wait_until

START = r"worker 0\[\d+\]: accept: Too many open files; refusing connections until it clears"
END = r"worker 0\[\d+\]: accept: accepting again after (\d+) failed accept\(s\) \(Too many open files\)"
LIMIT = 48       # RLIMIT_NOFILE of the server under test
MINUTE = r"accept: Too many open files: \d+ accept\(s\) failed in the last minute"


@unittest.skipIf(sanitized_build(), "open: under AddressSanitizer the worker at RLIMIT_NOFILE = 48 does not "
                 "reach 20 counted accept errors in 30 s (seen 2026-12-02, not yet explained); "
                 "the plain build passes")
class AcceptErrorTest(unittest.TestCase):

    def test_emfile_is_logged_a_bounded_number_of_times_and_the_worker_recovers(self):
        # A limit low enough that a few sessions reach it (the master cannot raise it).
        server = Server.for_test(self, workers=1, nofile=LIMIT, max_clients=100, max_per_ip=100,
                                 files={"hello.txt": b"hello\n"})
        holders = []
        waiting = None
        while waiting is None:
            self.assertLess(len(holders), LIMIT, "the worker never reached its descriptor limit")
            s = connect_from("127.0.0.1", server.port)
            self.addCleanup(s.close)
            wait_until(lambda: select.select([s], [], [], 0)[0] or server.log_findall(START), 10,
                       "a greeting, or the worker at its limit")
            if select.select([s], [], [], 0)[0]:
                self.assertEqual(read_reply(s.makefile("rb"))[0], "220")
                holders.append(s)
            else:
                waiting = s  # the kernel completed this connection; the worker cannot accept it
        self.assertGreater(len(holders), 1)
        server.wait_for_log(START)
        # The worker keeps retrying (every 100 ms): wait until it has failed many times.
        wait_until(lambda: status_json(server)["totals"]["accept_errors"] >= 20, 30, "20 failed accepts")
        self.assertEqual(len(server.log_findall(START)), 1)
        # Descriptors free up: the waiting client is served, and the end is logged once.
        # (Two of them: Linux fails accept() with EMFILE whenever the table is full, even with
        # nobody waiting, so with one the worker would be at its limit again right after.)
        holders[0].close()
        holders[1].close()
        code, _ = read_reply(waiting.makefile("rb"))
        self.assertEqual(code, "220")
        end = server.wait_for_log(END)
        self.assertGreaterEqual(int(end.group(1)), 20)
        # A bounded number of lines for all those failures: the start, the end, and (should
        # the last accept() race the second free descriptor) one more start and end.
        log = "\n".join(l for l in server.log_text().splitlines() if "accept: " in l)
        starts, ends = len(server.log_findall(START)), len(server.log_findall(END))
        minutes = len(server.log_findall(MINUTE))
        self.assertLessEqual(starts, 2, log)
        self.assertGreaterEqual(ends, 1, log)
        self.assertLessEqual(minutes, 1, log)  # the test takes well under two minutes
        self.assertEqual(len(server.log_findall(r"accept: ")), starts + len(server.log_findall(
            r"accept: accepting again")) + minutes, log)
        st = status_json(server)
        self.assertGreaterEqual(st["workers"][0]["accept_errors"], 20)
        # And new clients are served as before, once there is room.
        for h in holders[2:]:
            h.close()
        c = RawControl(server.port)
        self.addCleanup(c.close)
        self.assertEqual(c.command("NOOP")[0], "200")


if __name__ == "__main__":
    unittest.main()
