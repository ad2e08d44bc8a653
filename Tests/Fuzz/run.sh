#!/usr/bin/env bash
# Builds the libFuzzer harnesses (Tests/Fuzz) and runs each for a fixed time.
#   Tests/Fuzz/run.sh SECONDS [HARNESS...]     default: every harness with a seed corpus
# Environment:
#   FUZZ_OUT      where corpora grow and crash artifacts land (default /tmp/kiln-fuzz);
#                 the committed seeds in Tests/Fuzz/Corpus are only read
#   FUZZ_FRESH=1  start from the committed seeds alone (what the smoke run does)
#   FUZZ_JOBS     harnesses run side by side (default 1)
#   FUZZ_NO_BUILD=1  use the binary already built (several runs in parallel)
#   FUZZ_BIN      the harness binary (default .build-fuzz/debug/kiln-fuzz)
# Prints one line per harness (runs, exec/s, cov, ft, corpus, seconds) and exits non-zero
# when any harness crashed, timed out or ran out of memory, naming the artifact.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
shift || true
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(ls Tests/Fuzz/Corpus); fi
out="${FUZZ_OUT:-/tmp/kiln-fuzz}"
scratch=.build-fuzz
lock=()
command -v flock >/dev/null && lock=(flock /tmp/kiln-build.lock)

# swiftc keeps only the last -sanitize= it is given, and SwiftPM passes fuzzer and address
# as two flags: without the combined flag last, Swift code gets ASan but no coverage.
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
    mkdir -p "$out"
    if ! "${lock[@]}" swift build --package-path Tests/Fuzz --scratch-path "$scratch" \
        --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address >"$out/build.log" 2>&1; then
        grep -E "error" "$out/build.log" | head -20
        echo "fuzz: build failed (log: $out/build.log)"
        exit 1
    fi
    tail -1 "$out/build.log"
fi
bin="${FUZZ_BIN:-$scratch/debug/kiln-fuzz}"
[ -x "$bin" ] || { echo "fuzz: build failed ($bin missing)"; exit 1; }

# One harness: grow its corpus from the seeds, then summarise libFuzzer's final stats.
run_one() {
    local t="$1" work="$out/$1"
    [ -d "Tests/Fuzz/Corpus/$t" ] || { echo "fuzz $t: no seed corpus Tests/Fuzz/Corpus/$t"; return 1; }
    [ "${FUZZ_FRESH:-0}" = 1 ] && rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    local start status=0
    start=$(date +%s)
    KILN_FUZZ_TARGET="$t" SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" "$bin" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" "$work/corpus" "Tests/Fuzz/Corpus/$t" >"$work/log" 2>&1 || status=$?
    local took=$(($(date +%s) - start))
    local runs rate final
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -1)
    final=$(grep -E '^#[0-9]+' "$work/log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' || true)
    if [ "$status" -eq 0 ]; then
        echo "fuzz $t: ok runs=${runs:-?} exec/s=${rate:-?} ${final:-no stats} time=${took}s"
    else
        local artifact
        artifact=$(grep -oE "Test unit written to \S+" "$work/log" | tail -1 | cut -d' ' -f5)
        echo "fuzz $t: FAILED (exit $status) runs=${runs:-?} ${final:-} time=${took}s artifact=${artifact:-none} log=$work/log"
        grep -E "ERROR: |Fatal error|SUMMARY" "$work/log" | head -5 | sed 's/^/    /'
        return 1
    fi
}

failed=0
jobs="${FUZZ_JOBS:-1}"
if [ "$jobs" -le 1 ]; then
    for t in "${targets[@]}"; do run_one "$t" || failed=1; done
else
    export -f run_one
    export seconds out bin
    printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} || failed=1
fi
[ "$failed" -eq 0 ] || { echo "fuzz: at least one harness failed (artifacts under $out/<harness>/artifacts)"; exit 1; }
