#!/bin/sh
# Builds the .deb with cpack in the build directory and checks its contents with
# dpkg-deb -c: binaries, man pages, example configuration, systemd unit, logrotate and
# fail2ban files, at their Debian paths; then the maintainer scripts and the conffiles list.
# Exit 77 (skipped) without cpack or dpkg-deb. tests/package/install_check.sh (make
# test-package) installs and runs the package on a Debian 12 root.
set -eu
build=$1
command -v cpack >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 || { echo "skipped: cpack or dpkg-deb missing"; exit 77; }
cd "$build"
# The package installs under /usr with its configuration in /etc (GNUInstallDirs derives
# /etc from the /usr prefix); re-configuring the prefix rebuilds nothing.
cmake -DCMAKE_INSTALL_PREFIX=/usr . >cpack.log 2>&1 || { cat cpack.log; exit 1; }
rm -f ftpd_*.deb
cpack -G DEB >cpack.log 2>&1 || { cat cpack.log; exit 1; }
deb=$(ls ftpd_*.deb)
contents=$(dpkg-deb -c "$deb")
status=0
for path in ./usr/sbin/ftpd ./usr/sbin/ftpctl ./usr/bin/ftp \
            ./usr/share/man/man8/ftpd.8 ./usr/share/man/man8/ftpctl.8 ./usr/share/man/man5/ftpd.conf.5 \
            ./usr/share/man/man1/ftp.1 ./etc/ftpd.conf.example ./usr/lib/systemd/system/ftpd.service \
            ./etc/logrotate.d/ftpd ./etc/fail2ban/filter.d/ftpd.conf; do
    if printf '%s\n' "$contents" | grep -q " $path\$"; then echo "ok: $path"; else echo "MISSING: $path"; status=1; fi
done
dpkg-deb -f "$deb" Package Depends | sed 's/^/control: /'
for script in postinst prerm postrm; do
    dpkg-deb -I "$deb" $script >/dev/null 2>&1 || { echo "MISSING: $script"; status=1; }
done
conffiles=$(dpkg-deb -I "$deb" conffiles 2>/dev/null | sort | xargs)
if [ "$conffiles" = "/etc/fail2ban/filter.d/ftpd.conf /etc/ftpd.conf.example /etc/logrotate.d/ftpd" ]; then
    echo "ok: conffiles $conffiles"
else
    echo "WRONG conffiles: '$conffiles'"; status=1
fi
exit $status
