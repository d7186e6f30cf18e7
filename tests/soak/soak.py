#!/usr/bin/python3
"""Soak test: minutes of mixed normal and hostile clients against one ftpd (`workers = 2`).

Not part of ctest; `make soak` runs it (SOAK_SECONDS=180 by default). Run by hand:

    SOAK_SECONDS=60 FTPD_BIN_DIR=build/bin /usr/bin/python3 tests/soak/soak.py

Normal clients (passive and active) log in, list, download with a sha256 check, upload and
read their upload back. Hostile clients send garbage and NUL/0xFF bytes, 64 KiB lines,
connect and wait (slowloris), vanish mid-transfer with an RST, try FTP bounce (PORT/EPRT
elsewhere), steal passive connections from 127.0.0.2, and fail logins. Every normal
operation must succeed and every hostile one must get the refusal the contract promises.

At the end it checks: no worker died (a crash is a bug) and the pool is full; the RSS of
each worker did not grow more than SOAK_RSS_GROWTH_PCT percent (default 25, plus 2 MiB of
slack) between the baseline (after min(60 s, a third of the run)) and the end; every
completely uploaded file is intact (sha256) and no broken upload left a file; sessions
drain to 0; `ftpctl status` never hung; SIGTERM stops the server cleanly with nothing left
in /dev/shm. It prints a summary and exits 1 on any failure (2 if it could not start).
"""

import ftplib
import hashlib
import io
import os
import random
import re
import socket
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))

from ftpd_fixture import (Server, connect_from, read_reply,  # noqa: E402
                          read_until_eof, reset_close, status_json, vm_rss_kib, wait_until,
                          write_big_file)

SECONDS = float(os.environ.get("SOAK_SECONDS", "180"))
RSS_GROWTH_PCT = float(os.environ.get("SOAK_RSS_GROWTH_PCT", "25"))
RSS_SLACK_KIB = 2048
LOGIN_TIMEOUT = 5
CLIENT_TIMEOUT = 30.0
DOWNLOADS = {"small.txt": 1 << 10, "medium.bin": 1 << 20, "big.bin": 8 << 20}
MAX_ERRORS_SHOWN = 5
JUNK = b"\0\x01\x7f\x80\xfe\xff %/.ABCXYZ\r"   # NUL, Telnet IAC, non-UTF-8, bare CR


class Stats:
    """Per-kind counters of operations and failures, shared by the client threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ops = {}
        self.failures = {}
        self.uploads = {}       # name -> sha256 of the bytes whose STOR got 226, still on disk
        self.upload_count = 0

    def ok(self, kind):
        with self.lock:
            self.ops[kind] = self.ops.get(kind, 0) + 1

    def fail(self, kind, message):
        with self.lock:
            self.ops[kind] = self.ops.get(kind, 0) + 1
            self.failures.setdefault(kind, []).append(message)

    def uploaded(self, name, digest):
        with self.lock:
            self.uploads[name] = digest
            self.upload_count += 1

    def forget(self, name):
        with self.lock:
            del self.uploads[name]


def sha(data):
    return hashlib.sha256(data).hexdigest()


class Raw:
    """A raw control connection (for what ftplib hides)."""

    def __init__(self, port, source="127.0.0.1", login=True):
        self.sock = connect_from(source, port, timeout=CLIENT_TIMEOUT)
        self.file = self.sock.makefile("rb")
        code, text = read_reply(self.file)
        if code != "220":
            raise AssertionError(f"greeting: {text.strip()}")
        if login:
            self.cmd("USER anonymous")
            code, text = self.cmd("PASS soak@example.com")
            if code != "230":
                raise AssertionError(f"login: {text.strip()}")

    def send(self, data):
        self.sock.sendall(data)

    def reply(self):
        return read_reply(self.file)

    def cmd(self, line):
        self.send(line.encode() + b"\r\n")
        return self.reply()

    def epsv_port(self):
        code, text = self.cmd("EPSV")
        if code != "229":
            raise AssertionError(f"EPSV: {text.strip()}")
        return int(re.search(r"\|(\d+)\|", text).group(1))

    def expect_noop(self):
        """NOOP, then read replies until its 200 (earlier replies belong to garbage)."""
        self.send(b"NOOP\r\n")
        for _ in range(100):
            code, text = self.reply()
            if code == "200" and "NOOP" in text:
                return
        raise AssertionError("no 200 for NOOP")

    def vanish(self, data=None):
        if data is not None:
            reset_close(data)
        self.file.close()
        reset_close(self.sock)

    def close(self):
        self.file.close()
        self.sock.close()


# ---------------------------------------------------------------- clients

def normal_client(server, rng, stats, tid, n, active):
    kind = "normal-active" if active else "normal-passive"
    ftp = ftplib.FTP(timeout=CLIENT_TIMEOUT)
    ftp.connect("127.0.0.1", server.port)
    try:
        ftp.login("anonymous", "soak@example.com")
        ftp.set_pasv(not active)
        names = set(ftp.nlst())
        if not set(DOWNLOADS) <= names:
            raise AssertionError(f"NLST lacks downloads: {sorted(names)[:10]}")
        lines = []
        ftp.retrlines("LIST up", lines.append)
        name = rng.choice(sorted(DOWNLOADS))
        buf = io.BytesIO()
        ftp.retrbinary(f"RETR {name}", buf.write)
        if sha(buf.getvalue()) != server.digests[name]:
            raise AssertionError(f"{name}: sha256 differs ({len(buf.getvalue())} bytes)")
        payload = rng.randbytes(rng.choice((0, 1, 777, 64 << 10, 1 << 20, 2 << 20)))
        up = f"up/n{tid}-{n}.bin"
        reply = ftp.storbinary(f"STOR {up}", io.BytesIO(payload))
        if not reply.startswith("226"):
            raise AssertionError(f"STOR {up}: {reply}")
        stats.uploaded(up, sha(payload))
        back = io.BytesIO()
        ftp.retrbinary(f"RETR {up}", back.write)
        if back.getvalue() != payload:
            raise AssertionError(f"{up}: read back {len(back.getvalue())} of {len(payload)} bytes, differs")
        if rng.random() < 0.8:      # keep the disk small; the rest is checked at the end
            stats.forget(up)
            ftp.delete(up)
        ftp.quit()
    finally:
        ftp.close()
    stats.ok(kind)


def garbage_client(server, rng, stats, tid, n):
    c = Raw(server.port, login=rng.random() < 0.7)
    try:
        for _ in range(20):
            junk = bytes(rng.choice(JUNK) for _ in range(rng.randint(0, 300)))
            c.send(rng.choice((b"", b"RETR ", b"CWD ", b"STOR up/", b"SITE ")) + junk + b"\r\n")
        c.expect_noop()
        c.cmd("QUIT")
    finally:
        c.close()
    stats.ok("garbage")


def long_line_client(server, rng, stats, tid, n):
    c = Raw(server.port)
    try:
        for _ in range(5):
            c.send(b"RETR " + b"x" * rng.randint(5000, 70000) + b"\r\n")
            code, text = c.reply()
            if code != "500":
                raise AssertionError(f"long line: {text.strip()}")
        c.expect_noop()
    finally:
        c.close()
    stats.ok("long-line")


def slowloris_client(server, rng, stats, tid, n):
    conns = []
    try:
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=CLIENT_TIMEOUT)
            conns.append(s)
            s.sendall(b"USER anonym")      # never finished
        start = time.monotonic()
        for s in conns:
            rest = read_until_eof(s, timeout=LOGIN_TIMEOUT + 10)
            if b"421" not in rest:
                raise AssertionError(f"closed without 421: {rest[-80:]!r}")
        took = time.monotonic() - start
        if took > LOGIN_TIMEOUT + 5:
            raise AssertionError(f"login_timeout {LOGIN_TIMEOUT}s took {took:.1f}s")
    finally:
        for s in conns:
            s.close()
    stats.ok("slowloris")


def vanish_client(server, rng, stats, tid, n):
    c = Raw(server.port)
    c.cmd("TYPE I")
    what = rng.choice(("upload", "download", "list"))
    data = connect_from("127.0.0.1", c.epsv_port(), rcvbuf=8192)
    line = {"upload": f"STOR up/vanish-{tid}-{n}.bin", "download": "RETR big.bin",
            "list": "LIST many"}[what]
    code, text = c.cmd(line)
    if code != "150":
        c.vanish(data)
        raise AssertionError(f"{line}: {text.strip()}")
    if what == "upload":
        data.sendall(rng.randbytes(rng.randint(1, 4 << 20)))
    else:
        data.recv(rng.randint(1, 8192))
    c.vanish(data)
    stats.ok(f"vanish-{what}")


def bounce_client(server, rng, stats, tid, n):
    c = Raw(server.port)
    try:
        p = rng.randint(1024, 65535)
        for line in (f"PORT 127,0,0,2,{p >> 8},{p & 255}", "PORT 127,0,0,1,0,21",
                     f"EPRT |1|127.0.0.3|{p}|", "EPRT |1|127.0.0.1|22|", f"EPRT |2|::1|{p}|"):
            code, text = c.cmd(line)
            if not code.startswith("5"):
                raise AssertionError(f"{line} accepted: {text.strip()}")
        code, text = c.cmd("RETR small.txt")
        if code != "425":
            raise AssertionError(f"RETR after refused PORTs: {text.strip()}")
        c.cmd("QUIT")
    finally:
        c.close()
    stats.ok("bounce")


def intruder_client(server, rng, stats, tid, n):
    """A passive data connection stolen from 127.0.0.2 gets nothing; the client gets the file."""
    c = Raw(server.port)
    try:
        c.cmd("TYPE I")
        port = c.epsv_port()
        c.send(b"RETR medium.bin\r\n")
        thief = connect_from("127.0.0.2", port)
        with thief:
            stolen = read_until_eof(thief, timeout=CLIENT_TIMEOUT)
        if stolen:
            raise AssertionError(f"the intruder got {len(stolen)} bytes")
        with connect_from("127.0.0.1", port) as data:
            code, text = c.reply()
            if code != "150":
                raise AssertionError(f"RETR: {text.strip()}")
            got = read_until_eof(data, timeout=CLIENT_TIMEOUT)
        code, text = c.reply()
        if code != "226" or sha(got) != server.digests["medium.bin"]:
            raise AssertionError(f"download after the intruder: {text.strip()}, {len(got)} bytes")
    finally:
        c.close()
    stats.ok("intruder")


def bad_login_client(server, rng, stats, tid, n):
    c = Raw(server.port, login=False)
    try:
        codes = []
        for _ in range(3):
            c.cmd(f"USER nosuch{rng.randint(0, 999)}")
            codes.append(c.cmd("PASS wrong")[0])
        if codes != ["530", "530", "421"]:
            raise AssertionError(f"failed logins got {codes}")
        if c.file.readline() != b"":
            raise AssertionError("open after 421")
    finally:
        c.close()
    stats.ok("bad-login")


CLIENTS = [  # (kind for failures, function, extra args, threads)
    ("normal-passive", normal_client, (False,), 3),
    ("normal-active", normal_client, (True,), 2),
    ("garbage", garbage_client, (), 1),
    ("long-line", long_line_client, (), 1),
    ("slowloris", slowloris_client, (), 1),
    ("vanish", vanish_client, (), 2),
    ("bounce", bounce_client, (), 1),
    ("intruder", intruder_client, (), 1),
    ("bad-login", bad_login_client, (), 1),
]


def client_loop(server, stats, stop, kind, func, args, tid):
    rng = random.Random(tid * 7919 + int(time.time()))
    n = 0
    while not stop.is_set():
        n += 1
        try:
            func(server, rng, stats, tid, n, *args)
        except Exception as e:   # noqa: BLE001 - every failure is counted and shown
            if stop.is_set() and isinstance(e, (OSError, EOFError)):
                break          # the run ended under it
            stats.fail(kind, f"{type(e).__name__}: {e}")
            time.sleep(0.2)


# ---------------------------------------------------------------- observation

class Monitor(threading.Thread):
    """Samples each worker's RSS and `ftpctl status --json` every 2 s."""

    def __init__(self, server, stop):
        super().__init__(daemon=True)
        self.server, self.stop = server, stop
        self.rss = {}              # pid -> [(t, kib)]
        self.status_failures = []
        self.samples = 0
        self.start_time = time.monotonic()

    def run(self):
        while not self.stop.wait(2.0):
            self.sample()

    def sample(self):
        t = time.monotonic() - self.start_time
        for pid in self.server.worker_pids():
            kib = vm_rss_kib(pid)
            if kib is not None:
                self.rss.setdefault(pid, []).append((t, kib))
        try:
            status_json(self.server, timeout=5.0)
            self.samples += 1
        except Exception as e:  # noqa: BLE001
            self.status_failures.append(f"{type(e).__name__}: {e}")


# ---------------------------------------------------------------- the run

def make_server():
    server = Server(workers=2, anonymous_write=True, upload_overwrite=False,
                    max_clients=500, max_per_ip=200, login_timeout=LOGIN_TIMEOUT,
                    idle_timeout=30, data_timeout=15, max_login_failures=3,
                    login_fail_delay=1, files={"up/.keep": b""})
    server.digests = {name: write_big_file(server.path(name), size) for name, size in DOWNLOADS.items()}
    for i in range(2000):
        server.add_file(f"many/{i:04d}-{'m' * 60}.txt", b"x")
    return server


def leftovers(root):
    return [os.path.join(d, n) for d, _, names in os.walk(root) for n in names
            if n.startswith(".ftpd-upload.")]


def check(server, stats, monitor, start_workers, problems):
    # Workers: none may die (quality bar: never a crash), and the pool must be full.
    deaths = server.log_findall(r"worker \d+ \(pid \d+\) (?:killed by signal \d+|exited with status \d+)")
    if deaths:
        problems.append(f"workers died: {deaths}")
    now = server.worker_pids()
    if len(now) != 2:
        problems.append(f"pool not full at the end: {sorted(now)}")
    started = {int(p) for p in server.log_findall(r"worker \d+ started \(pid (\d+)\)")}
    gone, replacements = start_workers - now, started - start_workers
    if len(replacements) < len(gone):
        problems.append(f"workers {sorted(gone)} are gone; replacements in the log: {sorted(replacements)}")

    # RSS: baseline after min(60 s, a third of the run), compared with the last sample.
    base_t = min(60.0, SECONDS / 3)
    rss_lines = []
    for pid, series in sorted(monitor.rss.items()):
        if pid not in now:
            continue
        base = next(((t, k) for t, k in series if t >= base_t), None)
        end = series[-1]
        if base is None or end[0] <= base[0]:
            continue
        limit = base[1] * (1 + RSS_GROWTH_PCT / 100) + RSS_SLACK_KIB
        peak = max(k for _, k in series)
        rss_lines.append(f"worker {pid}: RSS {base[1]} KiB at {base[0]:.0f}s -> {end[1]} KiB at "
                         f"{end[0]:.0f}s (peak {peak}, limit {limit:.0f})")
        if end[1] > limit:
            problems.append(f"worker {pid} RSS grew {base[1]} -> {end[1]} KiB (> {RSS_GROWTH_PCT}% + slack)")
    if not rss_lines:
        problems.append("no RSS samples to compare (run too short?)")

    # Uploads: complete ones intact, broken ones gone.
    bad = []
    for name, digest in sorted(stats.uploads.items()):
        path = server.path(name)
        try:
            with open(path, "rb") as f:
                if sha(f.read()) != digest:
                    bad.append(f"{name}: sha256 differs")
        except FileNotFoundError:
            bad.append(f"{name}: missing")
    if bad:
        problems.append(f"{len(bad)} completed upload(s) lost or corrupted: {bad[:MAX_ERRORS_SHOWN]}")
    vanished = [n for n in os.listdir(server.path("up")) if n.startswith("vanish-")]
    if vanished:
        problems.append(f"{len(vanished)} broken upload(s) left a file: {vanished[:MAX_ERRORS_SHOWN]}")
    left = leftovers(server.root)
    if left:
        problems.append(f"temporary upload files left: {left[:MAX_ERRORS_SHOWN]}")

    if monitor.status_failures:
        problems.append(f"ftpctl status failed {len(monitor.status_failures)} time(s): "
                        f"{monitor.status_failures[:MAX_ERRORS_SHOWN]}")
    critical = server.log_findall(r".*\[(?:critical|error)\].*")
    if critical:
        problems.append(f"{len(critical)} error/critical log line(s): {critical[:MAX_ERRORS_SHOWN]}")
    return rss_lines


def main():
    try:
        server = make_server()
    except Exception as e:  # noqa: BLE001
        print(f"soak: cannot start ftpd: {e}", file=sys.stderr)
        return 2
    stats, stop, problems = Stats(), threading.Event(), []
    monitor, rss_lines = Monitor(server, stop), []
    try:
        start_workers = server.worker_pids()
        print(f"soak: ftpd pid {server.pid} on 127.0.0.1:{server.port}, workers {sorted(start_workers)}, "
              f"{SECONDS:.0f}s", flush=True)
        monitor.start()
        threads, tid = [], 0
        for kind, func, args, count in CLIENTS:
            for _ in range(count):
                tid += 1
                t = threading.Thread(target=client_loop, args=(server, stats, stop, kind, func, args, tid),
                                     daemon=True)
                t.start()
                threads.append(t)
        deadline = time.monotonic() + SECONDS
        while time.monotonic() < deadline:
            time.sleep(min(10.0, max(0.0, deadline - time.monotonic())))
            with stats.lock:
                done = sum(stats.ops.values())
                failed = sum(len(v) for v in stats.failures.values())
            print(f"soak: {SECONDS - max(0, deadline - time.monotonic()):4.0f}s  {done} operations, "
                  f"{failed} failed", flush=True)
        monitor.sample()
        stop.set()
        for t in threads:
            t.join(CLIENT_TIMEOUT + LOGIN_TIMEOUT + 10)
        stuck = [t for t in threads if t.is_alive()]
        if stuck:
            problems.append(f"{len(stuck)} client thread(s) still blocked after the run")
        try:
            wait_until(lambda: status_json(server)["totals"]["sessions_active"] == 0, 30,
                       "sessions_active to drop to 0")
        except AssertionError as e:
            problems.append(str(e))
        rss_lines = check(server, stats, monitor, start_workers, problems)
        try:
            server.stop()
        except AssertionError as e:
            problems.append(f"stop: {e}".splitlines()[0])
    except Exception:  # noqa: BLE001
        problems.append("soak crashed:\n" + traceback.format_exc())
    finally:
        stop.set()
        log_tail = "\n".join(server.log_text().splitlines()[-30:])
        server.cleanup()

    for kind, msgs in sorted(stats.failures.items()):
        problems.append(f"{kind}: {len(msgs)} failure(s), e.g. {msgs[:MAX_ERRORS_SHOWN]}")
    print("\nsoak summary")
    for kind in sorted(stats.ops):
        print(f"  {kind:16} {stats.ops[kind]:6} ops  {len(stats.failures.get(kind, [])):4} failed")
    print(f"  uploads {stats.upload_count} (read back), {len(stats.uploads)} kept and checked at the end; "
          f"status samples {monitor.samples}")
    for line in rss_lines:
        print(f"  {line}")
    if problems:
        print(f"\nsoak: FAILED ({len(problems)} problem(s))")
        for p in problems:
            print(f"  - {p}")
        print(f"\nlog tail:\n{log_tail}")
        return 1
    print("\nsoak: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
