"""A gated FUSE mount for process tests and benchmarks (tests/support/gated_fs.py).

    mount = GatedMount(backing_dir)          # mounted at a new temp dir, gate open
    mount.close_gate()                       # operations under /slow now wait
    ...                                      # start commands that touch /slow
    mount.wait_blocked("getattr", "/slow/x") # synchronise on the event, not a sleep
    mount.open_gate()                        # release them
    mount.cleanup()                          # unmount, stop the process (by pid)

`fuse_missing()` says why a test must skip (no /dev/fuse, no fusermount, no fusepy).
"""

import os
import shutil
import subprocess
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GATED_FS = os.path.join(HERE, "gated_fs.py")
PYTHON = "/usr/bin/python3"  # Debian's, which has python3-fusepy


def fuse_missing():
    """None when a gated mount can work here, else the reason to skip."""
    if not os.path.exists("/dev/fuse"):
        return "no /dev/fuse"
    if not shutil.which("fusermount") and not shutil.which("fusermount3"):
        return "fusermount missing (apt-get install fuse3; make deps)"
    probe = subprocess.run([PYTHON, "-c", "import fusepy"], capture_output=True)
    if probe.returncode != 0:
        return "python3-fusepy missing (make deps)"
    if os.geteuid() != 0:
        return "needs root (allow_other for the server's workers)"
    return None


def _mounted(path):
    real = os.path.realpath(path)
    with open("/proc/self/mounts") as f:
        return any(line.split()[1] == real for line in f if len(line.split()) > 1)


class GatedMount:
    """One gated_fs.py process and its mount point."""

    def __init__(self, backing, *, slow=("/slow",), delay=0.0, mountpoint=None, timeout=10.0):
        self.backing = backing
        self._own_mountpoint = mountpoint is None
        self.mountpoint = mountpoint or tempfile.mkdtemp(prefix="ftpd-fuse-")
        os.chmod(self.mountpoint, 0o755)
        self._lines = []
        self._cond = threading.Condition()
        self._seen = 0  # lines before this index were consumed by wait_blocked
        args = [PYTHON, GATED_FS, backing, self.mountpoint, "--delay", str(delay)]
        for prefix in slow:
            args += ["--slow", prefix]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)
        self.pid = self.proc.pid
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            self._wait_line(lambda line: line == "ready", timeout, "the FUSE mount to be ready")
            if not _mounted(self.mountpoint):
                raise RuntimeError(f"{self.mountpoint} is not a mount point after 'ready'")
        except BaseException:
            self.cleanup()
            raise

    def _read(self):
        for line in self.proc.stdout:
            with self._cond:
                self._lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._lines.append("<eof>")
            self._cond.notify_all()

    def _wait_line(self, match, timeout, what, start=0):
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i in range(start, len(self._lines)):
                    if match(self._lines[i]):
                        return i
                if "<eof>" in self._lines[start:]:
                    err = self.proc.stderr.read() if self.proc.poll() is not None else ""
                    raise RuntimeError(f"gated_fs.py ended while waiting for {what}: {err.strip()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"timed out waiting for {what}; lines: {self._lines[-10:]}")
                self._cond.wait(left)

    def _send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def path(self, name=""):
        """The path of NAME inside the mount."""
        return os.path.join(self.mountpoint, name.lstrip("/"))

    def close_gate(self, ops=None):
        """Operations under the slow prefixes (only OPS, e.g. ["fsyncdir"], if given) wait
        from now on."""
        with self._cond:
            self._seen = len(self._lines)
        self._send("close" + (" " + ",".join(ops) if ops else ""))
        self._sync("the gate to close")

    def _sync(self, what):
        """Returns once gated_fs.py has read every command sent so far."""
        self._send("state")
        i = self._wait_line(lambda line: line.startswith("state "), 10.0, what)
        with self._cond:
            self._lines.pop(i)

    def open_gate(self):
        """Releases every waiting operation; later ones pass."""
        self._send("open")

    def set_delay(self, seconds):
        self._send(f"delay {seconds}")

    def wait_blocked(self, op=None, path=None, timeout=10.0):
        """Waits until an operation (OP on PATH, either may be None for any) waits at the
        gate, counting only those not returned by an earlier call; returns (op, path)."""
        def match(line):
            words = line.split(" ", 2)
            return (len(words) == 3 and words[0] == "blocked" and (op is None or words[1] == op)
                    and (path is None or words[2] == path))
        i = self._wait_line(match, timeout, f"a blocked {op or 'operation'} on {path or 'any path'}", self._seen)
        with self._cond:
            line = self._lines.pop(i)
        words = line.split(" ", 2)
        return words[1], words[2]

    def trace(self, on=True):
        """Report each operation under the slow prefixes as it returns ("did OP PATH")."""
        self._send("trace on" if on else "trace off")
        self._sync("the trace setting")

    def wait_did(self, op, path=None, timeout=10.0):
        """Waits until OP (on PATH, if given) has returned; needs trace()."""
        def match(line):
            words = line.split(" ", 2)
            return len(words) == 3 and words[0] == "did" and words[1] == op and (path is None or words[2] == path)
        i = self._wait_line(match, timeout, f"{op} on {path or 'any path'} to return")
        with self._cond:
            return self._lines.pop(i).split(" ", 2)[2]

    def lines(self):
        """Every line gated_fs.py wrote that no wait_*() took."""
        with self._cond:
            return list(self._lines)

    def cleanup(self):
        if self.proc.poll() is None:
            try:
                self._send("open")
                self.proc.stdin.close()
            except (BrokenPipeError, ValueError, OSError):
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, 9)
                self.proc.wait(timeout=10)
        if _mounted(self.mountpoint):
            subprocess.run(["fusermount", "-u", "-z", self.mountpoint], capture_output=True)
        if _mounted(self.mountpoint):
            subprocess.run(["umount", "-l", self.mountpoint], capture_output=True)
        for stream in (self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        if self._own_mountpoint and not _mounted(self.mountpoint):
            try:
                os.rmdir(self.mountpoint)
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False
