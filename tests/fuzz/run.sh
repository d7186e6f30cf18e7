#!/usr/bin/env bash
# Runs every fuzz target that build.sh left in OUTDIR for SECONDS each, one at a time,
# starting from a temporary copy of its seed corpus (tests/fuzz/corpus/<target>/ is never
# written). Prints one line per target; exits 1 if any target crashed, leaked, timed out
# or ran out of memory, keeping the input and the log under OUTDIR/crashes/<target>/.
#
#   tests/fuzz/run.sh OUTDIR SECONDS [TARGET...]
set -uo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 OUTDIR SECONDS [TARGET...]" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$(cd "$1" && pwd) || exit 2
seconds=$2
shift 2
targets=${*:-fuzz_command fuzz_address fuzz_reply_listing fuzz_path fuzz_config fuzz_users fuzz_event fuzz_proxy_header}

# UBSan reports must stop the run (the build also says -fno-sanitize-recover).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

work=$(mktemp -d "${TMPDIR:-/tmp}/ftpd-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

failed=0
for t in $targets; do
    bin="$out/$t"
    if [ ! -x "$bin" ]; then
        echo "$t: not built (run tests/fuzz/build.sh $out)"
        failed=1
        continue
    fi
    mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
    [ -d "$here/corpus/$t" ] && cp -R "$here/corpus/$t/." "$work/$t/corpus/"
    dict=()
    [ -f "$here/$t.dict" ] && dict=(-dict="$here/$t.dict")
    log="$out/$t.log"
    (cd "$work/$t" && "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" "${dict[@]}" corpus \
        </dev/null >"$log" 2>&1)
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    # The last status line: "#1234 ... cov: 512 ft: 1800 corp: 40/2Kb ...".
    status=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
    corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$status")
    summary="${runs:-?} runs, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
    if [ "$rc" = 0 ]; then
        echo "$t: $summary, ok"
        continue
    fi
    failed=1
    keep="$out/crashes/$t"
    mkdir -p "$keep"
    cp "$work/$t/artifacts/"* "$keep/" 2>/dev/null
    cp "$log" "$keep/"
    echo "$t: $summary, FAILED (exit $rc); input and log in $keep/"
    grep -m1 -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error|invariant broken|uncaught exception' "$log" |
        sed 's/^/    /'
done
exit "$failed"
