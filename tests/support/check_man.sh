#!/bin/sh
# Lints every man page: man(1) must render it without warnings and mandoc must find no
# warnings or errors. Exit 77 (skipped) when neither tool is installed.
set -u
cd "$(dirname "$0")/../.."
have_man=0; have_mandoc=0
command -v man >/dev/null 2>&1 && have_man=1
command -v mandoc >/dev/null 2>&1 && have_mandoc=1
if [ $have_man = 0 ] && [ $have_mandoc = 0 ]; then echo "skipped: neither man nor mandoc installed"; exit 77; fi
status=0
for page in man/*.[0-9]; do
    if [ $have_man = 1 ]; then
        out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
        if [ -n "$out" ]; then echo "$page: man --warnings:"; echo "$out"; status=1; fi
    fi
    if [ $have_mandoc = 1 ]; then
        out=$(mandoc -T lint -W warning "$page" 2>&1)
        if [ -n "$out" ]; then echo "$page: mandoc -T lint:"; echo "$out"; status=1; fi
    fi
    [ $status = 0 ] && echo "$page: ok"
done
exit $status
