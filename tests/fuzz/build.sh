#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ into OUTDIR with clang++, ASan and UBSan,
# straight from the sources (no CMake). Each source is compiled once into OUTDIR/obj and
# recompiled only when it or a header it includes changed; one job at a time.
#
#   tests/fuzz/build.sh OUTDIR [TARGET...]     (default: every target below)
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: $0 OUTDIR [TARGET...]" >&2
    exit 2
fi
repo=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$1/obj"
out=$(cd "$1" && pwd)
shift
cxx=${FUZZ_CXX:-clang++}

# The sources each target needs besides its own tests/fuzz/<target>.cpp, and its libraries.
declare -A sources=(
    [fuzz_command]="worker/protocol/command.cpp worker/protocol/line_buffer.cpp"
    [fuzz_address]="worker/protocol/address.cpp"
    [fuzz_reply_listing]="worker/protocol/reply.cpp worker/protocol/listing.cpp"
    [fuzz_path]="worker/fs/fs_root.cpp ipc/sys/syscall.cpp"
    [fuzz_config]="master/config.cpp master/config_keys.cpp master/users_watch.cpp worker/logging.cpp worker/accounts.cpp worker/tls_context.cpp worker/protocol/address.cpp worker/protocol/address_set.cpp worker/protocol/size_text.cpp"
    [fuzz_users]="worker/accounts.cpp worker/protocol/size_text.cpp"
    [fuzz_event]="ipc/event.cpp"
    [fuzz_proxy_header]="worker/protocol/proxy_header.cpp worker/protocol/address_set.cpp"
)
declare -A libs=(
    [fuzz_config]="-lboost_program_options -lspdlog -lfmt -lcrypt -lssl -lcrypto -pthread"
    [fuzz_users]="-lcrypt"
    [fuzz_event]="-pthread -lrt"
)
all_targets="fuzz_command fuzz_address fuzz_reply_listing fuzz_path fuzz_config fuzz_users fuzz_event fuzz_proxy_header"

# As CMakeLists.txt defines them, so the fuzzed code is the code that ships.
common=(-std=c++20 -g -O1 -fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter -I"$repo"
        -DBOOST_INTERPROCESS_ENABLE_TIMEOUT_WHEN_LOCKING
        -DBOOST_INTERPROCESS_TIMEOUT_WHEN_LOCKING_DURATION_MS=250
        -DFTPD_VERSION=\"fuzz\" -DSPDLOG_SHARED_LIB -DSPDLOG_COMPILED_LIB -DSPDLOG_FMT_EXTERNAL)
# Objects carry the sanitizers' and libFuzzer's instrumentation; only the link adds
# libFuzzer's main(). UBSan must abort, or libFuzzer would never see its reports.
compile_flags=("${common[@]}" -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined)
link_flags=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)

# A change of compiler or flags invalidates every object.
stamp="$out/obj/flags"
if [ "$(cat "$stamp" 2>/dev/null)" != "$cxx ${compile_flags[*]}" ]; then
    rm -f "$out"/obj/*.o "$out"/obj/*.d
    echo "$cxx ${compile_flags[*]}" > "$stamp"
fi

# True when $1 (an object) is missing or older than a file its .d lists.
stale() {
    local obj=$1 dep
    [ -f "$obj" ] && [ -f "$obj.d" ] || return 0
    for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$obj.d"); do
        [ -e "$dep" ] && [ ! "$dep" -nt "$obj" ] || return 0
    done
    return 1
}

# Compiles repo-relative source $1 and prints the object's path.
compile() {
    local src=$1 obj
    obj="$out/obj/$(echo "$src" | tr / _).o"
    if stale "$obj"; then
        echo "  CXX  $src" >&2
        "$cxx" "${compile_flags[@]}" -MMD -MF "$obj.d" -c "$repo/$src" -o "$obj"
    fi
    echo "$obj"
}

targets=${*:-$all_targets}
for t in $targets; do
    if [ -z "${sources[$t]+set}" ]; then
        echo "build.sh: unknown target '$t' (known: $all_targets)" >&2
        exit 2
    fi
    objs=()
    for src in "tests/fuzz/$t.cpp" ${sources[$t]}; do
        objs+=("$(compile "$src")")
    done
    bin="$out/$t"
    relink=0
    [ -x "$bin" ] || relink=1
    for o in "${objs[@]}"; do [ "$o" -nt "$bin" ] && relink=1; done
    if [ "$relink" = 1 ]; then
        echo "  LINK $t" >&2
        # shellcheck disable=SC2086  # libs is a list of words
        "$cxx" "${link_flags[@]}" "${objs[@]}" ${libs[$t]:-} -o "$bin"
    fi
done
echo "build.sh: targets in $out: $targets"
