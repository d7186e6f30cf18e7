#!/usr/bin/env bash
# Install check of the ftpd .deb on a minimal Debian 12 (bookworm) root (`make test-package`).
#
#   tests/package/install_check.sh BUILD_DIR [PACKAGE_DIR]
#
# Takes the newest BUILD_DIR/ftpd_*.deb (`make deb` builds it) and, as root:
#  1. keeps a debootstrap --variant=minbase bookworm root in PACKAGE_DIR/rootfs (built on the
#     first run from the host's Debian mirror, then reused while its stamp matches; systemd's
#     and man-db's packages are downloaded into it, not installed);
#  2. mounts a throw-away overlay over it (so every run starts from the same pristine root and
#     the package's Depends alone must pull its libraries), with /proc, /dev and a private
#     /dev/shm, all unmounted again on exit;
#  3. `apt-get install`s the .deb with no systemd running and checks the postinst's work
#     (/etc/ftpd.conf, /srv/ftp, `ftpd -t`, the unit enabled), the conffiles, that every
#     library the binaries need comes from a package in Depends;
#  4. installs systemd (not running) and man-db and runs `systemd-analyze verify` on the unit;
#  5. starts the installed `ftpd -f` in the chroot on 127.0.0.1 (port chosen by the kernel),
#     downloads a file with curl from the host, reads `ftpctl status`, reloads with SIGHUP
#     (a new banner and generation 2), stops it with SIGTERM and wants exit status 0;
#  5b. starts it on /etc/ftpd.conf, begins a throttled download, and `apt-get install`s a newer
#     version of the same .deb: the postinst's `ftpctl upgrade` must hand over to the new
#     binary, the download complete intact, the old master exit 0 and the new one serve;
#  6. `apt-get remove`, then `purge`: the scripts succeed and leave no files or processes;
#  7. installs and purges again as if systemd were running, with a policy-rc.d that says
#     101: the postinst/prerm go through deb-systemd-invoke and honour it.
# Prints PASS/FAIL per check and a summary; exit 0 only if every check passed.
#
# Environment: FTPD_DEBIAN_MIRROR, FTPD_DEBIAN_SECURITY_MIRROR override the mirrors taken from
# /etc/apt/sources.list*; KEEP_RUN=1 leaves the run's overlay upper directory for a post-mortem.
set -uo pipefail

build=${1:?usage: install_check.sh BUILD_DIR [PACKAGE_DIR]}
pkgdir=${2:-build-package}
suite=bookworm

started=$(date +%s)
passed=0
failed=0
failures=()

pass() { passed=$((passed + 1)); echo "PASS: $*"; }
fail() { failed=$((failed + 1)); failures+=("$*"); echo "FAIL: $*"; }
check() {  # check DESCRIPTION COMMAND...: PASS if the command succeeds
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
die() { echo "install_check: $*" >&2; exit 1; }
note() { echo "--- [$(( $(date +%s) - started )) s] $*"; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts); run it as root"
command -v curl >/dev/null || die "curl is missing (make deps installs it)"
command -v readelf >/dev/null || die "readelf is missing (binutils; g++ pulls it in)"
if ! command -v debootstrap >/dev/null; then
    note "installing debootstrap from Debian"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
        die "could not install debootstrap (apt-get install debootstrap)"
fi

deb=$(ls -t "$build"/ftpd_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "no $build/ftpd_*.deb; run make deb first"
deb=$(realpath "$deb")
mkdir -p "$pkgdir" || die "cannot create $pkgdir"
pkgdir=$(realpath "$pkgdir")
rootfs=$pkgdir/rootfs
stamp=$rootfs/.ftpd-install-check
run=$pkgdir/run.$$
root=$run/root

# ---- mirrors: the first URI the host uses for SUITE (deb822 .sources or one-line .list)
host_mirror() {
    local want=$1 f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        awk -v want="$want" '
            function found(u) { if (u ~ /^https?:\/\//) { sub(/\/+$/, "", u); print u; exit 0 } }
            FILENAME ~ /\.sources$/ {
                if ($0 ~ /^[ \t]*$/) { flush(); next }
                if ($1 == "Types:") types = $0
                if ($1 == "URIs:") uri = $2
                if ($1 == "Suites:") suites = " " $0 " "
                next
            }
            /^[ \t]*deb[ \t]/ {
                i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                if ($(i + 1) == want) found($i)
            }
            function flush() {
                if (types ~ /[ \t]deb([ \t]|$)/ && index(suites, " " want " ")) found(uri)
                types = ""; uri = ""; suites = ""
            }
            END { flush() }' "$f" | head -n 1
    done | head -n 1
}
mirror=${FTPD_DEBIAN_MIRROR:-$(host_mirror "$suite")}
mirror=${mirror:-http://deb.debian.org/debian}
security=${FTPD_DEBIAN_SECURITY_MIRROR:-$(host_mirror "$suite-security")}
security=${security:-http://deb.debian.org/debian-security}
key="suite=$suite variant=minbase mirror=$mirror security=$security"

# ---- mounts and processes
mounts_under() { findmnt -rn -o TARGET | awk -v d="$1" '$0 == d || index($0, d "/") == 1' | sort -r; }
umount_all_under() {  # deepest first; lazily as a last resort, which counts as a failure
    local m ok=0
    for m in $(mounts_under "$1"); do
        umount "$m" 2>/dev/null || { echo "umount $m failed; detaching it lazily" >&2; umount -l "$m"; ok=1; }
    done
    return $ok
}
mount_api() {  # /proc, the host's /dev (not its submounts) and a private /dev/shm in $1
    mount -t proc proc "$1/proc" &&
        mount --bind /dev "$1/dev" &&
        mount -t tmpfs -o mode=1777,size=64m shm "$1/dev/shm"
}
pids_in() {  # processes whose root directory is $1 (all of them started by this script)
    local p r
    for p in /proc/[0-9]*; do
        r=$(readlink "$p/root" 2>/dev/null) || continue
        [ "$r" = "$1" ] && echo "${p#/proc/}"
    done
}
stop_pids_in() {
    local p
    for p in $(pids_in "$1"); do kill -TERM "$p" 2>/dev/null; done
    for _ in $(seq 50); do [ -z "$(pids_in "$1")" ] && return 0; sleep 0.1; done
    for p in $(pids_in "$1"); do kill -KILL "$p" 2>/dev/null; done
}
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
                DEBIAN_FRONTEND=noninteractive "$@"; }

cleanup_status=0
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    if [ -d "$root" ]; then
        [ -n "$(pids_in "$root")" ] && echo "cleanup: stopping processes left in the chroot: $(pids_in "$root" | xargs)"
        stop_pids_in "$root"
    fi
    umount_all_under "$rootfs" || cleanup_status=1
    umount_all_under "$run" || cleanup_status=1
    if [ -z "$(mounts_under "$run")" ] && [ -z "$(mounts_under "$rootfs")" ]; then
        if [ "${KEEP_RUN:-0}" = 1 ]; then echo "kept $run"; else rm -rf "$run"; fi
    else
        echo "cleanup: mounts left under $run or $rootfs; not removing anything" >&2
        cleanup_status=1
    fi
    [ $cleanup_status = 0 ] || rc=1
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- 1. the cached Debian 12 root
build_rootfs() {
    local t0; t0=$(date +%s)
    note "creating the $suite minbase root in $rootfs from $mirror (first run; cached afterwards)"
    [ -z "$(mounts_under "$rootfs")" ] || die "mounts under $rootfs; unmount them first"
    rm -rf "$rootfs"
    debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$pkgdir/debootstrap.log" 2>&1 || {
        tail -n 30 "$pkgdir/debootstrap.log"; umount_all_under "$rootfs"; die "debootstrap failed (log: $pkgdir/debootstrap.log)"; }
    umount_all_under "$rootfs" || die "debootstrap left mounts under $rootfs"
    cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb $security $suite-security main
EOF
    cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
    # A throw-away test root: dpkg need not fsync every file it unpacks.
    echo force-unsafe-io >"$rootfs/etc/dpkg/dpkg.cfg.d/ftpd-install-check"
    mount_api "$rootfs" || die "cannot mount /proc and /dev in $rootfs"
    # Security updates as on a real machine; systemd's packages only downloaded (a later step
    # installs them so that ftpd's own Depends are checked against plain minbase).
    if ! { chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
           chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get -y -qq upgrade &&
           chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
               apt-get install -y -qq --download-only --no-install-recommends systemd man-db; } \
           >>"$pkgdir/debootstrap.log" 2>&1; then
        tail -n 30 "$pkgdir/debootstrap.log"; umount_all_under "$rootfs"; die "apt-get in the new root failed"
    fi
    umount_all_under "$rootfs" || die "cannot unmount $rootfs"
    echo "$key" >"$stamp"
    note "root created in $(( $(date +%s) - t0 )) s ($(du -sh "$rootfs" | cut -f1))"
}
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ]; then
    note "reusing the cached $suite root $rootfs"
else
    build_rootfs
fi

# ---- 2. a throw-away overlay over it (run directories of killed runs go first, unless mounted)
for d in "$pkgdir"/run.*; do
    [ -d "$d" ] && [ -z "$(mounts_under "$d")" ] && rm -rf "$d"
done
mkdir -p "$run/upper" "$run/work" "$root" || die "cannot create $run"
mount -t overlay overlay -o "lowerdir=$rootfs,upperdir=$run/upper,workdir=$run/work" "$root" ||
    die "cannot mount an overlay on $root"
mount_api "$root" || die "cannot mount /proc and /dev in $root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/" || die "cannot copy $deb"
debname=/tmp/$(basename "$deb")
log=$run/apt.log
: >"$log"
note "package $(basename "$deb"): Depends: $(dpkg-deb -f "$deb" Depends)"

apt_in_root() {  # apt_in_root ARGS...: apt-get in the chroot, logged in $log; its tail on failure
    local from
    from=$(( $(wc -l <"$log") + 1 ))
    echo "### apt-get $*" >>"$log"
    if in_root apt-get "$@" >>"$log" 2>&1; then return 0; fi
    echo "    apt-get $* failed; its output:"; tail -n "+$from" "$log" | tail -n 40 | sed 's/^/    | /'
    return 1
}
no_processes() { [ -z "$(pids_in "$root")" ]; }
file_in() { [ -f "$root$1" ]; }
absent_in() { [ ! -e "$root$1" ] && [ ! -L "$root$1" ]; }
dpkg_state() { in_root dpkg-query -W -f='${db:Status-Abbrev}' ftpd 2>/dev/null | tr -d ' '; }

summary() {
    echo
    echo "install_check: $passed passed, $failed failed ($(( $(date +%s) - started )) s)"
    local f
    for f in "${failures[@]}"; do echo "  failed: $f"; done
    if [ "$failed" = 0 ]; then echo "install_check: PASS"; exit 0; fi
    echo "install_check: FAIL"; exit 1
}

# ---- 3. install with no systemd running
[ ! -e "$root/run/systemd/system" ] || die "the root claims a running systemd (/run/systemd/system)"
note "apt-get update; apt-get install $debname (no systemd running, no policy-rc.d)"
apt_in_root update -qq || { fail "apt-get update in the chroot"; summary; }
if apt_in_root install -y "$debname"; then pass "apt-get install ./$(basename "$deb") exits 0"; else
    fail "apt-get install ./$(basename "$deb")"; summary; fi
check "dpkg: ftpd installed (ii)" test "$(dpkg_state)" = ii
missing=
for f in /usr/sbin/ftpd /usr/sbin/ftpctl /usr/bin/ftp /usr/lib/systemd/system/ftpd.service \
         /etc/ftpd.conf.example /etc/logrotate.d/ftpd /etc/fail2ban/filter.d/ftpd.conf \
         /usr/share/man/man8/ftpd.8.gz /usr/share/man/man5/ftpd.conf.5.gz; do
    [ -e "$root$f" ] || [ -e "$root${f%.gz}" ] || missing="$missing $f"
done
check "installed files at their Debian paths${missing:+ (missing:$missing)}" test -z "$missing"
check "postinst: /etc/ftpd.conf created from the example" cmp -s "$root/etc/ftpd.conf" "$root/etc/ftpd.conf.example"
check "postinst: /srv/ftp exists" test -d "$root/srv/ftp"
if out=$(in_root /usr/sbin/ftpd -t -c /etc/ftpd.conf 2>&1); then pass "ftpd -t -c /etc/ftpd.conf: $out"
else fail "ftpd -t -c /etc/ftpd.conf: $out"; fi
check "postinst: ftpd.service enabled (multi-user.target.wants link)" \
    test -L "$root/etc/systemd/system/multi-user.target.wants/ftpd.service"
check "the install started no process" no_processes
conffiles=$(in_root dpkg-query -W -f='${Conffiles}' ftpd | awk '{print $1}' | sort | xargs)
check "conffiles: $conffiles" test "$conffiles" = "/etc/fail2ban/filter.d/ftpd.conf /etc/ftpd.conf.example /etc/logrotate.d/ftpd"
# Every shared library the binaries load comes from a package that Depends names.
depends=" $(dpkg-deb -f "$deb" Depends | sed 's/([^)]*)//g; s/[,|]/ /g' | xargs) "
deps_ok=1
for bin in /usr/sbin/ftpd /usr/sbin/ftpctl /usr/bin/ftp; do
    resolved=$(in_root ldd "$bin")
    if echo "$resolved" | grep -q 'not found'; then fail "ldd $bin: $(echo "$resolved" | grep 'not found' | xargs)"; deps_ok=0; fi
    # The binary's own NEEDED entries (what ldd lists besides is its libraries' business).
    for soname in $(readelf -d "$root$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        lib=$(echo "$resolved" | awk -v so="$soname" '$1 == so && $3 ~ /^\// {print $3}')
        [ -n "$lib" ] || { fail "$bin: ldd does not resolve its NEEDED $soname"; deps_ok=0; continue; }
        owner=
        for path in "$lib" "$(in_root realpath "$lib")"; do  # dpkg knows /lib/... under merged /usr
            [ -n "$owner" ] || owner=$(in_root dpkg -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1)
            [ -n "$owner" ] || owner=$(in_root dpkg -S "${path#/usr}" 2>/dev/null | head -n 1 | cut -d: -f1)
        done
        # The package itself or a name it Provides (libspdlog1.10 provides libspdlog1.10-fmt9).
        named=no
        for name in $owner $(in_root dpkg-query -W -f='${Provides}' "$owner" 2>/dev/null | sed 's/([^)]*)//g; s/,/ /g'); do
            case "$depends" in *" $name "*) named=yes ;; esac
        done
        if [ $named = no ]; then fail "$bin needs $lib from package '${owner:-?}', which Depends does not name"; deps_ok=0; fi
    done
done
[ $deps_ok = 1 ] && pass "Depends names the package of every library ftpd, ftpctl and ftp load"

# ---- 4. the unit under systemd-analyze (systemd installed, still not running)
# man-db: verify also runs `man` on the unit's Documentation= pages, which the package installs.
note "apt-get install systemd man-db (downloaded with the root) for systemd-analyze"
if apt_in_root install -y -qq --no-install-recommends systemd man-db; then
    if out=$(in_root systemd-analyze verify /usr/lib/systemd/system/ftpd.service 2>&1); then
        if [ -z "$out" ]; then pass "systemd-analyze verify ftpd.service: clean"
        else fail "systemd-analyze verify ftpd.service printed: $out"; fi
    else fail "systemd-analyze verify ftpd.service failed: $out"; fi
else
    fail "apt-get install systemd man-db in the chroot"
fi

# ---- 5. the installed server, run in the foreground the way the unit runs it
note "starting /usr/sbin/ftpd -f in the chroot on 127.0.0.1"
payload=$(head -c 3000 /dev/urandom | base64 -w 76)
printf '%s\n' "$payload" >"$root/srv/ftp/install-check.txt"
chmod 0644 "$root/srv/ftp/install-check.txt"
conf=/etc/ftpd-install-check.conf
write_conf() {  # write_conf BANNER
    cat >"$root$conf" <<EOF
# written by tests/package/install_check.sh
listen = 127.0.0.1:0
root = /srv/ftp
anonymous = yes
workers = 2
user = nobody
banner = $1
pid_file = /run/ftpd-install-check.pid
EOF
}
write_conf "install check one"
ftpdlog=$run/ftpd.log
chroot "$root" /usr/sbin/ftpd -f -c "$conf" >"$ftpdlog" 2>&1 &
ftpd_pid=$!
wait_for() {  # wait_for DESCRIPTION COMMAND...: poll up to 30 s while ftpd lives
    local what=$1; shift
    for _ in $(seq 300); do
        "$@" && return 0
        kill -0 "$ftpd_pid" 2>/dev/null || { echo "    ftpd exited while waiting for $what"; return 1; }
        sleep 0.1
    done
    echo "    no $what after 30 s"; return 1
}
listening() { grep -qE 'listening on 127\.0\.0\.1:[0-9]+' "$ftpdlog"; }
if wait_for "'listening on' log line" listening && wait_for "'ready: generation 1'" grep -q 'ready: generation 1' "$ftpdlog"; then
    port=$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$ftpdlog" | head -n 1 | sed 's/.*://')
    pass "ftpd -f -c $conf started (pid $ftpd_pid, port $port)"
    check "the master runs the installed binary" test "$(readlink "/proc/$ftpd_pid/exe")" = "$root/usr/sbin/ftpd"
    check "pid_file names the master" test "$(cat "$root/run/ftpd-install-check.pid" 2>/dev/null)" = "$ftpd_pid"
    got=$run/download.txt
    if curl -sS --max-time 20 -o "$got" "ftp://127.0.0.1:$port/install-check.txt" && cmp -s "$got" "$root/srv/ftp/install-check.txt"; then
        pass "curl from the host downloads /srv/ftp/install-check.txt intact"
    else fail "curl download of /srv/ftp/install-check.txt"; fi
    status=$(in_root ftpctl -c "$conf" status 2>&1)
    echo "$status" | sed 's/^/    | /'
    rows=$(echo "$status" | awk '$1 ~ /^[0-9]+$/ && $3 == "1"' | wc -l)
    if echo "$status" | grep -q "^master $ftpd_pid, .*generation 1" && [ "$rows" = 2 ]; then
        pass "ftpctl status in the chroot: master $ftpd_pid, 2 workers of generation 1"
    else fail "ftpctl status in the chroot (want master $ftpd_pid and 2 generation-1 workers)"; fi

    # SIGHUP: once both generation-2 workers run, the new banner must be served.
    write_conf "install check two"
    kill -HUP "$ftpd_pid"
    gen2_running() { [ "$(in_root ftpctl -c "$conf" status 2>/dev/null | awk '$1 ~ /^[0-9]+$/ && $3 == "2" && $4 == "running"' | wc -l)" = 2 ]; }
    if wait_for "'reload: generation 2'" grep -q 'reload: generation 2' "$ftpdlog" &&
       wait_for "two running generation-2 workers in ftpctl status" gen2_running; then
        greeting=$(curl -sS -v --max-time 20 "ftp://127.0.0.1:$port/install-check.txt" -o "$got" 2>&1 | grep '^< 220' | head -n 1)
        if [[ $greeting == *"install check two"* ]] && cmp -s "$got" "$root/srv/ftp/install-check.txt"; then
            pass "SIGHUP reload: generation 2 serves the new banner ($greeting)"
        else fail "SIGHUP reload: greeting after reload is '$greeting'"; fi
        status=$(in_root ftpctl -c "$conf" status 2>&1)
        if echo "$status" | grep -q "generation 2, .*last reload ok"; then pass "ftpctl status: generation 2, last reload ok"
        else fail "ftpctl status after SIGHUP:"; echo "$status" | sed 's/^/    | /'; fi
    else fail "SIGHUP reload"; fi

    kill -TERM "$ftpd_pid"
    wait "$ftpd_pid"; rc=$?
    check "SIGTERM: ftpd exits with status 0 (got $rc)" test "$rc" = 0
    check "SIGTERM: 'stopped' logged" grep -q 'stopped' "$ftpdlog"
    check "SIGTERM: no process left in the chroot" no_processes
    check "SIGTERM: no ftpd.* objects left in /dev/shm" test -z "$(find "$root/dev/shm" -maxdepth 1 -name 'ftpd.*')"
    check "SIGTERM: pid_file removed" absent_in /run/ftpd-install-check.pid
else
    fail "ftpd -f did not come up; its log:"; sed 's/^/    | /' "$ftpdlog"
    kill -TERM "$ftpd_pid" 2>/dev/null; wait "$ftpd_pid" 2>/dev/null
fi
rm -f "$root$conf"

# ---- 5b. apt-get install of a newer version of the package while a download runs: the
# postinst finds ftpd running on /etc/ftpd.conf and upgrades the binary (`ftpctl upgrade`)
# instead of restarting; the download must complete intact, and the new master serve.
note "package upgrade during a download: a newer version of $(basename "$deb")"
newer=$run/newer
version=$(dpkg-deb -f "$deb" Version)
if ! { rm -rf "$newer" && mkdir -p "$newer" && dpkg-deb -R "$deb" "$newer/pkg" &&
        sed -i "s/^Version: .*/Version: $version+upgradecheck/" "$newer/pkg/DEBIAN/control" &&
        dpkg-deb -b "$newer/pkg" "$root/tmp/ftpd-newer.deb" >/dev/null; }; then
    fail "repacking $(basename "$deb") as $version+upgradecheck"
fi
cp "$root/etc/ftpd.conf" "$run/ftpd.conf.saved"
conf=/etc/ftpd.conf
write_conf "upgrade check"
sed -i 's#^pid_file = .*#pid_file = /run/ftpd.pid#' "$root$conf"
echo "shutdown_timeout = 300" >>"$root$conf"  # the old master drains the download to its end
big=/srv/ftp/upgrade-check.bin
head -c $((48 << 20)) /dev/urandom >"$root$big" && chmod 0644 "$root$big"
ftpdlog=$run/ftpd-upgrade.log
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin /usr/sbin/ftpd -f -c "$conf" >"$ftpdlog" 2>&1 &
ftpd_pid=$!
if wait_for "'listening on' log line" listening && wait_for "'ready: generation 1'" grep -q 'ready: generation 1' "$ftpdlog"; then
    port=$(grep -oE 'listening on 127\.0\.0\.1:[0-9]+' "$ftpdlog" | head -n 1 | sed 's/.*://')
    got=$run/upgrade-download.bin
    curl -sS --max-time 240 --limit-rate 2M -o "$got" "ftp://127.0.0.1:$port/${big#/srv/ftp/}" &
    curl_pid=$!
    downloading() { [ -s "$got" ]; }
    wait_for "the download to begin" downloading
    if apt_in_root install -y /tmp/ftpd-newer.deb; then pass "apt-get install of version $version+upgradecheck exits 0"
    else fail "apt-get install of version $version+upgradecheck"; fi
    new_pid=$(cat "$root/run/ftpd.pid" 2>/dev/null)
    if [ -n "$new_pid" ] && [ "$new_pid" != "$ftpd_pid" ] && grep -q "upgrade: master $new_pid is ready" "$ftpdlog"; then
        pass "postinst: binary upgrade from master $ftpd_pid to $new_pid"
    else
        fail "postinst did not upgrade the binary (pid file: '$new_pid'); log:"; tail -n 20 "$ftpdlog" | sed 's/^/    | /'
        new_pid=
        kill -TERM "$curl_pid" "$ftpd_pid" 2>/dev/null
    fi
    if kill -0 "$curl_pid" 2>/dev/null; then pass "the download was still running after the upgrade"
    else fail "the download ended before the package upgrade finished (too fast to show anything)"; fi
    wait "$curl_pid"; crc=$?
    if [ "$crc" = 0 ] && cmp -s "$got" "$root$big"; then pass "the download across the package upgrade completed intact"
    else fail "the download across the package upgrade (curl status $crc)"; fi
    wait "$ftpd_pid"; rc=$?
    check "the old master exits with status 0 after draining (got $rc)" test "$rc" = 0
    greeting=$(curl -sS -v --max-time 20 "ftp://127.0.0.1:$port/install-check.txt" -o /dev/null 2>&1 | grep '^< 220' | head -n 1)
    check "the new master serves ($greeting)" test -n "$greeting"
    if [ -n "$new_pid" ]; then
        kill -TERM "$new_pid" 2>/dev/null
        for _ in $(seq 300); do kill -0 "$new_pid" 2>/dev/null || break; sleep 0.1; done
    fi
    check "upgrade: no process left in the chroot" no_processes
    check "upgrade: no ftpd.* objects left in /dev/shm" test -z "$(find "$root/dev/shm" -maxdepth 1 -name 'ftpd.*')"
else
    fail "ftpd -f -c /etc/ftpd.conf did not come up; its log:"; sed 's/^/    | /' "$ftpdlog"
    kill -TERM "$ftpd_pid" 2>/dev/null; wait "$ftpd_pid" 2>/dev/null
fi
stop_pids_in "$root"
cp "$run/ftpd.conf.saved" "$root/etc/ftpd.conf"
rm -f "$root$big" "$root/tmp/ftpd-newer.deb"

# ---- 6. remove, then purge
note "apt-get remove ftpd; apt-get purge ftpd"
if apt_in_root remove -y ftpd; then pass "apt-get remove ftpd exits 0"; else fail "apt-get remove ftpd"; fi
check "remove: dpkg state rc (config files kept)" test "$(dpkg_state)" = rc
check "remove: binaries gone" absent_in /usr/sbin/ftpd
check "remove: /etc/ftpd.conf kept" file_in /etc/ftpd.conf
check "remove: conffiles kept" file_in /etc/logrotate.d/ftpd
check "remove: no process left" no_processes
if apt_in_root purge -y ftpd; then pass "apt-get purge ftpd exits 0"; else fail "apt-get purge ftpd"; fi
check "purge: dpkg knows no ftpd" test -z "$(dpkg_state | grep -v '^un$' | grep -v '^$')"
for f in /etc/ftpd.conf /etc/ftpd.conf.example /etc/logrotate.d/ftpd /etc/fail2ban/filter.d/ftpd.conf \
         /etc/systemd/system/multi-user.target.wants/ftpd.service /etc/systemd/system/ftpd.service; do
    check "purge: $f gone" absent_in "$f"
done
check "purge: no deb-systemd-helper state for ftpd left" \
    test -z "$(find "$root/var/lib/systemd/deb-systemd-helper-enabled" "$root/var/lib/systemd/deb-systemd-helper-masked" -name '*ftpd*' 2>/dev/null)"
check "purge: /srv/ftp with its served file kept" file_in /srv/ftp/install-check.txt
check "purge: no process left" no_processes

# ---- 7. as if systemd were running, with a policy-rc.d that forbids starting services
note "install and purge again with /run/systemd/system present and policy-rc.d exiting 101"
mkdir -p "$root/run/systemd/system"
cat >"$root/usr/sbin/policy-rc.d" <<'EOF'
#!/bin/sh
echo "$*" >>/tmp/policy-rc.d.log
exit 101
EOF
chmod 0755 "$root/usr/sbin/policy-rc.d"
if apt_in_root install -y "$debname"; then pass "policy-rc.d 101: apt-get install exits 0"; else fail "policy-rc.d 101: apt-get install"; fi
check "policy-rc.d 101: the postinst asked to start ftpd.service through deb-systemd-invoke" \
    grep -qx 'ftpd.service start' "$root/tmp/policy-rc.d.log"
check "policy-rc.d 101: nothing started" no_processes
if apt_in_root purge -y ftpd; then pass "policy-rc.d 101: apt-get purge exits 0"; else fail "policy-rc.d 101: apt-get purge"; fi
check "policy-rc.d 101: the prerm asked to stop ftpd.service" grep -qx 'ftpd.service stop' "$root/tmp/policy-rc.d.log"
check "policy-rc.d 101: no process left" no_processes

summary
