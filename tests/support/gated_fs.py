#!/usr/bin/python3
"""A FUSE file system for tests and benchmarks: a passthrough of BACKING at MOUNTPOINT
whose operations inside the slow folders (default "/slow": its entries and what is in it,
not the lookup of the folder itself) can be held at a gate or slowed down, as an overloaded
or hung NFS server would be. Everything else passes at once.

    gated_fs.py BACKING MOUNTPOINT [--slow /slow] [--slow /other] [--delay SECONDS]

It talks on its standard streams, one line each way:
  stdout  "ready"                   mounted and serving
          "blocked OP PATH"         an operation waits at the closed gate
          "passed OP PATH"          it went on (after "open")
          "state blocked=N"         the reply to "state"
          "did OP PATH"             an operation under a slow prefix returned (with "trace on")
  stdin   "close"                   later operations under a slow prefix wait
          "close OP,OP"             only those operations (e.g. "close fsyncdir") wait
          "trace on" / "trace off"  report each operation under a slow prefix as it returns
          "open"                    release every waiting operation; later ones pass
          "delay SECONDS"           operations under a slow prefix sleep that long (0: off)
          "state"                   how many operations wait right now
Closing stdin (the test ended) releases the gate and unmounts. Needs Debian's
python3-fusepy and fuse3 (make deps), and root or user_allow_other for allow_other: the
workers of a server started as root run as `nobody`.
"""
import argparse
import errno
import os
import sys
import threading
import time

from fusepy import FUSE, FuseOSError, Operations, fuse_get_context


class Gate:
    def __init__(self, out):
        self.out = out
        self.lock = threading.Condition()
        self.closed = False
        self.ops = None  # None: every operation waits at the closed gate; else only these
        self.trace = False
        self.delay = 0.0
        self.waiting = 0

    def say(self, line):
        with self.lock:
            self.out.write(line + "\n")
            self.out.flush()

    def set_closed(self, closed, ops=None):
        with self.lock:
            self.closed = closed
            self.ops = ops
            self.lock.notify_all()

    def pass_through(self, op, path):
        with self.lock:
            delay = self.delay
            if self.closed and (self.ops is None or op in self.ops):
                self.waiting += 1
                self.out.write(f"blocked {op} {path}\n")
                self.out.flush()
                while self.closed:
                    self.lock.wait()
                self.waiting -= 1
                self.out.write(f"passed {op} {path}\n")
                self.out.flush()
        if delay > 0:
            time.sleep(delay)


class GatedFs(Operations):
    def __init__(self, backing, slow, gate):
        self.backing = os.path.realpath(backing)
        self.slow = [p.rstrip("/") or "/" for p in slow]
        self.gate = gate

    def _full(self, path):
        return os.path.join(self.backing, path.lstrip("/"))

    def _is_slow(self, path, op=None):
        # What is inside a slow folder, and the folder's own entries; never the folder's own
        # lookup: the kernel's FUSE (protocol 2, no parallel directory operations) holds
        # the lock of the directory a lookup runs in, so a lookup waiting in the mount's
        # root would hold up every other lookup there, slow or not.
        return any(path.startswith(p + "/") or (path == p and op in self.DIR_OPS) for p in self.slow)

    DIR_OPS = {"readdir", "opendir", "fsyncdir", "releasedir"}

    def _gate(self, op, *paths):
        for path in paths:
            if self._is_slow(path, op):
                self.gate.pass_through(op, path)
                return path
        return None

    def __call__(self, op, *args):
        try:
            result = super().__call__(op, *args)
        except OSError as e:
            raise FuseOSError(e.errno or errno.EIO)
        if self.gate.trace and args and isinstance(args[0], str) and self._is_slow(args[0], op):
            self.gate.say(f"did {op} {args[0]}")
        return result

    def _owned(self, path):
        uid, gid, _ = fuse_get_context()
        try:
            os.lchown(path, uid, gid)
        except OSError:
            pass

    def getattr(self, path, fh=None):
        self._gate("getattr", path)
        st = os.fstat(fh) if fh is not None else os.lstat(self._full(path))
        keys = ("st_atime", "st_ctime", "st_gid", "st_mode", "st_mtime", "st_nlink", "st_size", "st_uid",
                "st_ino", "st_blocks")
        return {k: getattr(st, k) for k in keys}

    def access(self, path, mode):
        self._gate("access", path)
        if not os.access(self._full(path), mode):
            raise FuseOSError(errno.EACCES)

    def readdir(self, path, fh):
        self._gate("readdir", path)
        with os.scandir(self._full(path)) as it:
            names = [e.name for e in it]
        return [".", ".."] + names

    def readlink(self, path):
        self._gate("readlink", path)
        return os.readlink(self._full(path))

    def open(self, path, flags):
        self._gate("open", path)
        return os.open(self._full(path), flags)

    def create(self, path, mode, fi=None):
        self._gate("create", path)
        full = self._full(path)
        fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        self._owned(full)
        return fd

    def read(self, path, size, offset, fh):
        self._gate("read", path)
        return os.pread(fh, size, offset)

    def write(self, path, data, offset, fh):
        self._gate("write", path)
        return os.pwrite(fh, data, offset)

    def truncate(self, path, length, fh=None):
        self._gate("truncate", path)
        if fh is not None:
            os.ftruncate(fh, length)
        else:
            os.truncate(self._full(path), length)

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        os.close(fh)
        return 0

    def fsync(self, path, datasync, fh):
        self._gate("fsync", path)
        if datasync:
            os.fdatasync(fh)
        else:
            os.fsync(fh)
        return 0

    def fsyncdir(self, path, datasync, fh):
        self._gate("fsyncdir", path)
        return 0

    def unlink(self, path):
        self._gate("unlink", path)
        os.unlink(self._full(path))

    def mkdir(self, path, mode):
        self._gate("mkdir", path)
        full = self._full(path)
        os.mkdir(full, mode)
        self._owned(full)

    def rmdir(self, path):
        self._gate("rmdir", path)
        os.rmdir(self._full(path))

    def rename(self, old, new):
        self._gate("rename", old, new)
        os.rename(self._full(old), self._full(new))

    def chmod(self, path, mode):
        self._gate("chmod", path)
        os.chmod(self._full(path), mode)

    def chown(self, path, uid, gid):
        self._gate("chown", path)
        os.lchown(self._full(path), uid, gid)

    def utimens(self, path, times=None):
        self._gate("utimens", path)
        os.utime(self._full(path), times, follow_symlinks=False)

    def statfs(self, path):
        self._gate("statfs", path)
        sv = os.statvfs(self._full(path))
        keys = ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail", "f_ffree", "f_files", "f_flag",
                "f_frsize", "f_namemax")
        return {k: getattr(sv, k) for k in keys}

    def init(self, path):
        self.gate.say("ready")


def control(gate, mountpoint):
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "close":
            gate.set_closed(True, set(words[1].split(",")) if len(words) > 1 else None)
        elif words[0] == "trace" and len(words) == 2:
            gate.trace = words[1] == "on"
        elif words[0] == "open":
            gate.set_closed(False)
        elif words[0] == "delay" and len(words) == 2:
            with gate.lock:
                gate.delay = float(words[1])
        elif words[0] == "state":
            with gate.lock:
                gate.out.write(f"state blocked={gate.waiting}\n")
                gate.out.flush()
    # The test is gone: let everything through and unmount (fuse_main then returns).
    gate.set_closed(False)
    os.spawnlp(os.P_WAIT, "fusermount", "fusermount", "-u", "-z", mountpoint)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backing")
    parser.add_argument("mountpoint")
    parser.add_argument("--slow", action="append", default=None)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    gate = Gate(sys.stdout)
    gate.delay = args.delay
    fs = GatedFs(args.backing, args.slow or ["/slow"], gate)
    threading.Thread(target=control, args=(gate, args.mountpoint), daemon=True).start()
    # No attribute or entry caching: every lookup and stat reaches us (and the gate), as on
    # an NFS mount with actimeo=0. allow_other: the server's workers run as another user.
    FUSE(fs, args.mountpoint, foreground=True, nothreads=False, allow_other=True, default_permissions=True,
         attr_timeout=0, entry_timeout=0, negative_timeout=0, fsname="ftpd-gated")


if __name__ == "__main__":
    main()
