#!/usr/bin/env bash
# HTTP benchmark: Kiln vs Hummingbird 2 vs nginx on GET /v2/health/live (13-byte JSON).
#
# Usage: benchmarks/http/run.sh [--quick] [--rounds N] [--duration 10s] [--warmup 2s]
#                               [--peers kiln,hb,nginx] [--no-build] [--out FILE]
#
#   --quick        -d3s, 1 round, 1 s warm-up
#   --rounds N     rounds per concurrency level (default 3; servers alternate within a round)
#   --peers LIST   any of kiln,hb,nginx (default all three)
#   --no-build     use existing binaries (.build/release/kiln, $WORK/hb-build/release/HBHello)
#   --out FILE     also write the markdown summary to FILE
#   env BENCH_KILN_BIN / BENCH_HB_BIN override the binaries (with --no-build)
#
# Everything runs on 127.0.0.1. Scratch space: $KILN_BENCH_DIR (default /tmp/kiln-bench).
# For each of -c64 (wrk -t2) and -c1 (wrk -t1), every round runs each server once, rotating
# the order per round; summarize.py prints medians and kiln/peer ratios.
set -euo pipefail
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/benchmarks/http"
WORK="${KILN_BENCH_DIR:-/tmp/kiln-bench}"
ROUNDS=3
DURATION=10s
WARMUP=2s
PEERS="kiln,hb,nginx"
BUILD=1
OUT=""
COMMAND_LINE="benchmarks/http/run.sh $*"

while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) DURATION=3s; ROUNDS=1; WARMUP=1s ;;
        --rounds) ROUNDS="$2"; shift ;;
        --duration) DURATION="$2"; shift ;;
        --warmup) WARMUP="$2"; shift ;;
        --peers) PEERS="$2"; shift ;;
        --no-build) BUILD=0 ;;
        --out) OUT="$2"; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

IFS=',' read -r -a PEER_LIST <<<"$PEERS"
for p in "${PEER_LIST[@]}"; do
    case "$p" in kiln|hb|nginx) ;; *) echo "unknown peer: $p (use kiln,hb,nginx)" >&2; exit 2 ;; esac
done
has_peer() { [[ ",$PEERS," == *",$1,"* ]]; }

for tool in wrk curl python3; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done
if has_peer nginx; then
    NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
    [[ -x "$NGINX_BIN" ]] || { echo "nginx not found (apt-get install nginx)" >&2; exit 2; }
fi

RESULTS="$WORK/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$WORK" "$RESULTS"
LOGS="$RESULTS/logs"
mkdir -p "$LOGS"

# ------------------------------------------------------------------ cleanup
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]:-}"; do
        [[ -n "$pid" ]] || continue
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    for pid in "${PIDS[@]:-}"; do
        [[ -n "$pid" ]] || continue
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# ------------------------------------------------------------------ build
KILN_BIN="${BENCH_KILN_BIN:-$REPO/.build/release/kiln}"
HB_BIN="${BENCH_HB_BIN:-$WORK/hb-build/release/HBHello}"
if [[ $BUILD == 1 ]]; then
    if has_peer kiln; then
        echo ">> building kiln (release)" >&2
        make -C "$REPO" release >&2   # the same binary the Dockerfile ships
    fi
    if has_peer hb; then
        echo ">> building the Hummingbird peer (release)" >&2
        if ! swift build -c release --package-path "$REPO/benchmarks/peers/hb-hello" \
                --scratch-path "$WORK/hb-build" >&2; then
            echo "Hummingbird peer failed to build; rerun with --peers kiln,nginx to skip it" >&2
            exit 1
        fi
    fi
fi
if has_peer kiln && [[ ! -x "$KILN_BIN" ]]; then echo "no kiln binary at $KILN_BIN" >&2; exit 1; fi
if has_peer hb && [[ ! -x "$HB_BIN" ]]; then echo "no Hummingbird peer at $HB_BIN" >&2; exit 1; fi

# ------------------------------------------------------------------ start servers
declare -A PORT
EXPECTED='{"live":true}'

wait_ready() {  # name port pid
    local name="$1" port="$2" pid="$3" body=""
    for _ in $(seq 1 300); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$name exited during startup; log:" >&2
            cat "$LOGS/$name.log" >&2 || true
            exit 1
        fi
        if body="$(curl -fsS --max-time 1 "http://127.0.0.1:$port/v2/health/live" 2>/dev/null)"; then
            if [[ "$body" != "$EXPECTED" ]]; then
                echo "$name answered '$body', expected '$EXPECTED'" >&2
                exit 1
            fi
            echo ">> $name ready on 127.0.0.1:$port (pid $pid)" >&2
            return 0
        fi
        sleep 0.1
    done
    echo "$name not ready on port $port after 30 s" >&2
    exit 1
}

if has_peer kiln; then
    PORT[kiln]="$(free_port)"
    KILN_ACCESS_LOG=false "$KILN_BIN" serve --host 127.0.0.1 --port "${PORT[kiln]}" \
        >"$LOGS/kiln.log" 2>&1 &
    PIDS+=($!)
    wait_ready kiln "${PORT[kiln]}" "$!"
fi
if has_peer hb; then
    PORT[hb]="$(free_port)"
    "$HB_BIN" "${PORT[hb]}" >"$LOGS/hb.log" 2>&1 &
    PIDS+=($!)
    wait_ready hb "${PORT[hb]}" "$!"
fi
if has_peer nginx; then
    PORT[nginx]="$(free_port)"
    NGX="$WORK/nginx"
    mkdir -p "$NGX/tmp"
    sed "s/@PORT@/${PORT[nginx]}/g" "$REPO/benchmarks/peers/nginx.conf" >"$NGX/nginx.conf"
    "$NGINX_BIN" -p "$NGX/" -c "$NGX/nginx.conf" -e "$NGX/error.log" >"$LOGS/nginx.log" 2>&1 &
    PIDS+=($!)
    wait_ready nginx "${PORT[nginx]}" "$!"
fi

# ------------------------------------------------------------------ run wrk
run_wrk() {  # peer conns threads duration outfile
    local peer="$1" conns="$2" threads="$3" dur="$4" out="$5"
    wrk -t"$threads" -c"$conns" -d"$dur" --latency "http://127.0.0.1:${PORT[$peer]}/v2/health/live" >"$out" 2>&1 || {
        echo "wrk failed against $peer; output:" >&2
        cat "$out" >&2
        exit 1
    }
}

echo ">> warm-up ($WARMUP per server)" >&2
for peer in "${PEER_LIST[@]}"; do
    run_wrk "$peer" 64 2 "$WARMUP" "$LOGS/warmup-$peer.txt"
done

for spec in "64 2" "1 1"; do
    read -r conns threads <<<"$spec"
    for round in $(seq 1 "$ROUNDS"); do
        # Rotate the order each round so no server always runs first or last.
        n=${#PEER_LIST[@]}
        for i in $(seq 0 $((n - 1))); do
            peer="${PEER_LIST[$(((i + round - 1) % n))]}"
            echo ">> c$conns round $round/$ROUNDS: $peer" >&2
            run_wrk "$peer" "$conns" "$threads" "$DURATION" "$RESULTS/${peer}_c${conns}_r${round}.txt"
        done
    done
done

# Servers must still be alive after the load.
for pid in "${PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "a server (pid $pid) died during the benchmark; logs in $LOGS" >&2; exit 1; }
done

SUMMARY_ARGS=(--results "$RESULTS" --command "$COMMAND_LINE" --duration "$DURATION" --rounds "$ROUNDS")
[[ -n "$OUT" ]] && SUMMARY_ARGS+=(--out "$OUT")
python3 "$HERE/summarize.py" "${SUMMARY_ARGS[@]}"
echo ">> raw wrk output in $RESULTS" >&2
