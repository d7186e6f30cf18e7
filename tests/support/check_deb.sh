#!/bin/sh
# Builds the .deb with cpack in the build directory and checks its contents with
# dpkg-deb -c: binaries, man pages, example configuration, systemd unit, logrotate and
# fail2ban files, at their Debian paths. Exit 77 (skipped) without cpack or dpkg-deb.
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
dpkg-deb -I "$deb" postinst >/dev/null || { echo "MISSING: postinst"; status=1; }
exit $status
