"""The ftp client (client/ftp) at a terminal: driven through a pseudo-terminal
(Python's pty module) against a running ftpd, checking the Name prompt, the
`ftp> ` prompt, tab completion of a remote name (libedit), history, the
progress bar on a large download, and that the password prompt does not echo;
and, against a throttled pyftpdlib and a throttled ftpd over TLS, that Ctrl-C
aborts a download cleanly."""

import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import fcntl
import termios
import unittest

from ftpd_fixture import (PyftpdlibServer, Server, ftp_bin, make_test_cert,
                          python_with_pyftpdlib, sha256_file, write_big_file)

HELLO = b"Hello from ftpd.\n"
PROMPT = "ftp> "
BIG_SIZE = 8 * 1024 * 1024


class Terminal:
    """`ftp ARGS` on the slave side of a new pty (80x24, TERM=xterm); expect()
    reads the master side until a regex matches, with a deadline."""

    def __init__(self, args, cwd):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = dict(os.environ, TERM="xterm", HOME=cwd)
        env.pop("FTPANONPASS", None)
        # A session of its own with the pty as its controlling terminal, so that
        # Ctrl-C typed on the master side sends SIGINT to ftp, as in a real terminal.
        self.proc = subprocess.Popen([ftp_bin()] + list(args), cwd=cwd, env=env,
                                     stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True, close_fds=True,
                                     preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.output = ""      # not yet matched by expect()
        self.transcript = ""  # everything the terminal showed

    def send(self, text):
        os.write(self.master, text.encode())

    def expect(self, regex, timeout=20.0):
        """Read until `regex` matches the output since the last expect(); return the match."""
        pattern = re.compile(regex)
        deadline = time.monotonic() + timeout
        while True:
            match = pattern.search(self.output)
            if match:
                self.output = self.output[match.end():]
                return match
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for /{regex}/; output so far:\n"
                                     f"{self.output!r}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    data = os.read(self.master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    data = b""
                if not data:
                    raise AssertionError(f"ftp exited while waiting for /{regex}/; output:\n"
                                         f"{self.output!r}")
                self._add(data)

    def _add(self, data):
        text = data.decode(errors="replace")
        self.output += text
        self.transcript += text

    def wait(self, timeout=10.0):
        # Drain the terminal so the child never blocks writing to it.
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self._add(os.read(self.master, 65536))
                except OSError:
                    break
        return self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))

    def close(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        os.close(self.master)


class FtpClientTerminalTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server(files={"hello.txt": HELLO, "sub/inner.txt": b"inner\n"})
        cls.big_sha = write_big_file(cls.server.path("big.bin"), BIG_SIZE)

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def setUp(self):
        self.local = tempfile.mkdtemp(prefix="ftp-terminal-test-")
        self.addCleanup(shutil.rmtree, self.local, ignore_errors=True)

    def terminal(self, *args):
        term = Terminal(args, self.local)
        self.addCleanup(term.close)
        return term

    def login(self, term):
        term.expect(r"Name \(127\.0\.0\.1:[^)]*\): ")
        term.send("anonymous\r")
        term.expect(r"230 ")
        term.expect(re.escape(PROMPT))

    def quit(self, term, status=0):
        term.send("quit\r")
        self.assertEqual(term.wait(), status, term.transcript)

    def test_name_prompt_then_the_ftp_prompt(self):
        term = self.terminal("127.0.0.1", str(self.server.port))
        term.expect(r"Connected to 127\.0\.0\.1\.")
        self.login(term)
        term.send("pwd\r")
        term.expect(r"Remote directory: /\r?\n")
        term.expect(re.escape(PROMPT))
        self.quit(term)

    def test_tab_completes_a_remote_name(self):
        term = self.terminal("127.0.0.1", str(self.server.port))
        self.login(term)
        term.send("get hel\t")
        term.expect(r"lo\.txt ")  # the completion, echoed after what was typed
        term.send("\r")
        term.expect(r"226 Transfer complete\.")
        term.expect(re.escape(PROMPT))
        with open(os.path.join(self.local, "hello.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO)
        self.quit(term)

    def test_tab_completes_commands_and_directories(self):
        term = self.terminal("127.0.0.1", str(self.server.port))
        self.login(term)
        term.send("mkd\t")
        term.expect(r"ir ")
        term.send("\x15")  # Ctrl-U: kill the line
        term.send("cd su\t")
        term.expect(r"b/")
        term.send("\r")
        term.expect(r"250 ")
        term.send("pwd\r")
        term.expect(r"Remote directory: /sub")
        self.quit(term)

    def test_progress_bar_on_a_large_get(self):
        term = self.terminal("127.0.0.1", str(self.server.port))
        self.login(term)
        term.send("get big.bin\r")
        bar = term.expect(r"big\.bin\s+(\d+)% \|[= ]*\|[^\r\n]*B/s")
        self.assertLessEqual(int(bar.group(1)), 100)
        term.expect(r"100% \|=+\|")
        term.expect(rf"226 Transfer complete\. big\.bin: {BIG_SIZE} bytes in ")
        term.expect(re.escape(PROMPT))
        self.assertEqual(sha256_file(os.path.join(self.local, "big.bin")), self.big_sha)
        self.quit(term)

    def test_password_prompt_does_not_echo(self):
        term = self.terminal("-n", "127.0.0.1", str(self.server.port))
        term.expect(re.escape(PROMPT))
        term.send("user nobody-here\r")
        term.expect(r"Password: ")
        term.send("not-shown-secret\r")
        term.expect(r"ftp: user nobody-here: 530 ")
        term.expect(re.escape(PROMPT))
        self.quit(term, status=1)  # a command failed
        self.assertNotIn("not-shown-secret", term.transcript)

    def test_ctrl_c_at_the_prompt_drops_the_line_not_the_session(self):
        term = self.terminal("127.0.0.1", str(self.server.port))
        self.login(term)
        term.send("get hel")
        term.expect(r"get hel")
        term.send("\x03")
        term.expect(re.escape(PROMPT))
        term.send("pwd\r")
        term.expect(r"Remote directory: /\r?\n")
        self.quit(term)

    def test_history_recalls_the_previous_command(self):
        term = self.terminal("127.0.0.1", str(self.server.port))
        self.login(term)
        term.send("size hello.txt\r")
        term.expect(r"hello\.txt\t17")
        term.expect(re.escape(PROMPT))
        term.send("\x1b[A\r")  # up arrow, enter
        term.expect(r"hello\.txt\t17")
        self.quit(term)


def interrupt_get_and_go_on(test, term, local):
    """At the prompt: start `get big.bin`, press Ctrl-C once the progress bar shows,
    and check the get failed cleanly and the control connection still answers."""
    term.expect(re.escape(PROMPT))
    term.send("get big.bin\r")
    term.expect(r"big\.bin\s+\d+% \|")
    term.send("\x03")
    term.expect(r"ftp: get big\.bin: interrupted")
    term.expect(re.escape(PROMPT))
    test.assertEqual(os.listdir(local), [], "no partial or temporary file is left")
    term.send("pwd\r")  # the control connection still answers in order
    term.expect(r"Remote directory: /\r?\n")
    term.expect(re.escape(PROMPT))
    term.send("quit\r")
    test.assertEqual(term.wait(), 1, term.transcript)  # the interrupted get failed


class FtpClientInterruptTest(unittest.TestCase):
    """Ctrl-C in the middle of a download from a server slow enough to catch it."""

    def setUp(self):
        python = python_with_pyftpdlib()
        if python is None:
            self.skipTest("pyftpdlib is not installed (Debian: python3-pyftpdlib); "
                          "it serves the throttled download this test interrupts")
        self.dir = tempfile.mkdtemp(prefix="ftp-interrupt-test-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.root = os.path.join(self.dir, "root")
        self.local = os.path.join(self.dir, "local")
        os.makedirs(self.root)
        os.makedirs(self.local)
        write_big_file(os.path.join(self.root, "big.bin"), BIG_SIZE)
        self.server = PyftpdlibServer(python, self.root, os.path.join(self.dir, "server.log"),
                                      write_limit=256 * 1024)  # 8 MiB take half a minute
        self.addCleanup(self.server.stop)

    def test_ctrl_c_aborts_the_transfer_and_keeps_the_session(self):
        term = Terminal([f"ftp://127.0.0.1:{self.server.port}/"], self.local)
        self.addCleanup(term.close)
        interrupt_get_and_go_on(self, term, self.local)


class FtpClientTlsInterruptTest(unittest.TestCase):
    """Ctrl-C in the middle of a PROT P download from ftpd (tls = required,
    throttled): ABOR goes over the TLS control connection, which stays usable."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="ftp-tls-interrupt-test-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.local = os.path.join(self.dir, "local")
        os.makedirs(self.local)
        self.cert, key = make_test_cert(self.dir)
        self.server = Server.for_test(self, tls="required", tls_cert=self.cert, tls_key=key,
                                      anonymous_max_rate=256 * 1024)  # 8 MiB take half a minute
        write_big_file(self.server.path("big.bin"), BIG_SIZE)

    def test_ctrl_c_aborts_a_tls_download_and_keeps_the_session(self):
        term = Terminal(["-s", "--cacert", self.cert, f"ftp://127.0.0.1:{self.server.port}/"],
                        self.local)
        self.addCleanup(term.close)
        term.expect(r"TLS: TLSv1\.[23], \S+ \(certificate verified\)")
        interrupt_get_and_go_on(self, term, self.local)


if __name__ == "__main__":
    unittest.main()
