"""A reload that needs a larger status segment (more workers than free slots, or a larger
max_clients) re-creates it: the new workers show in ftpctl, the old ones drain their
sessions on the old mapping, and nothing is left in /dev/shm afterwards."""

import signal
import unittest

from ftpd_fixture import RawControl, Server, pid_alive, shm_entries, status_json, wait_until


class ReloadGrowthTest(unittest.TestCase):

    def running(self, server):
        return [w for w in status_json(server)["workers"] if w["state"] == "running"]

    def test_more_workers_than_free_slots_recreates_the_segment(self):
        server = Server.for_test(self, workers=2, files={"a.txt": b"a\n"})   # 2*2+2 = 6 slots
        old = server.worker_pids()
        session = RawControl(server.port)          # keeps an old worker draining
        self.addCleanup(session.close)
        mark = server.log_mark()
        server.rewrite_config(workers=5)           # needs 5 free slots; only 4 are
        server.signal(signal.SIGHUP)
        server.wait_for_log(r"reload: generation 2", since=mark)
        server.wait_for_log(r"status segment re-created", since=mark)

        def five_running():
            s = status_json(server)
            return s if len([w for w in s["workers"] if w["state"] == "running"]) == 5 else None
        status = wait_until(five_running, what="5 running workers")
        self.assertEqual(status["master"]["generation"], 2)
        self.assertTrue(status["master"]["last_reload"]["ok"])
        new_pids = {w["pid"] for w in status["workers"] if w["state"] == "running"}
        self.assertFalse(new_pids & old)

        self.assertEqual(session.command("NOOP")[0], "200")   # the old session still served
        self.assertEqual(session.command("QUIT")[0], "221")
        wait_until(lambda: not any(pid_alive(p) for p in old), what="old workers drain and exit")
        self.assertEqual(greeting_code(server), "220")
        self.assertEqual([n for n in shm_entries(server.pid) if n.endswith(".status")],
                         [f"ftpd.{server.pid}.status"])

    def test_larger_max_clients_recreates_the_segment(self):
        server = Server.for_test(self, workers=1, files={}, config_extra="max_clients = 10\n")
        mark = server.log_mark()
        server.rewrite_config("max_clients = 50\n")
        server.signal(signal.SIGHUP)
        server.wait_for_log(r"status segment re-created with \d+ slots of 50 sessions", since=mark)
        wait_until(lambda: len(self.running(server)) == 1 and
                   status_json(server)["master"]["generation"] == 2, what="generation 2 running")


def greeting_code(server):
    c = RawControl(server.port, login=False)
    try:
        return c.greeting[0]
    finally:
        c.close()


if __name__ == "__main__":
    unittest.main()
