#!/usr/bin/env python3
"""Helper of benchmarks/engine/run.sh: Kiln (`kiln bench --json`) against onnxruntime on
the five networks of Tests/engine/make_models.py. Not a test.

    bench.py run --kiln BIN --models DIR --work DIR [options]   the whole comparison
    bench.py ort MODEL.onnx --feeds DIR --batch B --threads T   one onnxruntime measurement
    bench.py blas                                               system OpenBLAS core name

`ort` prints one JSON line in the format of `kiln bench --json`:
{"batch", "threads", "p50_ms", "p99_ms", "samples_per_s"} (plus "mean_ms").
Session: CPUExecutionProvider, intra_op_num_threads = threads, inter_op_num_threads = 1,
graph optimisation level ORT_ENABLE_ALL, sequential execution. The inputs are the
generator's saved batch inputs (rows tiled to the batch size), bound once; each timed
iteration is one InferenceSession.run from Python (its call overhead, a few microseconds,
is included -- it matters only for the MLP). p50/p99 are numpy percentiles (linear
interpolation) of the per-iteration latencies after the warm-up; samples_per_s is
batch x iterations / total timed seconds.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
NETWORKS = ["mobilenetv2_x0.5", "resnet18_gray", "mlp", "lstm_classifier", "transformer_block"]
BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


# --------------------------------------------------------------------------- ort


def tiled_feeds(feed_dir: Path, batch: int) -> dict[str, np.ndarray]:
    """The saved inputs of one batch size, rows repeated or cut to `batch`."""
    feeds = {}
    for p in sorted(feed_dir.glob("*.npy")):
        a = np.load(p)
        reps = -(-batch // a.shape[0])
        feeds[p.stem] = np.ascontiguousarray(np.concatenate([a] * reps, axis=0)[:batch])
    return feeds


def measure_ort(model: str, feeds: dict, threads: int, iterations: int, warmup: int) -> dict:
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    # input names in the model may differ from the sanitized file stems
    by_stem = {}
    for i in sess.get_inputs():
        stem = "".join(c if (c.isalnum() or c in "._-") else "_" for c in i.name)
        by_stem[stem] = i.name
    feeds = {by_stem[k]: v for k, v in feeds.items()}
    outputs = [o.name for o in sess.get_outputs()]
    for _ in range(warmup):
        sess.run(outputs, feeds)
    times = np.empty(iterations)
    clock = time.perf_counter_ns
    for i in range(iterations):
        t0 = clock()
        sess.run(outputs, feeds)
        times[i] = clock() - t0
    ms = times / 1e6
    batch = next(iter(feeds.values())).shape[0]
    return {"batch": batch, "threads": threads, "p50_ms": float(np.percentile(ms, 50)),
            "p99_ms": float(np.percentile(ms, 99)), "mean_ms": float(ms.mean()),
            "samples_per_s": batch * iterations / (ms.sum() / 1e3)}


def cmd_ort(a) -> int:
    feeds = tiled_feeds(Path(a.feeds), a.batch)
    print(json.dumps(measure_ort(a.model, feeds, a.threads, a.iterations, a.warmup)), flush=True)
    return 0


# --------------------------------------------------------------------------- environment


def blas_info() -> dict:
    """The system OpenBLAS (the one Kiln links) as seen from this process's environment."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
    except OSError as e:
        return {"error": str(e)}
    lib.openblas_get_corename.restype = ctypes.c_char_p
    lib.openblas_get_config.restype = ctypes.c_char_p
    return {"corename": lib.openblas_get_corename().decode(),
            "config": lib.openblas_get_config().decode().strip(),
            "num_threads": lib.openblas_get_num_threads()}


def cmd_blas(_a) -> int:
    print(json.dumps(blas_info()))
    return 0


def mode_env(mode: str, coretype: str, l2: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in BLAS_VARS}
    if mode == "haswell":
        env["OPENBLAS_CORETYPE"] = coretype or "Haswell"
        if l2:
            env["OPENBLAS_L2_SIZE"] = l2
    return env


def env_prefix(env: dict) -> str:
    set_ = " ".join(f"{k}={shlex.quote(env[k])}" for k in BLAS_VARS if k in env)
    unset = " ".join(f"-u {k}" for k in BLAS_VARS if k not in env)
    return "env " + " ".join(x for x in (unset, set_) if x)


def machine_info() -> dict:
    info = {"platform": platform.platform(), "cpus": os.cpu_count()}
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            k, _, v = line.partition(":")
            if k.strip() in ("Model name", "Thread(s) per core", "Core(s) per socket", "L2 cache"):
                info[k.strip()] = v.strip()
            if k.strip() == "Flags":
                flags = v.split()
                info["simd"] = " ".join(f for f in ("avx2", "fma", "avx512f", "avx512_bf16",
                                                    "avx512_vnni") if f in flags)
    except OSError:
        pass
    return info


def runtime_info() -> dict:
    import onnxruntime as ort
    info = {"onnxruntime": ort.__version__, "numpy": np.__version__}
    if hasattr(ort, "get_build_info"):
        info["onnxruntime_build"] = ort.get_build_info()
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["numpy_blas"] = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # noqa: BLE001 -- purely informational
        pass
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain"],
                               capture_output=True, text=True).stdout.strip()
        info["git"] = rev + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        pass
    return info


# --------------------------------------------------------------------------- run


def run_json_line(cmd: list, env: dict, timeout: float) -> dict:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        return {"error": f"exit {p.returncode}: {tail}"}
    rows = [json.loads(x) for x in p.stdout.splitlines() if x.strip().startswith("{")]
    if len(rows) != 1:
        return {"error": f"expected one JSON line, got {len(rows)}"}
    return rows[0]


def fmt(v, digits=3) -> str:
    if v is None:
        return "–"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.{digits}f}"


def cmd_run(a) -> int:
    models = Path(a.models)
    work = Path(a.work)
    manifest = json.loads((models / "manifest.json").read_text())["cases"]
    nets = a.networks.split(",")
    batches = [int(x) for x in a.batches.split(",")]
    threads = [int(x) for x in a.threads.split(",")]
    peers = a.peers.split(",")
    modes = a.modes.split(",")
    started = dt.datetime.now(dt.timezone.utc)
    results_path = work / "results.jsonl"
    results_path.parent.mkdir(parents=True, exist_ok=True)
    out_rows = []

    envs = {m: mode_env(m, a.coretype, a.l2_size) for m in modes}
    blas_by_mode = {}
    for m in modes:
        p = subprocess.run([sys.executable, __file__, "blas"], capture_output=True, text=True,
                           env=envs[m])
        blas_by_mode[m] = json.loads(p.stdout) if p.returncode == 0 else {"error": p.stderr.strip()}

    kiln_files = {n: work / "kiln" / f"{n}.kiln" for n in nets}
    kiln_extra = {}
    if "kiln" in peers:
        try:
            p = subprocess.run([a.kiln, "inspect", str(kiln_files[nets[0]]), "--json"],
                               capture_output=True, text=True, env=envs[modes[0]], timeout=120)
            info = json.loads(p.stdout)
            kiln_extra = {k: v for k, v in info.items() if "blas" in k.lower() or "core" in k.lower()}
        except Exception as e:  # noqa: BLE001 -- informational only
            kiln_extra = {"inspect": f"unavailable ({e})"}

    # measurements: modes outermost; within a mode, for every configuration Kiln and
    # onnxruntime run back to back, the order alternating from one configuration to the next
    # (and from one round to the next)
    for mode in modes:
        env = envs[mode]
        k = 0
        for rnd in range(a.rounds):
            for net in nets:
                entry = manifest[net]
                for b in batches:
                    feed_dir = models / net / ("b8" if b > 1 and "b8" in entry["feeds"] else "b1")
                    for t in threads:
                        order = list(peers) if (k + rnd) % 2 == 0 else list(reversed(peers))
                        k += 1
                        for peer in order:
                            if peer == "kiln":
                                cmd = [a.kiln, "bench", str(kiln_files[net]), "--batch", str(b),
                                       "--threads", str(t), "--iterations", str(a.iterations),
                                       "--json"]
                            else:
                                cmd = [sys.executable, __file__, "ort", str(models / entry["file"]),
                                       "--feeds", str(feed_dir), "--batch", str(b), "--threads",
                                       str(t), "--iterations", str(a.iterations), "--warmup",
                                       str(a.warmup)]
                            r = run_json_line(cmd, env, a.timeout)
                            row = {"mode": mode, "round": rnd, "network": net, "batch": b,
                                   "threads": t, "peer": peer, **{kk: vv for kk, vv in r.items()
                                                                   if kk not in ("batch", "threads")}}
                            out_rows.append(row)
                            with results_path.open("a") as f:
                                f.write(json.dumps(row) + "\n")
                            status = row.get("error") or f"p50 {row['p50_ms']:.3f} ms"
                            print(f"[{mode}] {net} b{b} t{t} {peer}: {status}", file=sys.stderr,
                                  flush=True)

    # summary: medians over rounds
    def med(mode, net, b, t, peer, key):
        vals = [r[key] for r in out_rows if (r["mode"], r["network"], r["batch"], r["threads"],
                                              r["peer"]) == (mode, net, b, t, peer) and key in r]
        return statistics.median(vals) if vals else None

    def err(mode, net, b, t, peer):
        e = [r["error"] for r in out_rows if (r["mode"], r["network"], r["batch"], r["threads"],
                                               r["peer"]) == (mode, net, b, t, peer) and "error" in r]
        return e[0] if e else None

    lines = []
    w = lines.append
    w(f"## Engine benchmark: Kiln vs onnxruntime ({started:%Y-%m-%d %H:%M} UTC)")
    w("")
    w(f"Command: `{a.command_line or 'benchmarks/engine/run.sh'}`")
    w("")
    mi, ri = machine_info(), runtime_info()
    w(f"- machine: {mi.get('Model name', '?')}, {mi.get('cpus')} CPUs, L2 {mi.get('L2 cache', '?')}, "
      f"SIMD: {mi.get('simd', '?')}; {mi['platform']}")
    w(f"- onnxruntime {ri['onnxruntime']} (CPUExecutionProvider, ORT_ENABLE_ALL, inter_op 1, "
      f"intra_op = threads); {ri.get('onnxruntime_build', '')}")
    w(f"- numpy {ri['numpy']} ({ri.get('numpy_blas', '?')}; used only to prepare inputs)")
    if ri.get("git"):
        w(f"- kiln: `{a.kiln}` at {ri['git']}" + (f"; inspect reports {json.dumps(kiln_extra)}"
                                                  if kiln_extra else ""))
    w(f"- {a.iterations} timed iterations after {a.warmup} warm-up (onnxruntime; `kiln bench` "
      f"does its own warm-up), {a.rounds} round(s), medians over rounds; Kiln and onnxruntime "
      f"alternate per configuration")
    w("- GFLOP/s = 2 x (Conv/Gemm/MatMul/LSTM multiply-adds per sample) x batch / p50")
    w("")
    for mode in modes:
        env = envs[mode]
        blas = blas_by_mode[mode]
        label = "OpenBLAS variables unset" if mode == "native" else "OpenBLAS variables set (CI setting)"
        w(f"### {label}: `{env_prefix(env)}`")
        w("")
        w(f"System OpenBLAS (the library Kiln links): core **{blas.get('corename', '?')}** — "
          f"{blas.get('config', blas.get('error', ''))}")
        w("")
        w(f"Kiln: `{env_prefix(env)} {a.kiln} bench MODEL.kiln --batch B --threads T "
          f"--iterations {a.iterations} --json`")
        w("")
        w("| network | batch | threads | Kiln p50 ms | Kiln p99 ms | ORT p50 ms | ORT p99 ms "
          "| Kiln/ORT p50 | Kiln GFLOP/s | ORT GFLOP/s |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        ratios = []
        for net in nets:
            macs = manifest[net]["macs_per_sample"]
            for b in batches:
                for t in threads:
                    kp50, kp99 = med(mode, net, b, t, "kiln", "p50_ms"), med(mode, net, b, t, "kiln", "p99_ms")
                    op50, op99 = med(mode, net, b, t, "ort", "p50_ms"), med(mode, net, b, t, "ort", "p99_ms")
                    ratio = kp50 / op50 if kp50 and op50 else None
                    if ratio:
                        ratios.append(ratio)
                    rs = "–" if ratio is None else (f"**{ratio:.2f}**" if ratio > 1.5 else f"{ratio:.2f}")
                    kg = 2 * macs * b / (kp50 / 1e3) / 1e9 if kp50 else None
                    og = 2 * macs * b / (op50 / 1e3) / 1e9 if op50 else None
                    ke = err(mode, net, b, t, "kiln") if "kiln" in peers else None
                    oe = err(mode, net, b, t, "ort") if "ort" in peers else None
                    kcell = f"error: {ke}" if ke and kp50 is None else fmt(kp50)
                    ocell = f"error: {oe}" if oe and op50 is None else fmt(op50)
                    w(f"| {net} | {b} | {t} | {kcell} | {fmt(kp99)} | {ocell} | {fmt(op99)} | {rs} "
                      f"| {fmt(kg, 1)} | {fmt(og, 1)} |")
        if ratios:
            w("")
            w(f"Kiln/ORT p50 ratio: geometric mean {float(np.exp(np.mean(np.log(ratios)))):.2f}, "
              f"max {max(ratios):.2f} (goal ≤ 1.0 everywhere, never above 1.5; bold = above 1.5)")
        w("")
    report = "\n".join(lines)
    print(report)
    if a.out:
        Path(a.out).write_text(report + "\n")
    (work / "summary.md").write_text(report + "\n")
    print(f"raw results: {results_path}", file=sys.stderr)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)

    o = sub.add_parser("ort", help="one onnxruntime measurement (JSON line)")
    o.add_argument("model")
    o.add_argument("--feeds", required=True, help="directory of <input>.npy files")
    o.add_argument("--batch", type=int, required=True)
    o.add_argument("--threads", type=int, required=True)
    o.add_argument("--iterations", type=int, default=100)
    o.add_argument("--warmup", type=int, default=10)
    o.set_defaults(fn=cmd_ort)

    b = sub.add_parser("blas", help="system OpenBLAS core name and config (JSON)")
    b.set_defaults(fn=cmd_blas)

    r = sub.add_parser("run", help="the whole comparison, markdown on stdout")
    r.add_argument("--kiln", required=True, help="kiln binary")
    r.add_argument("--models", required=True, help="make_models.py output directory")
    r.add_argument("--work", required=True, help="directory with kiln/<net>.kiln; results go here")
    r.add_argument("--networks", default=",".join(NETWORKS))
    r.add_argument("--batches", default="1,8")
    r.add_argument("--threads", default="1,2")
    r.add_argument("--iterations", type=int, default=100)
    r.add_argument("--warmup", type=int, default=10)
    r.add_argument("--rounds", type=int, default=1)
    r.add_argument("--peers", default="kiln,ort")
    r.add_argument("--modes", default="native,haswell",
                   help="native: OPENBLAS_CORETYPE/L2_SIZE unset; haswell: set as on CI")
    r.add_argument("--coretype", default="", help="OPENBLAS_CORETYPE for the haswell mode")
    r.add_argument("--l2-size", default="", help="OPENBLAS_L2_SIZE for the haswell mode")
    r.add_argument("--timeout", type=float, default=1800)
    r.add_argument("--out", help="also write the markdown here")
    r.add_argument("--command-line", default="")
    r.set_defaults(fn=cmd_run)

    a = ap.parse_args(argv)
    return a.fn(a)


if __name__ == "__main__":
    sys.exit(main())
