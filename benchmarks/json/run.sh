#!/usr/bin/env bash
# Kiln's V2 JSON request decoder vs Python orjson.loads on the same 1x3x224x224 FP32 body.
# Usage: benchmarks/json/run.sh [iterations]   (needs python3 with numpy and orjson)
set -euo pipefail
cd "$(dirname "$0")/../.."
iterations="${1:-50}"
body="$(mktemp /tmp/kiln-v2-bench.XXXXXX.json)"
trap 'rm -f "$body"' EXIT

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

# The Swift side is a test gated by KILN_JSON_BENCH (a no-op in normal test runs). `swift test`
# builds it in release with testable imports (plain `swift build -c release` would not); the
# second mode's build is a no-op.

for mode in f32 f64; do
    py_line="$(python3 benchmarks/json/bench.py "$body" "$mode" "$iterations")"
    echo "$py_line"
    swift_line="$(KILN_JSON_BENCH=1 KILN_JSON_BENCH_BODY="$body" KILN_JSON_BENCH_ITERATIONS="$iterations" \
        swift test -c release --filter V2DecoderBenchmark 2>&1 | grep '^KILN_JSON_BENCH')"
    echo "$swift_line"
    python3 -c "import sys; k, o = float(sys.argv[1]), float(sys.argv[2]); print(f'{sys.argv[3]}: Kiln/orjson throughput {k/o:.2f}x ({k:.0f} vs {o:.0f} MB/s)')" \
        "$(field MBps "$swift_line")" "$(field MBps "$py_line")" "$mode"
done
