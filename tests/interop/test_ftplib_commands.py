"""Python's ftplib (and a raw control connection where ftplib cannot express it) against
ftpd's fuller command set: MLSD/MLST, NLST, SIZE, RNFR/RNTO, DELE, MKD/RMD, REST resume in
both directions, ABOR during a large download, STAT during a transfer, UTF-8 and blanks in
names, STOU, APPE, SITE, STAT, HELP, FEAT, OPTS MLST, EPSV ALL, and pipelined commands."""

import calendar
import io
import os
import re
import socket
import time
import unittest

from ftplib_case import FtpCase
from ftpd_fixture import RawControl, sha256, sha256_file, write_big_file

DATA = os.urandom(512 * 1024 + 3)
HELLO = b"Hello from ftpd.\n"
FILES = {"hello.txt": HELLO, "data.bin": DATA, "sub/inner.txt": b"inner\n"}
VISIBLE = {"hello.txt", "data.bin", "sub"}
MTIME = calendar.timegm((2021, 3, 4, 5, 6, 7))
BIG = 64 << 20

FEATURES = {"CLNT", "EPRT", "EPSV", "HASH SHA-256*;SHA-512;SHA-1;MD5;CRC32", "MDTM", "MFMT",
            "MLST type*;size*;modify*;perm*;unique*;UNIX.mode*;UNIX.owner*;UNIX.group*;", "PASV",
            "RANG STREAM", "REST STREAM", "SITE UTIME", "SIZE", "TVFS", "UTF8"}


def retrieve(ftp, name, rest=None):
    buf = io.BytesIO()
    reply = ftp.retrbinary(f"RETR {name}", buf.write, rest=rest)
    return reply, buf.getvalue()


def read_all(sock):
    chunks = []
    while True:
        chunk = sock.recv(1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


class FtplibCommandsTest(FtpCase):
    FILES = FILES

    def raw(self, server, **kwargs):
        control = RawControl(server.port, **kwargs)
        self.addCleanup(control.close)
        return control

    # ---- MLSD, MLST, OPTS MLST, FEAT

    def test_mlsd_gives_right_facts_for_files_and_directories(self):
        server = self.server()
        os.utime(server.path("hello.txt"), (MTIME, MTIME))
        ftp = self.client(server)
        facts = dict(ftp.mlsd())
        self.assertEqual(set(facts), VISIBLE)
        hello, sub = facts["hello.txt"], facts["sub"]
        self.assertEqual(hello["type"], "file")
        self.assertEqual(int(hello["size"]), len(HELLO))
        self.assertEqual(int(facts["data.bin"]["size"]), len(DATA))
        self.assertEqual(hello["modify"], time.strftime("%Y%m%d%H%M%S", time.gmtime(MTIME)))
        st = os.stat(server.path("hello.txt"))
        self.assertEqual(hello["unique"].upper(), f"{st.st_dev:X}U{st.st_ino:X}")
        self.assertNotEqual(hello["unique"], facts["data.bin"]["unique"])
        # Writable root, root-owned 0644 file, upload_overwrite off: delete, rename,
        # read; no append (not writable by the worker's user), no STOR over it.
        self.assertEqual(sorted(hello["perm"]), sorted("dfr"))
        self.assertEqual(sub["type"], "dir")
        self.assertNotIn("size", sub)
        self.assertTrue({"e", "l", "d", "f"} <= set(sub["perm"]), sub["perm"])

    def test_mlsd_perm_has_only_read_letters_without_write_access(self):
        server = self.server(anonymous_write=False)
        ftp = self.client(server)
        facts = dict(ftp.mlsd())
        self.assertEqual(facts["hello.txt"]["perm"], "r")
        self.assertEqual(sorted(facts["sub"]["perm"]), ["e", "l"])

    def test_mlsd_perm_of_own_upload_allows_append_and_overwrite(self):
        server = self.server(upload_overwrite=True)
        ftp = self.client(server)
        ftp.storbinary("STOR mine.bin", io.BytesIO(b"x"))
        perm = dict(ftp.mlsd())["mine.bin"]["perm"]
        self.assertEqual(sorted(perm), sorted("adfrw"))

    def test_mlsd_of_a_file_is_refused_with_501(self):
        server = self.server()
        ftp = self.client(server)
        self.assert_code("501", lambda: list(ftp.mlsd("hello.txt")))

    def test_mlst_answers_250_with_a_facts_line_on_the_control_connection(self):
        server = self.server()
        ftp = self.client(server)
        reply = ftp.sendcmd("MLST sub/inner.txt")
        lines = reply.split("\n")
        self.assertTrue(lines[0].startswith("250-"), reply)
        self.assertTrue(lines[-1].startswith("250 "), reply)
        self.assertEqual(len(lines), 3, reply)
        self.assertTrue(lines[1].startswith(" type=file;size=6;"), reply)
        self.assertTrue(lines[1].endswith("; /sub/inner.txt"), reply)
        self.assert_code("550", ftp.sendcmd, "MLST no-such-file")

    def test_opts_mlst_selects_the_facts_mlsd_sends_and_feat_marks(self):
        server = self.server()
        ftp = self.client(server)
        self.assertEqual(ftp.sendcmd("OPTS MLST type;size;"), "200 MLST OPTS type;size;")
        facts = dict(ftp.mlsd())
        self.assertEqual(set(facts["hello.txt"]), {"type", "size"})
        self.assertEqual(set(facts["sub"]), {"type"})
        self.assertIn(" MLST type*;size*;modify;perm;unique;UNIX.mode;UNIX.owner;UNIX.group;", ftp.sendcmd("FEAT"))

    def test_feat_lists_exactly_the_implemented_features(self):
        server = self.server()
        ftp = self.client(server, login=False)
        lines = ftp.sendcmd("FEAT").split("\n")
        self.assertTrue(lines[0].startswith("211-") and lines[-1].startswith("211 "), lines)
        self.assertTrue(all(line.startswith(" ") for line in lines[1:-1]), lines)
        self.assertEqual({line.strip() for line in lines[1:-1]}, FEATURES)

    # ---- names: NLST, SIZE, rename, delete, directories

    def test_nlst_names_and_nlst_of_a_subdirectory(self):
        server = self.server()
        ftp = self.client(server)
        self.assertEqual(set(ftp.nlst()), VISIBLE)
        self.assertEqual(ftp.nlst("sub"), ["sub/inner.txt"])

    def test_size_is_exact_and_550_for_missing_or_directory(self):
        server = self.server()
        ftp = self.client(server)
        ftp.voidcmd("TYPE I")
        self.assertEqual(ftp.size("data.bin"), len(DATA))
        self.assert_code("550", ftp.size, "missing")
        self.assert_code("550", ftp.size, "sub")

    def test_rename_moves_the_file_with_350_then_250(self):
        server = self.server()
        ftp = self.client(server)
        self.assertTrue(ftp.sendcmd("RNFR hello.txt").startswith("350"))
        self.assertTrue(ftp.sendcmd("RNTO sub/moved.txt").startswith("250"))
        self.assertFalse(os.path.exists(server.path("hello.txt")))
        with open(server.path("sub/moved.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO)

    def test_rnto_without_rnfr_gets_503_and_rnfr_of_missing_file_550(self):
        server = self.server()
        ftp = self.client(server)
        self.assert_code("503", ftp.sendcmd, "RNTO x")
        self.assert_code("550", ftp.sendcmd, "RNFR missing")
        # RNTO must follow RNFR immediately: another command in between forgets it.
        ftp.sendcmd("RNFR hello.txt")
        ftp.sendcmd("NOOP")
        self.assert_code("503", ftp.sendcmd, "RNTO other.txt")
        self.assertTrue(os.path.exists(server.path("hello.txt")))

    def test_rename_onto_existing_name_gets_553_when_overwrite_is_off(self):
        server = self.server(upload_overwrite=False)
        ftp = self.client(server)
        ftp.sendcmd("RNFR hello.txt")
        self.assert_code("553", ftp.sendcmd, "RNTO data.bin")
        self.assertEqual(sha256_file(server.path("data.bin")), sha256(DATA))

    def test_rename_onto_existing_name_replaces_it_when_overwrite_is_on(self):
        server = self.server(upload_overwrite=True)
        ftp = self.client(server)
        ftp.rename("hello.txt", "data.bin")
        with open(server.path("data.bin"), "rb") as f:
            self.assertEqual(f.read(), HELLO)

    def test_delete_mkd_and_rmd(self):
        server = self.server()
        ftp = self.client(server)
        self.assertTrue(ftp.delete("hello.txt").startswith("250"))
        self.assertFalse(os.path.exists(server.path("hello.txt")))
        self.assertEqual(ftp.mkd("made"), "/made")
        self.assertTrue(os.path.isdir(server.path("made")))
        self.assertTrue(ftp.rmd("made").startswith("250"))
        self.assertFalse(os.path.exists(server.path("made")))
        self.assert_code("550", ftp.rmd, "made")

    def test_cwd_and_cdup_replies(self):
        server = self.server()
        ftp = self.client(server)
        self.assertTrue(ftp.cwd("sub").startswith("250"))
        self.assertEqual(ftp.pwd(), "/sub")
        self.assertTrue(ftp.sendcmd("CDUP").startswith(("200", "250")))
        self.assertEqual(ftp.pwd(), "/")
        self.assert_code("550", ftp.cwd, "hello.txt")

    # ---- REST

    def test_rest_resumes_a_download_from_the_offset(self):
        server = self.server()
        ftp = self.client(server)
        ftp.voidcmd("TYPE I")
        for offset in (1, 1000, len(DATA) - 1, len(DATA)):
            reply, data = retrieve(ftp, "data.bin", rest=offset)
            self.assertTrue(reply.startswith("226"), reply)
            self.assertEqual(sha256(data), sha256(DATA[offset:]), offset)

    def test_rest_replies_350_and_non_numbers_get_501(self):
        server = self.server()
        ftp = self.client(server)
        ftp.voidcmd("TYPE I")
        self.assertEqual(ftp.sendcmd("REST 100"), "350 Restarting at 100.")
        for bad in ("REST abc", "REST -5", "REST 12x", "REST 99999999999999999999999"):
            self.assert_code("501", ftp.sendcmd, bad)

    def test_rest_beyond_the_end_gets_554(self):
        server = self.server()
        ftp = self.client(server)
        ftp.voidcmd("TYPE I")
        self.assert_code("554", retrieve, ftp, "hello.txt", rest=len(HELLO) + 1)

    def test_rest_in_ascii_mode_is_refused_with_504(self):
        server = self.server()
        ftp = self.client(server)
        ftp.voidcmd("TYPE A")
        self.assert_code("504", ftp.sendcmd, "REST 10")

    def test_rest_resumes_an_upload_in_place(self):
        server = self.server()
        payload = os.urandom(300 * 1024 + 11)
        half = len(payload) // 2
        os.chmod(server.add_file("partial.bin", payload[:half]), 0o666)  # the worker writes it
        inode = os.stat(server.path("partial.bin")).st_ino
        ftp = self.client(server)
        ftp.voidcmd("TYPE I")
        reply = ftp.storbinary("STOR partial.bin", io.BytesIO(payload[half:]), rest=half)
        self.assertTrue(reply.startswith("226"), reply)
        self.assertEqual(sha256_file(server.path("partial.bin")), sha256(payload))
        self.assertEqual(os.stat(server.path("partial.bin")).st_ino, inode, "not written in place")

    def test_rest_upload_below_the_size_is_553_when_overwrite_is_off(self):
        server = self.server(upload_overwrite=False)
        os.chmod(server.path("data.bin"), 0o666)
        ftp = self.client(server)
        ftp.voidcmd("TYPE I")
        self.assert_code("553", ftp.storbinary, "STOR data.bin", io.BytesIO(b"zz"), rest=10)
        self.assertEqual(sha256_file(server.path("data.bin")), sha256(DATA))

    # ---- ABOR, STAT and QUIT during a transfer

    def test_abor_during_a_large_download_gives_426_then_226(self):
        server = self.server()
        write_big_file(server.path("big"), BIG)
        ftp = self.client(server)
        ftp.voidcmd("TYPE I")
        conn = ftp.transfercmd("RETR big")
        self.addCleanup(conn.close)
        got = 0
        while got < (1 << 20):
            chunk = conn.recv(1 << 16)
            self.assertTrue(chunk, "data connection closed early")
            got += len(chunk)
        first = ftp.abort()
        second = ftp.getmultiline()
        self.assertTrue(first.startswith("426"), first)
        self.assertTrue(second.startswith("226"), second)
        # The server closed the data connection well before the end of the file.
        conn.settimeout(10)
        rest = read_all(conn)
        self.assertLess(got + len(rest), BIG)
        self.assertEqual(ftp.pwd(), "/")
        self.assertTrue(ftp.sendcmd("NOOP").startswith("200"))
        reply, data = retrieve(ftp, "hello.txt")
        self.assertEqual(data, HELLO)

    def test_abor_as_telnet_ip_dm_sequence_is_understood(self):
        server = self.server()
        write_big_file(server.path("big"), BIG)
        control = self.raw(server)
        control.command("TYPE I")
        data = control.pasv()
        self.addCleanup(data.close)
        self.assertEqual(control.command("RETR big")[0], "150")
        data.recv(1 << 16)
        control.sock.sendall(b"\xff\xf4", socket.MSG_OOB)   # IAC IP, IAC as urgent data
        control.sock.sendall(b"\xff\xf2ABOR\r\n")            # IAC DM ABOR
        self.assertEqual(control.reply()[0], "426")
        self.assertEqual(control.reply()[0], "226")
        self.assertEqual(control.command("PWD")[0], "257")

    def test_abor_during_an_upload_gives_426_then_226_and_stores_nothing(self):
        server = self.server()
        control = self.raw(server)
        control.command("TYPE I")
        data = control.pasv()
        self.addCleanup(data.close)
        self.assertEqual(control.command("STOR aborted.bin")[0], "150")
        data.sendall(os.urandom(1 << 20))
        control.send(b"ABOR\r\n")
        self.assertEqual(control.reply()[0], "426")
        self.assertEqual(control.reply()[0], "226")
        self.assertEqual(control.command("NOOP")[0], "200")
        self.assertFalse(os.path.exists(server.path("aborted.bin")))
        self.assertEqual([n for n in os.listdir(server.root) if n.startswith(".ftpd-upload")], [])

    def test_abor_without_transfer_gets_225(self):
        server = self.server()
        ftp = self.client(server)
        self.assertTrue(ftp.sendcmd("ABOR").startswith("225"))
        self.assertEqual(ftp.pwd(), "/")

    def test_stat_during_transfer_reports_progress_and_lines_behind_it_wait(self):
        server = self.server()
        write_big_file(server.path("big"), BIG)
        control = self.raw(server)
        control.command("TYPE I")
        data = control.pasv()
        self.addCleanup(data.close)
        self.assertEqual(control.command("RETR big")[0], "150")
        first = data.recv(1 << 16)
        control.send(b"STAT\r\nNOOP\r\nPWD\r\n")
        code, text = control.reply()   # answered while the transfer still runs
        self.assertEqual(code, "213", text)
        self.assertIn("RETR big", text)
        self.assertRegex(text, rf"\d+ of {BIG} bytes")
        received = len(first) + len(read_all(data))
        self.assertEqual(received, BIG)
        self.assertEqual([control.reply()[0] for _ in range(3)], ["226", "200", "257"])

    def test_quit_during_transfer_ends_the_session_after_it(self):
        server = self.server()
        control = self.raw(server)
        control.command("TYPE I")
        data = control.pasv()
        self.addCleanup(data.close)
        control.send(b"RETR data.bin\r\nQUIT\r\n")
        self.assertEqual(control.reply()[0], "150")
        self.assertEqual(sha256(read_all(data)), sha256(DATA))
        self.assertEqual(control.reply()[0], "226")
        self.assertEqual(control.reply()[0], "221")
        self.assertEqual(control.file.read(), b"", "control connection still open after QUIT")

    # ---- names with UTF-8 and blanks

    def test_utf8_and_blank_names_upload_list_and_download(self):
        server = self.server()
        ftp = self.client(server)
        self.assertTrue(ftp.sendcmd("OPTS UTF8 ON").startswith("200"))
        for name in ("résumé 2024.txt", "日本語 ファイル.bin", " leading blank", "two  blanks"):
            payload = os.urandom(4096) + name.encode()
            self.assertTrue(ftp.storbinary(f"STOR {name}", io.BytesIO(payload)).startswith("226"))
            self.assertEqual(sha256_file(server.path(name)), sha256(payload), name)
            self.assertIn(name, ftp.nlst())
            self.assertIn(name, dict(ftp.mlsd()))
            reply, data = retrieve(ftp, name)
            self.assertEqual(sha256(data), sha256(payload), name)

    # ---- STOU, APPE

    def test_stou_stores_under_a_unique_name_it_announces(self):
        server = self.server()
        control = self.raw(server)
        control.command("TYPE I")
        names = []
        for payload in (b"first\n", b"second\n"):
            data = control.pasv()
            code, text = control.command("STOU report.txt")
            self.assertEqual(code, "150", text)
            m = re.search(r"FILE: (\S+)", text)
            self.assertIsNotNone(m, text)
            data.sendall(payload)
            data.close()
            self.assertEqual(control.reply()[0], "226")
            with open(server.path(m.group(1)), "rb") as f:
                self.assertEqual(f.read(), payload)
            names.append(m.group(1))
        self.assertEqual(names[0], "report.txt")
        self.assertNotEqual(names[0], names[1])

    def test_appe_appends_in_place_and_creates_missing_files(self):
        server = self.server(upload_overwrite=False)
        os.chmod(server.path("hello.txt"), 0o666)  # the worker's user may write it
        ftp = self.client(server)
        tail = os.urandom(70 * 1024)
        self.assertTrue(ftp.storbinary("APPE hello.txt", io.BytesIO(tail)).startswith("226"))
        self.assertEqual(sha256_file(server.path("hello.txt")), sha256(HELLO + tail))
        self.assertTrue(ftp.storbinary("APPE fresh.bin", io.BytesIO(tail)).startswith("226"))
        self.assertEqual(sha256_file(server.path("fresh.bin")), sha256(tail))

    def test_appe_in_ascii_mode_stores_lf_line_ends(self):
        server = self.server()
        os.chmod(server.path("hello.txt"), 0o666)
        ftp = self.client(server)
        ftp.storlines("APPE hello.txt", io.BytesIO(b"one\ntwo\n"))
        with open(server.path("hello.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO + b"one\ntwo\n")

    def test_appe_and_stou_are_refused_without_write_access(self):
        server = self.server(anonymous_write=False)
        ftp = self.client(server)
        self.assert_code("550", ftp.storbinary, "APPE hello.txt", io.BytesIO(b"x"))
        self.assert_code("553", ftp.sendcmd, "STOU")  # RFC 959: STOU's refusals are 450, 452, 553
        with open(server.path("hello.txt"), "rb") as f:
            self.assertEqual(f.read(), HELLO)

    # ---- SITE, STAT, HELP, ALLO

    def test_site_chmod_changes_the_mode(self):
        server = self.server()
        ftp = self.client(server)
        ftp.storbinary("STOR mine.txt", io.BytesIO(b"x"))
        self.assertTrue(ftp.sendcmd("SITE CHMOD 600 mine.txt").startswith("200"))
        self.assertEqual(os.stat(server.path("mine.txt")).st_mode & 0o777, 0o600)
        self.assert_code("501", ftp.sendcmd, "SITE CHMOD 4755 mine.txt")
        self.assert_code("501", ftp.sendcmd, "SITE CHMOD rwx mine.txt")
        self.assert_code("550", ftp.sendcmd, "SITE CHMOD 644 missing")
        self.assertEqual(os.stat(server.path("mine.txt")).st_mode & 0o777, 0o600)

    def test_site_chmod_is_refused_without_write_access(self):
        server = self.server(anonymous_write=False)
        ftp = self.client(server)
        self.assert_code("550", ftp.sendcmd, "SITE CHMOD 666 hello.txt")
        self.assertEqual(os.stat(server.path("hello.txt")).st_mode & 0o777, 0o644)

    def test_site_umask_applies_to_this_sessions_uploads_and_directories(self):
        server = self.server()
        ftp = self.client(server)
        self.assertEqual(ftp.sendcmd("SITE UMASK"), "200 Your current UMASK is 022")
        self.assertTrue(ftp.sendcmd("SITE UMASK 077").startswith("200"))
        ftp.storbinary("STOR private.bin", io.BytesIO(b"x"))
        ftp.mkd("private-dir")
        self.assertEqual(os.stat(server.path("private.bin")).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(server.path("private-dir")).st_mode & 0o777, 0o700)
        other = self.client(server)   # another session keeps the configured umask
        other.storbinary("STOR public.bin", io.BytesIO(b"x"))
        self.assertEqual(os.stat(server.path("public.bin")).st_mode & 0o777, 0o644)
        self.assertTrue(ftp.sendcmd("SITE HELP").startswith("214"))
        self.assert_code("500", ftp.sendcmd, "SITE EXEC ls")

    def test_stat_without_argument_is_a_211_multiline_status(self):
        server = self.server()
        ftp = self.client(server)
        reply = ftp.sendcmd("STAT")
        lines = reply.split("\n")
        self.assertTrue(lines[0].startswith("211-") and lines[-1].startswith("211 "), reply)
        self.assertIn("anonymous", reply)
        self.assertIn("BINARY", reply)

    def test_stat_of_a_file_is_213_and_of_a_directory_212(self):
        server = self.server()
        ftp = self.client(server)
        reply = ftp.sendcmd("STAT hello.txt")
        self.assertTrue(reply.startswith("213-"), reply)
        self.assertRegex(reply, rf"\s{len(HELLO)} .* hello\.txt\n")
        reply = ftp.sendcmd("STAT sub")
        self.assertTrue(reply.startswith("212-"), reply)
        self.assertIn(" inner.txt\n", reply)
        reply = ftp.sendcmd("STAT .")
        self.assertNotIn(".secret", reply)
        self.assert_code("450", ftp.sendcmd, "STAT missing")  # RFC 959 5.4: STAT's only failure code

    def test_help_lists_commands_and_gives_syntax_of_one(self):
        server = self.server()
        ftp = self.client(server, login=False)
        reply = ftp.sendcmd("HELP")
        self.assertTrue(reply.startswith("214-") and reply.split("\n")[-1].startswith("214 "), reply)
        for verb in ("RETR", "MLSD", "REST", "ABOR", "SITE", "STOU"):
            self.assertRegex(reply, rf"\b{verb}\b")
        self.assertTrue(ftp.sendcmd("HELP stor").startswith("214 Syntax: STOR"))
        self.assert_code("501", ftp.sendcmd, "HELP XYZZY")

    def test_allo_is_superfluous_202(self):
        server = self.server()
        ftp = self.client(server)
        self.assertTrue(ftp.sendcmd("ALLO 1000").startswith("202"))

    # ---- EPSV ALL, verbs, pipelining

    def test_epsv_all_refuses_pasv_port_and_eprt_but_epsv_still_works(self):
        server = self.server()
        control = self.raw(server)
        self.assertEqual(control.command("EPSV ALL")[0], "200")
        for line in ("PASV", "PORT 127,0,0,1,200,10", "EPRT |1|127.0.0.1|51210|"):
            code, text = control.command(line)
            self.assertTrue(code.startswith("5"), f"{line}: {text}")
        data = control.pasv()
        self.assertEqual(control.command("NLST")[0], "150")
        self.assertEqual(set(read_all(data).decode().split()), VISIBLE)
        data.close()
        self.assertEqual(control.reply()[0], "226")

    def test_verbs_are_case_insensitive(self):
        server = self.server()
        control = self.raw(server, login=False)
        self.assertEqual(control.command("user anonymous")[0], "331")
        self.assertEqual(control.command("Pass x@y")[0], "230")
        self.assertEqual(control.command("pWd")[0], "257")
        self.assertEqual(control.command("syst")[0], "215")

    def test_pipelined_commands_in_one_write_get_replies_in_order(self):
        server = self.server()
        control = self.raw(server)
        control.send(b"NOOP\r\nPWD\r\nCWD sub\r\nPWD\r\nXYZZY\r\nSIZE inner.txt\r\nCDUP\r\nSYST\r\n")
        replies = [control.reply() for _ in range(8)]
        self.assertEqual([code for code, _ in replies],
                         ["200", "257", "250", "257", "500", "213", "250", "215"])
        self.assertIn('"/"', replies[1][1])
        self.assertIn('"/sub"', replies[3][1])

    def test_pipelined_commands_behind_a_transfer_keep_their_order(self):
        server = self.server()
        control = self.raw(server)
        control.command("TYPE I")
        data = control.pasv()
        control.send(b"RETR data.bin\r\nNOOP\r\nSIZE hello.txt\r\nPWD\r\n")
        self.assertEqual(control.reply()[0], "150")
        self.assertEqual(sha256(read_all(data)), sha256(DATA))
        data.close()
        codes = [control.reply()[0] for _ in range(4)]
        self.assertEqual(codes, ["226", "200", "213", "257"])


if __name__ == "__main__":
    unittest.main()
