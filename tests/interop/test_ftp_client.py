"""The ftp client (client/ftp) driven non-interactively against a running ftpd:
listings, get/put, mget/mput with globs, reget after a cut download, the
directory commands, URLs, modes, and failures with their exit status and message.

Commands come from -c or from a pipe on stdin, as a script would give them."""

import os
import re
import shutil
import tempfile
import unittest

from ftpd_fixture import (Server, RawControl, free_port, run_ftp, sha256, sha256_file,
                          write_big_file)

HELLO = b"Hello from ftpd.\n"
DATA = os.urandom(512 * 1024 + 3)
FILES = {
    "hello.txt": HELLO,
    "data.bin": DATA,
    "a1.txt": b"first text\n",
    "a2.txt": b"second text\n",
    "b.bin": b"\x00\x01\x02",
    "sub/inner.txt": b"inner\n",
    "sub/deep.txt": b"deep\n",
}

# "226 Transfer complete. NAME: N bytes in T s (R)"
SUMMARY = re.compile(r"^2\d\d .*?(\S+): (\d+) bytes in \d+\.\d\d s \([\d.]+ [kMGT]?B/s\)$", re.M)
LIST_LINE = re.compile(r"^[dl-][rwxsStT-]{9}\S*\s+\d+\s+\S+\s+\S+\s+\d+\s+\w{3}\s+\d{1,2}\s+"
                       r"(?:\d{1,2}:\d{2}|\d{4})\s+(.+)$", re.M)


class FtpClientTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server(files=FILES)
        cls.url = f"ftp://127.0.0.1:{cls.server.port}/"

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def setUp(self):
        self.local = tempfile.mkdtemp(prefix="ftp-client-test-")
        self.addCleanup(shutil.rmtree, self.local, ignore_errors=True)

    # ---- helpers

    def ftp(self, commands, *flags, url=None, stdin=False):
        """Run the client on `commands` (a list), by -c or on stdin; return (rc, out, err)."""
        target = url if url is not None else self.url
        if stdin:
            return run_ftp(list(flags) + [target], cwd=self.local, input="\n".join(commands) + "\n")
        return run_ftp(list(flags) + ["-c", "; ".join(commands), target], cwd=self.local)

    def ok(self, commands, *flags, **kwargs):
        rc, out, err = self.ftp(commands, *flags, **kwargs)
        self.assertEqual(rc, 0, f"ftp failed:\nstdout:\n{out}\nstderr:\n{err}")
        self.assertEqual(err, "", "a successful run writes nothing on stderr")
        return out

    def local_path(self, name):
        return os.path.join(self.local, name)

    def local_names(self):
        return sorted(os.listdir(self.local))

    def server_has_command(self, verb_line, ok_code):
        """True when ftpd answers `verb_line` with `ok_code` (features still being added)."""
        ctl = RawControl(self.server.port)
        try:
            return ctl.command(verb_line)[0] == ok_code
        finally:
            ctl.close()

    # ---- listings

    def test_ls_prints_the_long_listing(self):
        out = self.ok(["ls"])
        names = set(LIST_LINE.findall(out))
        self.assertTrue({"hello.txt", "data.bin", "a1.txt", "sub"} <= names, out)

    def test_dir_of_a_subdirectory(self):
        out = self.ok(["dir sub"])
        self.assertEqual(set(LIST_LINE.findall(out)), {"inner.txt", "deep.txt"})

    def test_nlist_prints_names_only(self):
        out = self.ok(["nlist"])
        self.assertTrue({"hello.txt", "data.bin", "sub"} <= set(out.split("\n")), out)

    # ---- downloads

    def test_get_downloads_identical_bytes_with_a_summary(self):
        out = self.ok(["get data.bin"])
        self.assertEqual(sha256_file(self.local_path("data.bin")), sha256(DATA))
        summary = SUMMARY.search(out)
        self.assertIsNotNone(summary, out)
        self.assertEqual(summary.group(1), "data.bin")
        self.assertEqual(int(summary.group(2)), len(DATA))
        self.assertEqual(self.local_names(), ["data.bin"], "no temporary file is left")

    def test_get_to_another_local_name_and_to_stdout(self):
        self.ok(["get hello.txt copy.txt"])
        with open(self.local_path("copy.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO)
        rc, out, err = run_ftp(["-c", "get hello.txt -", self.url], cwd=self.local)
        self.assertEqual((rc, out, err), (0, HELLO.decode(), ""))

    def test_get_from_a_subdirectory_after_cd(self):
        out = self.ok(["cd sub", "pwd", "get inner.txt", "cdup", "pwd"])
        self.assertIn("Remote directory: /sub\n", out)
        self.assertTrue(out.rstrip().endswith("Remote directory: /"), out)
        with open(self.local_path("inner.txt"), "rb") as f:
            self.assertEqual(f.read(), b"inner\n")

    def test_active_mode_get_and_ls(self):
        out = self.ok(["get data.bin", "ls sub"], "-A")
        self.assertEqual(sha256_file(self.local_path("data.bin")), sha256(DATA))
        self.assertIn("inner.txt", out)

    def test_passive_toggle_and_active_command_switch_modes(self):
        out = self.ok(["active", "status", "get hello.txt", "passive", "status", "get a1.txt"])
        self.assertIn("Mode: active", out)
        self.assertIn("Mode: passive", out)
        self.assertEqual(self.local_names(), ["a1.txt", "hello.txt"])

    def test_verbose_shows_every_reply(self):
        out = self.ok(["pwd", "get hello.txt"], "-v")
        for code in ("220", "230", "257", "150", "226"):
            self.assertRegex(out, rf"(?m)^{code}[ -]", out)
        self.assertRegex(out, r"(?m)^22[79] ", "the passive reply is shown")

    def test_mget_with_a_glob_fetches_only_matching_files(self):
        self.ok(["mget a*.txt"])
        self.assertEqual(self.local_names(), ["a1.txt", "a2.txt"])
        with open(self.local_path("a2.txt"), "rb") as f:
            self.assertEqual(f.read(), FILES["a2.txt"])

    def test_mget_with_several_patterns_and_a_directory_part(self):
        self.ok(["mget sub/*.txt *.bin"])
        self.assertEqual(self.local_names(), ["b.bin", "data.bin", "deep.txt", "inner.txt"])

    def test_mget_with_no_match_fails(self):
        rc, out, err = self.ftp(["mget *.iso"])
        self.assertEqual(rc, 1)
        self.assertIn("ftp: mget *.iso: no remote file matches", err)

    def test_reget_resumes_a_cut_download(self):
        big = write_big_file(self.server.path("big.bin"), 3 * 1024 * 1024 + 17)
        with open(self.server.path("big.bin"), "rb") as src, \
                open(self.local_path("big.bin"), "wb") as part:
            part.write(src.read(1024 * 1024 + 5))  # what a cut transfer left behind
        rc, out, err = self.ftp(["reget big.bin"], "-v")
        self.assertEqual(rc, 0, err)
        self.assertEqual(sha256_file(self.local_path("big.bin")), big)
        if self.server_has_command("REST 0", "350"):
            self.assertRegex(out, r"(?m)^350 ", "the server was asked to restart")
            summary = SUMMARY.search(out)
            self.assertEqual(int(summary.group(2)), 2 * 1024 * 1024 + 12, "only the rest came")
            self.assertEqual(err, "")
        else:
            self.assertIn("cannot resume", err)  # fell back to the whole file
        os.unlink(self.server.path("big.bin"))

    def test_reget_of_a_complete_file_transfers_nothing(self):
        with open(self.local_path("hello.txt"), "wb") as f:
            f.write(HELLO)
        out = self.ok(["reget hello.txt"])
        self.assertIn("already complete", out)
        self.assertIsNone(SUMMARY.search(out))

    # ---- uploads

    def test_put_uploads_identical_bytes(self):
        payload = os.urandom(300 * 1024 + 1)
        with open(self.local_path("up.bin"), "wb") as f:
            f.write(payload)
        out = self.ok(["put up.bin uploaded-put.bin", "size uploaded-put.bin"])
        with open(self.server.path("uploaded-put.bin"), "rb") as f:
            self.assertEqual(sha256(f.read()), sha256(payload))
        self.assertIn(f"uploaded-put.bin\t{len(payload)}\n", out)
        self.assertEqual(int(SUMMARY.search(out).group(2)), len(payload))

    def test_put_onto_an_existing_name_fails_with_the_servers_code(self):
        with open(self.local_path("hello.txt"), "wb") as f:
            f.write(b"other\n")
        rc, out, err = self.ftp(["put hello.txt"])
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"^ftp: put hello\.txt: 553 ")
        with open(self.server.path("hello.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO)

    def test_mput_with_a_glob_sends_only_matching_files(self):
        for name in ("m1.dat", "m2.dat", "skip.txt"):
            with open(self.local_path(name), "wb") as f:
                f.write(name.encode() * 100)
        os.mkdir(self.local_path("dir.dat"))
        self.ok(["mkdir mputdir", "cd mputdir", "mput *.dat"])
        self.assertEqual(sorted(os.listdir(self.server.path("mputdir"))), ["m1.dat", "m2.dat"])
        with open(self.server.path("mputdir/m2.dat"), "rb") as f:
            self.assertEqual(f.read(), b"m2.dat" * 100)

    def test_mput_with_no_match_fails(self):
        rc, out, err = self.ftp(["mput *.nothing"])
        self.assertEqual(rc, 1)
        self.assertIn("ftp: mput *.nothing: no local file matches", err)

    # ---- directory commands

    def test_mkdir_rmdir_and_delete(self):
        self.server.add_file("doomed.txt", b"bye\n")
        self.ok(["mkdir made", "delete doomed.txt"])
        self.assertTrue(os.path.isdir(self.server.path("made")))
        self.assertFalse(os.path.exists(self.server.path("doomed.txt")))
        self.ok(["rmdir made"])
        self.assertFalse(os.path.exists(self.server.path("made")))

    def test_rename_renames_or_fails_cleanly(self):
        self.server.add_file("old-name.txt", b"renamed\n")
        rc, out, err = self.ftp(["rename old-name.txt new-name.txt"])
        if self.server_has_command("RNFR old-name.txt", "350") or rc == 0:
            self.assertEqual((rc, err), (0, ""))
            self.assertTrue(os.path.exists(self.server.path("new-name.txt")))
            os.unlink(self.server.path("new-name.txt"))
        else:  # no RNFR on this build: one clear line with the code
            self.assertEqual(rc, 1)
            self.assertRegex(err, r"^ftp: rename old-name\.txt new-name\.txt: 50[02] .+\n$")
            os.unlink(self.server.path("old-name.txt"))

    def test_size_and_modtime(self):
        os.utime(self.server.path("a1.txt"), (1614834367, 1614834367))  # 2021-03-04 05:06:07 UTC
        out = self.ok(["size data.bin", "modtime a1.txt"])
        self.assertIn(f"data.bin\t{len(DATA)}\n", out)
        self.assertIn("a1.txt\t2021-03-04 05:06:07 UTC\n", out)

    def test_quote_sends_a_raw_command(self):
        out = self.ok(["quote SYST"])
        self.assertRegex(out, r"(?m)^215 ")

    # ---- input forms

    def test_commands_from_stdin(self):
        out = self.ok(["pwd", "# a comment", "", "get hello.txt", "bye"], stdin=True)
        self.assertIn("Remote directory: /", out)
        self.assertEqual(self.local_names(), ["hello.txt"])

    def test_no_auto_login_then_user(self):
        rc, out, err = run_ftp(["-n", "127.0.0.1", str(self.server.port)], cwd=self.local,
                               input="pwd\nuser anonymous me@example.com\npwd\n")
        self.assertEqual(rc, 1, "pwd before the login fails")
        self.assertRegex(err, r"^ftp: pwd: 530 ")
        self.assertIn("Remote directory: /", out)

    def test_host_and_port_operands(self):
        rc, out, err = run_ftp(["-c", "get hello.txt", "127.0.0.1", str(self.server.port)],
                               cwd=self.local)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(self.local_names(), ["hello.txt"])

    def test_url_naming_a_file_downloads_it(self):
        rc, out, err = run_ftp([self.url + "sub/inner.txt"], cwd=self.local)
        self.assertEqual((rc, err), (0, ""))
        with open(self.local_path("inner.txt"), "rb") as f:
            self.assertEqual(f.read(), b"inner\n")

    def test_url_naming_a_missing_file_fails_like_get(self):
        rc, out, err = run_ftp([self.url + "nosuch.txt"], cwd=self.local, input="pwd\n")
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"^ftp: get nosuch\.txt: 550 ")
        self.assertNotIn("Remote directory", out, "auto-fetch ends the run, stdin is not read")
        self.assertEqual(self.local_names(), [])

    def test_url_naming_a_directory_changes_to_it(self):
        out = self.ok(["pwd"], url=self.url + "sub/")
        self.assertIn("Remote directory: /sub", out)
        out = self.ok(["pwd"], url=self.url + "sub")
        self.assertIn("Remote directory: /sub", out)

    # ---- failures

    def test_failed_get_exits_non_zero_with_the_servers_reply(self):
        rc, out, err = self.ftp(["get nosuch.txt"])
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"^ftp: get nosuch\.txt: 550 .*nosuch\.txt.*\n$")
        self.assertEqual(self.local_names(), [], "no partial or temporary file")

    def test_a_script_goes_on_after_a_failure_but_exits_non_zero(self):
        rc, out, err = self.ftp(["get nosuch.txt", "get hello.txt"], stdin=True)
        self.assertEqual(rc, 1)
        self.assertEqual(self.local_names(), ["hello.txt"])
        self.assertEqual(len(err.splitlines()), 1, err)

    def test_unknown_commands_and_wrong_arguments_get_one_line(self):
        rc, out, err = self.ftp(["frobnicate", "get", "rename onlyone", "passive maybe"])
        self.assertEqual(rc, 1)
        self.assertEqual(err.splitlines(), [
            "ftp: frobnicate: unknown command (type help for a list)",
            "ftp: usage: get remote-file [local-file]",
            "ftp: usage: rename from-name to-name",
            "ftp: usage: passive [on | off]",
        ])

    def test_unterminated_quote_is_reported(self):
        rc, out, err = self.ftp(["get 'open"], stdin=True)
        self.assertEqual(rc, 1)
        self.assertIn("unterminated quote", err)

    def test_commands_without_a_connection_fail(self):
        rc, out, err = run_ftp(["-c", "ls; get x"], cwd=self.local)
        self.assertEqual(rc, 1)
        self.assertEqual(err.count("not connected"), 2, err)

    def test_connection_refused_is_reported(self):
        rc, out, err = run_ftp(["-c", "pwd", "127.0.0.1", str(free_port())], cwd=self.local)
        self.assertEqual(rc, 1)
        self.assertIn("Connection refused", err)

    def test_bad_command_line_exits_2_with_usage(self):
        rc, out, err = run_ftp(["-Z"], cwd=self.local)
        self.assertEqual(rc, 2)
        self.assertIn("unknown option -Z", err)
        self.assertIn("usage: ftp", err)
        rc, out, err = run_ftp(["ftp://127.0.0.1:99999/"], cwd=self.local)
        self.assertEqual(rc, 2)
        self.assertIn("bad port", err)

    def test_help_lists_the_commands(self):
        rc, out, err = run_ftp(["-c", "help; help get"], cwd=self.local)
        self.assertEqual((rc, err), (0, ""))
        for name in ("get", "put", "mget", "reget", "rename", "passive", "quit"):
            self.assertRegex(out, rf"(?m)^  {name} ")
        self.assertIn("usage: get remote-file [local-file]", out)


if __name__ == "__main__":
    unittest.main()
