"""Sync clients against ftpd (issue 14): rclone copies a nested tree up with --transfers 8
ten times in a row without a failure (parallel transfers race to create the same
directories: MKD of an existing name must be 550), `rclone check` is clean both ways, and
modification times survive the way up (MFMT) and down (MLSD); also over explicit TLS.
lftp's `mirror -R` and `mirror` keep timestamps; curl -R takes the remote time.
"""

import calendar
import os
import shutil
import subprocess
import tempfile
import unittest

from ftpd_fixture import Server, make_test_cert, sha256_file

RCLONE = shutil.which("rclone")
LFTP = shutil.which("lftp")
CURL = shutil.which("curl")
T0 = calendar.timegm((2021, 3, 4, 5, 6, 7))


def make_tree(base):
    """24 files in nested directories, each with its own modification time."""
    names = []
    for i in range(24):
        rel = os.path.join(f"d{i % 3}", f"e{i % 4}" if i % 2 else "", f"file {i}.bin")
        path = os.path.join(base, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(os.urandom(1000 + 977 * i))
        os.utime(path, (T0 + i * 3600, T0 + i * 3600))
        names.append(os.path.normpath(rel))
    return names


class SyncClientsCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ftpd-sync-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.src = os.path.join(self.tmp, "src")
        self.names = make_tree(self.src)
        self.env = dict(os.environ, RCLONE_CONFIG=os.path.join(self.tmp, "rclone.conf"), HOME=self.tmp)

    def run_tool(self, *args, timeout=120):
        out = subprocess.run(list(args), capture_output=True, text=True, env=self.env, timeout=timeout)
        return out.returncode, out.stdout, out.stderr

    def assert_same_tree(self, a, b, times=True):
        for rel in self.names:
            pa, pb = os.path.join(a, rel), os.path.join(b, rel)
            self.assertEqual(sha256_file(pa), sha256_file(pb), rel)
            if times:
                self.assertEqual(int(os.stat(pa).st_mtime), int(os.stat(pb).st_mtime), rel)


@unittest.skipUnless(RCLONE, "rclone is not installed (apt-get install rclone; make deps)")
class RcloneTest(SyncClientsCase):
    def remote(self, server, tls=False):
        rc, out, err = self.run_tool(RCLONE, "obscure", "any")
        self.assertEqual(rc, 0, err)
        extra = ",explicit_tls=true,no_check_certificate=true" if tls else ""
        return f":ftp,host=127.0.0.1,port={server.port},user=anonymous,pass={out.strip()}{extra}:"

    def copy_up_ten_times(self, server, tls=False):
        remote = self.remote(server, tls)
        for run in range(10):
            rc, _, err = self.run_tool(RCLONE, "copy", "--transfers", "8", "--checkers", "8", self.src,
                                       f"{remote}/run{run}")
            self.assertEqual(rc, 0, f"run {run}: {err}")
            self.assert_same_tree(self.src, os.path.join(server.root, f"run{run}"))  # times kept (MFMT)
        rc, _, err = self.run_tool(RCLONE, "check", self.src, f"{remote}/run9")
        self.assertEqual(rc, 0, err)
        down = os.path.join(self.tmp, "down")
        rc, _, err = self.run_tool(RCLONE, "copy", "--transfers", "8", f"{remote}/run9", down)
        self.assertEqual(rc, 0, err)
        self.assert_same_tree(self.src, down)  # times kept on the way down (MLSD modify)
        rc, _, err = self.run_tool(RCLONE, "check", down, f"{remote}/run9")
        self.assertEqual(rc, 0, err)
        return remote

    def test_copy_up_with_8_transfers_ten_times_check_and_times(self):
        server = Server.for_test(self, workers=2)
        remote = self.copy_up_ten_times(server)
        rc, out, err = self.run_tool(RCLONE, "lsjson", "-R", "--files-only", f"{remote}/run0")
        self.assertEqual(rc, 0, err)
        import json
        listed = {e["Path"]: e for e in json.loads(out)}
        self.assertEqual(set(listed), set(self.names))
        for rel, entry in listed.items():
            st = os.stat(os.path.join(server.root, "run0", rel))
            self.assertEqual(entry["Size"], st.st_size, rel)
            self.assertEqual(calendar.timegm(__import__("time").strptime(entry["ModTime"][:19], "%Y-%m-%dT%H:%M:%S")),
                             int(st.st_mtime), rel)

    def test_the_same_over_explicit_tls(self):
        cert, key = make_test_cert(self.tmp)
        server = Server.for_test(self, workers=2, tls="explicit", tls_cert=cert, tls_key=key)
        self.copy_up_ten_times(server, tls=True)


@unittest.skipUnless(LFTP, "lftp is not installed (apt-get install lftp; make deps)")
class LftpTest(SyncClientsCase):
    def lftp(self, server, script):
        return self.run_tool(LFTP, "-e", "set cmd:fail-exit yes; set net:max-retries 1; set ftp:ssl-allow no; " + script
                             + "; quit", "-u", "anonymous,x", f"ftp://127.0.0.1:{server.port}")

    def test_mirror_up_and_down_keep_timestamps(self):
        server = Server.for_test(self, workers=2)
        rc, out, err = self.lftp(server, f"mirror -R --parallel=4 {self.src} up")
        self.assertEqual(rc, 0, out + err)
        self.assert_same_tree(self.src, os.path.join(server.root, "up"))
        down = os.path.join(self.tmp, "down")
        rc, out, err = self.lftp(server, f"mirror --parallel=4 up {down}")
        self.assertEqual(rc, 0, out + err)
        self.assert_same_tree(self.src, down)


@unittest.skipUnless(CURL, "curl is not installed")
class CurlRemoteTimeTest(SyncClientsCase):
    def test_curl_r_takes_the_remote_time(self):
        server = Server.for_test(self, workers=1, files={"dated.bin": b"dated"})
        os.utime(server.path("dated.bin"), (T0, T0))
        out = os.path.join(self.tmp, "dated.bin")
        rc, _, err = self.run_tool(CURL, "-sS", "-R", "-o", out, f"ftp://127.0.0.1:{server.port}/dated.bin")
        self.assertEqual(rc, 0, err)
        self.assertEqual(int(os.stat(out).st_mtime), T0)


if __name__ == "__main__":
    unittest.main()
