#!/bin/sh
# `make bench`: installs Debian's vsftpd if missing, unpacks pure-ftpd (below) (the package only; its system
# service is never started here), raises the open-file limit for the idle-session
# scenario, and runs tests/bench/run_bench.py (sizes: BENCH_* variables, see there).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v vsftpd >/dev/null 2>&1 && [ ! -x /usr/sbin/vsftpd ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "bench: vsftpd missing; run: sudo apt-get install -y vsftpd" >&2
        exit 1
    fi
    # policy-rc.d 101 keeps the package's postinst from starting the system service.
    policy=/usr/sbin/policy-rc.d
    made_policy=
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && made_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq vsftpd || { [ -n "$made_policy" ] && rm -f "$policy"; exit 1; }
    [ -n "$made_policy" ] && rm -f "$policy"
fi
PATH="$PATH:/usr/sbin"
# pure-ftpd conflicts with vsftpd as a package: Debian's .deb is unpacked (dpkg -x) into the
# build tree and run from there, never installed.
peers=${BENCH_PEERS_DIR:-${FTPD_BIN_DIR:?}/../peers}
if [ ! -x "$peers/pure-ftpd/usr/sbin/pure-ftpd" ]; then
    mkdir -p "$peers/download"
    (cd "$peers/download" && apt-get download pure-ftpd >/dev/null) || { echo "bench: apt-get download pure-ftpd failed" >&2; exit 1; }
    deb=$(ls "$peers"/download/pure-ftpd_*.deb | head -n 1)
    dpkg -x "$deb" "$peers/pure-ftpd"
    dpkg-deb -f "$deb" Version > "$peers/pure-ftpd.version"
    # Its libraries (libsodium, libcap2, libssl3, libpam) are in a Debian 12 base system or
    # installed by make deps; say so if one is not.
    if ldd "$peers/pure-ftpd/usr/sbin/pure-ftpd" | grep -q "not found"; then
        echo "bench: pure-ftpd misses libraries:" >&2
        ldd "$peers/pure-ftpd/usr/sbin/pure-ftpd" | grep "not found" >&2
        exit 1
    fi
fi
# 10,000 idle sessions and a burst of 20,000: the load generator holds one fd each, ftpd's
# master asks for 4 per allowed client; raise the hard limit when we may (root), else use
# what we have.
ulimit -Hn 131072 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
exec python3 "$here/run_bench.py" "$@"
