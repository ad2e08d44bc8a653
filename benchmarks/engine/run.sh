#!/usr/bin/env bash
# Engine benchmark (not a test): `kiln bench` against onnxruntime on the five networks of
# Tests/engine/make_models.py (MobileNetV2 x0.5, grayscale ResNet-18, MLP, embedding+LSTM
# classifier, Transformer encoder block) at batch 1 and 8, threads 1 and 2, in one run,
# Kiln and onnxruntime alternating per configuration. Prints a markdown table with the
# Kiln/onnxruntime p50 latency ratio, the command and the date.
#
# Usage: benchmarks/engine/run.sh [--no-build] [--quick] [--iterations N] [--warmup N]
#                                 [--rounds N] [--networks a,b] [--batches 1,8]
#                                 [--threads 1,2] [--peers kiln,ort] [--modes native,haswell]
#                                 [--out FILE]
#
#   --no-build     use the existing binary ($BENCH_KILN_BIN, default .build/release/kiln)
#                  instead of `make -C <repo> release`
#   --quick        20 iterations, 3 warm-up
#   --iterations N timed iterations per configuration (default 100; warm-up 10)
#   --rounds N     repeat every configuration N times (medians reported; default 1)
#   --peers LIST   kiln,ort (default both; `--peers ort` runs without a kiln binary)
#   --modes LIST   native: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (the figure that
#                  counts); haswell: both set as on the development/CI machines
#                  (OPENBLAS_CORETYPE from the environment or "Haswell", OPENBLAS_L2_SIZE
#                  from the environment or $BENCH_OPENBLAS_L2_SIZE, else left unset).
#                  Default: both, reported as two tables.
#   --out FILE     also write the markdown to FILE (e.g. to paste into docs/performance.md)
#
# Scratch space: $KILN_BENCH_DIR (default /tmp/kiln-bench): models/ (ONNX, regenerated),
# engine-<UTC time>/kiln/*.kiln, results.jsonl (every measurement) and summary.md.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/benchmarks/engine"
WORK_ROOT="${KILN_BENCH_DIR:-/tmp/kiln-bench}"
COMMAND_LINE="benchmarks/engine/run.sh $*"

# The CI setting, captured before anything is unset; used only by the "haswell" mode.
CI_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
CI_L2_SIZE="${OPENBLAS_L2_SIZE:-${BENCH_OPENBLAS_L2_SIZE:-}}"

BUILD=1
ITERATIONS=100
WARMUP=10
ROUNDS=1
NETWORKS="mobilenetv2_x0.5,resnet18_gray,mlp,lstm_classifier,transformer_block"
BATCHES="1,8"
THREADS="1,2"
PEERS="kiln,ort"
MODES="native,haswell"
OUT=""

while [[ $# -gt 0 ]]; do
    case "$1" in
        --no-build) BUILD=0 ;;
        --quick) ITERATIONS=20; WARMUP=3 ;;
        --iterations) ITERATIONS="$2"; shift ;;
        --warmup) WARMUP="$2"; shift ;;
        --rounds) ROUNDS="$2"; shift ;;
        --networks) NETWORKS="$2"; shift ;;
        --batches) BATCHES="$2"; shift ;;
        --threads) THREADS="$2"; shift ;;
        --peers) PEERS="$2"; shift ;;
        --modes) MODES="$2"; shift ;;
        --out) OUT="$2"; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

has_peer() { [[ ",$PEERS," == *",$1,"* ]]; }
python3 -c 'import onnx, onnxruntime, numpy' 2>/dev/null || {
    echo "missing Python packages: pip install -r Tests/engine/requirements.txt" >&2; exit 2; }

# Everything below (build, conversion, generation) runs with the OpenBLAS variables unset;
# bench.py sets them again per measurement for the "haswell" mode.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

KILN="${BENCH_KILN_BIN:-$REPO/.build/release/kiln}"
if has_peer kiln; then
    if [[ $BUILD -eq 1 ]]; then
        make -C "$REPO" release
        KILN="$REPO/.build/release/kiln"
    fi
    [[ -x "$KILN" ]] || { echo "kiln binary not found: $KILN (build it or drop --no-build)" >&2; exit 2; }
fi

mkdir -p "$WORK_ROOT"
WORK="$WORK_ROOT/engine-$(date -u +%Y%m%dT%H%M%SZ)"
MODELS="$WORK_ROOT/models"
mkdir -p "$WORK/kiln"

echo "generating networks into $MODELS" >&2
python3 "$REPO/Tests/engine/make_models.py" "$MODELS" --kind net --only "$NETWORKS" -q >&2

if has_peer kiln; then
    IFS=',' read -r -a NET_LIST <<<"$NETWORKS"
    for net in "${NET_LIST[@]}"; do
        echo "kiln convert $net" >&2
        "$KILN" convert "$MODELS/$net/model.onnx" -o "$WORK/kiln/$net.kiln" --name "$net" >"$WORK/kiln/$net.convert.log" 2>&1 \
            || { echo "kiln convert failed for $net (see $WORK/kiln/$net.convert.log):" >&2; tail -5 "$WORK/kiln/$net.convert.log" >&2; exit 1; }
    done
fi

args=(run --kiln "$KILN" --models "$MODELS" --work "$WORK" --networks "$NETWORKS"
      --batches "$BATCHES" --threads "$THREADS" --iterations "$ITERATIONS" --warmup "$WARMUP"
      --rounds "$ROUNDS" --peers "$PEERS" --modes "$MODES" --coretype "$CI_CORETYPE"
      --l2-size "$CI_L2_SIZE" --command-line "$COMMAND_LINE")
[[ -n "$OUT" ]] && args+=(--out "$OUT")
python3 "$HERE/bench.py" "${args[@]}"
