#!/usr/bin/env bash
# ctest fuzz_smoke: builds the fuzz targets into OUTDIR and runs each for a few seconds
# (FUZZ_SMOKE_SECONDS, default 10), so a crash the seeds or a short run find fails the
# tests. Exits 77, which ctest reports as skipped, when clang++ or libFuzzer is missing.
#
#   tests/fuzz/smoke.sh OUTDIR
set -uo pipefail

out=${1:?usage: $0 OUTDIR}
seconds=${FUZZ_SMOKE_SECONDS:-5}
cxx=${FUZZ_CXX:-clang++}

if ! command -v "$cxx" >/dev/null 2>&1; then
    echo "skipped: $cxx not found (install clang and libclang-rt-14-dev)"
    exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
probe=$(mktemp -d "${TMPDIR:-/tmp}/ftpd-fuzz-probe.XXXXXX")
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >"$probe/p.cpp"
if ! "$cxx" -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" >"$probe/log" 2>&1; then
    echo "skipped: $cxx cannot link libFuzzer with ASan/UBSan (install libclang-rt-14-dev):"
    sed 's/^/    /' "$probe/log" | head -5
    exit 77
fi

bash "$here/build.sh" "$out" || exit 1
bash "$here/run.sh" "$out" "$seconds"
