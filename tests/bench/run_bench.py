#!/usr/bin/env python3
"""`make bench`: ftpd against vsftpd (Debian's package) and ftpref (the load
generator's ceiling), side by side in one run on 127.0.0.1, alternating, repeated,
medians; prints a table of absolute numbers and ratios and writes the generated
part of tests/bench/RESULTS.md. Starts only its own server instances (never the
system vsftpd service), stops them by pid and removes its temp dir.

Both real servers get a self-signed certificate (made with the openssl CLI in the temp
dir) for the FTPS download row; vsftpd runs with isolate=NO and isolate_network=NO
(Debian's default of a new PID and network namespace per session is very slow to set up:
that would measure namespaces, not FTP; see RESULTS.md).

Sizes come from the environment: BENCH_ROUNDS (3), BENCH_SECONDS (5),
BENCH_CONCURRENCY (50), BENCH_BIG_MB (1024), BENCH_IDLE (10000),
BENCH_IDLE_VSFTPD (1000), BENCH_STATUS_RUNS (10), BENCH_WORKERS (2), BENCH_THREADS (2:
ftpload's threads for the session-rate scenarios; one thread of it was the limit).
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
BIN = os.environ.get("FTPD_BIN_DIR", os.path.join(SRC, "build", "bin"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
SECONDS = float(os.environ.get("BENCH_SECONDS", 5))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", 50))
BIG_MB = int(os.environ.get("BENCH_BIG_MB", 1024))
IDLE = int(os.environ.get("BENCH_IDLE", 10000))
IDLE_VSFTPD = int(os.environ.get("BENCH_IDLE_VSFTPD", 1000))
STATUS_RUNS = int(os.environ.get("BENCH_STATUS_RUNS", 10))
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
THREADS = int(os.environ.get("BENCH_THREADS", 2))
RESULTS = os.path.join(HERE, "RESULTS.md")
SERVERS = ["ftpd", "vsftpd", "ref"]
TLS_SERVERS = ["ftpd", "vsftpd"]  # ftpref has no TLS


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


class Bench:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ftpd-bench-")
        os.chmod(self.dir, 0o755)
        self.root = os.path.join(self.dir, "root")
        os.mkdir(self.root, 0o755)
        upload = os.path.join(self.root, "upload")
        os.mkdir(upload)
        os.chmod(upload, 0o777)  # ftpd's workers run as nobody, vsftpd's anonymous as ftp
        with open(os.path.join(self.root, "small.bin"), "wb") as f:
            f.write(bytes(range(256)) * 16)  # 4 KiB
        with open(os.path.join(self.root, "big.bin"), "wb") as f:
            f.truncate(BIG_MB << 20)  # sparse: read from the page cache, never from disk
        for name in ("small.bin", "big.bin"):
            os.chmod(os.path.join(self.root, name), 0o644)
        # Read the sparse file once, so that its pages are in the page cache before any
        # server sends it: otherwise whichever server goes first in round 1 pays for
        # allocating them (≈0.7 s of CPU per GiB here) and its download looks slow.
        with open(os.path.join(self.root, "big.bin"), "rb") as f:
            while f.read(16 << 20):
                pass
        self.cert = os.path.join(self.dir, "cert.pem")
        self.key = os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", self.key, "-out", self.cert, "-days", "2", "-subj", "/CN=127.0.0.1"],
                       check=True, capture_output=True, timeout=60)
        os.chmod(self.key, 0o600)
        self.procs = {}   # name -> Popen
        self.ports = {}   # name -> control port
        self.results = {}  # (scenario, server) -> list of ftpload JSON
        self.extra = {}   # name -> value, for the idle scenario

    # ---------------------------------------------------------------- servers

    def start_ftpd(self):
        port = free_port()
        self.ftpd_conf = os.path.join(self.dir, "ftpd.conf")
        with open(self.ftpd_conf, "w") as f:
            f.write(f"""# written by tests/bench/run_bench.py
listen = 127.0.0.1:{port}
workers = {WORKERS}
root = {self.root}
anonymous = yes
anonymous_write = yes
upload_overwrite = yes
pid_file = {self.dir}/ftpd.pid
log_file = {self.dir}/ftpd.log
max_clients = {IDLE + 2000}
max_per_ip = {IDLE + 2000}
pasv_ports = 25000-29999
idle_timeout = 900
tls = explicit
tls_cert = {self.cert}
tls_key = {self.key}
""")
        self._start("ftpd", [os.path.join(BIN, "ftpd"), "-f", "-c", self.ftpd_conf], port)

    def start_vsftpd(self):
        port = free_port()
        conf = os.path.join(self.dir, "vsftpd.conf")
        with open(conf, "w") as f:
            f.write(f"""listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port={port}
background=NO
anonymous_enable=YES
local_enable=NO
anon_root={self.root}
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
rsa_cert_file={self.cert}
rsa_private_key_file={self.key}
allow_anon_ssl=YES
force_anon_logins_ssl=NO
force_anon_data_ssl=NO
require_ssl_reuse=YES
ssl_ciphers=HIGH
""")
        os.chmod(conf, 0o600)  # vsftpd refuses a config others can write
        self._start("vsftpd", ["vsftpd", conf], port)

    def start_ref(self):
        port = free_port()
        self._start("ref", [os.path.join(BIN, "ftpref"), str(port), self.root], port)

    def _start(self, name, argv, port):
        out = open(os.path.join(self.dir, f"{name}.out"), "wb")
        self.procs[name] = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, cwd=self.dir)
        self.ports[name] = port
        wait_greeting(port, self.procs[name])
        log(f"{name} pid {self.procs[name].pid} on 127.0.0.1:{port}")

    def stop(self):
        for name, proc in self.procs.items():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                for p in reversed(descendants(proc.pid)):
                    try:
                        os.kill(p, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---------------------------------------------------------------- load

    def ftpload(self, server, *args, timeout=600):
        argv = [os.path.join(BIN, "ftpload"), "--port", str(self.ports[server]), "--label", server] + [str(a) for a in args]
        out = subprocess.run(argv, capture_output=True, timeout=timeout)
        sys.stderr.write(out.stderr.decode(errors="replace"))
        lines = out.stdout.decode().strip().splitlines()
        if not lines:
            raise RuntimeError(f"ftpload {' '.join(argv)} printed nothing (exit {out.returncode})")
        return json.loads(lines[-1])

    def record(self, scenario, server, result):
        self.results.setdefault((scenario, server), []).append(result)

    def scenarios(self, server, rnd):
        c, s = CONCURRENCY, SECONDS
        t = THREADS
        self.record("login", server, self.ftpload(server, "--mode", "session-rate", "-c", c, "--duration", s,
                                                  "--threads", t))
        self.record("login+retr", server, self.ftpload(server, "--mode", "session-rate", "-c", c, "--duration", s,
                                                       "--threads", t, "--retr", "small.bin"))
        self.record("download", server, self.ftpload(server, "--mode", "download", "--file", "big.bin",
                                                     "--count", 1, "--timeout", 300))
        if server in TLS_SERVERS:
            self.record("download-tls", server, self.ftpload(server, "--mode", "download", "--file", "big.bin",
                                                             "--count", 1, "--timeout", 300, "--tls"))
        self.record("upload", server, self.ftpload(server, "--mode", "upload", "--size-mb", BIG_MB, "--count", 1,
                                                   "--timeout", 300, "--stor-prefix", f"upload/{server}-{rnd}"))
        for name in os.listdir(os.path.join(self.root, "upload")):
            os.unlink(os.path.join(self.root, "upload", name))

    def idle(self, server, sessions):
        """Holds `sessions` logged-in sessions; measures memory, the session rate
        meanwhile, and for ftpd `ftpctl status`."""
        pid = self.procs[server].pid
        # The rate just before, in the same phase and state of the server, is what the
        # rate while they are held is compared with (the rounds ran earlier, fresher).
        rate_before = self.ftpload(server, "--mode", "session-rate", "-c", CONCURRENCY,
                                   "--duration", SECONDS, "--threads", THREADS)
        before = pss_kib(pid)
        argv = [os.path.join(BIN, "ftpload"), "--port", str(self.ports[server]), "--label", server,
                "--mode", "idle", "--sessions", str(sessions), "-c", "100", "--hold", "300", "--timeout", "60"]
        holder = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            ready = holder.stderr.readline().decode()
            m = re.search(r"ready (\d+) held (\d+) errors", ready)
            if not m:
                raise RuntimeError(f"idle ftpload: {ready!r}")
            held = int(m.group(1))
            time.sleep(1.0)  # let the server settle its per-session state after the last login
            after = pss_kib(pid)
            procs = len(descendants(pid))
            res = {"held": held, "tried": sessions, "pss_total_kib": after, "pss_before_kib": before,
                   "processes": procs,
                   "kib_per_session": after / held if held else 0,
                   "delta_kib_per_session": (after - before) / held if held else 0}
            res["rate_before_held"] = rate_before
            res["rate_while_held"] = self.ftpload(server, "--mode", "session-rate", "-c", CONCURRENCY,
                                                  "--duration", SECONDS, "--threads", THREADS)
            if server == "ftpd":
                res["status_ms"] = self.ftpctl_status_ms()
            return res
        finally:
            holder.send_signal(signal.SIGTERM)
            out, err = holder.communicate(timeout=120)
            sys.stderr.write(err.decode(errors="replace"))
            if out.strip():
                self.extra.setdefault("idle_open", {})[server] = json.loads(out.decode().strip().splitlines()[-1])

    def ftpctl_status_ms(self):
        times = []
        for _ in range(STATUS_RUNS):
            t0 = time.monotonic()
            r = subprocess.run([os.path.join(BIN, "ftpctl"), "-c", self.ftpd_conf, "status"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
            times.append((time.monotonic() - t0) * 1000)
            if r.returncode != 0:
                raise RuntimeError(f"ftpctl status failed: {r.stderr.decode()}")
        times.sort()
        return {"p50": times[len(times) // 2], "max": times[-1], "runs": len(times)}

    # ---------------------------------------------------------------- run

    def run(self):
        self.start_ftpd()
        self.start_vsftpd()
        self.start_ref()
        order = list(SERVERS)
        for rnd in range(ROUNDS):
            log(f"round {rnd + 1}/{ROUNDS}: {', '.join(order)}")
            for server in order:
                self.scenarios(server, rnd)
            order = order[1:] + order[:1]  # alternate who goes first
        log("idle sessions")
        self.idle_results = {"ftpd": self.idle("ftpd", IDLE), "ref": self.idle("ref", IDLE),
                             "vsftpd": self.idle("vsftpd", IDLE_VSFTPD)}


def median(results, key):
    vals = [r[key] for r in results]
    return statistics.median(vals) if vals else None


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "n/a"


def fmt(v):
    if v is None:
        return "n/a"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}"


def table(b):
    rows = []  # (label, ftpd, vsftpd, ref)

    def add(label, scenario, key):
        vals = [median(b.results.get((scenario, s), []), key) for s in SERVERS]
        rows.append((label, *vals))

    add(f"session rate, login+QUIT, {CONCURRENCY} clients (sessions/s)", "login", "rate_per_s")
    add("  latency p50 (ms)", "login", "p50_ms")
    add("  latency p99 (ms)", "login", "p99_ms")
    add("session + 4 KiB RETR (sessions/s)", "login+retr", "rate_per_s")
    add("  latency p99 (ms)", "login+retr", "p99_ms")
    add(f"{BIG_MB} MiB download, 1 stream (MiB/s)", "download", "mib_per_s")
    add(f"{BIG_MB} MiB download over TLS, 1 stream (MiB/s)", "download-tls", "mib_per_s")
    add(f"{BIG_MB} MiB upload, 1 stream (MiB/s)", "upload", "mib_per_s")
    idle = b.idle_results
    rows.append(("idle sessions held (of tried)", *[idle[s]["held"] for s in SERVERS]))
    rows.append(("  memory per idle session, Pss total / held (KiB)", *[idle[s]["kib_per_session"] for s in SERVERS]))
    rows.append(("  memory per idle session, Pss delta / held (KiB)",
                 *[idle[s]["delta_kib_per_session"] for s in SERVERS]))
    rows.append(("  session rate just before they are opened (sessions/s)",
                 *[idle[s]["rate_before_held"]["rate_per_s"] for s in SERVERS]))
    rows.append(("  session rate while they are held (sessions/s)",
                 *[idle[s]["rate_while_held"]["rate_per_s"] for s in SERVERS]))
    rows.append(("  while held / just before (same server)",
                 *[idle[s]["rate_while_held"]["rate_per_s"] / idle[s]["rate_before_held"]["rate_per_s"]
                   if idle[s]["rate_before_held"]["rate_per_s"] else None for s in SERVERS]))
    st = idle["ftpd"].get("status_ms", {})
    rows.append((f"  `ftpctl status` with {idle['ftpd']['held']} sessions, p50 (ms)", st.get("p50"), None, None))
    rows.append(("  `ftpctl status`, max (ms)", st.get("max"), None, None))
    errors = {s: sum(r["errors"] for k, v in b.results.items() if k[1] == s for r in v) for s in SERVERS}
    rows.append(("errors, all timed scenarios and rounds", *[errors[s] for s in SERVERS]))

    lines = ["| measure | ftpd | vsftpd | reference | ftpd/vsftpd | ftpd/reference |",
             "|---|---:|---:|---:|---:|---:|"]
    for label, f, v, r in rows:
        lines.append(f"| {label} | {fmt(f)} | {fmt(v)} | {fmt(r)} | {ratio(f, v)} | {ratio(f, r)} |")
    return "\n".join(lines)


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
        model = m.group(1) if m else model
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") >> 30
    return f"{os.cpu_count()} CPUs ({model}), {mem} GiB RAM, Linux {platform.release()}"


def versions():
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "vsftpd"], capture_output=True, text=True)
    head = subprocess.run(["git", "-C", SRC, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return f"vsftpd {out.stdout.strip() or '?'} (Debian), ftpd at {head.stdout.strip() or '?'}"


def write_results(b, text):
    settings = (f"BENCH_ROUNDS={ROUNDS} BENCH_SECONDS={SECONDS:g} BENCH_CONCURRENCY={CONCURRENCY} "
                f"BENCH_BIG_MB={BIG_MB} BENCH_IDLE={IDLE} BENCH_IDLE_VSFTPD={IDLE_VSFTPD} BENCH_WORKERS={WORKERS} "
                f"BENCH_THREADS={THREADS}")
    gen = f"""<!-- BEGIN GENERATED by tests/bench/run_bench.py -->
- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}
- machine: {machine()}
- software: {versions()}
- command: `make bench` ({settings})
- medians of {ROUNDS} rounds; servers run side by side on 127.0.0.1, the order rotating each round;
  idle sessions measured once after the rounds.

{text}
<!-- END GENERATED -->"""
    old = open(RESULTS).read() if os.path.exists(RESULTS) else "# Benchmark results\n\n<!-- BEGIN GENERATED -->\n<!-- END GENERATED -->\n"
    new = re.sub(r"<!-- BEGIN GENERATED.*?<!-- END GENERATED -->", lambda _: gen, old, flags=re.S)
    with open(RESULTS, "w") as f:
        f.write(new)
    raw = os.path.join(os.path.dirname(BIN), "bench-raw.json")
    with open(raw, "w") as f:
        json.dump({"results": {f"{k[0]}/{k[1]}": v for k, v in b.results.items()},
                   "idle": b.idle_results, "idle_open": b.extra.get("idle_open")}, f, indent=1)
    log(f"wrote {RESULTS} and {raw}")


def main():
    for tool in ("ftpd", "ftpctl", "ftpload", "ftpref"):
        if not os.access(os.path.join(BIN, tool), os.X_OK):
            sys.exit(f"bench: {BIN}/{tool} missing; build first (make build)")
    if shutil.which("vsftpd") is None:
        sys.exit("bench: vsftpd not installed (apt-get install -y vsftpd)")
    b = Bench()
    try:
        b.run()
    finally:
        b.stop()
    text = table(b)
    print(text)
    write_results(b, text)


if __name__ == "__main__":
    main()
