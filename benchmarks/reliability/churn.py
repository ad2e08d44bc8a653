#!/usr/bin/env python3
"""Connection-churn soak (not a test): `kiln serve` on the shipped models with its default
configuration (access log on), `wrk` with 8 connections posting the services' own samples
with `Connection: close` (one request per connection), until both --duration seconds and
--connections connections are done (or --max-duration, or the server dies). The server's
RSS is sampled every --rss-period seconds. Prints requests, errors (non-2xx and transport),
rate, the RSS series and whether the process survived; writes benchmarks/results/churn-*.json.

Usage: benchmarks/reliability/churn.py [--binary .build/release/kiln] [--commit SHA] [--duration 600]
           [--connections 1000000] [--max-duration 1800] [--clients 8] [--threads 2]
           [--segment 60] [--rss-period 10] [--mix images|records|all]
Build first: flock /tmp/kiln-build.lock swift build -c release --product kiln --static-swift-stdlib
Needs wrk (Debian package `wrk`)."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import REPO, RSSSampler, Server, git_commit, sample_bodies, thirds, write_result  # noqa: E402

# Weights per request kind in the cycle (images cost ~0.3 ms of CPU each, records ~10 µs).
MIXES = {
    "all": {"defect_raw_jpeg": 2, "defect_base64": 1, "triage_multipart": 1, "triage_raw_png": 1,
            "fraud_record": 4, "fraud_batch": 1, "recommendation": 3, "recommendation_filtered": 2},
    "records": {"fraud_record": 2, "fraud_batch": 1, "recommendation": 2, "recommendation_filtered": 1},
    "images": {"defect_raw_jpeg": 2, "defect_base64": 1, "triage_multipart": 1, "triage_raw_png": 1},
}


def parse_wrk(text: str) -> dict:
    out = {"requests": 0, "non2xx": 0, "connect": 0, "read": 0, "write": 0, "timeout": 0}
    m = re.search(r"^\s*(\d+) requests in", text, re.M)
    if m:
        out["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        out["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        for k, v in zip(("connect", "read", "write", "timeout"), m.groups()):
            out[k] = int(v)
    return out


def manifest(scratch: Path, mix: str) -> Path:
    lines = []
    for name, path, ctype, body in sample_bodies():
        weight = MIXES[mix].get(name, 0)
        if not weight:
            continue
        f = scratch / f"{name}.body"
        f.write_bytes(body)
        lines += [f"{path}\t{ctype}\t{f}"] * weight
    out = scratch / "manifest.tsv"
    # Interleave kinds: a fixed shuffle so images and records alternate.
    import random
    random.Random(1).shuffle(lines)
    out.write_text("\n".join(lines) + "\n")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=str(REPO / ".build" / "release" / "kiln"))
    ap.add_argument("--commit", help="the commit the binary was built from (default: the tree's HEAD)")
    ap.add_argument("--duration", type=float, default=600)
    ap.add_argument("--connections", type=int, default=1_000_000)
    ap.add_argument("--max-duration", type=float, default=1800)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--segment", type=float, default=60)
    ap.add_argument("--rss-period", type=float, default=10)
    ap.add_argument("--mix", choices=sorted(MIXES), default="all")
    ap.add_argument("--keep-log", action="store_true", help="keep the server's stderr file")
    ap.add_argument("--no-backtrace", action="store_true", help="do not enable the Swift backtracer")
    args = ap.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="kiln-churn-"))
    man = manifest(scratch, args.mix)
    log_path = scratch / "kiln.stderr"
    # The Swift runtime's backtracer, so a crash leaves its stack in the server's stderr.
    backtracer = Path(args.binary).resolve().parents[0] / "swift-backtrace-static"
    for cand in (backtracer, Path("/opt/swift/usr/libexec/swift/linux/swift-backtrace-static")):
        if cand.exists():
            backtracer = cand
            break
    bt_env = {"SWIFT_BACKTRACE": f"enable=yes,sanitize=no,interactive=no,swift-backtrace={backtracer}"} \
        if backtracer.exists() and not args.no_backtrace else {}
    server = Server(args.binary, log_path, bt_env)
    print(f"kiln pid {server.proc.pid} on port {server.port}; stderr in {log_path}", flush=True)
    rss = RSSSampler(server.proc.pid, args.rss_period)
    rss.start()
    totals = {"requests": 0, "non2xx": 0, "connect": 0, "read": 0, "write": 0, "timeout": 0}
    segments = []
    t0 = time.monotonic()
    died_at = None
    env = {**os.environ, "CHURN_MANIFEST": str(man)}
    while True:
        elapsed = time.monotonic() - t0
        if elapsed >= args.max_duration or (elapsed >= args.duration and totals["requests"] >= args.connections):
            break
        seg = min(args.segment, max(5.0, args.max_duration - elapsed))
        cmd = ["wrk", "-t", str(args.threads), "-c", str(args.clients), "-d", f"{int(seg)}s", "--timeout", "10s",
               "-s", str(HERE / "churn.lua"), f"http://127.0.0.1:{server.port}/"]
        wrk = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        seg_end = time.monotonic() + seg + 60
        while wrk.poll() is None and time.monotonic() < seg_end:
            if not server.alive():  # stop hammering a dead port; wrk reports on SIGINT
                died_at = round(time.monotonic() - t0, 1)
                wrk.send_signal(signal.SIGINT)
                break
            time.sleep(0.5)
        try:
            stdout, stderr = wrk.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            wrk.kill()
            stdout, stderr = wrk.communicate()
        if wrk.returncode not in (0, -signal.SIGINT) and died_at is None:
            print(stdout + stderr, file=sys.stderr)
            break
        r = parse_wrk(stdout)
        for k in totals:
            totals[k] += r[k]
        last_rss = rss.samples[-1][1] if rss.samples else None
        segments.append({"end_s": round(time.monotonic() - t0, 1), "requests": r["requests"],
                         "rate": round(r["requests"] / seg, 1), "errors": r["non2xx"] + r["connect"] + r["read"]
                         + r["write"] + r["timeout"], "rss_mib": round(last_rss / 1024, 1) if last_rss else None})
        print(f"[{segments[-1]['end_s']:7.1f}s] +{r['requests']} ({segments[-1]['rate']:.0f}/s), total "
              f"{totals['requests']}, errors {segments[-1]['errors']}, RSS {segments[-1]['rss_mib']} MiB", flush=True)
        if not server.alive():
            died_at = died_at or round(time.monotonic() - t0, 1)
            break
    wall = time.monotonic() - t0
    survived = server.alive() and server.healthy()
    metrics_total = None
    if survived:
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=10) as resp:
            m = re.search(r"^kiln_http_connections_total (\d+)", resp.read().decode(), re.M)
            metrics_total = int(m.group(1)) if m else None
    rss.stop()
    exit_code = server.proc.returncode if not server.alive() else None
    tail = server.tail(40)
    levels = server.log_levels()
    answered = server.count_lines('"msg":"request"')
    stop_code = server.stop()
    errors = totals["non2xx"] + totals["connect"] + totals["read"] + totals["write"] + totals["timeout"]
    result = {
        "kind": "churn", "commit": args.commit or git_commit(args.binary), "binary": args.binary,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "config": "default (models/, access log on)", "clients": args.clients, "mix": args.mix,
        "duration_s": round(wall, 1), "connections": totals["requests"], "server_connections_total": metrics_total,
        "server_requests_logged": answered,
        "rate_per_s": round(totals["requests"] / wall, 1), "errors": errors, "error_detail": totals,
        "survived": survived, "died_at_s": died_at, "exit_code": exit_code, "stop_exit_code": stop_code,
        "log_levels": levels, "rss_kib": rss.samples, "rss_thirds": thirds(rss.samples), "segments": segments,
        "backtracer": bool(bt_env),
        "stderr_tail": tail.splitlines() if not survived else tail.splitlines()[-10:],
    }
    path = write_result("churn", result)
    series = ", ".join(f"{kib / 1024:.0f}" for _, kib in rss.samples[:: max(1, len(rss.samples) // 20)])
    print(f"\nconnections {totals['requests']} in {wall:.0f}s ({result['rate_per_s']:.0f}/s), "
          f"errors {errors} {totals}, server counted {metrics_total} connections, logged {answered} requests")
    print(f"RSS MiB (every ~{args.rss_period * max(1, len(rss.samples) // 20):.0f}s): {series}")
    print(f"RSS thirds: {result['rss_thirds']}")
    print(f"log levels: {levels}")
    print(f"survived: {survived}" + ("" if survived else f" (exit {exit_code} at {died_at}s)\n{tail}"))
    print(f"result: {path}")
    if args.keep_log:
        print(f"server stderr kept: {log_path}")
    else:
        log_path.unlink(missing_ok=True)
    return 0 if survived and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
