#!/usr/bin/env python3
"""Summarize a benchmarks/serving/run.sh results directory into markdown.

Reads from RESULTS:
    <server>_<body>_c<conns>_r<round>.txt   `wrk --latency` reports (server: kiln-batch,
                                            kiln-nobatch, fastapi, mlserver; body: json, binary)
    skipped.tsv     server<TAB>body<TAB>reason, for combinations that could not be measured
    bare.jsonl      bare-model timings (one JSON object per line, `kiln bench --json` format
                    plus a "runtime" field)
    meta.tsv        key<TAB>value lines (command, machine, versions, settings)
    memory.tsv      server<TAB>peak resident KiB (VmHWM summed over its process group)<TAB>processes
    info.json       the payload description written by payloads.py make

Prints (and with --out writes) the tables: every measurement (median over rounds), the
Kiln/peer ratios against the goals of the serving issue, and dynamic batching on vs off.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from wrk_report import fmt_latency, wrk_files  # noqa: E402

SERVERS = ["kiln-batch", "kiln-nobatch", "fastapi", "mlserver"]
LABELS = {
    "kiln-batch": "kiln (dynamic batching on)",
    "kiln-nobatch": "kiln (dynamic batching off)",
    "fastapi": "FastAPI + uvicorn + onnxruntime",
    "mlserver": "Seldon MLServer + onnxruntime",
}
BODIES = ["json", "binary"]
# Goals of the serving issue: Kiln's req/s over the peer's, per body; p99 no worse.
GOALS = {("json", "fastapi"): 3.0, ("json", "mlserver"): 6.0, ("binary", "fastapi"): 1.5}
_FILE = re.compile(r"(?P<server>[a-z-]+)_(?P<body>json|binary)_c(?P<conns>\d+)_r(?P<round>\d+)\.txt$")


@dataclass
class Run:
    server: str
    body: str
    conns: int
    round: int
    rps: float
    p50: float  # seconds
    p99: float
    requests: int
    non2xx: int
    socket_errors: int


@dataclass
class Cell:
    rps: float
    p50: float
    p99: float
    errors: int
    requests: int
    per_round: list[float]


def load_runs(results: Path) -> list[Run]:
    return [Run(m["server"], m["body"], int(m["conns"]), int(m["round"]), **d) for m, d in wrk_files(results, _FILE)]


def cells(runs: list[Run]) -> dict[tuple[str, str, int], Cell]:
    out = {}
    keys = {(r.server, r.body, r.conns) for r in runs}
    for key in keys:
        rs = sorted((r for r in runs if (r.server, r.body, r.conns) == key), key=lambda r: r.round)
        out[key] = Cell(rps=statistics.median(r.rps for r in rs),
                        p50=statistics.median(r.p50 for r in rs),
                        p99=statistics.median(r.p99 for r in rs),
                        errors=sum(r.non2xx + r.socket_errors for r in rs),
                        requests=sum(r.requests for r in rs),
                        per_round=[r.rps for r in rs])
    return out


def fmt_rps(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}"


def read_tsv(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    return [line.split("\t") for line in path.read_text().splitlines() if line.strip()]


def measurements_table(c: dict, conns_list: list[int], rounds: int) -> list[str]:
    head = "| server | body | conns | req/s | p50 | p99 | errors | requests |"
    sep = "|---|---|---:|---:|---:|---:|---:|---:|"
    if rounds > 1:
        head += " req/s per round |"
        sep += "---|"
    lines = [head, sep]
    for body in BODIES:
        for conns in conns_list:
            for s in SERVERS:
                cell = c.get((s, body, conns))
                if cell is None:
                    continue
                row = (f"| {LABELS[s]} | {body} | {conns} | {fmt_rps(cell.rps)} | {fmt_latency(cell.p50)} "
                       f"| {fmt_latency(cell.p99)} | {cell.errors} | {cell.requests:,} |")
                if rounds > 1:
                    row += f" {', '.join(fmt_rps(x) for x in cell.per_round)} |"
                lines.append(row)
    return lines


def ratio_table(c: dict, conns_list: list[int], attempted: set[str]) -> list[str]:
    """Kiln variants that were measured or attempted (skipped) against each measured peer."""
    lines = ["| body | conns | kiln | peer | req/s ratio | goal | p99 kiln / peer | p99 no worse |",
             "|---|---:|---|---|---:|---|---:|---|"]
    any_row = False
    for body in BODIES:
        for conns in conns_list:
            for k in ("kiln-batch", "kiln-nobatch"):
                if k not in attempted:
                    continue
                kc = c.get((k, body, conns))
                for peer in ("fastapi", "mlserver"):
                    pc = c.get((peer, body, conns))
                    if pc is None:
                        continue
                    goal = GOALS.get((body, peer))
                    if kc is None:
                        ratio = p99r = "n/a"
                        verdict = p99v = "not measured"
                    else:
                        r = kc.rps / pc.rps if pc.rps else float("inf")
                        ratio = f"{r:.2f}×"
                        verdict = (f"≥ {goal:g}×: **{'yes' if r >= goal else 'no'}**"
                                   if goal else "—")
                        pr = kc.p99 / pc.p99 if pc.p99 else float("inf")
                        p99r = f"{pr:.2f}"
                        p99v = "**yes**" if pr <= 1.0 else "**no**"
                    any_row = True
                    lines.append(f"| {body} | {conns} | {'batching on' if k == 'kiln-batch' else 'batching off'} "
                                 f"| {LABELS[peer].split(' +')[0]} | {ratio} | {verdict} | {p99r} | {p99v} |")
    return lines if any_row else []


def batching_table(c: dict, conns_list: list[int]) -> list[str]:
    lines = ["| body | conns | req/s on | req/s off | on / off | p50 on | p50 off | p99 on | p99 off |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    n = 0
    for body in BODIES:
        for conns in conns_list:
            on, off = c.get(("kiln-batch", body, conns)), c.get(("kiln-nobatch", body, conns))
            if on is None or off is None:
                continue
            n += 1
            lines.append(f"| {body} | {conns} | {fmt_rps(on.rps)} | {fmt_rps(off.rps)} "
                         f"| {on.rps / off.rps:.2f} | {fmt_latency(on.p50)} | {fmt_latency(off.p50)} "
                         f"| {fmt_latency(on.p99)} | {fmt_latency(off.p99)} |")
    return lines if n else []


def bare_table(results: Path) -> list[str]:
    path = results / "bare.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not rows:
        return []
    lines = ["| runtime | batch | threads | p50 | p99 | samples/s |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r.get('runtime', '?')} | {r['batch']} | {r['threads']} "
                     f"| {r['p50_ms']:.3f} ms | {r['p99_ms']:.3f} ms | {r['samples_per_s']:,.0f} |")
    return lines


def memory_table(results: Path) -> list[str]:
    """Peak resident memory per server (memory.tsv: name, KiB, processes), from run.sh."""
    rows = [r for r in read_tsv(results / "memory.tsv") if len(r) >= 3]
    if not rows:
        return []
    lines = ["| server | peak resident memory | processes |", "|---|---:|---:|"]
    for name, kib, procs in rows:
        lines.append(f"| {LABELS.get(name, name)} | {int(kib) / 1024:,.0f} MiB | {procs} |")
    return lines


def render(results: Path) -> tuple[str, int]:
    runs = load_runs(results)
    meta = dict((row[0], row[1] if len(row) > 1 else "") for row in read_tsv(results / "meta.tsv"))
    skipped = read_tsv(results / "skipped.tsv")
    info = json.loads((results / "info.json").read_text()) if (results / "info.json").exists() else {}
    c = cells(runs)
    conns_list = sorted({r.conns for r in runs}, reverse=True)
    rounds = max((r.round for r in runs), default=1)
    w: list[str] = []
    model = meta.get("model", "mobilenetv2_x0.5")
    w += [f"## Serving benchmark: {model}, one {info.get('input_shape', '?')} FP32 tensor per request", ""]
    for key in ("command", "date", "machine", "load", "versions", "wrk", "kiln"):
        if key in meta:
            w.append(f"- {key}: {meta[key]}")
    if info:
        w.append(f"- request: `POST /v2/models/{info.get('model_name', 'mobilenet')}/infer`, input "
                 f"`{info.get('input')}`, output `{info.get('output')}` {info.get('output_shape')}; "
                 f"JSON body {info.get('json_bytes', 0):,} B (all outputs as JSON); binary body "
                 f"{info.get('binary_bytes', 0):,} B (`Inference-Header-Content-Length: "
                 f"{info.get('binary_header_bytes')}`, output requested as binary)")
    w += ["- all servers up side by side, rounds interleaved (each body and concurrency: every server in turn); "
          "wrk shares the 2 cores with the server under test; "
          "errors = non-2xx responses + socket errors (connect/read/write/timeout)", ""]
    bare = bare_table(results)
    if bare:
        w += ["### The bare model (no HTTP)", ""] + bare + [""]
    if runs:
        w += ["### Measurements" + (f" (median of {rounds} rounds)" if rounds > 1 else ""), ""]
        w += measurements_table(c, conns_list, rounds) + [""]
    attempted = {r.server for r in runs} | {s[0] for s in skipped}
    rt = ratio_table(c, conns_list, attempted)
    if rt:
        w += ["### Kiln against the peers (goals of the serving issue)", ""] + rt + [""]
    bt = batching_table(c, conns_list)
    if bt:
        w += ["### Dynamic batching on vs off (Kiln)", ""] + bt + [""]
    mt = memory_table(results)
    if mt:
        w += ["### Peak resident memory of each server over all its runs (VmHWM, whole process group)", ""] + mt + [""]
    if skipped:
        w += ["### Not measured", ""] + [f"- {s[0]} / {s[1]}: {s[2] if len(s) > 2 else ''}"
                                          for s in skipped] + [""]
    errors = sum(cell.errors for cell in c.values())
    if errors:
        w += [f"**Warning:** {errors} failed request(s) in total; see the raw wrk output.", ""]
    return "\n".join(w), (1 if skipped else 0)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", required=True, type=Path)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args(argv)
    text, status = render(a.results)
    print(text)
    (a.results / "summary.md").write_text(text + "\n")
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(text + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
