#!/usr/bin/env bash
# End-to-end serving benchmark (not a test): Kiln against the Python stacks a user would pick
# instead, on the same MobileNetV2 x0.5 ONNX model (3x224x224, Tests/engine/make_models.py),
# with KServe V2 JSON and binary-tensor bodies, at concurrency 16 and 1. Prints markdown with
# req/s, p50/p99, errors, Kiln/peer ratios and dynamic batching on vs off.
#
# Usage: benchmarks/serving/run.sh [--servers kiln,fastapi,mlserver] [--bodies json,binary]
#                                  [--concurrency 16,1] [--duration 15s] [--warmup 3s]
#                                  [--rounds N] [--quick] [--no-build] [--out FILE]
#
#   --servers LIST   any of kiln (= kiln-batch and kiln-nobatch), kiln-batch, kiln-nobatch,
#                    fastapi, mlserver (default kiln,fastapi,mlserver)
#   --bodies LIST    json,binary (default both; MLServer is measured with JSON only)
#   --concurrency L  wrk connections (default 16,1; -t2 above 1 connection, -t1 at 1)
#   --duration D     each timed wrk run (default 15s); --warmup D before them (default 3s)
#   --rounds N       timed runs per configuration, medians reported (default 1)
#   --quick          --duration 5s --warmup 2s, fewer bare-model iterations
#   --no-build       use $KILN_BIN as it is instead of `make -C <repo> release`
#   --out FILE       also write the markdown to FILE (summary.md is always in the results dir)
#   env KILN_BIN     the kiln binary (default <repo>/.build/release/kiln)
#   env KILN_BENCH_DIR  scratch space (default /tmp/kiln-bench): venv-fastapi, venv-mlserver
#                    (peers, installed here from benchmarks/peers/*/requirements.txt, reused
#                    while the requirements are unchanged), models/, serving-<UTC time>/
#
# Every server runs under `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`, on 127.0.0.1, with
# 2 compute threads. All servers are started first, each on its own port (an idle server
# costs no CPU), and the timed runs interleave: round by round, for each body and
# concurrency, every server in turn, so a slow minute of the shared host hits all of them
# alike instead of whichever server was being measured then. Before any timing, each (server, body) pair must answer one request with
# the right output (compared with onnxruntime); a pair that does not, or a server that does not
# become ready, is reported under "Not measured" and the script exits 1 after the summary.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/benchmarks/serving"
PEERS_DIR="$REPO/benchmarks/peers"
WORK="${KILN_BENCH_DIR:-/tmp/kiln-bench}"
KILN_BIN="${KILN_BIN:-$REPO/.build/release/kiln}"
COMMAND_LINE="benchmarks/serving/run.sh $*"

SERVERS="kiln,fastapi,mlserver"
BODIES="json,binary"
CONCURRENCY="16,1"
DURATION=15s
WARMUP=3s
ROUNDS=1
BARE_ITERATIONS=200
BUILD=1
OUT=""

while [[ $# -gt 0 ]]; do
    case "$1" in
        --servers) SERVERS="$2"; shift ;;
        --bodies) BODIES="$2"; shift ;;
        --concurrency) CONCURRENCY="$2"; shift ;;
        --duration) DURATION="$2"; shift ;;
        --warmup) WARMUP="$2"; shift ;;
        --rounds) ROUNDS="$2"; shift ;;
        --quick) DURATION=5s; WARMUP=2s; BARE_ITERATIONS=50 ;;
        --no-build) BUILD=0 ;;
        --out) OUT="$2"; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

die() { echo "error: $*" >&2; exit 2; }
seconds() {  # 15s | 15 | 2m -> seconds
    case "$1" in
        *m) echo $(( ${1%m} * 60 )) ;;
        *s) echo "${1%s}" ;;
        *) echo "$1" ;;
    esac
}
[[ "$(seconds "$DURATION")" =~ ^[0-9]+$ ]] || die "--duration: use whole seconds, e.g. 15s"
[[ "$(seconds "$WARMUP")" =~ ^[0-9]+$ ]] || die "--warmup: use whole seconds, e.g. 3s"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "--rounds: a positive integer"

# Expand and validate the server list (order kept; kiln -> both batching settings).
SERVER_LIST=()
IFS=',' read -r -a _requested <<<"$SERVERS"
for s in "${_requested[@]}"; do
    case "$s" in
        kiln) SERVER_LIST+=(kiln-batch kiln-nobatch) ;;
        kiln-batch|kiln-nobatch|fastapi|mlserver) SERVER_LIST+=("$s") ;;
        *) die "unknown server '$s' (kiln, kiln-batch, kiln-nobatch, fastapi, mlserver)" ;;
    esac
done
IFS=',' read -r -a BODY_LIST <<<"$BODIES"
for b in "${BODY_LIST[@]}"; do [[ "$b" == json || "$b" == binary ]] || die "unknown body '$b'"; done
IFS=',' read -r -a CONC_LIST <<<"$CONCURRENCY"
for c in "${CONC_LIST[@]}"; do [[ "$c" =~ ^[1-9][0-9]*$ ]] || die "bad concurrency '$c'"; done
wants_kiln() { [[ " ${SERVER_LIST[*]} " == *" kiln-"* ]]; }
wants() { [[ " ${SERVER_LIST[*]} " == *" $1 "* ]]; }

for tool in wrk curl python3 setsid timeout; do
    command -v "$tool" >/dev/null || die "missing tool: $tool"
done

RESULTS="$WORK/serving-$(date -u +%Y%m%dT%H%M%SZ)"
LOGS="$RESULTS/logs"
mkdir -p "$LOGS"
: >"$RESULTS/skipped.tsv"
echo ">> results in $RESULTS" >&2

# ------------------------------------------------------------------ process hygiene
SERVER_PID=""
declare -A PID_OF=() PORT_OF=()
stop_pid() {  # pid -> stops that server's process group
    local pid="$1"
    [[ -n "$pid" ]] || return 0
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
stop_servers() {  # stops every server started so far
    local name
    stop_pid "$SERVER_PID"
    SERVER_PID=""
    for name in "${!PID_OF[@]}"; do stop_pid "${PID_OF[$name]}"; done
    PID_OF=()
}
trap stop_servers EXIT

record_memory() {  # name -> appends that server's peak resident memory to memory.tsv
    # VmHWM of every process in the server's process group (setsid made it the leader),
    # summed: the most memory it held at once during all of its runs, workers included.
    local name="$1" pid="${PID_OF[$1]:-}" total=0 procs=0 p hwm
    [[ -n "$pid" ]] || return 0
    for p in $(pgrep -g "$pid" 2>/dev/null || true); do
        hwm="$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null || true)"
        [[ -n "$hwm" ]] || continue
        total=$((total + hwm))
        procs=$((procs + 1))
    done
    ((procs > 0)) && printf '%s\t%s\t%s\n' "$name" "$total" "$procs" >>"$RESULTS/memory.tsv"
    return 0
}
trap 'echo "interrupted" >&2; exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

skip() {  # server body reason
    printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS/skipped.tsv"
    echo "!! $1 / $2 not measured: $3" >&2
}

# ------------------------------------------------------------------ Python environments
# Tools (model generation, payloads, bare timing): the system python3 if it has the engine
# suite's packages, else a venv from Tests/engine/requirements.txt.
ensure_venv() {  # dir requirements.txt -> installs once per (requirements, python) pair
    local dir="$1" req="$2" stamp
    stamp="$(sha256sum "$req" | cut -d' ' -f1) $(python3 -c 'import sys; print(sys.version.split()[0])')"
    if [[ -x "$dir/bin/python" && -f "$dir/.kiln-stamp" && "$(cat "$dir/.kiln-stamp")" == "$stamp" ]]; then
        return 0
    fi
    echo ">> installing $(basename "$dir") from ${req#"$REPO"/} (once)" >&2
    rm -rf "$dir"
    python3 -m venv "$dir"
    if ! timeout 1200 "$dir/bin/pip" install --disable-pip-version-check -q -r "$req" \
            >"$WORK/$(basename "$dir").install.log" 2>&1; then
        tail -20 "$WORK/$(basename "$dir").install.log" >&2
        die "pip install into $dir failed (log: $WORK/$(basename "$dir").install.log)"
    fi
    echo "$stamp" >"$dir/.kiln-stamp"
}

if python3 -c 'import onnx, onnxruntime, numpy' 2>/dev/null; then
    PY=python3
else
    ensure_venv "$WORK/venv-tools" "$REPO/Tests/engine/requirements.txt"
    PY="$WORK/venv-tools/bin/python"
fi
wants fastapi && ensure_venv "$WORK/venv-fastapi" "$PEERS_DIR/fastapi_ort/requirements.txt"
wants mlserver && ensure_venv "$WORK/venv-mlserver" "$PEERS_DIR/mlserver/requirements.txt"

# ------------------------------------------------------------------ Kiln binary
if wants_kiln; then
    if [[ $BUILD == 1 ]]; then
        echo ">> building kiln (make release)" >&2
        make -C "$REPO" release >"$LOGS/build.log" 2>&1 || { tail -30 "$LOGS/build.log" >&2; die "make release failed (log: $LOGS/build.log)"; }
    fi
    [[ -x "$KILN_BIN" ]] || die "no kiln binary at $KILN_BIN (build it, set KILN_BIN, or leave kiln out of --servers)"
fi

# ------------------------------------------------------------------ model and payloads
MODEL_DIR="$WORK/models"
MODEL="$MODEL_DIR/mobilenetv2_x0.5/model.onnx"
echo ">> generating mobilenetv2_x0.5 (Tests/engine/make_models.py)" >&2
"$PY" "$REPO/Tests/engine/make_models.py" "$MODEL_DIR" --kind net --only mobilenetv2_x0.5 -q >&2
PAYLOADS="$RESULTS/payloads"
"$PY" "$HERE/payloads.py" make "$MODEL" "$PAYLOADS" --model-name mobilenet >&2
cp "$PAYLOADS/info.json" "$RESULTS/info.json"

KILN_CONFIG_ON='{"kind": "generic", "max_batch_size": 8, "dynamic_batching": {"enabled": true, "preferred_batch_sizes": [4, 8], "max_queue_delay_us": 500}, "max_queue_size": 128, "instance_count": 2, "threads": 2}'
KILN_CONFIG_OFF='{"kind": "generic", "max_batch_size": 8, "dynamic_batching": {"enabled": false}, "max_queue_size": 128, "instance_count": 2, "threads": 2}'
if wants_kiln; then
    for variant in batch nobatch; do
        repo="$RESULTS/kiln-repo-$variant"
        mkdir -p "$repo/mobilenet/1"
        if [[ $variant == batch ]]; then echo "$KILN_CONFIG_ON" >"$repo/mobilenet/config.json"
        else echo "$KILN_CONFIG_OFF" >"$repo/mobilenet/config.json"; fi
    done
    echo ">> kiln convert" >&2
    timeout 600 env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$KILN_BIN" convert "$MODEL" \
        -o "$RESULTS/kiln-repo-batch/mobilenet/1/model.kiln" >"$LOGS/kiln-convert.log" 2>&1 \
        || { tail -20 "$LOGS/kiln-convert.log" >&2; die "kiln convert failed (log: $LOGS/kiln-convert.log)"; }
    cp "$RESULTS/kiln-repo-batch/mobilenet/1/model.kiln" "$RESULTS/kiln-repo-nobatch/mobilenet/1/model.kiln"
fi

# ------------------------------------------------------------------ machine and versions
pyver() { "$1" -c "import importlib.metadata as m, sys; print(', '.join(p + ' ' + m.version(p) for p in sys.argv[1:]))" "${@:2}" 2>/dev/null || echo "?"; }
{
    printf 'command\t`%s`\n' "$COMMAND_LINE"
    printf 'date\t%s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf 'machine\t%s CPUs (%s), %s, %s GiB RAM, Linux %s\n' "$(nproc)" \
        "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
        "$(lscpu 2>/dev/null | awk -F': +' '/^Thread\(s\) per core/ { print $2 " thread(s) per core" }')" \
        "$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)" "$(uname -r)"
    printf 'load\tload average at start %s (other tenants of the host also show up as noise)\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
    v="$(wrk -v 2>&1 | head -1 | sed 's/ Copyright.*//'); tools: $(pyver "$PY" onnx onnxruntime numpy)"
    wants fastapi && v+="; fastapi peer: $(pyver "$WORK/venv-fastapi/bin/python" fastapi uvicorn uvloop httptools onnxruntime orjson)"
    wants mlserver && v+="; mlserver peer: $(pyver "$WORK/venv-mlserver/bin/python" mlserver uvicorn uvloop fastapi onnxruntime)"
    printf 'versions\t%s\n' "$v"
    if wants_kiln; then
        dirty="$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null)"
        printf 'kiln\t%s, commit %s%s; config `%s` (batching off: `"dynamic_batching": {"enabled": false}`)\n' \
            "$KILN_BIN" "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo ?)" \
            "${dirty:+ (dirty)}" "$KILN_CONFIG_ON"
    fi
    printf 'wrk\t`wrk -t2 -cN` (N > 1) or `-t1 -c1`, `-d%s --latency --timeout 10s -s post.lua`, after a %s warm-up at the highest concurrency; %s round(s)\n' \
        "$DURATION" "$WARMUP" "$ROUNDS"
} >"$RESULTS/meta.tsv"

# ------------------------------------------------------------------ the bare model
echo ">> bare model: onnxruntime, 2 threads" >&2
timeout 600 env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" "$HERE/payloads.py" bare "$MODEL" \
    --threads 2 --batches 1,8 --iterations "$BARE_ITERATIONS" >"$RESULTS/bare.jsonl" \
    || echo "!! onnxruntime bare-model timing failed" >&2
if wants_kiln; then
    echo ">> bare model: kiln bench, 2 threads" >&2
    timeout 600 env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$KILN_BIN" bench \
        "$RESULTS/kiln-repo-batch/mobilenet/1/model.kiln" --batch 1,8 --threads 2 \
        --iterations "$BARE_ITERATIONS" --json 2>"$LOGS/kiln-bench.log" \
        | sed 's/^{/{"runtime": "kiln bench", /' >>"$RESULTS/bare.jsonl" \
        || echo "!! kiln bench failed (log: $LOGS/kiln-bench.log)" >&2
fi

# ------------------------------------------------------------------ servers
PORT=""
start_server() {  # name -> sets SERVER_PID and PORT; returns 1 if it cannot start
    local name="$1"
    PORT="$(free_port)"
    local log="$LOGS/$name.log"
    case "$name" in
        kiln-batch|kiln-nobatch)
            KILN_ACCESS_LOG=false setsid env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
                "$KILN_BIN" serve --models "$RESULTS/kiln-repo-${name#kiln-}" \
                --host 127.0.0.1 --port "$PORT" --log-level warning >"$log" 2>&1 &
            ;;
        fastapi)
            MODEL="$MODEL" MODEL_NAME=mobilenet ORT_THREADS=2 \
                setsid env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
                "$WORK/venv-fastapi/bin/python" -m uvicorn app:app --app-dir "$PEERS_DIR/fastapi_ort" \
                --host 127.0.0.1 --port "$PORT" --workers 1 --no-access-log --log-level warning \
                >"$log" 2>&1 &
            ;;
        mlserver)
            local dir="$RESULTS/mlserver-repo"
            rm -rf "$dir"
            cp -r "$PEERS_DIR/mlserver" "$dir"
            rm -f "$dir/requirements.txt"
            ln -sf "$MODEL" "$dir/mobilenet/model.onnx"
            python3 - "$dir/settings.json" "$PORT" "$(free_port)" "$(free_port)" <<'EOF'
import json, sys
path, http, grpc, metrics = sys.argv[1], *map(int, sys.argv[2:])
s = json.load(open(path))
s.update(http_port=http, grpc_port=grpc, metrics_port=metrics)
json.dump(s, open(path, "w"), indent=2)
EOF
            (cd "$dir" && exec setsid env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
                "$WORK/venv-mlserver/bin/mlserver" start . >"$log" 2>&1) &
            ;;
    esac
    SERVER_PID=$!
}

wait_ready() {  # name limit_seconds -> 0 when GET /v2/health/ready answers 200
    local name="$1" limit="$2" code=""
    local deadline=$((SECONDS + limit))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "!! $name exited during start-up; last lines of $LOGS/$name.log:" >&2
            tail -20 "$LOGS/$name.log" >&2 || true
            SERVER_PID=""
            return 1
        fi
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$PORT/v2/health/ready" || true)"
        if [[ "$code" == 200 ]]; then
            echo ">> $name ready on 127.0.0.1:$PORT (pid $SERVER_PID)" >&2
            # Informational: the probe request decides whether the model is served.
            code="$(curl -s -o "$LOGS/$name.model-ready.txt" -w '%{http_code}' --max-time 5 \
                "http://127.0.0.1:$PORT/v2/models/mobilenet/ready" || true)"
            [[ "$code" == 200 ]] || echo "   note: GET /v2/models/mobilenet/ready answered HTTP ${code:-none}" >&2
            return 0
        fi
        sleep 0.25
    done
    echo "!! $name not ready after ${limit} s: GET /v2/health/ready must answer 200 (last: HTTP ${code:-none}); last lines of $LOGS/$name.log:" >&2
    tail -20 "$LOGS/$name.log" >&2 || true
    return 1
}

run_wrk() {  # out_file conns duration body port -> 0 if wrk ran to the end
    local out="$1" conns="$2" dur="$3" body="$4" port="$5" threads=2 hdr=""
    ((conns > 1)) || threads=1
    local file="$PAYLOADS/request.json"
    if [[ "$body" == binary ]]; then
        file="$PAYLOADS/request.bin"
        hdr="$(cat "$PAYLOADS/request.bin.hdrlen")"
    fi
    BODY_FILE="$file" HDR_LEN="$hdr" timeout -k 5 $(( $(seconds "$dur") + 60 )) \
        wrk -t"$threads" -c"$conns" -d"$dur" --timeout 10s --latency -s "$HERE/post.lua" \
        "http://127.0.0.1:$port/v2/models/mobilenet/infer" >"$out" 2>&1
}

MAX_CONN="$(printf '%s\n' "${CONC_LIST[@]}" | sort -n | tail -1)"
bodies_of() {  # name -> the bodies measured for that server
    if [[ "$1" == mlserver ]]; then   # MLServer's REST API has no binary tensor extension
        [[ " ${BODY_LIST[*]} " == *" json "* ]] && echo json
    else
        echo "${BODY_LIST[@]}"
    fi
}

# Every server up, each on its own port.
READY=()
for name in "${SERVER_LIST[@]}"; do
    [[ -n "$(bodies_of "$name")" ]] || continue
    echo ">> ===== starting $name" >&2
    limit=60
    [[ "$name" == mlserver ]] && limit=180
    start_server "$name"
    if ! wait_ready "$name" "$limit"; then
        stop_pid "$SERVER_PID"
        SERVER_PID=""
        for b in $(bodies_of "$name"); do skip "$name" "$b" "server did not become ready (log: logs/$name.log)"; done
        continue
    fi
    PID_OF[$name]="$SERVER_PID"
    PORT_OF[$name]="$PORT"
    SERVER_PID=""
    READY+=("$name")
done

# One checked probe and a warm-up per (server, body).
declare -A MEASURE=()
for name in "${READY[@]}"; do
    port="${PORT_OF[$name]}"
    curl -s --max-time 5 "http://127.0.0.1:$port/v2/models/mobilenet" >"$LOGS/$name.metadata.json" || true
    for body in $(bodies_of "$name"); do
        if ! timeout 120 "$PY" "$HERE/payloads.py" check "http://127.0.0.1:$port/v2/models/mobilenet/infer" \
                "$PAYLOADS" --body "$body" >"$LOGS/$name-$body.check.txt" 2>&1; then
            cat "$LOGS/$name-$body.check.txt" >&2
            skip "$name" "$body" "probe request failed: $(tail -1 "$LOGS/$name-$body.check.txt" | cut -c1-300)"
            continue
        fi
        echo "   $name $body: $(cat "$LOGS/$name-$body.check.txt")" >&2
        echo ">> $name $body: warm-up $WARMUP at -c$MAX_CONN" >&2
        run_wrk "$LOGS/warmup-$name-$body.txt" "$MAX_CONN" "$WARMUP" "$body" "$port" || true
        MEASURE["$name $body"]=1
    done
done

# Timed runs, interleaved: round → body → concurrency → server.
for round in $(seq 1 "$ROUNDS"); do
    for body in "${BODY_LIST[@]}"; do
        for conns in "${CONC_LIST[@]}"; do
            for name in "${READY[@]}"; do
                [[ -n "${MEASURE["$name $body"]:-}" ]] || continue
                echo ">> round $round/$ROUNDS: $name $body -c$conns ($DURATION)" >&2
                out="$RESULTS/${name}_${body}_c${conns}_r${round}.txt"
                if ! run_wrk "$out" "$conns" "$DURATION" "$body" "${PORT_OF[$name]}" || ! grep -q '^Requests/sec' "$out"; then
                    echo "!! wrk failed or timed out:" >&2; tail -5 "$out" >&2
                    mv "$out" "$LOGS/failed-$(basename "$out")"
                    skip "$name" "$body" "wrk failed at -c$conns (logs/failed-$(basename "$out"))"
                    unset 'MEASURE["$name $body"]'
                fi
                grep -E 'Requests/sec|Non-2xx|Socket errors' "$out" 2>/dev/null | sed 's/^/     /' >&2 || true
                if ! kill -0 "${PID_OF[$name]}" 2>/dev/null; then
                    for b in $(bodies_of "$name"); do
                        [[ -n "${MEASURE["$name $b"]:-}" ]] && skip "$name" "$b" "server died under load (log: logs/$name.log)"
                        unset 'MEASURE["$name $b"]'
                    done
                fi
            done
        done
    done
done
for name in "${READY[@]}"; do record_memory "$name"; done
stop_servers

# ------------------------------------------------------------------ summary
args=(--results "$RESULTS")
[[ -n "$OUT" ]] && args+=(--out "$OUT")
status=0
python3 "$HERE/summarize.py" "${args[@]}" || status=$?
echo ">> raw wrk output, logs and summary.md in $RESULTS" >&2
if [[ -s "$RESULTS/skipped.tsv" ]]; then
    echo "!! some configurations were not measured (see 'Not measured' above)" >&2
    exit 1
fi
exit "$status"
