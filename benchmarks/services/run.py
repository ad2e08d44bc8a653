#!/usr/bin/env python3
"""Industry endpoints benchmark (not a test): req/s and p50/p99 per endpoint at concurrency
1 and 16 with the shipped samples (decode, pre- and post-processing included), and the share
of each request's time spent outside the model, read from Kiln's own statistics
(`worker_stats.prepare + finish` over `inference_stats.success`, both cumulative ns).

Usage: benchmarks/services/run.py [--no-build] [--duration 10] [--warmup 2]
                                  [--concurrency 1,16] [--cases a,b] [--out FILE]
Runs `kiln serve` on models/ with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, access log
off, and wrk (Debian package) as the load generator on the same 2-core machine. The
"large photo" case is a 3000x2000 JPEG made from a defect sample (Pillow), to show the scaled
IDCT at work."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))
from wrk_report import parse_wrk  # noqa: E402
HERE = Path(__file__).resolve().parent
MODELS = REPO / "models"

# (case, endpoint, model, body file, content type)
def cases(scratch: Path) -> list[tuple[str, str, str, Path, str]]:
    from PIL import Image
    d, t, f, r = (MODELS / m / "samples" for m in ("defect_detection", "medical_triage", "fraud_scoring", "recommendation"))
    photo = scratch / "large_photo.jpg"
    Image.open(d / "scratches_01.jpg").convert("RGB").resize((3000, 2000), Image.BICUBIC).save(photo, quality=90)
    return [
        ("defect jpeg", "/v1/defect-detection", "defect_detection", d / "scratches_01.jpg", "image/jpeg"),
        ("defect png", "/v1/defect-detection", "defect_detection", d / "crazing_01.png", "image/png"),
        ("defect 3000x2000 photo", "/v1/defect-detection", "defect_detection", photo, "image/jpeg"),
        ("triage png", "/v1/medical-triage", "medical_triage", t / "urgent_01.png", "image/png"),
        ("fraud 1 record", "/v1/fraud-scoring", "fraud_scoring", f / "fraud.json", "application/json"),
        ("fraud batch", "/v1/fraud-scoring", "fraud_scoring", f / "batch.json", "application/json"),
        ("recommendations", "/v1/recommendations", "recommendation", r / "known_user.json", "application/json"),
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(port: int, path: str):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return json.loads(r.read())


def stats(port: int, model: str) -> dict:
    s = get_json(port, f"/v2/models/{model}/stats")["model_stats"][0]
    i, w = s["inference_stats"], s["worker_stats"]
    return {"n": i["success"]["count"], "total": i["success"]["ns"], "queue": i["queue"]["ns"],
            "infer": i["compute_infer"]["ns"], "prep": w["prepare"]["ns"], "fin": w["finish"]["ns"]}


def wrk(port: int, path: str, body: Path, ctype: str, conns: int, duration: str) -> dict:
    env = {**os.environ, "BODY_FILE": str(body), "CONTENT_TYPE": ctype}
    out = subprocess.run(["wrk", f"-t{min(conns, 2)}", f"-c{conns}", f"-d{duration}", "--latency", "--timeout", "10s",
                          "-s", str(HERE / "post.lua"), f"http://127.0.0.1:{port}{path}"],
                         env=env, capture_output=True, text=True, timeout=300).stdout
    r = parse_wrk(out)
    return {**r, "p50": r["p50"] * 1e3, "p99": r["p99"] * 1e3}  # milliseconds in the table

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--duration", default="10")
    ap.add_argument("--warmup", default="2")
    ap.add_argument("--concurrency", default="1,16")
    ap.add_argument("--cases", default="")
    ap.add_argument("--out")
    args = ap.parse_args()
    kiln = Path(os.environ.get("KILN_BIN", REPO / ".build" / "release" / "kiln"))
    if not args.no_build:
        subprocess.run(["make", "-C", str(REPO), "release"], check=True)
    scratch = Path(tempfile.mkdtemp(prefix="kiln-services-"))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") and not k.startswith("KILN_")}
    env.update({"KILN_ACCESS_LOG": "false", "KILN_DRAIN_SECONDS": "0", "KILN_LOG_LEVEL": "warning"})
    proc = subprocess.Popen([str(kiln), "serve", "--models", str(MODELS), "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=open(scratch / "kiln.log", "w"))
    try:
        deadline = time.time() + 60
        while True:
            try:
                if get_json(port, "/v2/health/ready").get("ready"):
                    break
            except Exception:
                pass
            if time.time() > deadline or proc.poll() is not None:
                print("kiln did not become ready; see", scratch / "kiln.log", file=sys.stderr)
                return 1
            time.sleep(0.2)
        wanted = set(filter(None, args.cases.split(",")))
        rows = []
        for name, path, model, body, ctype in cases(scratch):
            if wanted and name not in wanted:
                continue
            for c in (int(x) for x in args.concurrency.split(",")):
                wrk(port, path, body, ctype, c, f"{args.warmup}s")
                before = stats(port, model)
                r = wrk(port, path, body, ctype, c, f"{args.duration}s")
                after = stats(port, model)
                d = {k: after[k] - before[k] for k in after}
                n = max(d["n"], 1)
                rows.append({"case": name, "c": c, **r, "share_outside": (d["prep"] + d["fin"]) / max(d["total"], 1),
                             "prep_ms": d["prep"] / n / 1e6, "fin_ms": d["fin"] / n / 1e6,
                             "queue_ms": d["queue"] / n / 1e6, "total_ms": d["total"] / n / 1e6,
                             "infer_ms_per_exec": None, "body_bytes": body.stat().st_size})
                print(f"{name:24s} c={c:<3d} {r['rps']:9.1f} req/s  p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms  "
                      f"outside model {100 * rows[-1]['share_outside']:5.1f} %", file=sys.stderr)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    lines = [f"Command: `benchmarks/services/run.py {' '.join(sys.argv[1:])}` — "
             f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {cpu}, {os.cpu_count()} CPUs, "
             f"load generator wrk on the same machine, OpenBLAS variables unset.", "",
             "| case | body | conc. | req/s | p50 ms | p99 ms | non-2xx | decode+pre ms | post ms | queue ms | request ms (server) | outside the model |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['body_bytes'] / 1024:.0f} KiB | {r['c']} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                     f"{r['non2xx']} | {r['prep_ms']:.3f} | {r['fin_ms']:.3f} | {r['queue_ms']:.3f} | {r['total_ms']:.3f} | "
                     f"{100 * r['share_outside']:.1f} % |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
