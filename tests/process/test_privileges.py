"""Started as root, the master binds and stays root while every worker runs as `user` with
that account's groups and no capabilities, so the kernel, not only our path checks, keeps
sessions away from root-only files; `user = root` and unknown accounts are refused; the
open file limit is raised for max_clients. Skipped when not run as root."""

import ftplib
import io
import os
import signal
import pwd
import resource
import unittest

from ftpd_fixture import Server, ftp_client, ready_workers, run_ftpd, wait_until

CAP_SYS_RESOURCE = 24
SECRET = b"root only\n"
PUBLIC = b"for everybody\n"


def ids(pid):
    """(Uid, Gid, Groups, CapPrm, CapEff, CapAmb) of a process from /proc/PID/status."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return {
        "uid": [int(x) for x in fields["Uid"]],
        "gid": [int(x) for x in fields["Gid"]],
        "groups": sorted(int(x) for x in fields["Groups"]),
        "cap_prm": int(fields["CapPrm"][0], 16),
        "cap_eff": int(fields["CapEff"][0], 16),
        "cap_amb": int(fields["CapAmb"][0], 16),
    }


def max_open_files(pid):
    """The soft RLIMIT_NOFILE of a process, from /proc/PID/limits."""
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    raise AssertionError(f"no 'Max open files' in /proc/{pid}/limits")


def has_capability(bit):
    with open("/proc/self/status") as f:
        caps = next(line for line in f if line.startswith("CapEff:"))
    return bool(int(caps.split()[1], 16) >> bit & 1)


def account_with_groups():
    """An account other than root and nobody, preferably with supplementary groups."""
    candidates = [p for p in pwd.getpwall() if p.pw_uid not in (0, 65534)]
    with_groups = [p for p in candidates if len(os.getgrouplist(p.pw_name, p.pw_gid)) > 1]
    return (with_groups or candidates or [None])[0]


@unittest.skipUnless(os.geteuid() == 0, "needs root: checks the workers' privilege drop")
class PrivilegesTest(unittest.TestCase):

    def server(self, **kwargs):
        kwargs.setdefault("files", {"public.txt": PUBLIC})
        return Server.for_test(self, **kwargs)

    def assert_runs_as(self, pid, account):
        got = ids(pid)
        self.assertEqual(got["uid"], [account.pw_uid] * 4, f"worker {pid} Uid")
        self.assertEqual(got["gid"], [account.pw_gid] * 4, f"worker {pid} Gid")
        self.assertEqual(got["groups"], sorted(set(os.getgrouplist(account.pw_name, account.pw_gid))),
                         f"worker {pid} Groups")
        self.assertEqual((got["cap_prm"], got["cap_eff"], got["cap_amb"]), (0, 0, 0),
                         f"worker {pid} capabilities")

    def test_workers_run_as_nobody_without_capabilities_and_the_master_stays_root(self):
        server = self.server(user="nobody", workers=3)
        workers = ready_workers(server, 3)
        self.assertEqual(workers, server.worker_pids())
        for pid in workers:
            self.assert_runs_as(pid, pwd.getpwnam("nobody"))
        master = ids(server.pid)
        self.assertEqual(master["uid"], [0] * 4)
        self.assertNotEqual(master["cap_eff"], 0)

    def test_master_keeps_only_the_capabilities_supervising_needs(self):
        # CAP_DAC_READ_SEARCH 2, CAP_KILL 5, CAP_SETGID 6, CAP_SETUID 7, CAP_NET_BIND_SERVICE 10
        wanted = sum(1 << bit for bit in (2, 5, 6, 7, 10))
        with open("/proc/self/status") as f:
            ours = int(next(line for line in f if line.startswith("CapPrm:")).split()[1], 16)
        server = self.server(workers=1)
        master = ids(server.pid)
        self.assertEqual(master["cap_eff"], wanted & ours)
        self.assertEqual(master["cap_prm"], wanted & ours)
        with open(f"/proc/{server.pid}/status") as f:
            bounding = int(next(line for line in f if line.startswith("CapBnd:")).split()[1], 16)
        self.assertEqual(bounding & ~wanted, 0)
        # It can still do its job: replace a killed worker (setuid), reload, stop.
        old = server.worker_pids()
        os.kill(next(iter(old)), signal.SIGKILL)
        (pid,) = server.wait_for_workers(1, exclude=old)
        nobody = pwd.getpwnam("nobody")
        # A freshly forked worker is root until it drops privileges: poll, then assert.
        wait_until(lambda: ids(pid)["uid"] == [nobody.pw_uid] * 4, what="new worker switched user")
        self.assert_runs_as(pid, nobody)

    def test_workers_take_the_configured_account_and_its_supplementary_groups(self):
        account = account_with_groups()
        if account is None:
            self.skipTest("no account besides root and nobody")
        server = self.server(user=account.pw_name)
        for pid in ready_workers(server, 2):
            self.assert_runs_as(pid, account)
        ftp = ftp_client(server)
        self.addCleanup(ftp.close)
        self.assertIn("public.txt", ftp.nlst())

    def test_replacement_worker_drops_privileges_too(self):
        server = self.server(workers=1)
        (old,) = server.worker_pids()
        os.kill(old, 9)
        since = server.log_mark()
        (new,) = server.wait_for_workers(1, exclude={old})
        self.assertEqual(ready_workers(server, 1, since), {new})
        self.assert_runs_as(new, pwd.getpwnam("nobody"))

    def test_root_only_file_in_the_served_tree_cannot_be_read(self):
        server = self.server()
        secret = server.add_file("secret.txt", SECRET)
        os.chmod(secret, 0o600)
        ftp = ftp_client(server)
        self.addCleanup(ftp.close)
        buf = io.BytesIO()
        with self.assertRaises(ftplib.error_perm) as ctx:
            ftp.retrbinary("RETR secret.txt", buf.write)
        self.assertTrue(str(ctx.exception).startswith("550"), str(ctx.exception))
        self.assertEqual(buf.getvalue(), b"")
        ftp.retrbinary("RETR public.txt", buf.write)
        self.assertEqual(buf.getvalue(), PUBLIC)

    # ---- refused accounts

    def check_config(self, user):
        server = self.server(start=False, user=user)
        return run_ftpd(["-t", "-c", server.conf_path], cwd=server.dir)

    def test_config_check_refuses_user_root(self):
        rc, out, err = self.check_config("root")
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(out + err, r"ftpd\.conf:\d+: user 'root' is root")

    def test_config_check_refuses_an_account_that_does_not_exist(self):
        rc, out, err = self.check_config("no-such-user-ftpd")
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(out + err, r"ftpd\.conf:\d+: user 'no-such-user-ftpd' does not exist")

    def test_server_refuses_to_start_with_user_root(self):
        server = self.server(start=False, user="root")
        rc, out, err = run_ftpd(["-f", "-c", server.conf_path], cwd=server.dir)
        self.assertNotEqual(rc, 0, out + err)
        self.assertIn("user 'root'", out + err)

    # ---- RLIMIT_NOFILE

    def with_nofile(self, soft, hard):
        """Lower this process's RLIMIT_NOFILE (inherited by ftpd) until the test ends."""
        saved = resource.getrlimit(resource.RLIMIT_NOFILE)
        self.addCleanup(resource.setrlimit, resource.RLIMIT_NOFILE, saved)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    def test_open_file_limit_is_raised_for_max_clients(self):
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        if hard != resource.RLIM_INFINITY and hard < 4064:
            self.skipTest(f"hard RLIMIT_NOFILE {hard} is below what max_clients = 1000 needs")
        self.with_nofile(1024, hard)
        server = self.server(max_clients=1000)
        for pid in ready_workers(server, 2):
            self.assertGreaterEqual(max_open_files(pid), 4000, f"worker {pid}")

    @unittest.skipUnless(has_capability(CAP_SYS_RESOURCE), "needs CAP_SYS_RESOURCE to raise a hard limit")
    def test_root_raises_the_hard_open_file_limit_too(self):
        self.with_nofile(1024, 1024)
        server = self.server(max_clients=1000)
        for pid in ready_workers(server, 2):
            self.assertGreaterEqual(max_open_files(pid), 4000, f"worker {pid}")
        self.assertNotRegex(server.log_text(), r"open file limit is \d+")


if __name__ == "__main__":
    unittest.main()
