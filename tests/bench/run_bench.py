#!/usr/bin/env python3
"""`make bench`: ftpd against vsftpd and pure-ftpd (Debian's packages) and ftpref (the load
generator's ceiling), side by side in one run on 127.0.0.1, the order rotating each round;
prints a table of medians with their spread (min-max over the rounds), the server's CPU per
unit of work, and ratios, and writes the generated part of tests/bench/RESULTS.md. Starts
only its own server instances (never a system service), stops them by pid and removes its
temp dir (and the FUSE mount of the slow-file-system row).

How each peer is set up, and why, is in peer_configs() and in RESULTS.md.

Sizes come from the environment: BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_CONCURRENCY
(50), BENCH_BIG_MB (1024), BENCH_STREAMS (200), BENCH_STREAM_MB (16), BENCH_SMALL_SESSIONS
(100), BENCH_SMALL_PER_SESSION (20), BENCH_LIST_ENTRIES (100000), BENCH_IDLE (10000),
BENCH_IDLE_PEER (1000: vsftpd and pure-ftpd, a process or two per session), BENCH_BURST
(20000), BENCH_BURST_PEER (2000), BENCH_BURST_SETTLE (60 s), BENCH_STATUS_RUNS (10),
BENCH_WORKERS (2), BENCH_THREADS (2), BENCH_SLOW_DELAY (0.3 s per operation), BENCH_TMPDIR
(/dev/shm: where the served tree lives), BENCH_ONLY
(comma list of row groups: rounds, rsa, idle, burst, slowfs), BENCH_BASELINE_BIN (a bin
directory of another ftpd build: adds an "ftpd-base" column, for before/after comparisons).
"""

import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SRC, "tests", "support"))
BIN = os.environ.get("FTPD_BIN_DIR", os.path.join(SRC, "build", "bin"))
BASE_BIN = os.environ.get("BENCH_BASELINE_BIN", "")
PEERS_DIR = os.environ.get("BENCH_PEERS_DIR", os.path.join(os.path.dirname(BIN), "peers"))
PURE_FTPD = os.path.join(PEERS_DIR, "pure-ftpd", "usr", "sbin", "pure-ftpd")


def env_int(name, default):
    return int(os.environ.get(name, default))


ROUNDS = env_int("BENCH_ROUNDS", 3)
SECONDS = float(os.environ.get("BENCH_SECONDS", 5))
CONCURRENCY = env_int("BENCH_CONCURRENCY", 50)
BIG_MB = env_int("BENCH_BIG_MB", 1024)
STREAMS = env_int("BENCH_STREAMS", 200)
STREAM_MB = env_int("BENCH_STREAM_MB", 16)
SMALL_SESSIONS = env_int("BENCH_SMALL_SESSIONS", 100)
SMALL_PER_SESSION = env_int("BENCH_SMALL_PER_SESSION", 20)
LIST_ENTRIES = env_int("BENCH_LIST_ENTRIES", 100000)
IDLE = env_int("BENCH_IDLE", 10000)
IDLE_PEER = env_int("BENCH_IDLE_PEER", 1000)
BURST = env_int("BENCH_BURST", 20000)
BURST_PEER = env_int("BENCH_BURST_PEER", 2000)
BURST_SETTLE = float(os.environ.get("BENCH_BURST_SETTLE", 60))
HOLD_PER_PROCESS = 10000  # sessions one ftpload holds (its open-file limit)
STATUS_RUNS = env_int("BENCH_STATUS_RUNS", 10)
WORKERS = env_int("BENCH_WORKERS", 2)
THREADS = env_int("BENCH_THREADS", 2)
SLOW_DELAY = float(os.environ.get("BENCH_SLOW_DELAY", 0.3))
TMPDIR = os.environ.get("BENCH_TMPDIR", "/dev/shm" if os.path.isdir("/dev/shm") else None)
GROUPS = ["rounds", "rsa", "idle", "burst", "slowfs"]
ONLY = [g for g in os.environ.get("BENCH_ONLY", ",".join(GROUPS)).split(",") if g]
RESULTS = os.path.join(HERE, "RESULTS.md")
HISTORY = os.path.join(os.path.dirname(BIN), "bench-history.json")
SETTINGS = ("ROUNDS SECONDS CONCURRENCY BIG_MB STREAMS STREAM_MB SMALL_SESSIONS SMALL_PER_SESSION "
            "LIST_ENTRIES IDLE IDLE_PEER BURST BURST_PEER BURST_SETTLE WORKERS THREADS SLOW_DELAY").split()
FTPDS = ["ftpd", "ftpd-base"]  # our own builds: ftpctl, worker memory


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_greeting(port, proc, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                if s.recv(100).startswith(b"220"):
                    s.sendall(b"QUIT\r\n")
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"no 220 greeting on port {port} within {timeout}s")


def descendants(pid):
    """pid and all its live descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo += [int(x) for x in f.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return out


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def pss_kib(pid):
    """Sum of Pss over pid and its descendants, in KiB."""
    total = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                m = re.search(r"^Pss:\s+(\d+) kB", f.read(), re.M)
                total += int(m.group(1)) if m else 0
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    """CPU seconds (user + system) of pid and its live descendants, with the children they
    have reaped (cutime/cstime): a process-per-session server's sessions are counted when
    their parent waits for them, a worker's threads in the worker's own counts."""
    total = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total / TICK


def status_kib(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            m = re.search(rf"^{key}:\s+(\d+) kB", f.read(), re.M)
            return int(m.group(1)) if m else 0
    except (FileNotFoundError, ProcessLookupError):
        return 0


def listen_overflows():
    """The kernel's count of connections dropped because a listener's accept queue was full
    (TcpExt ListenOverflows): one server runs at a time, so a delta is that server's."""
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for head, vals in zip(lines[::2], lines[1::2]):
        if head.startswith("TcpExt:"):
            d = dict(zip(head.split()[1:], vals.split()[1:]))
            return int(d.get("ListenOverflows", 0))
    return 0


def kill_tree(pid, sig):
    for p in reversed(descendants(pid)):
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass


class Bench:
    def __init__(self):
        # On tmpfs by default: the rows compare servers, not this machine's disk (whose
        # writeback made upload rows swing by 5x between runs).
        self.dir = tempfile.mkdtemp(prefix="ftpd-bench-", dir=TMPDIR)
        os.chmod(self.dir, 0o755)
        self.root = os.path.join(self.dir, "root")
        os.mkdir(self.root, 0o755)
        for sub in ("upload", "many"):
            os.mkdir(os.path.join(self.root, sub))
        os.chmod(os.path.join(self.root, "upload"), 0o777)  # ftpd's workers run as nobody, the peers' anonymous as ftp
        with open(os.path.join(self.root, "small.bin"), "wb") as f:
            f.write(bytes(range(256)) * 16)  # 4 KiB
        self.big = {"big.bin": BIG_MB, "stream.bin": STREAM_MB}
        for name, mb in self.big.items():
            with open(os.path.join(self.root, name), "wb") as f:
                f.truncate(mb << 20)  # sparse: read from the page cache, never from disk
        for name in ("small.bin", *self.big):
            os.chmod(os.path.join(self.root, name), 0o644)
        many = os.path.join(self.root, "many")
        for i in range(LIST_ENTRIES):
            os.close(os.open(os.path.join(many, f"entry-{i:07d}.dat"), os.O_CREAT | os.O_WRONLY, 0o644))
        # Read the sparse files once, so that their pages are in the page cache before any
        # server sends them: otherwise whichever server goes first in round 1 pays for
        # allocating them (≈0.7 s of CPU per GiB here) and its download looks slow.
        for name in self.big:
            with open(os.path.join(self.root, name), "rb") as f:
                while f.read(16 << 20):
                    pass
        self.certs = {"ec": self._cert("ec", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]),
                      "rsa": self._cert("rsa", ["-newkey", "rsa:2048"])}
        self.cert = "ec"
        self.servers = ["ftpd"] + (["ftpd-base"] if BASE_BIN else []) + ["vsftpd"]
        self.servers += ["pure-ftpd"] if self.pure_ftpd_usable() else []
        self.servers += ["ref"]
        self.procs = {}   # name -> Popen
        self.ports = {}   # name -> control port
        self.confs = {}   # name -> configuration text (or argv) as run
        self.results = {}  # (scenario, server) -> list of ftpload JSON (with server cpu_s)
        self.once = {}    # scenario -> server -> dict, for the scenarios measured once
        self.mount = None

    def _cert(self, kind, newkey):
        cert, key = os.path.join(self.dir, f"cert-{kind}.pem"), os.path.join(self.dir, f"key-{kind}.pem")
        subprocess.run(["openssl", "req", "-x509", *newkey, "-nodes", "-keyout", key, "-out", cert,
                        "-days", "2", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True, timeout=60)
        both = os.path.join(self.dir, f"both-{kind}.pem")  # pure-ftpd wants key and certificate in one file
        with open(both, "w") as f:
            f.write(open(key).read() + open(cert).read())
        for p in (key, both):
            os.chmod(p, 0o600)
        return {"cert": cert, "key": key, "both": both}

    def pure_ftpd_usable(self):
        why = None
        if not os.access(PURE_FTPD, os.X_OK):
            why = f"{PURE_FTPD} missing (run_bench.sh unpacks Debian's package there)"
        elif os.geteuid() != 0:
            why = "pure-ftpd needs root (its anonymous root is ftp's home, bind-mounted here)"
        elif not shutil.which("unshare"):
            why = "unshare missing"
        else:
            try:
                import pwd
                self.ftp_home = pwd.getpwnam("ftp").pw_dir
                if not os.path.isdir(self.ftp_home):
                    why = f"ftp's home {self.ftp_home} missing"
            except KeyError:
                why = "no ftp account (Debian's vsftpd package makes it)"
        if why:
            log(f"pure-ftpd column skipped: {why}")
        return why is None

    # ---------------------------------------------------------------- servers

    def tls_servers(self):
        return [s for s in self.servers if s != "ref"]

    def ftpd_conf(self, name, root, workers, port):
        cert = self.certs[self.cert]
        return f"""# written by tests/bench/run_bench.py
listen = 127.0.0.1:{port}
workers = {workers}
root = {root}
anonymous = yes
anonymous_write = yes
upload_overwrite = yes
pid_file = {self.dir}/{name}.pid
log_file = {self.dir}/{name}.log
max_clients = {max(IDLE, BURST) + 2000}
max_per_ip = {max(IDLE, BURST) + 2000}
pasv_ports = 25000-29999
idle_timeout = 900
tls = explicit
tls_cert = {cert['cert']}
tls_key = {cert['key']}
"""

    def start_ftpd(self, name="ftpd", root=None, workers=WORKERS):
        port = free_port()
        conf = os.path.join(self.dir, f"{name}.conf")
        text = self.ftpd_conf(name, root or self.root, workers, port)
        with open(conf, "w") as f:
            f.write(text)
        self.confs[name] = text
        bindir = BASE_BIN if name == "ftpd-base" else BIN
        self._start(name, [os.path.join(bindir, "ftpd"), "-f", "-c", conf], port)
        if name == "ftpd":
            self.ftpd_conf_path = conf

    def vsftpd_conf(self, root, port):
        cert = self.certs[self.cert]
        return f"""listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port={port}
background=NO
anonymous_enable=YES
local_enable=NO
anon_root={root}
no_anon_password=YES
write_enable=YES
anon_upload_enable=YES
anon_other_write_enable=YES
pasv_enable=YES
pasv_min_port=20000
pasv_max_port=24999
connect_from_port_20=NO
seccomp_sandbox=NO
max_clients=0
max_per_ip=0
idle_session_timeout=900
xferlog_enable=YES
vsftpd_log_file={self.dir}/vsftpd.log
dirmessage_enable=NO
ftpd_banner=vsftpd ready
isolate=NO
isolate_network=NO
ssl_enable=YES
rsa_cert_file={cert['cert']}
rsa_private_key_file={cert['key']}
allow_anon_ssl=YES
force_anon_logins_ssl=NO
force_anon_data_ssl=NO
require_ssl_reuse=YES
ssl_ciphers=HIGH
"""

    def start_vsftpd(self, root=None):
        port = free_port()
        conf = os.path.join(self.dir, "vsftpd.conf")
        text = self.vsftpd_conf(root or self.root, port)
        with open(conf, "w") as f:
            f.write(text)
        os.chmod(conf, 0o600)  # vsftpd refuses a config others can write
        self.confs["vsftpd"] = text
        self._start("vsftpd", ["vsftpd", conf], port)

    def pure_ftpd_args(self, port):
        # -e anonymous only, -H no reverse DNS, -A chroot everyone, -c/-C clients (default 50),
        # -p passive range, -Y 1 TLS allowed, -2 key+certificate, -I idle minutes.
        return [PURE_FTPD, "-S", f"127.0.0.1,{port}", "-e", "-H", "-A", "-c", str(max(IDLE_PEER, BURST_PEER, 2 * STREAMS) + 100),
                "-C", str(max(IDLE_PEER, BURST_PEER, 2 * STREAMS) + 100), "-p", "30000:34999", "-I", "15",
                "-Y", "1", "-2", self.certs[self.cert]["both"]]

    def start_pure_ftpd(self, root=None):
        """pure-ftpd's anonymous root is the ftp account's home: in a mount namespace of its
        own, the bench's root is bind-mounted over it (nothing changes outside)."""
        port = free_port()
        args = self.pure_ftpd_args(port)
        self.confs["pure-ftpd"] = " ".join(a.replace(self.dir, "$BENCH") for a in args)
        script = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'
        self._start("pure-ftpd", ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
                                  root or self.root, self.ftp_home, *args], port)

    def start_ref(self, root=None):
        port = free_port()
        self.confs["ref"] = "ftpref PORT ROOT"
        self._start("ref", [os.path.join(BIN, "ftpref"), str(port), root or self.root], port)

    def start(self, name, root=None, workers=WORKERS):
        if name in FTPDS:
            self.start_ftpd(name, root, workers)
        elif name == "vsftpd":
            self.start_vsftpd(root)
        elif name == "pure-ftpd":
            self.start_pure_ftpd(root)
        else:
            self.start_ref(root)

    def _start(self, name, argv, port):
        out = open(os.path.join(self.dir, f"{name}.out"), "wb")
        self.procs[name] = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, cwd=self.dir)
        self.ports[name] = port
        wait_greeting(port, self.procs[name])
        log(f"{name} pid {self.procs[name].pid} on 127.0.0.1:{port}")

    def stop_servers(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                kill_tree(proc.pid, signal.SIGKILL)
                proc.wait()
        # A process-per-session server's sessions may outlive its listener: stop ours.
        for proc in self.procs.values():
            kill_tree(proc.pid, signal.SIGKILL)
        self.procs.clear()

    def cleanup(self):
        self.stop_servers()
        if self.mount:
            self.mount.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---------------------------------------------------------------- load

    def ftpload_argv(self, server, *args):
        return [os.path.join(BIN, "ftpload"), "--port", str(self.ports[server]), "--label", server] + [str(a) for a in args]

    def ftpload(self, server, *args, timeout=900):
        argv = self.ftpload_argv(server, *args)
        pid = self.procs[server].pid
        cpu0, drops0 = cpu_s(pid), listen_overflows()
        out = subprocess.run(argv, capture_output=True, timeout=timeout)
        sys.stderr.write(out.stderr.decode(errors="replace"))
        lines = out.stdout.decode().strip().splitlines()
        if not lines:
            raise RuntimeError(f"ftpload {' '.join(argv)} printed nothing (exit {out.returncode})")
        res = json.loads(lines[-1])
        res["cpu_s"] = cpu_s(pid) - cpu0
        res["listen_overflows"] = listen_overflows() - drops0
        return res

    def record(self, scenario, server, result):
        self.results.setdefault((scenario, server), []).append(result)

    def session_rate(self, server, *extra):
        return self.ftpload(server, "--mode", "session-rate", "-c", CONCURRENCY, "--duration", SECONDS,
                            "--threads", THREADS, *extra)

    def clear_uploads(self):
        up = os.path.join(self.root, "upload")
        for name in os.listdir(up):
            os.unlink(os.path.join(up, name))

    def scenarios(self, server, rnd):
        self.record("login", server, self.session_rate(server))
        self.record("login+retr", server, self.session_rate(server, "--retr", "small.bin"))
        tls = server in self.tls_servers()
        if tls:
            self.record("login-tls-ec", server, self.session_rate(server, "--tls"))
            self.record("login-tls-resume", server, self.session_rate(server, "--tls", "--tls-resume"))
        self.record("download", server, self.ftpload(server, "--mode", "download", "--file", "big.bin",
                                                     "--count", 1, "--timeout", 300))
        if tls:
            self.record("download-tls", server, self.ftpload(server, "--mode", "download", "--file", "big.bin",
                                                             "--count", 1, "--timeout", 300, "--tls"))
        self.record("upload", server, self.ftpload(server, "--mode", "upload", "--size-mb", BIG_MB, "--count", 1,
                                                   "--timeout", 300, "--stor-prefix", f"upload/{server}-{rnd}"))
        self.clear_uploads()
        self.record("streams", server, self.ftpload(server, "--mode", "download", "--file", "stream.bin",
                                                    "--streams", STREAMS, "--count", STREAMS, "--threads", THREADS,
                                                    "--timeout", 600))
        self.record("small-uploads", server, self.ftpload(server, "--mode", "upload", "--size-kb", 64,
                                                          "--per-session", SMALL_PER_SESSION,
                                                          "--streams", SMALL_SESSIONS, "--count", SMALL_SESSIONS,
                                                          "--threads", THREADS, "--timeout", 600,
                                                          "--stor-prefix", f"upload/{server}-{rnd}"))
        self.clear_uploads()
        if server != "ref":  # ftpref lists nothing
            for verb in ("LIST", "MLSD"):
                self.record(f"list-{verb}", server, self.listing(server, verb))

    def listing(self, server, verb):
        """One listing of the big directory; for ftpd, the workers' peak memory growth
        (VmHWM after minus VmRSS before, the peak reset with clear_refs)."""
        workers = children(self.procs[server].pid) if server in FTPDS else []
        rss = {}
        for w in workers:
            try:
                with open(f"/proc/{w}/clear_refs", "w") as f:
                    f.write("5")  # resets VmHWM to the current RSS
            except OSError:
                pass
            rss[w] = status_kib(w, "VmRSS")
        res = self.ftpload(server, "--mode", "list", "--verb", verb, "--path", "many", "-c", 1, "--count", 1,
                           "--timeout", 300)
        if workers:
            res["hwm_growth_kib"] = max(status_kib(w, "VmHWM") - rss[w] for w in workers)
        return res

    def idle(self, server, sessions):
        """Holds `sessions` logged-in sessions; measures memory, the session rate
        meanwhile, and for ftpd `ftpctl status`."""
        pid = self.procs[server].pid
        # The rate just before, in the same phase and state of the server, is what the
        # rate while they are held is compared with (the rounds ran earlier, fresher).
        rate_before = self.session_rate(server)
        before = pss_kib(pid)
        holder, held, _ = self.hold(server, sessions, 100)
        try:
            time.sleep(1.0)  # let the server settle its per-session state after the last login
            after = pss_kib(pid)
            res = {"held": held, "tried": sessions, "pss_total_kib": after, "pss_before_kib": before,
                   "processes": len(descendants(pid)),
                   "kib_per_session": after / held if held else 0,
                   "delta_kib_per_session": (after - before) / held if held else 0,
                   "rate_before_held": rate_before, "rate_while_held": self.session_rate(server)}
            if server == "ftpd":
                res["status_ms"] = self.ftpctl_status_ms()
            return res
        finally:
            self.release(holder)

    def hold(self, server, sessions, concurrency):
        """Starts ftpload processes that open `sessions` sessions between them and hold them;
        returns them, the count held and the seconds until the last login once they all say
        so. One ftpload holds at most HOLD_PER_PROCESS sessions: a process's open-file limit
        (20,000 hard on the machines we run on, without CAP_SYS_RESOURCE) must leave room."""
        parts = max(1, -(-sessions // HOLD_PER_PROCESS))
        t0 = time.monotonic()
        holders = []
        for i in range(parts):
            n = sessions // parts + (1 if i < sessions % parts else 0)
            argv = self.ftpload_argv(server, "--mode", "idle", "--sessions", n,
                                     "-c", max(1, concurrency // parts), "--hold", 900, "--timeout", 120)
            holders.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
        held = 0
        for holder in holders:
            ready = holder.stderr.readline().decode()
            m = re.search(r"ready (\d+) held (\d+) errors", ready)
            if not m:
                self.release(holders)
                raise RuntimeError(f"idle ftpload: {ready!r}")
            held += int(m.group(1))
        return holders, held, time.monotonic() - t0

    def release(self, holders):
        """Stops the holders; returns their reports summed (errors, sessions), or None."""
        for holder in holders:
            holder.send_signal(signal.SIGTERM)
        total = None
        for holder in holders:
            out, err = holder.communicate(timeout=300)
            sys.stderr.write(err.decode(errors="replace"))
            if out.strip():
                report = json.loads(out.decode().strip().splitlines()[-1])
                total = total or {}
                for key, value in report.items():
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        total[key] = total.get(key, 0) + value
        return total

    def burst(self, order):
        """BURST logins as fast as the client can (500 at once): seconds until all are in,
        errors, Pss before, while held, and BURST_SETTLE seconds after they closed. The
        process-per-session peers get BURST_PEER logins, CONCURRENCY at once: their accept
        backlog (vsftpd's is 32, fixed) drops most SYNs of a 500-wide burst, which the client
        retries for two minutes; that is measured by the session-rate rows already."""
        res, closed_at = {}, {}
        for server in order:
            ours = server in FTPDS or server == "ref"
            n = BURST if ours else BURST_PEER
            pid = self.procs[server].pid
            before = pss_kib(pid)
            holder, held, seconds = self.hold(server, n, 500 if ours else CONCURRENCY)
            held_pss = pss_kib(pid)
            report = self.release(holder) or {}
            closed_at[server] = time.monotonic()
            res[server] = {"tried": n, "held": held, "errors": report.get("errors", n - held),
                           "seconds": seconds, "pss_before_kib": before, "pss_held_kib": held_pss,
                           "kib_per_held": (held_pss - before) / held if held else None}
        for server in order:
            left = closed_at[server] + BURST_SETTLE - time.monotonic()
            if left > 0:
                time.sleep(left)  # the bench measures memory a settled while later: a time, not a sync
            after = pss_kib(self.procs[server].pid)
            res[server]["pss_after_kib"] = after
            res[server]["after_over_before"] = after / res[server]["pss_before_kib"]
        return res

    def ftpctl_status_ms(self):
        times = []
        for _ in range(STATUS_RUNS):
            t0 = time.monotonic()
            r = subprocess.run([os.path.join(BIN, "ftpctl"), "-c", self.ftpd_conf_path, "status"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
            times.append((time.monotonic() - t0) * 1000)
            if r.returncode != 0:
                raise RuntimeError(f"ftpctl status failed: {r.stderr.decode()}")
        times.sort()
        return {"p50": times[len(times) // 2], "max": times[-1], "runs": len(times)}

    # ---------------------------------------------------------------- slow file system

    def slow_fs(self):
        """A victim session doing NOOP (and a 4 KiB RETR from the fast part between two
        NOOPs) beside four sessions busy in a folder whose every operation takes
        SLOW_DELAY seconds (a FUSE file system of our own): its NOOP latency p99, unloaded
        and loaded. ftpd runs with workers = 1, so the victim shares the busy sessions' worker."""
        from gated_mount import GatedMount, fuse_missing
        why = fuse_missing()
        if why:
            log(f"slow file system row skipped: {why}")
            return None
        backing = os.path.join(self.dir, "slow-backing")
        os.makedirs(os.path.join(backing, "slow"))
        os.chmod(backing, 0o755)
        os.chmod(os.path.join(backing, "slow"), 0o755)
        shutil.copy(os.path.join(self.root, "small.bin"), backing)
        for i in range(60):
            with open(os.path.join(backing, "slow", f"f{i:02d}"), "wb") as f:
                f.write(b"x" * (64 << 10))
        for dirpath, dirs, files in os.walk(backing):
            for name in files:
                os.chmod(os.path.join(dirpath, name), 0o644)
        self.mount = GatedMount(backing, slow=("/slow",), delay=0)
        res = {}
        for server in [s for s in self.servers if s != "ref"]:
            self.start(server, root=self.mount.mountpoint, workers=1)
            try:
                self.mount.set_delay(0)
                unloaded = self.ftpload(server, "--mode", "noop", "-c", 1, "--duration", SECONDS,
                                        "--retr", "small.bin")
                self.mount.set_delay(SLOW_DELAY)
                loaders = [subprocess.Popen(self.ftpload_argv(server, "--mode", "list", "--path", "slow",
                                                              "-c", 1, "--duration", SECONDS + 4, "--timeout", 300),
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
                loaders += [subprocess.Popen(self.ftpload_argv(server, "--mode", "download", "--file", f"slow/f{i:02d}",
                                                               "--streams", 1, "--duration", SECONDS + 4,
                                                               "--timeout", 300),
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(2)]
                time.sleep(2.0)  # the loaders are logged in and inside their first slow operation
                loaded = self.ftpload(server, "--mode", "noop", "-c", 1, "--duration", SECONDS,
                                      "--retr", "small.bin", "--timeout", 120)
                busy = []
                for p in loaders:
                    out, _ = p.communicate(timeout=600)
                    lines = out.decode().strip().splitlines()
                    busy.append(json.loads(lines[-1]) if lines else {"ok": 0, "errors": 1})
                res[server] = {"unloaded": unloaded, "loaded": loaded,
                               "busy_units": sum(b.get("ok", 0) for b in busy),
                               "busy_errors": sum(b.get("errors", 0) for b in busy)}
            finally:
                self.mount.set_delay(0)
                proc = self.procs.pop(server)
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    kill_tree(proc.pid, signal.SIGKILL)
                    proc.wait()
                kill_tree(proc.pid, signal.SIGKILL)
        return res

    # ---------------------------------------------------------------- run

    def restart(self, cert):
        self.stop_servers()
        self.cert = cert
        for s in self.servers:
            self.start(s)

    def run(self):
        self.restart("ec")
        order = list(self.servers)
        if "rounds" in ONLY:
            for rnd in range(ROUNDS):
                log(f"round {rnd + 1}/{ROUNDS}: {', '.join(order)}")
                for server in order:
                    self.scenarios(server, rnd)
                order = order[1:] + order[:1]  # alternate who goes first
        if "rsa" in ONLY:
            log("TLS logins with an RSA-2048 certificate")
            self.restart("rsa")
            tls_order = self.tls_servers()
            for rnd in range(ROUNDS):
                for server in tls_order:
                    self.record("login-tls-rsa", server, self.session_rate(server, "--tls"))
                tls_order = tls_order[1:] + tls_order[:1]
        if "idle" in ONLY:
            log("idle sessions")
            self.once["idle"] = {s: self.idle(s, IDLE if s in FTPDS or s == "ref" else IDLE_PEER)
                                 for s in self.servers}
        if "burst" in ONLY:
            log("login burst")
            self.restart(self.cert)  # fresh servers: memory before is the server's own baseline
            self.once["burst"] = self.burst(self.servers)
        self.stop_servers()
        if "slowfs" in ONLY:
            log("slow file system")
            self.once["slowfs"] = self.slow_fs()


# ---------------------------------------------------------------- report

def measured(b, scenario, server):
    """The repetitions that measured something (a server that refuses the command, such as
    vsftpd's MLSD, has none)."""
    return [r for r in b.results.get((scenario, server), []) if r.get("ok")]


def values(b, scenario, server, key):
    return [r[key] for r in measured(b, scenario, server) if r.get(key) is not None]


def spread(vals):
    return (min(vals), statistics.median(vals), max(vals)) if vals else None


def fmt(v):
    if v is None:
        return "n/a"
    if isinstance(v, tuple):
        lo, med, hi = v
        return fmt(med) if lo == hi else f"{fmt(med)} ({fmt(lo)}–{fmt(hi)})"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}" if abs(v) >= 1 else f"{v:.3f}"


def med(v):
    return v[1] if isinstance(v, tuple) else v


def ratio(a, b):
    a, b = med(a), med(b)
    return f"{a / b:.2f}" if a is not None and b else "n/a"


def per_gib(r):
    return r["cpu_s"] / (r["bytes"] / (1 << 30)) if r.get("bytes") else None


def per_k(r):
    return r["cpu_s"] / r["ok"] * 1000 * 1000 if r.get("ok") else None  # ms per 1000 units


def derived(b, scenario, server, fn):
    return spread([x for x in (fn(r) for r in measured(b, scenario, server)) if x is not None])


def rows(b):
    """(label, {server: value or (min, median, max)}) in table order."""
    out = []
    S = b.servers

    def add(label, scenario, key=None, fn=None):
        out.append((label, {s: derived(b, scenario, s, fn) if fn else spread(values(b, scenario, s, key)) for s in S}))

    c = CONCURRENCY
    add(f"session rate, login+QUIT, {c} clients (sessions/s)", "login", "rate_per_s")
    add("  latency p99 (ms)", "login", "p99_ms")
    add("  connections dropped, accept queue full (kernel ListenOverflows)", "login", "listen_overflows")
    add("  server CPU (ms per 1,000 sessions)", "login", fn=per_k)
    add("session + 4 KiB RETR (sessions/s)", "login+retr", "rate_per_s")
    add("  latency p99 (ms)", "login+retr", "p99_ms")
    add(f"FTPS session rate, AUTH TLS+login+QUIT, EC P-256, {c} clients (sessions/s)", "login-tls-ec", "rate_per_s")
    add("  server CPU (ms per 1,000 sessions)", "login-tls-ec", fn=per_k)
    add(f"FTPS session rate, EC P-256, resuming the last TLS session (sessions/s)", "login-tls-resume", "rate_per_s")
    add("  sessions resumed (%)", "login-tls-resume", fn=lambda r: 100.0 * r["resumed"] / r["ok"])
    add("  server CPU (ms per 1,000 sessions)", "login-tls-resume", fn=per_k)
    add(f"FTPS session rate, RSA-2048, {c} clients (sessions/s)", "login-tls-rsa", "rate_per_s")
    add("  server CPU (ms per 1,000 sessions)", "login-tls-rsa", fn=per_k)
    add(f"{BIG_MB} MiB download, 1 stream (MiB/s)", "download", "mib_per_s")
    add("  server CPU (s per GiB)", "download", fn=per_gib)
    add(f"{BIG_MB} MiB download over TLS, 1 stream (MiB/s)", "download-tls", "mib_per_s")
    add("  server CPU (s per GiB)", "download-tls", fn=per_gib)
    add(f"{BIG_MB} MiB upload, 1 stream (MiB/s)", "upload", "mib_per_s")
    add("  server CPU (s per GiB)", "upload", fn=per_gib)
    add(f"{STREAMS} concurrent downloads of {STREAM_MB} MiB, aggregate (MiB/s)", "streams", "mib_per_s")
    add("  slowest / fastest stream", "streams", fn=lambda r: r["min_ms"] / r["max_ms"] if r.get("max_ms") else None)
    add("  server CPU (s per GiB)", "streams", fn=per_gib)
    n = SMALL_SESSIONS * SMALL_PER_SESSION
    add(f"{n} uploads of 64 KiB through {SMALL_SESSIONS} sessions (STORs/s)", "small-uploads",
        fn=lambda r: r["rate_per_s"] * SMALL_PER_SESSION)
    add("  server CPU (ms per 1,000 STORs)", "small-uploads",
        fn=lambda r: r["cpu_s"] / (r["ok"] * SMALL_PER_SESSION) * 1e6 if r.get("ok") else None)
    add(f"LIST of {LIST_ENTRIES:,} entries (ms)", "list-LIST", "p50_ms")
    add("  worker peak memory growth (KiB)", "list-LIST", "hwm_growth_kib")
    add(f"MLSD of {LIST_ENTRIES:,} entries (ms)", "list-MLSD", "p50_ms")
    add("  worker peak memory growth (KiB)", "list-MLSD", "hwm_growth_kib")
    def measured_once(group):
        """A row adder for a scenario measured once per server (idle, burst, slowfs)."""
        data = b.once.get(group) or {}
        return lambda label, fn: out.append((label, {s: fn(data[s]) if s in data else None for s in S}))

    idle = b.once.get("idle")
    if idle:
        irow = measured_once("idle")
        irow("idle sessions held", lambda r: r["held"])
        irow("  memory per idle session, Pss total / held (KiB)", lambda r: r["kib_per_session"])
        irow("  memory per idle session, Pss delta / held (KiB)", lambda r: r["delta_kib_per_session"])
        irow("  session rate while held / just before", lambda r: r["rate_while_held"]["rate_per_s"] /
             r["rate_before_held"]["rate_per_s"] if r["rate_before_held"]["rate_per_s"] else None)
        irow("  `ftpctl status` with them held, p50 (ms)", lambda r: r.get("status_ms", {}).get("p50"))
    burst = b.once.get("burst")
    if burst:
        brow = measured_once("burst")
        brow("login burst: sessions tried", lambda r: r["tried"])
        brow("  all logged in after (s)", lambda r: r["seconds"])
        brow("  errors", lambda r: r["errors"])
        brow("  Pss before (KiB)", lambda r: r["pss_before_kib"])
        brow("  Pss per held session (KiB)", lambda r: r["kib_per_held"])
        brow(f"  Pss {BURST_SETTLE:g} s after they closed / before", lambda r: r["after_over_before"])
    slow = b.once.get("slowfs")
    if slow:
        srow = measured_once("slowfs")
        srow("slow FS: victim NOOP p99, unloaded (ms)", lambda r: r["unloaded"]["p99_ms"])
        srow(f"  beside 4 sessions in a {SLOW_DELAY:g} s/op folder, p99 (ms)", lambda r: r["loaded"]["p99_ms"])
        srow("  loaded / unloaded p99", lambda r: r["loaded"]["p99_ms"] / r["unloaded"]["p99_ms"]
             if r["unloaded"]["p99_ms"] else None)
        srow("  victim NOOPs, loaded (count)", lambda r: r["loaded"]["ok"])
        srow("  busy sessions' listings and downloads (count, errors)", lambda r: r["busy_units"])
    errors = {s: sum(r["errors"] for k, v in b.results.items() if k[1] == s and k[0] != "list-MLSD" for r in v)
              for s in S}
    out.append(("errors, all repeated scenarios and rounds (MLSD refusals not counted)", errors))
    return out


def table(b):
    S = b.servers
    others = [s for s in S if s != "ftpd"]
    head = "| measure | " + " | ".join(S) + " | " + " | ".join(f"ftpd/{s}" for s in others) + " |"
    lines = [head, "|---|" + "---:|" * (len(S) + len(others))]
    for label, vals in rows(b):
        cells = [fmt(vals.get(s)) for s in S] + [ratio(vals.get("ftpd"), vals.get(s)) for s in others]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(b):
    """(target, value, met) of the issues' targets that this run measured."""
    r = {label.strip(): vals for label, vals in rows(b)}
    out = []

    def m(label, s):
        v = r.get(label, {}).get(s)
        return med(v)

    def add(name, value, ok):
        if value is not None:
            out.append((name, value, ok(value)))

    c = CONCURRENCY
    ref_dl = m(f"{BIG_MB} MiB download, 1 stream (MiB/s)", "ref")
    for s in ("vsftpd", "pure-ftpd"):
        for cert, label in (("EC", f"FTPS session rate, AUTH TLS+login+QUIT, EC P-256, {c} clients (sessions/s)"),
                            ("RSA", f"FTPS session rate, RSA-2048, {c} clients (sessions/s)")):
            a, v = m(label, "ftpd"), m(label, s)
            add(f"FTPS session rate ({cert}) ≥ 10× {s}", a / v if a and v else None, lambda x: x >= 10)
        n = SMALL_SESSIONS * SMALL_PER_SESSION
        label = f"{n} uploads of 64 KiB through {SMALL_SESSIONS} sessions (STORs/s)"
        a, v = m(label, "ftpd"), m(label, s)
        add(f"small uploads ≥ 10× {s}", a / v if a and v else None, lambda x: x >= 10)
        label = f"LIST of {LIST_ENTRIES:,} entries (ms)"
        a, v = m(label, "ftpd"), m(label, s)
        add(f"LIST of {LIST_ENTRIES:,} at least as fast as {s} (their time / ours)", v / a if a and v else None,
            lambda x: x >= 1)
    agg = m(f"{STREAMS} concurrent downloads of {STREAM_MB} MiB, aggregate (MiB/s)", "ftpd")
    add(f"{STREAMS} downloads: aggregate ≥ 90% of the reference's single stream", agg / ref_dl if agg and ref_dl else None,
        lambda x: x >= 0.9)
    add(f"{STREAMS} downloads: slowest / fastest ≥ 0.5", m("slowest / fastest stream", "ftpd"), lambda x: x >= 0.5)
    for label in ("worker peak memory growth (KiB)",):
        vals = [med(v.get("ftpd")) for lab, v in rows(b) if lab.strip() == label and v.get("ftpd")]
        if vals:
            add(f"listing {LIST_ENTRIES:,}: worker peak growth < 4 MiB (KiB, LIST and MLSD)", max(vals), lambda x: x < 4096)
    burst = b.once.get("burst", {}).get("ftpd")
    if burst:
        add(f"burst: all {burst['tried']:,} served (errors)", burst["errors"], lambda x: x == 0)
        add("burst: < 10 KiB per held session", burst["kib_per_held"], lambda x: x < 10)
        add(f"burst: Pss {BURST_SETTLE:g} s after within 25% of before", burst["after_over_before"], lambda x: x <= 1.25)
    slow = (b.once.get("slowfs") or {}).get("ftpd")
    if slow and slow["unloaded"]["p99_ms"]:
        add("slow FS: victim p99 ≤ 2× unloaded", slow["loaded"]["p99_ms"] / slow["unloaded"]["p99_ms"], lambda x: x <= 2)
    if "ftpd-base" in b.servers:
        for label, scen, key in (("session rate", "login", "rate_per_s"), ("4 KiB RETR sessions", "login+retr", "rate_per_s"),
                                 ("1 GiB download", "download", "mib_per_s"), ("1 GiB upload", "upload", "mib_per_s")):
            a, base, ref = (spread(values(b, scen, s, key)) for s in ("ftpd", "ftpd-base", "ref"))
            if a and base and ref:
                add(f"{label}: ftpd/ref within 5% of ftpd-base/ref (ratio of ratios)",
                    (a[1] / ref[1]) / (base[1] / ref[1]), lambda x: x >= 0.95)
    return out


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
        model = m.group(1) if m else model
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") >> 30
    return f"{os.cpu_count()} CPUs ({model}), {mem} GiB RAM, Linux {platform.release()}"


def versions():
    vs = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "vsftpd"], capture_output=True, text=True)
    head = subprocess.run(["git", "-C", SRC, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    pure = os.path.join(PEERS_DIR, "pure-ftpd.version")
    pv = open(pure).read().strip() if os.path.exists(pure) else "?"
    return f"vsftpd {vs.stdout.strip() or '?'} (Debian), pure-ftpd {pv} (Debian, dpkg -x), ftpd at {head.stdout.strip() or '?'}"


def history(b, now):
    """This run's targets, appended to the build tree's history; returns the last three runs."""
    runs = json.load(open(HISTORY)) if os.path.exists(HISTORY) else []
    runs.append({"date": f"{now:%Y-%m-%d %H:%M}", "targets": [[n, v, ok] for n, v, ok in targets(b)]})
    with open(HISTORY, "w") as f:
        json.dump(runs, f, indent=1)
    return runs[-3:]


def targets_table(runs):
    names = []
    for r in runs:
        for n, _, _ in r["targets"]:
            if n not in names:
                names.append(n)
    lines = ["| target | " + " | ".join(r["date"] for r in runs) + " |", "|---|" + "---:|" * len(runs)]
    for n in names:
        cells = []
        for r in runs:
            hit = [(v, ok) for m, v, ok in r["targets"] if m == n]
            cells.append("n/a" if not hit else (fmt(hit[0][0]) if hit[0][1] else f"**{fmt(hit[0][0])} (miss)**"))
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_results(b, text):
    now = datetime.datetime.now(datetime.timezone.utc)
    runs = history(b, now)
    settings = " ".join(f"BENCH_{k}={globals()[k]:g}" if isinstance(globals()[k], float) else f"BENCH_{k}={globals()[k]}"
                        for k in SETTINGS)
    confs = "\n\n".join(f"`{name}`:\n\n```\n{conf.replace(b.dir, '$BENCH').strip()}\n```" for name, conf in b.confs.items())
    gen = f"""<!-- BEGIN GENERATED by tests/bench/run_bench.py -->
- date: {now:%Y-%m-%d %H:%M UTC}
- machine: {machine()}
- software: {versions()}
- command: `make bench` ({settings}{' BENCH_ONLY=' + ','.join(ONLY) if ONLY != GROUPS else ''})
- each cell: the median of {ROUNDS} rounds and (min–max) where they differ; servers run side by side on
  127.0.0.1, the order rotating each round; idle, burst and slow-file-system rows measured once after the
  rounds. Server CPU: user+system time of the server's processes (and the sessions they reaped) during
  the measurement, from /proc.

{text}

Targets, this run and the two before it on this build tree (`{os.path.relpath(HISTORY, SRC)}`):

{targets_table(runs)}

The configurations as run (`$BENCH` is the run's temp dir):

{confs}
<!-- END GENERATED -->"""
    old = open(RESULTS).read() if os.path.exists(RESULTS) else "# Benchmark results\n\n<!-- BEGIN GENERATED -->\n<!-- END GENERATED -->\n"
    new = re.sub(r"<!-- BEGIN GENERATED.*?<!-- END GENERATED -->", lambda _: gen, old, flags=re.S)
    with open(RESULTS, "w") as f:
        f.write(new)
    raw = os.path.join(os.path.dirname(BIN), "bench-raw.json")
    with open(raw, "w") as f:
        json.dump({"results": {f"{k[0]}/{k[1]}": v for k, v in b.results.items()}, "once": b.once}, f, indent=1)
    log(f"wrote {RESULTS} and {raw}")


def main():
    for tool in ("ftpd", "ftpctl", "ftpload", "ftpref"):
        if not os.access(os.path.join(BIN, tool), os.X_OK):
            sys.exit(f"bench: {BIN}/{tool} missing; build first (make build)")
    if BASE_BIN and not os.access(os.path.join(BASE_BIN, "ftpd"), os.X_OK):
        sys.exit(f"bench: BENCH_BASELINE_BIN={BASE_BIN} has no ftpd")
    if shutil.which("vsftpd") is None:
        sys.exit("bench: vsftpd not installed (apt-get install -y vsftpd)")
    b = Bench()
    try:
        b.run()
    finally:
        b.cleanup()
    text = table(b)
    print(text)
    write_results(b, text)


if __name__ == "__main__":
    main()
