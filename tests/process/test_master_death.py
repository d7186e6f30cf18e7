"""When the master dies, its workers notice (parent-death signal): they stop accepting at
once, finish the sessions they hold, and exit, so a new master can bind the port."""

import os
import signal
import socket
import unittest

from ftpd_fixture import RawControl, Server, pid_alive, wait_until


class MasterDeathTest(unittest.TestCase):

    def test_workers_stop_accepting_serve_their_sessions_and_exit(self):
        server = Server.for_test(self, workers=2, files={"a.txt": b"hello\n"})
        workers = server.worker_pids()
        self.assertEqual(len(workers), 2)
        session = RawControl(server.port)          # logged in before the master dies
        self.addCleanup(session.close)

        os.kill(server.pid, signal.SIGKILL)
        wait_until(lambda: not pid_alive(server.pid), what="master gone")

        # Stop accepting: the listening socket is closed in every process.
        def refused():
            try:
                socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
                return False
            except ConnectionRefusedError:
                return True
        wait_until(refused, what="listening port closed")

        # The session already open is still served.
        self.assertEqual(session.command("NOOP")[0], "200")
        self.assertEqual(session.command("QUIT")[0], "221")

        wait_until(lambda: not any(pid_alive(p) for p in workers), what="workers exit")

        # A new master can bind the same port at once.
        probe = socket.socket()
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", server.port))
        probe.close()


if __name__ == "__main__":
    unittest.main()
