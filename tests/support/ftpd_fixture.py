"""Process-test fixture for ftpd, modelled on nginx-tests' Test::Nginx.

`Server(...)` makes a temp dir with a served `root` library, writes a config
(`listen = 127.0.0.1:0`, pid_file and log in the temp dir), starts
`$FTPD_BIN_DIR/ftpd -f -c CONF`, learns the bound port from the log and polls
with a deadline until a connection gets a 220 greeting. `stop()` sends SIGTERM
and asserts a clean exit (status 0, no process of ours left, /dev/shm clean);
`cleanup()` (registered with `addCleanup`, or run by `with`) SIGKILLs, by pid,
whatever of ours is still alive and removes the temp dir.

Tests run as root: the workers drop to `nobody`, so every directory on the way
to the root is 0755, files 0644, and directories are 0777 when uploads are on.
"""

import ftplib
import hashlib
import json
import io
import os
import re
import shutil
import signal as _signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time

DEFAULT_TIMEOUT = 10.0
POLL_INTERVAL = 0.05

LISTENING_RE = re.compile(r"listening on (\[[^\]]+\]|[0-9.]+):(\d+)")
WORKER_READY_RE = re.compile(r"worker (\d+)\[(\d+)\]: ready")


# ---------------------------------------------------------------- helpers


def ftpd_bin():
    """Path of the ftpd binary under test ($FTPD_BIN_DIR/ftpd)."""
    bin_dir = os.environ.get("FTPD_BIN_DIR")
    if not bin_dir:
        here = os.path.dirname(os.path.abspath(__file__))
        bin_dir = os.path.join(here, "..", "..", "build", "bin")
    path = os.path.join(bin_dir, "ftpd")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"ftpd binary not found or not executable: {path} "
                           "(set FTPD_BIN_DIR to the build's bin directory)")
    return os.path.abspath(path)


def sanitized_build():
    """True when the ftpd under test is an AddressSanitizer build (make test-asan), whose
    memory use (quarantine, shadow memory) says nothing about ftpd's own."""
    try:
        out = subprocess.run(["ldd", ftpd_bin()], capture_output=True, text=True).stdout
    except OSError:
        return False
    return "libasan" in out


def ftpctl_bin():
    """Path of the ftpctl binary beside the ftpd under test."""
    path = os.path.join(os.path.dirname(ftpd_bin()), "ftpctl")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"ftpctl binary not found or not executable: {path}")
    return path


def ftp_bin():
    """Path of the ftp client beside the ftpd under test ($FTPD_BIN_DIR/ftp)."""
    path = os.path.join(os.path.dirname(ftpd_bin()), "ftp")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"ftp client not found or not executable: {path}")
    return path


def run_ftp(args, cwd, input=None, timeout=60.0, env=None):
    """Run `ftp ARGS` in `cwd` with `input` (str) on a pipe as its stdin, or
    /dev/null. Returns (returncode, stdout, stderr) as text; a client still
    running after `timeout` seconds is killed and an AssertionError raised."""
    cmd = [ftp_bin()] + [str(a) for a in args]
    try:
        out = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=timeout,
                             input=input.encode() if input is not None else None,
                             stdin=subprocess.DEVNULL if input is None else None,
                             env=_environ(env))
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{' '.join(cmd)} did not exit within {timeout}s") from None
    return (out.returncode, out.stdout.decode(errors="replace"),
            out.stderr.decode(errors="replace"))


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_big_file(path, size, chunk=1 << 20):
    """Write `size` pseudo-random bytes quickly (every chunk differs); return sha256."""
    base = os.urandom(chunk)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        written, i = 0, 0
        while written < size:
            block = (i.to_bytes(8, "big") + base[8:])[: size - written]
            f.write(block)
            h.update(block)
            written += len(block)
            i += 1
    os.chmod(path, 0o644)
    return h.hexdigest()


def proc_state(pid):
    """One-letter state of a process ('R', 'S', 'Z', ...) or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return None
    return data[data.rfind(")") + 2:].split()[0]


def pid_alive(pid):
    """True if the process exists and is not a zombie."""
    state = proc_state(pid)
    return state is not None and state not in ("Z", "X")


def proc_ppid(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode(errors="replace")
    except FileNotFoundError:
        return None
    return int(data[data.rfind(")") + 2:].split()[1])


def children_of(pid):
    """Live (non-zombie) direct children of `pid`, read from every thread."""
    kids = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return kids
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids.update(int(x) for x in f.read().split())
        except FileNotFoundError:
            continue
    return {k for k in kids if pid_alive(k)}


def pids_with_arg(arg):
    """Live processes whose command line contains `arg` (e.g. our unique config path)."""
    found = set()
    needle = arg.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if any(needle in a for a in args) and pid_alive(int(entry)):
            found.add(int(entry))
    found.discard(os.getpid())
    return found


def shm_entries(master_pid):
    """/dev/shm entries named after the master's pid (segments, queues, semaphores)."""
    tag = f"ftpd.{master_pid}."
    try:
        return sorted(n for n in os.listdir("/dev/shm") if tag in n)
    except FileNotFoundError:
        return []


def wait_until(predicate, timeout=DEFAULT_TIMEOUT, what="condition"):
    """Poll `predicate` until it returns something truthy; return it, or raise."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(POLL_INTERVAL)


def free_port(host="127.0.0.1"):
    """A port that was free a moment ago (for tests that must name a port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def read_reply(sock_file):
    """Read one (possibly multi-line) FTP reply; return (code, full text)."""
    line = sock_file.readline()
    if not line:
        raise ConnectionError("connection closed before a reply")
    text = line.decode(errors="replace")
    code = text[:3]
    if len(text) > 3 and text[3] == "-":
        while True:
            more = sock_file.readline()
            if not more:
                raise ConnectionError("connection closed inside a multi-line reply")
            more = more.decode(errors="replace")
            text += more
            if more.startswith(code + " "):
                break
    return code, text


def greeting(port, host="127.0.0.1", timeout=DEFAULT_TIMEOUT, header=b""):
    """Connect, send `header` (a PROXY protocol header, for a proxy_protocol listener),
    read the greeting, QUIT; return (code, text). Raises OSError on refusal."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        if header:
            s.sendall(header)
        f = s.makefile("rb")
        code, text = read_reply(f)
        try:
            s.sendall(b"QUIT\r\n")
            read_reply(f)
        except OSError:
            pass
        return code, text


def ftp_client(server=None, *, port=None, user="anonymous", passwd="test@example.com",
               login=True, timeout=DEFAULT_TIMEOUT):
    """An ftplib.FTP connected to 127.0.0.1 (and logged in unless login=False)."""
    ftp = ftplib.FTP(timeout=timeout)
    ftp.connect("127.0.0.1", port if port is not None else server.port)
    if login:
        ftp.login(user, passwd)
    return ftp



def download(server=None, name="payload.bin", *, port=None):
    """RETR `name` with a fresh anonymous ftplib client; return (final reply, bytes)."""
    ftp = ftp_client(server, port=port)
    try:
        buf = io.BytesIO()
        reply = ftp.retrbinary(f"RETR {name}", buf.write)
        ftp.quit()
    finally:
        ftp.close()
    return reply, buf.getvalue()

class RawControl:
    """A control connection driven line by line, for what ftplib cannot express:
    pipelined commands in one write, commands during a transfer, exact reply codes.

    RawControl(port, login=True); send(b"NOOP\\r\\nPWD\\r\\n"); reply() -> (code, text);
    command("PWD") -> (code, text); pasv() -> a connected data socket (EPSV); close().
    """

    def __init__(self, port, *, login=True, user="anonymous", passwd="test@example.com",
                 timeout=DEFAULT_TIMEOUT):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.file = self.sock.makefile("rb")
        self.timeout = timeout
        self.greeting = self.reply()
        if login:
            self.command(f"USER {user}")
            code, text = self.command(f"PASS {passwd}")
            if code != "230":
                raise AssertionError(f"login failed: {text}")

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def reply(self):
        code, text = read_reply(self.file)
        return code, text

    def command(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def pasv(self):
        """EPSV, then connect to the announced port; return the data socket."""
        code, text = self.command("EPSV")
        if code != "229":
            raise AssertionError(f"EPSV failed: {text}")
        port = int(re.search(r"\(\|\|\|(\d+)\|\)", text).group(1))
        return socket.create_connection(("127.0.0.1", port), timeout=self.timeout)

    def close(self):
        try:
            self.file.close()
        finally:
            self.sock.close()


def run_ftpd(args, cwd, timeout=DEFAULT_TIMEOUT, env=None):
    """Run `ftpd ARGS` to completion with output in files under `cwd`.

    Returns (returncode, stdout, stderr). Files, not pipes: a daemon that kept
    our pipe open would otherwise hang us. On timeout the process is killed and
    an AssertionError raised. `env`: extra environment variables for ftpd.
    """
    out_path = os.path.join(cwd, f"run-{time.monotonic_ns()}.out")
    err_path = out_path[:-4] + ".err"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen([ftpd_bin()] + list(args), stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL, cwd=cwd, env=_environ(env))
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError(f"ftpd {' '.join(args)} did not exit within {timeout}s")
    with open(out_path, "rb") as f:
        stdout = f.read().decode(errors="replace")
    with open(err_path, "rb") as f:
        stderr = f.read().decode(errors="replace")
    return rc, stdout, stderr


def sha512_crypt(password, salt="ftpdtest"):
    """The sha512-crypt hash of `password`, as `openssl passwd -6` makes it."""
    out = subprocess.run(["openssl", "passwd", "-6", "-salt", salt, "-stdin"],
                         input=password.encode(), capture_output=True, check=True)
    return out.stdout.decode().strip()


def _environ(extra):
    """os.environ plus `extra` (None: inherit unchanged)."""
    if not extra:
        return None
    env = dict(os.environ)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def ftpctl(server, *args, timeout=5.0):
    """Run `ftpctl -c CONF ARGS` (CONF: server.conf_path, or a path given as `server`).

    Returns (returncode, stdout, stderr). ftpctl must never hang: if it has not
    exited within `timeout` seconds it is killed and an AssertionError raised.
    """
    conf = server if isinstance(server, str) else server.conf_path
    cmd = [ftpctl_bin(), "-c", conf] + [str(a) for a in args]
    try:
        out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{' '.join(cmd)} did not exit within {timeout}s") from None
    return (out.returncode, out.stdout.decode(errors="replace"),
            out.stderr.decode(errors="replace"))


def status_json(server, timeout=5.0):
    """`ftpctl status --json` of the server, parsed; asserts exit status 0."""
    rc, out, err = ftpctl(server, "status", "--json", timeout=timeout)
    if rc != 0:
        raise AssertionError(f"ftpctl status --json exited {rc}: {err.strip()}")
    return json.loads(out)


_PYFTPDLIB_SCRIPT = r"""
import sys
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, ThrottledDTPHandler
from pyftpdlib.servers import FTPServer

root, user, password, write_limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
cert, key = (sys.argv[5], sys.argv[6]) if len(sys.argv) > 6 else (None, None)
handler = FTPHandler
if cert:
    # FTPS, TLS 1.2 at most (our ftpd speaks 1.3): control and data protection required.
    from OpenSSL import SSL
    from pyftpdlib.handlers import TLS_FTPHandler
    ctx = SSL.Context(SSL.TLS_METHOD)
    ctx.set_max_proto_version(SSL.TLS1_2_VERSION)
    ctx.use_certificate_chain_file(cert)
    ctx.use_privatekey_file(key)
    TLS_FTPHandler.ssl_context = ctx
    TLS_FTPHandler.tls_control_required = True
    TLS_FTPHandler.tls_data_required = True
    handler = TLS_FTPHandler
authorizer = DummyAuthorizer()
authorizer.add_user(user, password, root, perm="elradfmwMT")
authorizer.add_anonymous(root)
handler.authorizer = authorizer
if write_limit:
    ThrottledDTPHandler.write_limit = write_limit
    handler.dtp_handler = ThrottledDTPHandler
server = FTPServer(("127.0.0.1", 0), handler)
print(server.address[1], flush=True)
server.serve_forever()
"""


def python_with_pyftpdlib(tls=False):
    """An interpreter that can import pyftpdlib (this one, else Debian's
    /usr/bin/python3 with python3-pyftpdlib), and with `tls` pyOpenSSL too
    (python3-openssl), or None."""
    probe_code = "import pyftpdlib, OpenSSL" if tls else "import pyftpdlib"
    for exe in (sys.executable, "/usr/bin/python3"):
        if not exe or not os.access(exe, os.X_OK):
            continue
        probe = subprocess.run([exe, "-c", probe_code], capture_output=True)
        if probe.returncode == 0:
            return exe
    return None


class PyftpdlibServer:
    """Python's pyftpdlib serving `root` on 127.0.0.1 and an ephemeral port, in a
    child process: user `user`/`password` may write, anonymous may read.
    `write_limit` (bytes/s, 0 = none) throttles downloads. `tls=(cert, key)` makes it
    an FTPS server (explicit, TLS 1.2 at most, protection required; needs
    pyOpenSSL: python_with_pyftpdlib(tls=True)). stop() ends it by pid."""

    def __init__(self, python, root, log_path, user="alice", password="s3cret",
                 write_limit=0, tls=None):
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            [python, "-c", _PYFTPDLIB_SCRIPT, root, user, password, str(write_limit)] + list(tls or ()),
            stdout=subprocess.PIPE, stderr=self.log, stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            with open(log_path, "rb") as f:
                raise AssertionError("pyftpdlib did not start: "
                                     + f.read().decode(errors="replace"))
        self.port = int(line)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


def make_tempdir(prefix="ftpd-test-"):
    """A 0755 temp dir every ancestor of which `nobody` can traverse."""
    base = tempfile.gettempdir()
    path = base
    while path != "/":
        if not os.stat(path).st_mode & stat.S_IXOTH:
            base = "/tmp"
            break
        path = os.path.dirname(path)
    d = os.path.realpath(tempfile.mkdtemp(prefix=prefix, dir=base))
    os.chmod(d, 0o755)
    return d


def proc_status(pid):
    """/proc/PID/status as {field: text} ('Uid': '65534\\t65534\\t65534\\t65534'); {} if gone."""
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
    except (FileNotFoundError, ProcessLookupError):
        return {}
    return fields


def vm_rss_kib(pid):
    """Resident set size of a live process in KiB (VmRSS), or None if it is gone."""
    value = proc_status(pid).get("VmRSS")
    return int(value.split()[0]) if value else None


def connect_from(source, port, host="127.0.0.1", timeout=DEFAULT_TIMEOUT, rcvbuf=None):
    """A TCP connection to HOST:PORT from a socket bound to SOURCE, e.g. 127.0.0.2 (Linux
    routes all of 127.0.0.0/8 over lo without setup). `rcvbuf` shrinks SO_RCVBUF before
    connecting, so a peer that sends and is not read stalls after a few KiB."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        if rcvbuf is not None:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.bind((source, 0))
        s.connect((host, port))
    except BaseException:
        s.close()
        raise
    return s


def reset_close(sock):
    """Close `sock` with SO_LINGER 0: the peer gets an RST, not a FIN (a client that vanishes)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def read_until_eof(sock, timeout=DEFAULT_TIMEOUT):
    """Read `sock` until the peer closes it (FIN or RST); return the bytes read.
    Raises AssertionError if it is still open after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"connection still open after {timeout}s "
                                 f"({sum(map(len, chunks))} bytes read)")
        sock.settimeout(left)
        try:
            chunk = sock.recv(1 << 16)
        except ConnectionResetError:
            return b"".join(chunks)
        except socket.timeout:
            continue
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def ready_workers(server, n, since=0, timeout=DEFAULT_TIMEOUT):
    """Pids of `n` workers that logged 'ready' (privileges dropped, loop running) after
    log offset `since`; waits for them with a deadline."""
    def ready():
        pids = {int(pid) for _, pid in server.log_findall(WORKER_READY_RE, since)}
        return pids if len(pids) >= n else None
    return wait_until(ready, timeout, f"{n} workers ready")


def _format_value(value):
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


# ---------------------------------------------------------------- the server


class Server:
    """One ftpd master under test, with its own temp dir, config, root and log.

    Server(config_extra="", workers=2, anonymous_write=True,
           files={"name": b"bytes", "sub/x": b"..."}, hidden_file=False,
           daemon=False, start=True, env=None, probe_header=b"", **options)

    The readiness probe greets the first listener (127.0.0.1 if there is one), sending
    `probe_header` first: b"PROXY UNKNOWN\r\n" when that is a proxy_protocol listener.

    `env` is extra environment for the ftpd process ({"FTPD_FAULT_INJECTION": "1"}).

    `binary` is the ftpd to start (default: the one under test), e.g. a copy that a
    binary-upgrade test replaces; `adopt_master(pid)` then follows the new master.

    `options` are config keys (`banner="hi"`, `upload_overwrite=False`);
    `config_extra` is config text whose keys override everything else
    (a `listen` there replaces the default listen).
    """

    def __init__(self, config_extra="", workers=2, anonymous_write=True, files=None,
                 hidden_file=False, daemon=False, start=True, env=None, probe_header=b"",
                 binary=None, **options):
        self.env = dict(env or {})
        self.binary = binary
        self.probe_header = probe_header
        self.dir = make_tempdir()
        self.root = os.path.join(self.dir, "root")
        self.conf_path = os.path.join(self.dir, "ftpd.conf")
        self.pid_file = os.path.join(self.dir, "ftpd.pid")
        self.log_path = os.path.join(self.dir, "ftpd.log")
        self.daemon = daemon
        self.anonymous_write = anonymous_write
        self.proc = None
        self.pid = None
        self.port = None
        self.ports = []
        self.returncode = None
        self._known_pids = set()

        self._options = {
            "listen": ["127.0.0.1:0"],
            "workers": workers,
            "root": self.root,
            "anonymous": True,
            "anonymous_write": anonymous_write,
            "pid_file": self.pid_file,
        }
        if daemon:
            self._options["log_file"] = self.log_path
        self._options.update(options)
        self._raw_lines = []
        self._apply_extra(config_extra)

        try:
            self._make_root(files or {}, hidden_file)
            self.write_config()
            if start:
                self.start()
        except BaseException:
            self.cleanup()
            raise

    # ---- context manager / unittest

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    @classmethod
    def for_test(cls, testcase, **kwargs):
        """Create a server whose cleanup runs when `testcase` ends."""
        server = cls(**kwargs)
        testcase.addCleanup(server.cleanup)
        return server

    # ---- config and files

    def _apply_extra(self, text):
        listens = []
        for line in text.splitlines():
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if "=" not in stripped:
                self._raw_lines.append(line)
                continue
            key, value = (p.strip() for p in stripped.split("=", 1))
            if key == "listen":
                listens.append(value)
            else:
                self._options[key] = value
        if listens:
            self._options["listen"] = listens

    def config_text(self):
        lines = ["# written by tests/support/ftpd_fixture.py"]
        for key, value in self._options.items():
            if value is None:
                continue
            values = value if isinstance(value, list) else [value]
            lines += [f"{key} = {_format_value(v)}" for v in values]
        lines += self._raw_lines
        return "\n".join(lines) + "\n"

    def write_config(self, text=None):
        with open(self.conf_path, "w") as f:
            f.write(self.config_text() if text is None else text)
        os.chmod(self.conf_path, 0o644)

    def rewrite_config(self, config_extra="", *, raw=None, **options):
        """Rewrite the config: current keys, then `options`, then `config_extra`.

        `raw=TEXT` writes TEXT verbatim instead (for broken configs). Send
        SIGHUP yourself afterwards.
        """
        if raw is not None:
            self.write_config(raw)
            return
        self._options.update(options)
        self._apply_extra(config_extra)
        self.write_config()

    def _make_root(self, files, hidden_file):
        dir_mode = 0o777 if self.anonymous_write else 0o755
        os.makedirs(self.root)
        os.chmod(self.root, dir_mode)
        if hidden_file:
            files = dict(files)
            files.setdefault(".secret", b"hidden secret\n")
        for name, data in files.items():
            self.add_file(name, data)

    def add_file(self, name, data):
        """Create root/NAME (and its directories) holding DATA; return its path."""
        dir_mode = 0o777 if self.anonymous_write else 0o755
        path = os.path.join(self.root, name)
        parent = os.path.dirname(path)
        if not os.path.isdir(parent):
            os.makedirs(parent)
        d = parent
        while d != self.root and d.startswith(self.root):
            os.chmod(d, dir_mode)
            d = os.path.dirname(d)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
        return path

    def path(self, name):
        return os.path.join(self.root, name)

    def make_dir(self, name, files=None, writable=False):
        """A directory DIR/NAME beside the served root (a virtual user's root),
        holding FILES ({"name": b"bytes"}); 0777 when writable, else 0755."""
        path = os.path.join(self.dir, name)
        os.makedirs(path)
        os.chmod(path, 0o777 if writable else 0o755)
        for fname, data in (files or {}).items():
            fpath = os.path.join(path, fname)
            with open(fpath, "wb") as f:
                f.write(data)
            os.chmod(fpath, 0o644)
        return path

    def write_users(self, lines, name="users"):
        """Write a users file DIR/NAME (mode 0600: only the master reads it); return its path."""
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(path, 0o600)
        return path

    # ---- start

    def start(self, timeout=DEFAULT_TIMEOUT):
        if self.daemon:
            self._start_daemon(timeout)
        else:
            self._start_foreground()
        self._known_pids.add(self.pid)
        self.ports = self._wait_for_ports(timeout)
        self.port = self.ports[0][1]
        self.wait_ready(self.port, timeout)
        self._known_pids |= self.worker_pids()

    def _start_foreground(self):
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                [self.binary or ftpd_bin(), "-f", "-c", self.conf_path],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.dir, start_new_session=True, env=_environ(self.env))
        finally:
            log.close()
        self.pid = self.proc.pid

    def _start_daemon(self, timeout):
        rc, out, err = run_ftpd(["-c", self.conf_path], cwd=self.dir, timeout=timeout,
                                env=self.env)
        self.daemon_output = out + err
        if rc != 0:
            raise AssertionError(f"daemonizing ftpd exited {rc}: {out}{err}\n"
                                 f"log:\n{self.log_text()}")
        with open(self.pid_file) as f:
            self.pid = int(f.read().split()[0])

    def _wait_for_ports(self, timeout):
        def ports():
            self._check_alive()
            found = LISTENING_RE.findall(self.log_text())
            return [(h, int(p)) for h, p in found]
        try:
            found = wait_until(ports, timeout, "a 'listening on' log line")
        except AssertionError as e:
            raise AssertionError(f"{e}\nlog:\n{self.log_text()}") from None
        ipv4 = [p for p in found if p[0] == "127.0.0.1"]
        return ipv4 + [p for p in found if p not in ipv4]

    def wait_ready(self, port=None, timeout=DEFAULT_TIMEOUT):
        """Poll until a connection to `port` gets a 220 greeting; return its text."""
        port = self.port if port is None else port
        host = next((h for h, p in self.ports if p == port and not h.startswith("[")), "127.0.0.1")

        def ready():
            self._check_alive()
            try:
                code, text = greeting(port, host=host, timeout=2, header=self.probe_header)
            except OSError:
                return None
            return text if code == "220" else None
        try:
            return wait_until(ready, timeout, f"a 220 greeting on port {port}")
        except AssertionError as e:
            raise AssertionError(f"{e}\nlog:\n{self.log_text()}") from None

    def _check_alive(self):
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"ftpd exited early with status {self.proc.returncode}\n"
                                 f"log:\n{self.log_text()}")

    # ---- observation

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def log_mark(self):
        """Current end of the log; pass it as `since` to wait only for newer lines."""
        return len(self.log_text())

    def wait_for_log(self, regex, timeout=DEFAULT_TIMEOUT, since=0):
        """Poll the log (from offset `since`) until `regex` matches; return the match."""
        pattern = re.compile(regex)

        def search():
            return pattern.search(self.log_text()[since:])
        try:
            return wait_until(search, timeout, f"log line /{regex}/")
        except AssertionError as e:
            raise AssertionError(f"{e}\nlog:\n{self.log_text()[-6000:]}") from None

    def log_findall(self, regex, since=0):
        return re.findall(regex, self.log_text()[since:])

    def worker_pids(self):
        """Live direct children of the master (the workers)."""
        pids = children_of(self.pid)
        self._known_pids |= pids
        return pids

    def wait_for_workers(self, n, exclude=(), timeout=DEFAULT_TIMEOUT):
        """Poll until the master has exactly `n` live workers, none in `exclude`."""
        exclude = set(exclude)

        def check():
            pids = self.worker_pids()
            return pids if len(pids) == n and not pids & exclude else None
        try:
            return wait_until(check, timeout, f"{n} workers (excluding {sorted(exclude)})")
        except AssertionError as e:
            raise AssertionError(f"{e}; have {sorted(self.worker_pids())}\n"
                                 f"log:\n{self.log_text()[-6000:]}") from None

    def our_pids(self):
        """Every live process that belongs to this server."""
        pids = {p for p in self._known_pids if pid_alive(p)}
        pids |= pids_with_arg(self.conf_path)
        if self.pid and pid_alive(self.pid):
            pids |= children_of(self.pid)
        return pids

    def adopt_master(self, pid):
        """Follow master `pid` from now on (it replaced ours in a binary upgrade and is
        not our child): stop() and cleanup() then act on it."""
        self.proc = None
        self.pid = pid
        self._known_pids.add(pid)
        self._known_pids |= self.worker_pids()

    def master_alive(self):
        if self.proc is not None:
            return self.proc.poll() is None
        return self.pid is not None and pid_alive(self.pid)

    # ---- control

    def signal(self, sig):
        if not self.master_alive():
            raise AssertionError(f"ftpd master {self.pid} is not running\n"
                                 f"log:\n{self.log_text()[-6000:]}")
        os.kill(self.pid, sig)

    def wait_exit(self, timeout=15.0):
        """Wait for the master to exit; return its status (None for a daemon)."""
        if self.proc is not None:
            try:
                self.returncode = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                raise AssertionError(f"ftpd master {self.pid} still running after {timeout}s\n"
                                     f"log:\n{self.log_text()[-6000:]}") from None
            return self.returncode
        wait_until(lambda: not pid_alive(self.pid), timeout, f"daemon {self.pid} to exit")
        return None

    def stop(self, sig=_signal.SIGTERM, timeout=15.0):
        """Stop with `sig` and assert a clean exit; return the master's exit status.

        Asserts: status 0 (foreground), no process of this server left, and no
        /dev/shm/ftpd.<pid>.* entry.
        """
        workers = self.worker_pids()
        self._known_pids |= workers
        self.signal(sig)
        rc = self.wait_exit(timeout)
        if self.proc is not None and rc != 0:
            raise AssertionError(f"ftpd exited with status {rc}, expected 0\n"
                                 f"log:\n{self.log_text()[-6000:]}")
        left = self.our_pids()
        if left:
            raise AssertionError(f"processes left after the master exited: {sorted(left)}")
        shm = shm_entries(self.pid)
        if shm:
            raise AssertionError(f"/dev/shm entries left after stop: {shm}")
        return rc

    def cleanup(self):
        """Kill (SIGKILL, by pid) anything of ours still alive; remove the temp dir."""
        for _ in range(3):
            pids = self.our_pids()
            if self.proc is not None and self.proc.poll() is None:
                pids.add(self.proc.pid)
            if not pids:
                break
            for p in pids:
                try:
                    os.kill(p, _signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if self.proc is not None:
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            try:
                wait_until(lambda: not any(pid_alive(p) for p in pids), 5, "killed processes")
            except AssertionError:
                pass
        if self.proc is not None and self.proc.returncode is None:
            try:
                self.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        if self.pid is not None:
            for name in shm_entries(self.pid):
                try:
                    os.unlink(os.path.join("/dev/shm", name))
                except OSError:
                    pass
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------- TLS


def make_test_cert(directory, name="server"):
    """A self-signed certificate for 127.0.0.1 (EC P-256, valid 2 days), made with the
    openssl CLI in DIRECTORY: returns (cert_path, key_path); the key is 0600, readable
    by root only, as in production (the master reads it before workers drop privileges).
    Raises unittest.SkipTest when openssl is missing."""
    import unittest
    openssl = shutil.which("openssl")
    if not openssl:
        raise unittest.SkipTest("openssl is not installed (apt-get install openssl)")
    cert = os.path.join(directory, f"{name}.crt")
    key = os.path.join(directory, f"{name}.key")
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    os.chmod(key, 0o600)
    os.chmod(cert, 0o644)
    return cert, key


def tls_client_context(cafile=None):
    """A client SSLContext trusting CAFILE (None: no verification)."""
    import ssl
    ctx = ssl.create_default_context(cafile=cafile) if cafile else ssl._create_unverified_context()
    if not cafile:
        ctx.check_hostname = False
    return ctx


class ReusingFTP_TLS(ftplib.FTP_TLS):
    """ftplib.FTP_TLS whose data connections resume the control connection's TLS
    session (RFC 4217 section 10; ftplib itself does not, so servers that require
    reuse refuse it)."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host, session=self.sock.session)
        return conn, size
