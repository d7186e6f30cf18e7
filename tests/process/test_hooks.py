"""Command hooks (`hook = EVENTS COMMAND`): every FTPD_* variable reaches the program,
which runs as hook_user after the upload is complete under its final name; client-chosen
names are data, never shell; hook_timeout kills, failures are counted; a slow hook delays
neither transfers nor logins; 1,000 uploads are each delivered once, or counted as dropped
with a tiny hook_queue; a SIGKILLed runner is respawned; reload applies new hooks; ftpd -t
rejects bad hook lines. Synchronised on files the hooks write and on the log, never on sleeps."""

import ftplib
import hashlib
import io
import json
import os
import pwd
import re
import signal
import stat
import sys
import threading
import unittest
from datetime import datetime

from ftpd_fixture import (Server, ftp_client, make_tempdir, pid_alive, run_ftpd, status_json, ftpctl,
                          wait_until)

# Writes the FTPD_* environment, its uid and what it found at FTPD_FILE into OUT/<unique>.json.
RECORDER = r"""#!{python}
import hashlib, json, os, sys
out = sys.argv[1]
rec = {{k: v for k, v in os.environ.items() if k.startswith("FTPD_")}}
rec["uid"] = os.getuid()
rec["argv"] = sys.argv[1:]
f = os.environ.get("FTPD_FILE", "")
if os.environ.get("FTPD_EVENT") == "upload":
    try:
        data = open(f, "rb").read()
        rec["seen_size"] = len(data)
        rec["seen_sha256"] = hashlib.sha256(data).hexdigest()
        rec["temp_files"] = [n for n in os.listdir(os.path.dirname(f)) if n.startswith(".ftpd-upload")]
    except OSError as e:
        rec["seen_error"] = str(e)
gate = os.environ.get("HOOK_GATE")
name = "%s.%d.json" % (os.environ.get("FTPD_EVENT"), os.getpid())
tmp = os.path.join(out, "." + name)
with open(tmp, "w") as fh:
    json.dump(rec, fh)
os.rename(tmp, os.path.join(out, name))
print("recorded", os.environ.get("FTPD_EVENT"), os.environ.get("FTPD_PATH"))
print("to stderr", file=sys.stderr)
"""

# Writes "<out>/started.<pid>", then waits until <out>/open exists.
GATED = r"""#!/bin/sh
touch "$1/started.$$"
while [ ! -e "$1/open" ]; do sleep 0.05; done
touch "$1/finished.$$"
"""


def repeated(lines):
    """Config lines "key = value" as fixture options; hook and webhook repeat."""
    options = {}
    for line in lines:
        key, value = (p.strip() for p in line.split("=", 1))
        if key in ("hook", "webhook"):
            options.setdefault(key, []).append(value)
        else:
            options[key] = value
    return options


def records(out, event=None):
    result = []
    for name in os.listdir(out):
        if name.endswith(".json") and not name.startswith(".") and (event is None or name.startswith(event + ".")):
            with open(os.path.join(out, name)) as f:
                result.append(json.load(f))
    return result


def wait_records(out, event, n, timeout=30):
    return wait_until(lambda: (lambda r: r if len(r) >= n else None)(records(out, event)), timeout,
                      f"{n} {event} record(s) in {out}")


class HookTest(unittest.TestCase):

    def setUp(self):
        self.tmp = make_tempdir("ftpd-hooks-")
        self.addCleanup(lambda: __import__("shutil").rmtree(self.tmp, ignore_errors=True))
        os.chmod(self.tmp, 0o755)
        self.out = os.path.join(self.tmp, "out")
        os.mkdir(self.out)
        os.chmod(self.out, 0o777)
        self.recorder = self.script("recorder.py", RECORDER.format(python=sys.executable))
        self.gated = self.script("gated.sh", GATED)

    def script(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o755)
        return path

    def server(self, hook_lines, **kwargs):
        srv = Server.for_test(self, **repeated(hook_lines), **kwargs)
        srv.wait_for_log(r"hooks\[\d+\]: ready")
        return srv

    def hooks(self, srv):
        return status_json(srv)["hooks"]

    def test_upload_hook_gets_every_variable_after_the_file_is_complete(self):
        srv = self.server([f"hook = upload {self.recorder} {self.out}"])
        name = "a b 'q' \"d\" $(touch pwned) `id`; x.bin"
        data = os.urandom(300_000)
        with ftp_client(srv) as ftp:
            client = "%s:%d" % ftp.sock.getsockname()
            ftp.storbinary(f"STOR {name}", io.BytesIO(data))
        rec = wait_records(self.out, "upload", 1)[0]
        self.assertEqual(rec["FTPD_EVENT"], "upload")
        self.assertEqual(rec["FTPD_USER"], "anonymous")
        self.assertEqual(rec["FTPD_PATH"], "/" + name)
        self.assertEqual(rec["FTPD_FILE"], os.path.join(srv.root, name))
        self.assertEqual(rec["FTPD_TARGET"], "")
        self.assertEqual(rec["FTPD_SIZE"], str(len(data)))
        self.assertEqual(rec["FTPD_CLIENT"], client)
        self.assertTrue(rec["FTPD_SESSION"].isdigit() and int(rec["FTPD_SESSION"]) > 0)
        self.assertEqual(rec["FTPD_TLS"], "no")
        when = datetime.strptime(rec["FTPD_TIME"], "%Y-%m-%dT%H:%M:%S.%fZ")
        self.assertGreater(when.year, 2000)
        # after the rename into place: the whole file under its final name, no temporary left
        self.assertEqual(rec["seen_size"], len(data))
        self.assertEqual(rec["seen_sha256"], hashlib.sha256(data).hexdigest())
        self.assertEqual(rec["temp_files"], [])
        self.assertEqual(rec["uid"], pwd.getpwnam("nobody").pw_uid)
        self.assertEqual(rec["argv"], [self.out])
        # the name was data: nothing ran it
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "pwned")))
        self.assertFalse(os.path.exists(os.path.join(srv.root, "pwned")))
        self.assertFalse(os.path.exists("/pwned"))
        # output to the log, a line each, prefixed with the event
        srv.wait_for_log(r"hook upload: recorded upload /a b")
        srv.wait_for_log(r"hook upload: to stderr")
        wait_until(lambda: self.hooks(srv)["done"] == 1, 10, "done = 1")
        self.assertEqual(self.hooks(srv)["events"]["upload"]["ok"], 1)

    def test_every_event_type_with_its_fields(self):
        srv = self.server([f"hook = all {self.recorder} {self.out}", "hook_user = daemon"])
        with ftp_client(srv) as ftp:
            ftp.storbinary("STOR f.txt", io.BytesIO(b"hello"))
            ftp.retrbinary("RETR f.txt", lambda b: None)
            ftp.rename("f.txt", "g h.txt")
            ftp.mkd("d")
            ftp.rmd("d")
            ftp.delete("g h.txt")
        with self.assertRaises(ftplib.error_perm):
            ftp_client(srv, user="nosuch", passwd="bad")
        wait_records(self.out, "logout", 1)
        by = {e: records(self.out, e) for e in
              ("upload", "download", "rename", "mkdir", "rmdir", "delete", "login", "login_failed", "logout")}
        for event, recs in by.items():
            self.assertEqual(len(recs), 1, f"{event}: {recs}")
        self.assertEqual(by["download"][0]["FTPD_PATH"], "/f.txt")
        self.assertEqual(by["download"][0]["FTPD_SIZE"], "5")
        self.assertEqual(by["rename"][0]["FTPD_PATH"], "/f.txt")
        self.assertEqual(by["rename"][0]["FTPD_TARGET"], "/g h.txt")
        self.assertEqual(by["rename"][0]["FTPD_FILE"], os.path.join(srv.root, "g h.txt"))
        self.assertEqual(by["mkdir"][0]["FTPD_PATH"], "/d")
        self.assertEqual(by["rmdir"][0]["FTPD_PATH"], "/d")
        self.assertEqual(by["delete"][0]["FTPD_PATH"], "/g h.txt")
        self.assertEqual(by["login"][0]["FTPD_USER"], "anonymous")
        self.assertEqual(by["login_failed"][0]["FTPD_USER"], "nosuch")
        self.assertEqual(by["logout"][0]["FTPD_USER"], "anonymous")
        for event, recs in by.items():
            self.assertEqual(recs[0]["uid"], pwd.getpwnam("daemon").pw_uid, event)
        session = by["login"][0]["FTPD_SESSION"]
        for event in ("upload", "download", "rename", "mkdir", "rmdir", "delete", "logout"):
            self.assertEqual(by[event][0]["FTPD_SESSION"], session, event)

    def test_timeout_kills_and_failures_are_counted(self):
        sleeper = self.script("sleeper.sh", "#!/bin/sh\nexec sleep 100000\n")
        failer = self.script("failer.sh", "#!/bin/sh\necho failing on purpose\nexit 3\n")
        srv = self.server([f"hook = upload {sleeper}", f"hook = mkdir {failer}"], hook_timeout=1)
        with ftp_client(srv) as ftp:
            ftp.storbinary("STOR x", io.BytesIO(b"x"))
            ftp.mkd("d")
        srv.wait_for_log(r"hook upload: \S+sleeper.sh \(pid \d+\) killed after hook_timeout \(1 s\)")
        srv.wait_for_log(r"hook mkdir: failing on purpose")
        srv.wait_for_log(r"hook mkdir: \S+failer.sh \(pid \d+\) failed with exit status 3")
        wait_until(lambda: self.hooks(srv)["failed"] == 2, 10, "failed = 2")
        h = self.hooks(srv)
        self.assertEqual(h["events"]["upload"]["failed"], 1)
        self.assertEqual(h["events"]["mkdir"]["failed"], 1)
        self.assertEqual(h["done"], 0)
        rc, text, _ = ftpctl(srv, "metrics")
        self.assertEqual(rc, 0)
        self.assertIn('ftpd_hooks_total{event="upload",result="failed"} 1', text)

    def test_slow_hook_delays_no_transfer_or_login(self):
        srv = self.server([f"hook = upload {self.gated} {self.out}"], hook_concurrency=1)
        self.addCleanup(lambda: open(os.path.join(self.out, "open"), "w").close())
        with ftp_client(srv) as ftp:
            ftp.storbinary("STOR first", io.BytesIO(b"1"))
        wait_until(lambda: any(n.startswith("started.") for n in os.listdir(self.out)), 10, "hook started")
        # the hook is blocked at its gate: uploads, downloads and logins still complete
        for i in range(5):
            with ftp_client(srv) as ftp:
                ftp.storbinary(f"STOR more{i}", io.BytesIO(b"data"))
                got = []
                ftp.retrbinary(f"RETR more{i}", got.append)
                self.assertEqual(b"".join(got), b"data")
        self.assertFalse(any(n.startswith("finished.") for n in os.listdir(self.out)))
        wait_until(lambda: self.hooks(srv)["queued"] == 5, 10, "5 jobs queued behind the slow one")
        self.assertEqual(self.hooks(srv)["running"], 1)
        # a reload keeps what is queued (and the running hook); its hook_concurrency = 2
        # starts one more at once
        mark = srv.log_mark()
        srv.rewrite_config(hook_concurrency=2)
        srv.signal(signal.SIGHUP)
        srv.wait_for_log(r"hooks\[\d+\]: new settings", since=mark)
        wait_until(lambda: (lambda h: (h["running"], h["queued"]) == (2, 4))(self.hooks(srv)), 10,
                   "2 running and 4 queued after the reload")
        open(os.path.join(self.out, "open"), "w").close()
        wait_until(lambda: self.hooks(srv)["done"] == 6, 30, "6 hooks done")
        self.assertEqual(len([n for n in os.listdir(self.out) if n.startswith("finished.")]), 6)
        self.assertEqual(self.hooks(srv)["dropped"], 0)

    def upload_many(self, srv, sessions=10, per_session=100):
        errors = []

        def worker(k):
            try:
                with ftp_client(srv) as ftp:
                    for i in range(per_session):
                        ftp.storbinary(f"STOR s{k}-{i}", io.BytesIO(b"%d" % i))
            except Exception as e:  # reported below
                errors.append(e)
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_thousand_uploads_each_delivered_once(self):
        counter = self.script("count.sh", '#!/bin/sh\nprintf "%s\\n" "$FTPD_PATH" >> "$1/paths.$$"\n')
        srv = self.server([f"hook = upload {counter} {self.out}"], hook_concurrency=4, workers=2)
        self.upload_many(srv)
        wait_until(lambda: self.hooks(srv)["done"] == 1000, 120, "1000 hooks done")
        paths = []
        for n in os.listdir(self.out):
            with open(os.path.join(self.out, n)) as f:
                paths += f.read().splitlines()
        self.assertEqual(len(paths), 1000)
        self.assertEqual(len(set(paths)), 1000)
        h = self.hooks(srv)
        self.assertEqual((h["dropped"], h["failed"], h["queued"], h["running"]), (0, 0, 0, 0))

    def test_tiny_queue_counts_what_it_drops(self):
        counter = self.script("count.sh", '#!/bin/sh\nprintf "%s\\n" "$FTPD_PATH" >> "$1/paths.$$"\n')
        srv = self.server([f"hook = upload {counter} {self.out}"], hook_concurrency=1, hook_queue=2)
        self.upload_many(srv)
        wait_until(lambda: (lambda h: h["done"] + h["dropped"] + h["failed"] == 1000 and h["running"] == 0
                            and h["queued"] == 0)(self.hooks(srv)), 120, "1000 jobs accounted for")
        h = self.hooks(srv)
        paths = []
        for n in os.listdir(self.out):
            with open(os.path.join(self.out, n)) as f:
                paths += f.read().splitlines()
        self.assertEqual(len(paths), h["done"])
        self.assertEqual(len(set(paths)), len(paths))
        self.assertGreater(h["dropped"], 0)
        self.assertEqual(h["done"] + h["dropped"], 1000)
        self.assertEqual(h["events"]["upload"]["dropped"], h["dropped"])
        self.assertTrue(srv.log_findall(r"hook queue full \(2 jobs\): dropped the upload event"))
        rc, text, _ = ftpctl(srv, "status")
        self.assertIn(f"dropped {h['dropped']}", text)

    def test_killed_runner_is_respawned_and_reload_applies_new_hooks(self):
        srv = self.server([f"hook = mkdir {self.recorder} {self.out}"])
        first = self.hooks(srv)["pid"]
        os.kill(first, signal.SIGKILL)
        wait_until(lambda: (lambda h: h["pid"] not in (0, first) and h["restarts"] == 1)(self.hooks(srv)), 10,
                   "a new hook runner")
        with ftp_client(srv) as ftp:
            ftp.mkd("after-kill")
        self.assertEqual(wait_records(self.out, "mkdir", 1)[0]["FTPD_PATH"], "/after-kill")
        # reload: the new hook is for rmdir, into another directory
        out2 = os.path.join(self.tmp, "out2")
        os.mkdir(out2)
        os.chmod(out2, 0o777)
        mark = srv.log_mark()
        srv.rewrite_config(hook=[f"rmdir {self.recorder} {out2}"])
        srv.signal(signal.SIGHUP)
        srv.wait_for_log(r"hooks\[\d+\]: new settings: 1 command hook", since=mark)
        with ftp_client(srv) as ftp:
            ftp.mkd("second")
            ftp.rmd("second")
        self.assertEqual(wait_records(out2, "rmdir", 1)[0]["FTPD_PATH"], "/second")
        self.assertEqual(len(records(self.out, "mkdir")), 1)
        srv.stop()

    def test_reopen_logs_gives_the_runner_the_new_root_only_log_file(self):
        srv = Server.for_test(self, daemon=True, hook=[f"mkdir {self.recorder} {self.out}"])
        path = srv.log_path
        srv.wait_for_log(r"hooks\[\d+\]: ready")
        os.rename(path, path + ".1")  # logrotate's "create 0600 root root"
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        rc, out, err = ftpctl(srv, "reopen-logs")
        self.assertEqual(rc, 0, err)
        wait_until(lambda: re.search(r"hooks\[\d+\]: log file reopened", open(path).read()), 10,
                   "the runner's reopen line in the new file")
        with ftp_client(srv) as ftp:
            ftp.mkd("rotated")
        wait_until(lambda: re.search(r"hook mkdir: recorded mkdir /rotated", open(path).read()), 10,
                   "the hook's output in the new file")
        self.assertNotIn("/rotated", open(path + ".1").read())


class Receiver:
    """An HTTP(S) server on 127.0.0.1 in a thread, recording every request; `statuses` is
    the list of codes to answer in turn (then 200)."""

    def __init__(self, statuses=(), cert=None, key=None):
        import http.server
        import ssl
        self.requests = []
        self.statuses = list(statuses)
        self.cond = threading.Condition()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.cond:
                    status = outer.statuses.pop(0) if outer.statuses else 200
                    outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                           "status": status})
                    outer.cond.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(cert, key)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/hook", https=False):
        return f"{'https' if https else 'http'}://127.0.0.1:{self.port}{path}"

    def wait(self, n, timeout=30):
        with self.cond:
            if not self.cond.wait_for(lambda: len(self.requests) >= n, timeout):
                raise AssertionError(f"{n} request(s) expected, got {len(self.requests)}")
            return list(self.requests)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class WebhookTest(unittest.TestCase):

    def receiver(self, **kwargs):
        r = Receiver(**kwargs)
        self.addCleanup(r.close)
        return r

    def server(self, lines, **kwargs):
        srv = Server.for_test(self, **repeated(lines), **kwargs)
        srv.wait_for_log(r"hooks\[\d+\]: ready")
        return srv

    def test_every_event_arrives_signed_with_its_fields(self):
        import hmac
        rec = self.receiver()
        srv = self.server([f"webhook = all {rec.url('/ftpd?x=1')}", "webhook_secret = t0p s3cret"])
        with ftp_client(srv) as ftp:
            client = "%s:%d" % ftp.sock.getsockname()
            ftp.storbinary("STOR f.txt", io.BytesIO(b"hello"))
            ftp.retrbinary("RETR f.txt", lambda b: None)
            ftp.rename("f.txt", "g.txt")
            ftp.mkd("d")
            ftp.rmd("d")
            ftp.delete("g.txt")
        with self.assertRaises(ftplib.error_perm):
            ftp_client(srv, user="nosuch", passwd="bad")
        reqs = rec.wait(9)
        wait_until(lambda: status_json(srv)["hooks"]["done"] == 9, 10, "9 webhooks done")
        by = {}
        for r in reqs:
            self.assertEqual(r["path"], "/ftpd?x=1")
            self.assertEqual(r["headers"]["Content-Type"], "application/json")
            mac = hmac.new(b"t0p s3cret", r["body"], hashlib.sha256).hexdigest()
            self.assertTrue(hmac.compare_digest(r["headers"]["X-Ftpd-Signature"], "sha256=" + mac))
            doc = json.loads(r["body"])
            self.assertEqual(set(doc), {"event", "user", "path", "file", "target", "size", "client", "session",
                                        "tls", "time"})
            self.assertEqual(r["headers"]["X-Ftpd-Event"], doc["event"])
            by.setdefault(doc["event"], []).append(doc)
        self.assertEqual(sorted(by), sorted(["upload", "download", "rename", "mkdir", "rmdir", "delete", "login",
                                             "login_failed", "logout"]))
        up = by["upload"][0]
        self.assertEqual((up["user"], up["path"], up["size"], up["client"], up["tls"]),
                         ("anonymous", "/f.txt", 5, client, False))
        self.assertEqual(up["file"], os.path.join(srv.root, "f.txt"))
        self.assertIsInstance(up["session"], int)
        datetime.strptime(up["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
        self.assertEqual((by["rename"][0]["path"], by["rename"][0]["target"]), ("/f.txt", "/g.txt"))
        self.assertEqual(by["login_failed"][0]["user"], "nosuch")

    def test_500_then_200_is_retried_and_delivered_once(self):
        rec = self.receiver(statuses=[500, 503])
        srv = self.server([f"webhook = mkdir {rec.url()}", "webhook_retries = 3"])
        with ftp_client(srv) as ftp:
            ftp.mkd("once")
        reqs = rec.wait(3)
        wait_until(lambda: status_json(srv)["hooks"]["done"] == 1, 30, "delivered")
        self.assertEqual([r["status"] for r in rec.requests], [500, 503, 200])
        self.assertEqual(len({r["body"] for r in reqs}), 1)
        srv.wait_for_log(r"webhook mkdir: \S+: HTTP 500; retrying in 500 ms")
        h = status_json(srv)["hooks"]
        self.assertEqual((h["done"], h["failed"]), (1, 0))

    def test_retries_end_in_a_logged_failure(self):
        rec = self.receiver(statuses=[500, 500])
        srv = self.server([f"webhook = mkdir {rec.url()}", "webhook_retries = 1"])
        with ftp_client(srv) as ftp:
            ftp.mkd("never")
        srv.wait_for_log(r"webhook mkdir: \S+ failed after 2 attempt\(s\): HTTP 500")
        wait_until(lambda: status_json(srv)["hooks"]["failed"] == 1, 10, "failed = 1")
        self.assertEqual(len(rec.requests), 2)

    def test_https_with_test_ca_works_and_untrusted_fails(self):
        from ftpd_fixture import make_test_cert
        d = make_tempdir("ftpd-hookca-")
        self.addCleanup(lambda: __import__("shutil").rmtree(d, ignore_errors=True))
        os.chmod(d, 0o755)
        cert, key = make_test_cert(d)
        trusted = self.receiver(cert=cert, key=key)
        untrusted = self.receiver(cert=cert, key=key)
        srv = self.server([f"webhook = mkdir {trusted.url(https=True)}", f"webhook_cacert = {cert}"])
        with ftp_client(srv) as ftp:
            ftp.mkd("tls")
        self.assertEqual(json.loads(trusted.wait(1)[0]["body"])["path"], "/tls")
        wait_until(lambda: status_json(srv)["hooks"]["done"] == 1, 10, "delivered over TLS")
        srv.stop()
        # the same receiver, verified against the system's CAs: refused, logged, not retried
        srv2 = self.server([f"webhook = mkdir {untrusted.url(https=True)}"])
        with ftp_client(srv2) as ftp:
            ftp.mkd("tls2")
        srv2.wait_for_log(r"webhook mkdir: https://127.0.0.1:\d+/hook failed after 1 attempt\(s\): .*certificate verify failed")
        wait_until(lambda: status_json(srv2)["hooks"]["failed"] == 1, 10, "failed = 1")
        self.assertEqual(untrusted.requests, [])


class HookConfigTest(unittest.TestCase):

    def check(self, lines):
        d = make_tempdir("ftpd-hookconf-")
        self.addCleanup(lambda: __import__("shutil").rmtree(d, ignore_errors=True))
        os.makedirs(os.path.join(d, "root"))
        conf = os.path.join(d, "ftpd.conf")
        with open(conf, "w") as f:
            f.write(f"listen = 127.0.0.1:0\nroot = {d}/root\npid_file = {d}/pid\n" + "\n".join(lines) + "\n")
        return run_ftpd(["-t", "-c", conf], d)

    def test_bad_hook_lines_are_reported_with_their_line(self):
        rc, out, err = self.check(["hook = upload,explode /bin/true",
                                   "hook = upload /nonexistent/program",
                                   "webhook = upload ftp://example.com/",
                                   "webhook = all http://:80/x",
                                   "hook = all relative/program"])
        text = out + err
        self.assertEqual(rc, 1, text)
        self.assertRegex(text, r"ftpd.conf:4: .*unknown event 'explode'")
        self.assertRegex(text, r"ftpd.conf:5: .*program '/nonexistent/program': No such file")
        self.assertRegex(text, r"ftpd.conf:6: .*not an http:// or https:// URL")
        self.assertRegex(text, r"ftpd.conf:7: .*has no host")
        self.assertRegex(text, r"ftpd.conf:8: .*not an absolute path")

    def test_good_hook_lines_pass(self):
        rc, out, err = self.check(["hook = upload,rename /bin/echo 'a b' \"c d\"",
                                   "webhook = all https://127.0.0.1:8443/hook?x=1",
                                   "hook_timeout = 5", "hook_concurrency = 2", "hook_queue = 10",
                                   "webhook_retries = 1", "webhook_secret = s"])
        self.assertEqual(rc, 0, out + err)
        self.assertIn("ok", out)


if __name__ == "__main__":
    unittest.main()
