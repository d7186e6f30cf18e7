"""The commands sync clients use beyond RFC 959 (issue 14): MFMT and SITE UTIME set
modification times within the session's rights and root; HASH (with OPTS HASH and RANG)
and the legacy XSHA256/XSHA512/XSHA1/XMD5/XCRC give the digests Python computes, also of
ranges; hashing a 1 GiB file leaves the worker serving and ABOR stops it; CLNT shows in
ftpctl status and the log; HELP SITE; a 0xFF byte of a name is doubled in replies.
"""

import calendar
import hashlib
import os
import unittest
import zlib

from ftpd_fixture import RawControl, Server, status_json, wait_until

DATA = os.urandom(300_000)
T2021 = calendar.timegm((2021, 3, 4, 5, 6, 7))


def digests(data):
    return {
        "SHA-256": hashlib.sha256(data).hexdigest(),
        "SHA-512": hashlib.sha512(data).hexdigest(),
        "SHA-1": hashlib.sha1(data).hexdigest(),
        "MD5": hashlib.md5(data).hexdigest(),
        "CRC32": f"{zlib.crc32(data):08x}",
    }


class SyncCommandsTest(unittest.TestCase):
    def setUp(self):
        self.server = Server.for_test(self, workers=1, files={"data.bin": DATA, "dir/inner.txt": b"x"})
        outside = os.path.join(self.server.dir, "outside.txt")
        with open(outside, "wb") as f:
            f.write(b"outside")
        os.utime(outside, (T2021, T2021))
        self.outside = outside
        os.symlink(outside, os.path.join(self.server.root, "escape"))
        # Setting times needs the owner's rights: as if the workers (nobody) had uploaded them.
        for name in ("data.bin", "dir/inner.txt"):
            os.chown(self.server.path(name), 65534, 65534)
        self.control = RawControl(self.server.port)
        self.addCleanup(self.control.close)

    def cmd(self, line):
        return self.control.command(line)

    # ---- MFMT and SITE UTIME

    def test_mfmt_sets_the_modification_time_and_answers_213(self):
        code, text = self.cmd("MFMT 20210304050607.250 data.bin")
        self.assertEqual(code, "213", text)
        self.assertEqual(text.strip(), "213 Modify=20210304050607.250; data.bin")
        st = os.stat(self.server.path("data.bin"))
        self.assertEqual(st.st_mtime_ns, T2021 * 10**9 + 250_000_000)
        self.assertEqual(self.cmd("MDTM data.bin"), ("213", "213 20210304050607\r\n"))
        code, text = self.cmd("MLST data.bin")
        self.assertIn("modify=20210304050607.250;", text)

    def test_site_utime_in_the_forms_clients_send(self):
        self.assertEqual(self.cmd("SITE UTIME data.bin 20200101000000")[0], "200")
        self.assertEqual(int(os.stat(self.server.path("data.bin")).st_mtime), calendar.timegm((2020, 1, 1, 0, 0, 0)))
        code, _ = self.cmd("SITE UTIME data.bin 20190101000000 20210304050607 20210304050607 UTC")
        self.assertEqual(code, "200")
        st = os.stat(self.server.path("data.bin"))
        self.assertEqual(int(st.st_mtime), T2021)
        self.assertEqual(int(st.st_atime), calendar.timegm((2019, 1, 1, 0, 0, 0)))
        self.assertEqual(self.cmd("SITE UTIME 20190101000000 20200202000000 20200202000000 UTC dir/inner.txt")[0],
                         "200")
        self.assertEqual(int(os.stat(self.server.path("dir/inner.txt")).st_mtime),
                         calendar.timegm((2020, 2, 2, 0, 0, 0)))

    def test_malformed_time_commands_get_501(self):
        for line in ("MFMT 2021 data.bin", "MFMT 20211304050607 data.bin", "MFMT 20210304050607",
                     "SITE UTIME data.bin", "SITE UTIME data.bin notatime", "MFMT data.bin 20210304050607"):
            self.assertEqual(self.cmd(line)[0], "501", line)

    def test_time_commands_stay_inside_the_root(self):
        before = os.stat(self.outside).st_mtime_ns
        for line in ("MFMT 20200101000000 escape", "MFMT 20200101000000 ../outside.txt",
                     "SITE UTIME escape 20200101000000", "MFMT 20200101000000 missing"):
            code, text = self.cmd(line)
            self.assertEqual(code, "550", f"{line}: {text}")
        self.assertEqual(os.stat(self.outside).st_mtime_ns, before)

    def test_time_commands_need_write_permission(self):
        server = Server.for_test(self, workers=1, anonymous_write=False, files={"ro.bin": b"r"})
        control = RawControl(server.port)
        self.addCleanup(control.close)
        before = os.stat(server.path("ro.bin")).st_mtime_ns
        self.assertEqual(control.command("MFMT 20200101000000 ro.bin")[0], "550")
        self.assertEqual(control.command("SITE UTIME ro.bin 20200101000000")[0], "550")
        self.assertEqual(os.stat(server.path("ro.bin")).st_mtime_ns, before)

    # ---- HASH and the legacy commands

    def test_hash_with_every_algorithm(self):
        expected = digests(DATA)
        code, text = self.cmd("OPTS HASH")
        self.assertEqual((code, text.strip()), ("200", "200 SHA-256"))
        for name, digest in expected.items():
            self.assertEqual(self.cmd(f"OPTS HASH {name}")[0], "200")
            code, text = self.cmd("HASH data.bin")
            self.assertEqual(text.strip(), f"213 {name} 0-{len(DATA)} {digest} data.bin")
        self.assertIn(" HASH SHA-256;SHA-512;SHA-1;MD5;CRC32*", self.cmd("FEAT")[1])
        self.assertEqual(self.cmd("OPTS HASH WHIRLPOOL")[0], "501")
        self.assertEqual(self.cmd("OPTS HASH")[1].strip(), "200 CRC32")  # unchanged

    def test_hash_of_a_range(self):
        self.assertEqual(self.cmd("RANG 1000 1999")[0], "350")
        code, text = self.cmd("HASH data.bin")
        self.assertEqual(text.strip(), f"213 SHA-256 1000-2000 {hashlib.sha256(DATA[1000:2000]).hexdigest()} data.bin")
        # The range was for one command; then the whole file again.
        self.assertIn(f" 0-{len(DATA)} ", self.cmd("HASH data.bin")[1])
        self.assertEqual(self.cmd("RANG 10 5")[0], "501")
        self.cmd("RANG 5 10")
        self.assertEqual(self.cmd("RANG 1 0")[0], "350")  # reset
        self.assertIn(f" 0-{len(DATA)} ", self.cmd("HASH data.bin")[1])

    def test_the_legacy_hash_commands(self):
        expected = digests(DATA)
        for verb, name in (("XSHA256", "SHA-256"), ("XSHA512", "SHA-512"), ("XSHA1", "SHA-1"), ("XMD5", "MD5"),
                           ("XCRC", "CRC32")):
            self.assertEqual(self.cmd(f"{verb} data.bin")[1].strip(), f"250 {expected[name]}")
        self.assertEqual(self.cmd("XMD5 data.bin 100 200")[1].strip(), f"250 {hashlib.md5(DATA[100:200]).hexdigest()}")
        self.assertEqual(self.cmd('XCRC "data.bin" 100')[1].strip(), f"250 {zlib.crc32(DATA[100:]):08x}")

    def test_hash_refusals(self):
        self.assertEqual(self.cmd("HASH missing")[0], "550")
        self.assertEqual(self.cmd("HASH dir")[0], "550")
        self.assertEqual(self.cmd("HASH escape")[0], "550")  # a symlink out of the root leads nowhere
        self.assertEqual(self.cmd("XSHA1 data.bin 50 10")[0], "501")
        self.assertEqual(self.cmd("RANG 999999999 1000000000")[0], "350")
        self.assertEqual(self.cmd("HASH data.bin")[0], "501")  # a range beyond the end

    def test_hashing_a_1_gib_file_leaves_the_worker_serving_and_abor_stops_it(self):
        big = self.server.path("big.bin")
        with open(big, "wb") as f:
            f.truncate(1 << 30)  # sparse: reading it costs the hash, not the disk
        # anonymous_max_rate paces hashing as it paces transfers: the hash takes a while.
        server = Server.for_test(self, workers=1, anonymous_max_rate=64 << 20, root=self.server.root)
        hasher = RawControl(server.port)
        self.addCleanup(hasher.close)
        hasher.send("HASH big.bin\r\n")
        def hashing():  # (a STAT while the file opens answers 211, "Waiting for the file system")
            code, text = hasher.command("STAT")
            return code == "213" and "Transfer in progress: HASH big.bin" in text
        wait_until(hashing, what="the hash to run")
        other = RawControl(server.port)
        self.addCleanup(other.close)
        for _ in range(5):
            self.assertEqual(other.command("NOOP")[0], "200")
        self.assertEqual(other.command("SIZE big.bin"), ("213", f"213 {1 << 30}\r\n"))
        code, text = hasher.command("STAT")
        self.assertIn("Transfer in progress: HASH big.bin", text)  # still hashing meanwhile
        hasher.send("ABOR\r\n")
        code, text = hasher.reply()
        self.assertEqual(code, "450", text)
        self.assertEqual(hasher.reply()[0], "226")
        self.assertEqual(hasher.command("NOOP")[0], "200")

    def test_hash_of_a_1_gib_file_is_right(self):
        big = self.server.path("big.bin")
        with open(big, "wb") as f:
            f.truncate(1 << 30)
        sha = hashlib.sha256()
        zero = bytes(1 << 20)
        for _ in range(1024):
            sha.update(zero)
        self.control.sock.settimeout(120)
        code, text = self.cmd("HASH big.bin")
        self.assertEqual(text.strip(), f"213 SHA-256 0-{1 << 30} {sha.hexdigest()} big.bin")

    # ---- CLNT, HELP SITE, IAC

    def test_clnt_shows_in_status_and_log(self):
        self.assertEqual(self.cmd("CLNT FileZilla 3.66.5")[0], "200")
        rows = wait_until(lambda: [s for s in status_json(self.server)["sessions"]
                                   if s["client_name"] == "FileZilla 3.66.5"], what="the client name")
        self.assertEqual(len(rows), 1)
        self.server.wait_for_log(r"client software: FileZilla 3\.66\.5")
        fresh = RawControl(self.server.port, login=False)
        self.addCleanup(fresh.close)
        self.assertEqual(fresh.command("CLNT before login")[0], "200")

    def test_help_site_lists_the_site_commands(self):
        code, text = self.cmd("HELP SITE")
        self.assertEqual(code, "214")
        for word in ("CHMOD", "UMASK", "UTIME", "HELP"):
            self.assertIn(word, text)

    def test_a_0xff_byte_in_a_name_is_doubled_in_replies(self):
        self.control.send(b"MKD caf\xff\xffe\r\n")  # the client doubles it too (IAC IAC)
        line = self.control.file.readline()
        self.assertEqual(line, b'257 "/caf\xff\xffe" created\r\n')
        self.assertTrue(os.path.isdir(os.path.join(self.server.root.encode(), b"caf\xffe")))


if __name__ == "__main__":
    unittest.main()
