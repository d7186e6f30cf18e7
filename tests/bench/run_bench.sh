#!/bin/sh
# `make bench`: installs Debian's vsftpd if missing (the package only; its system
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
# 10,000 idle sessions: the load generator holds one fd each, ftpd's master asks for
# 4 per allowed client; raise the hard limit when we may (root), else use what we have.
ulimit -Hn 65536 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
exec python3 "$here/run_bench.py" "$@"
