#!/usr/bin/env python3
"""Summarize wrk --latency outputs written by benchmarks/http/run.sh into a markdown table.

Input files: RESULTS/<peer>_c<conns>_r<round>.txt (peer in kiln, hb, nginx).
Prints medians over rounds of Requests/sec, p50 and p99 latency, summed errors
(non-2xx/3xx responses and socket errors), and req/s ratios kiln/hummingbird, kiln/nginx.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from wrk_report import fmt_latency, wrk_files  # noqa: E402

NAMES = {"kiln": "kiln", "hb": "hummingbird", "nginx": "nginx"}
ORDER = ["kiln", "hb", "nginx"]
_FILE = re.compile(r"(?P<peer>[a-z]+)_c(?P<conns>\d+)_r(?P<round>\d+)\.txt$")


@dataclass
class Run:
    peer: str
    conns: int
    round: int
    rps: float
    p50: float  # seconds
    p99: float
    requests: int
    non2xx: int
    socket_errors: int

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors


def load(results: Path) -> list[Run]:
    return [Run(m["peer"], int(m["conns"]), int(m["round"]), **d) for m, d in wrk_files(results, _FILE)]


def _sh(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    nproc = _sh(["nproc"]) or str(os.cpu_count())
    return f"{nproc} CPUs, {cpu or platform.processor() or 'unknown CPU'}, {platform.system()} {platform.release()}"


def versions() -> str:
    wrk = (_sh(["sh", "-c", "wrk -v 2>&1 | head -1"]) or "wrk ?").split(" Copyright")[0]
    nginx = _sh(["sh", "-c", "nginx -v 2>&1"]) or "nginx ?"
    swift = _sh(["sh", "-c", "swift --version 2>&1 | head -1"]) or "swift ?"
    repo = Path(__file__).resolve().parents[2]
    commit = _sh(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"]) or "?"
    dirty = _sh(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"])
    return f"{wrk}; {nginx}; {swift}; kiln commit {commit}{' (dirty)' if dirty else ''}"


def table(runs: list[Run]) -> str:
    lines = [
        "| server | conns | req/s (median) | p50 | p99 | errors | req/s per round |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    medians: dict[tuple[str, int], float] = {}
    for conns in sorted({r.conns for r in runs}, reverse=True):
        for peer in ORDER:
            rs = sorted((r for r in runs if r.peer == peer and r.conns == conns), key=lambda r: r.round)
            if not rs:
                continue
            rps = statistics.median(r.rps for r in rs)
            medians[(peer, conns)] = rps
            lines.append(
                f"| {NAMES[peer]} | {conns} | {rps:,.0f} | {fmt_latency(statistics.median(r.p50 for r in rs))} "
                f"| {fmt_latency(statistics.median(r.p99 for r in rs))} | {sum(r.errors for r in rs)} "
                f"| {', '.join(f'{r.rps:,.0f}' for r in rs)} |"
            )
    lines += ["", "| conns | kiln / hummingbird (req/s) | kiln / nginx (req/s) |", "|---:|---:|---:|"]
    for conns in sorted({r.conns for r in runs}, reverse=True):
        k = medians.get(("kiln", conns))

        def ratio(peer: str) -> str:
            other = medians.get((peer, conns))
            return f"{k / other:.2f}" if k and other else "n/a"

        lines.append(f"| {conns} | {ratio('hb')} | {ratio('nginx')} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--results", required=True, type=Path)
    ap.add_argument("--command", default="benchmarks/http/run.sh")
    ap.add_argument("--duration", default="?")
    ap.add_argument("--rounds", default="?")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    runs = load(args.results)
    if not runs:
        print(f"no wrk results in {args.results}", file=sys.stderr)
        return 1
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join([
        "## HTTP benchmark: GET /v2/health/live",
        "",
        f"- command: `{args.command}`",
        f"- date: {now}",
        f"- machine: {machine()}",
        f"- tools: {versions()}",
        f"- wrk: `-t2 -c64` and `-t1 -c1`, `-d{args.duration}`, `--latency`, {args.rounds} round(s), "
        "servers alternating within each round; all on 127.0.0.1 (wrk shares the CPUs with the server)",
        "- errors = non-2xx/3xx responses + socket errors, summed over rounds",
        "",
        table(runs),
        "",
    ])
    print(text)
    if args.out:
        args.out.write_text(text)
    bad = [r for r in runs if r.errors]
    if bad:
        print(f"WARNING: {len(bad)} run(s) had errors", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
