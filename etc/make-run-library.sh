#!/bin/sh
# Used by `make run`: creates a sample library and a config for a local foreground ftpd.
# Usage: make-run-library.sh RUN_DIR PORT
set -eu
dir=$1 port=$2
lib=$dir/library
mkdir -p "$lib/docs" "$lib/upload"
[ -f "$lib/hello.txt" ] || echo "Hello from ftpd." > "$lib/hello.txt"
[ -f "$lib/readme.txt" ] || printf 'This is the sample library of `make run`.\nDot-files are hidden.\n' > "$lib/readme.txt"
[ -f "$lib/.hidden" ] || echo "you should not see me in a listing" > "$lib/.hidden"
[ -f "$lib/docs/guide.txt" ] || echo "A file in a subdirectory." > "$lib/docs/guide.txt"
[ -f "$lib/random.bin" ] || head -c 4194304 /dev/urandom > "$lib/random.bin"
# When started as root the workers run as `nobody`: let it read and upload.
chmod 0777 "$lib" "$lib/upload"
chmod 0755 "$dir" "$lib/docs"
cat > "$dir/ftpd.conf" <<CONF
# Written by \`make run\`; see etc/ftpd.conf for every key.
listen = 127.0.0.1:$port
workers = 2
root = $lib
anonymous = yes
anonymous_write = yes
pid_file = $dir/ftpd.pid
log_level = info
CONF
# A self-signed certificate for 127.0.0.1, so AUTH TLS can be tried (tls = explicit).
if command -v openssl >/dev/null 2>&1; then
    if [ ! -f "$dir/server.crt" ] || [ ! -f "$dir/server.key" ]; then
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
            -keyout "$dir/server.key" -out "$dir/server.crt" -days 30 -subj /CN=127.0.0.1 \
            -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
        chmod 0600 "$dir/server.key"
    fi
    printf 'tls = explicit\ntls_cert = %s\ntls_key = %s\n' "$dir/server.crt" "$dir/server.key" >> "$dir/ftpd.conf"
fi
