"""Python's ftplib against ftpd: login, listings, transfers in both modes,
directory commands, deletes, reply codes, and the root's confinement."""

import calendar
import ftplib
import io
import os
import re
import time
import unittest

from ftplib_case import FtpCase
from ftpd_fixture import sha256, sha256_file

DATA = os.urandom(512 * 1024 + 3)
HELLO = b"Hello from ftpd.\n"
FILES = {"hello.txt": HELLO, "data.bin": DATA, "sub/inner.txt": b"inner\n"}
VISIBLE = {"hello.txt", "data.bin", "sub"}
MTIME = calendar.timegm((2021, 3, 4, 5, 6, 7))

# ls -l: perms links owner group size month day time-or-year name
LIST_LINE = re.compile(r"^([dl-])[rwxsStT-]{9}\S*\s+\d+\s+\S+\s+\S+\s+(\d+)\s+"
                       r"\w{3}\s+\d{1,2}\s+(?:\d{1,2}:\d{2}|\d{4})\s+(.+)$")


def retrieve(ftp, name):
    buf = io.BytesIO()
    reply = ftp.retrbinary(f"RETR {name}", buf.write)
    return reply, buf.getvalue()


class FtplibTest(FtpCase):
    FILES = FILES

    # ---- login

    def test_anonymous_login_is_accepted_with_230(self):
        server = self.server()
        ftp = self.client(server, login=False)
        self.assertTrue(ftp.getwelcome().startswith("220"))
        self.assertTrue(ftp.login("anonymous", "me@example.com").startswith("230"))
        self.assertEqual(ftp.pwd(), "/")

    def test_ftp_user_is_anonymous_too(self):
        server = self.server()
        ftp = self.client(server, login=False)
        self.assertTrue(ftp.login("ftp", "whatever").startswith("230"))

    def test_unknown_user_gets_530(self):
        server = self.server()
        ftp = self.client(server, login=False)
        self.assert_code("530", ftp.login, "alice", "secret")

    def test_anonymous_login_is_refused_with_530_when_disabled(self):
        server = self.server(anonymous=False)
        ftp = self.client(server, login=False)
        self.assert_code("530", ftp.login, "anonymous", "me@example.com")

    def test_commands_before_login_get_530(self):
        server = self.server()
        ftp = self.client(server, login=False)
        for command in ("PWD", "CWD sub", "PASV", "EPSV", "SIZE hello.txt", "RETR hello.txt",
                        "LIST", "NLST", "MKD x", "DELE hello.txt"):
            self.assert_code("530", ftp.sendcmd, command)
        self.assertTrue(os.path.exists(server.path("hello.txt")))
        self.assertFalse(os.path.exists(server.path("x")))

    def test_feat_and_noop_work_before_login(self):
        server = self.server()
        ftp = self.client(server, login=False)
        feat = ftp.sendcmd("FEAT")
        self.assertTrue(feat.startswith("211"), feat)
        for feature in ("EPSV", "SIZE", "MDTM"):
            self.assertRegex(feat, rf"(?m)^ {feature}\b")
        self.assertTrue(ftp.sendcmd("NOOP").startswith("200"))

    def test_syst_type_noop_and_quit_replies(self):
        server = self.server()
        ftp = self.client(server)
        self.assertTrue(ftp.sendcmd("SYST").startswith("215 UNIX"))
        self.assertTrue(ftp.sendcmd("TYPE A").startswith("200"))
        self.assertTrue(ftp.sendcmd("TYPE I").startswith("200"))
        self.assertTrue(ftp.sendcmd("NOOP").startswith("200"))
        self.assertTrue(ftp.quit().startswith("221"))

    def test_unknown_command_gets_500(self):
        server = self.server()
        ftp = self.client(server)
        self.assert_code("500", ftp.sendcmd, "XYZZY")
        self.assertTrue(ftp.sendcmd("NOOP").startswith("200"))

    # ---- listings

    def test_nlst_lists_visible_names_without_dot_files(self):
        server = self.server()
        ftp = self.client(server)
        self.assertEqual(set(ftp.nlst()), VISIBLE)

    def test_nlst_shows_dot_files_when_show_hidden_is_on(self):
        server = self.server(show_hidden=True)
        ftp = self.client(server)
        self.assertEqual(set(ftp.nlst()), VISIBLE | {".secret"})

    def test_list_lines_parse_with_names_sizes_and_types(self):
        server = self.server()
        ftp = self.client(server)
        lines = []
        self.assertTrue(ftp.retrlines("LIST", lines.append).startswith("226"))
        entries = {}
        for line in lines:
            m = LIST_LINE.match(line)
            self.assertIsNotNone(m, f"LIST line does not parse: {line!r}")
            entries[m.group(3)] = (m.group(1), int(m.group(2)))
        self.assertEqual(set(entries), VISIBLE)
        self.assertEqual(entries["hello.txt"], ("-", len(HELLO)))
        self.assertEqual(entries["data.bin"], ("-", len(DATA)))
        self.assertEqual(entries["sub"][0], "d")

    def test_list_of_a_subdirectory(self):
        server = self.server()
        ftp = self.client(server)
        lines = []
        ftp.dir("sub", lines.append)
        self.assertEqual(len(lines), 1, lines)
        self.assertTrue(lines[0].endswith(" inner.txt"), lines)

    # ---- transfers

    def test_retrbinary_is_byte_identical(self):
        server = self.server()
        ftp = self.client(server)
        reply, data = retrieve(ftp, "data.bin")
        self.assertTrue(reply.startswith("226"), reply)
        self.assertEqual(sha256(data), sha256(DATA))

    def test_retrbinary_in_active_mode_is_byte_identical(self):
        server = self.server()
        ftp = self.client(server)
        ftp.set_pasv(False)
        reply, data = retrieve(ftp, "data.bin")
        self.assertTrue(reply.startswith("226"), reply)
        self.assertEqual(sha256(data), sha256(DATA))

    def test_retr_of_missing_file_gets_550(self):
        server = self.server()
        ftp = self.client(server)
        self.assert_code("550", retrieve, ftp, "no-such-file")
        self.assertTrue(ftp.sendcmd("NOOP").startswith("200"))

    def test_storbinary_stores_identical_file(self):
        server = self.server()
        ftp = self.client(server)
        payload = os.urandom(300 * 1024 + 5)
        reply = ftp.storbinary("STOR new.bin", io.BytesIO(payload))
        self.assertTrue(reply.startswith("226"), reply)
        self.assertEqual(sha256_file(server.path("new.bin")), sha256(payload))

    def test_storbinary_in_active_mode_stores_identical_file(self):
        server = self.server()
        ftp = self.client(server)
        ftp.set_pasv(False)
        payload = os.urandom(100 * 1024)
        self.assertTrue(ftp.storbinary("STOR act.bin", io.BytesIO(payload)).startswith("226"))
        self.assertEqual(sha256_file(server.path("act.bin")), sha256(payload))

    def test_stored_file_respects_default_umask(self):
        server = self.server()
        ftp = self.client(server)
        ftp.storbinary("STOR perm.bin", io.BytesIO(b"abc"))
        self.assertEqual(os.stat(server.path("perm.bin")).st_mode & 0o777, 0o644)

    def test_stor_onto_existing_name_replies_553_when_overwrite_is_off(self):
        server = self.server(upload_overwrite=False)
        ftp = self.client(server)
        self.assert_code("553", ftp.storbinary, "STOR hello.txt", io.BytesIO(b"other"))
        with open(server.path("hello.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO)

    def test_stor_is_refused_when_anonymous_write_is_off(self):
        server = self.server(anonymous_write=False)
        ftp = self.client(server)
        self.assert_code("55", ftp.storbinary, "STOR new.bin", io.BytesIO(b"data"))
        self.assertFalse(os.path.exists(server.path("new.bin")))
        self.assert_code("55", ftp.mkd, "newdir")
        self.assert_code("55", ftp.delete, "hello.txt")
        self.assertTrue(os.path.exists(server.path("hello.txt")))

    # ---- information

    def test_size_reports_the_exact_byte_count(self):
        server = self.server()
        ftp = self.client(server)
        ftp.voidcmd("TYPE I")
        self.assertEqual(ftp.size("data.bin"), len(DATA))
        self.assertEqual(ftp.size("hello.txt"), len(HELLO))
        self.assert_code("550", ftp.size, "no-such-file")

    def test_mdtm_reports_modification_time_in_utc(self):
        server = self.server()
        os.utime(server.path("hello.txt"), (MTIME, MTIME))
        ftp = self.client(server)
        reply = ftp.sendcmd("MDTM hello.txt")
        self.assertEqual(reply.split()[0], "213")
        self.assertEqual(reply.split()[1][:14], time.strftime("%Y%m%d%H%M%S", time.gmtime(MTIME)))

    def test_epsv_reply_has_port_in_pipes(self):
        server = self.server()
        ftp = self.client(server)
        self.assertRegex(ftp.sendcmd("EPSV"), r"^229 .*\(\|\|\|\d+\|\)")

    # ---- directories

    def test_mkd_cwd_pwd_cdup_and_rmd(self):
        server = self.server()
        ftp = self.client(server)
        self.assertEqual(ftp.mkd("newdir"), "/newdir")
        self.assertTrue(os.path.isdir(server.path("newdir")))
        self.assertTrue(ftp.cwd("newdir").startswith("250"))
        self.assertEqual(ftp.pwd(), "/newdir")
        self.assertTrue(ftp.sendcmd("CDUP").startswith(("200", "250")))
        self.assertEqual(ftp.pwd(), "/")
        self.assertTrue(ftp.rmd("newdir").startswith("250"))
        self.assertFalse(os.path.exists(server.path("newdir")))

    def test_mkd_of_existing_directory_fails(self):
        server = self.server()
        ftp = self.client(server)
        self.assert_code("55", ftp.mkd, "sub")

    def test_cwd_into_missing_directory_gets_550(self):
        server = self.server()
        ftp = self.client(server)
        self.assert_code("550", ftp.cwd, "no-such-dir")
        self.assertEqual(ftp.pwd(), "/")

    def test_retr_with_relative_path_after_cwd(self):
        server = self.server()
        ftp = self.client(server)
        ftp.cwd("sub")
        reply, data = retrieve(ftp, "inner.txt")
        self.assertEqual(data, b"inner\n")

    def test_rmd_of_non_empty_directory_fails_and_keeps_it(self):
        server = self.server()
        ftp = self.client(server)
        self.assert_code("550", ftp.rmd, "sub")
        self.assertTrue(os.path.exists(server.path("sub/inner.txt")))

    # ---- delete

    def test_delete_removes_the_file(self):
        server = self.server()
        ftp = self.client(server)
        self.assertTrue(ftp.delete("hello.txt").startswith("250"))
        self.assertFalse(os.path.exists(server.path("hello.txt")))
        self.assertNotIn("hello.txt", ftp.nlst())

    def test_delete_of_missing_file_gets_550(self):
        server = self.server()
        ftp = self.client(server)
        self.assert_code("550", ftp.delete, "no-such-file")

    # ---- confinement to the root

    def test_cdup_at_root_stays_at_root(self):
        server = self.server()
        ftp = self.client(server)
        ftp.sendcmd("CDUP")
        self.assertEqual(ftp.pwd(), "/")
        try:
            ftp.cwd("..")
        except ftplib.error_perm:
            pass
        self.assertEqual(ftp.pwd(), "/")
        self.assertEqual(set(ftp.nlst()), VISIBLE)

    def test_retr_outside_the_root_is_refused(self):
        server = self.server()
        ftp = self.client(server)
        # ftpd.conf sits right next to the root, readable by everybody.
        for path in ("../ftpd.conf", "/../ftpd.conf", "sub/../../ftpd.conf",
                     server.conf_path):
            self.assert_code("550", retrieve, ftp, path)

    def test_symlink_pointing_outside_the_root_is_not_followed(self):
        server = self.server()
        os.symlink(server.conf_path, server.path("escape.conf"))
        os.symlink(server.dir, server.path("escape-dir"))
        ftp = self.client(server)
        self.assert_code("550", retrieve, ftp, "escape.conf")
        self.assert_code("550", retrieve, ftp, "escape-dir/ftpd.conf")


if __name__ == "__main__":
    unittest.main()
