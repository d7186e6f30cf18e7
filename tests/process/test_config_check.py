"""`ftpd -t -c FILE`: validates a config, prints `ok` or one `FILE:LINE: message`
per error, exits 0/1; plus --version, --help and unknown options (exit 2)."""

import os
import re
import shutil
import unittest

from ftpd_fixture import make_tempdir, run_ftpd


class ConfigCheckTest(unittest.TestCase):

    def setUp(self):
        self.dir = make_tempdir("ftpd-conf-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.root = os.path.join(self.dir, "root")
        os.mkdir(self.root)
        self.pid_file = os.path.join(self.dir, "ftpd.pid")

    def good_lines(self):
        return [
            "# a comment",
            "listen = 127.0.0.1:2121",
            "workers = 2",
            f"root = {self.root}",
            "anonymous = yes",
            f"pid_file = {self.pid_file}",
        ]

    def write(self, lines, name="ftpd.conf"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def check(self, path):
        return run_ftpd(["-t", "-c", path], cwd=self.dir)

    def assert_error_at(self, lines, line_no, mentions):
        """Config `lines` is rejected with an error naming the file and line `line_no`."""
        path = self.write(lines)
        rc, out, err = self.check(path)
        self.assertEqual(rc, 1, f"stdout={out!r} stderr={err!r}")
        self.assertIn(f"{path}:{line_no}:", err, f"stderr={err!r}")
        error_line = next(l for l in err.splitlines() if f"{path}:{line_no}:" in l)
        self.assertTrue(any(m in error_line for m in mentions),
                        f"error line {error_line!r} mentions none of {mentions}")
        self.assertNotRegex(out, r"(?m)^ok$")

    # ---- good files

    def test_good_config_prints_ok_and_exits_0(self):
        rc, out, err = self.check(self.write(self.good_lines()))
        self.assertEqual(rc, 0, f"stdout={out!r} stderr={err!r}")
        self.assertEqual(out.strip(), "ok")
        self.assertNotIn("ftpd.conf:", err)

    def test_config_using_every_basic_key_is_ok(self):
        lines = self.good_lines() + [
            "",
            "   # indented comment",
            "listen = [::1]:2122",
            "anonymous_write = no",
            "user = nobody",
            "upload_overwrite = no",
            "show_hidden = yes",
            "umask = 027",
            "pasv_ports = 30000-30100",
            "pasv_address = 127.0.0.1",
            "active_mode = yes",
            "login_timeout = 60",
            "idle_timeout = 300",
            "data_timeout = 300",
            "banner = Welcome to the test server",
            "log_file = stderr",
            "log_level = debug",
            "shutdown_timeout = 30",
        ]
        lines[2] = "workers = auto"
        rc, out, err = self.check(self.write(lines))
        self.assertEqual(rc, 0, f"stdout={out!r} stderr={err!r}")
        self.assertEqual(out.strip(), "ok")

    def test_check_does_not_write_the_pid_file(self):
        rc, _, err = self.check(self.write(self.good_lines()))
        self.assertEqual(rc, 0, err)
        self.assertFalse(os.path.exists(self.pid_file))

    # ---- one error each (the bad line is always line 7)

    def test_unknown_key_is_reported_with_file_and_line(self):
        self.assert_error_at(self.good_lines() + ["listen_prot = 21"], 7, ["listen_prot"])

    def test_bad_boolean_is_reported_with_file_and_line(self):
        self.assert_error_at(self.good_lines() + ["show_hidden = maybe"], 7,
                             ["show_hidden", "maybe"])

    def test_bad_number_is_reported_with_file_and_line(self):
        self.assert_error_at(self.good_lines() + ["idle_timeout = soon"], 7,
                             ["idle_timeout", "soon"])

    def test_workers_many_is_reported_with_file_and_line(self):
        lines = self.good_lines()
        del lines[2]
        self.assert_error_at(lines + ["workers = many"], 6, ["workers", "many"])

    def test_workers_zero_is_reported_with_file_and_line(self):
        lines = self.good_lines()
        del lines[2]
        self.assert_error_at(lines + ["workers = 0"], 6, ["workers", "0"])

    def test_missing_root_is_reported_with_file_and_line(self):
        lines = self.good_lines()
        missing = os.path.join(self.dir, "no-such-dir")
        lines[3] = f"root = {missing}"
        self.assert_error_at(lines, 4, ["root", missing])

    def test_listen_without_port_is_reported_with_file_and_line(self):
        self.assert_error_at(self.good_lines() + ["listen = 127.0.0.1"], 7,
                             ["listen", "127.0.0.1"])

    def test_duplicated_non_repeatable_key_is_reported_at_second_occurrence(self):
        self.assert_error_at(self.good_lines() + ["workers = 3"], 7, ["workers"])

    def test_line_without_equals_sign_is_reported_with_file_and_line(self):
        self.assert_error_at(self.good_lines() + ["this line has no equals sign"], 7,
                             ["=", "this line has no equals sign", "syntax", "expected"])

    # ---- several errors

    def test_every_error_in_a_file_is_reported(self):
        lines = [
            "listen = 127.0.0.1:2121",      # 1
            "listen_prot = 21",             # 2  unknown key
            f"root = {self.root}",          # 3
            "anonymous = perhaps",          # 4  bad boolean
            f"pid_file = {self.pid_file}",  # 5
            "workers = 0",                  # 6  out of range
            "idle_timeout = forever",       # 7  bad number
        ]
        path = self.write(lines)
        rc, out, err = self.check(path)
        self.assertEqual(rc, 1, f"stdout={out!r} stderr={err!r}")
        reported = {int(n) for n in re.findall(re.escape(path) + r":(\d+):", err)}
        self.assertEqual(reported, {2, 4, 6, 7}, f"stderr={err!r}")
        error_lines = [l for l in err.splitlines() if f"{path}:" in l]
        self.assertEqual(len(error_lines), 4, f"one line per error expected: {err!r}")

    def test_missing_config_file_is_an_error_naming_it(self):
        path = os.path.join(self.dir, "absent.conf")
        rc, out, err = self.check(path)
        self.assertEqual(rc, 1, f"stdout={out!r} stderr={err!r}")
        self.assertIn(path, err)

    # ---- command line

    def test_version_exits_0_and_names_the_program(self):
        rc, out, err = run_ftpd(["--version"], cwd=self.dir)
        self.assertEqual(rc, 0, err)
        self.assertRegex(out, r"ftpd.*\d+\.\d+")

    def test_help_exits_0_and_lists_the_main_options(self):
        rc, out, err = run_ftpd(["--help"], cwd=self.dir)
        self.assertEqual(rc, 0, err)
        for option in ("--foreground", "--test-config", "--version", "-c"):
            self.assertIn(option, out)

    def test_unknown_option_exits_2_and_names_it(self):
        rc, out, err = run_ftpd(["--no-such-option"], cwd=self.dir)
        self.assertEqual(rc, 2, f"stdout={out!r} stderr={err!r}")
        self.assertIn("no-such-option", err)


if __name__ == "__main__":
    unittest.main()
