"""Reading `wrk --latency` reports, shared by the benchmark scripts (http, serving,
services): requests/s, p50/p99 in seconds, request and error counts."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def duration(text: str) -> float:
    """A wrk duration ("812.00us", "1.23ms", "2.00s") in seconds."""
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(f"unparseable latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(text: str) -> dict:
    """One `wrk --latency` report -> {rps, p50, p99 (s), requests, non2xx, socket_errors}.
    Raises ValueError if a required line is missing."""
    m = re.search(r"^Requests/sec:\s+([0-9.]+)", text, re.M)
    if not m:
        raise ValueError("no Requests/sec line")
    out: dict = {"rps": float(m.group(1))}
    for pct, key in (("50", "p50"), ("99", "p99")):
        m = re.search(rf"^\s+{pct}(?:\.0+)?%\s+(\S+)", text, re.M)
        if not m:
            raise ValueError(f"no {pct}% latency line (was wrk run with --latency?)")
        out[key] = duration(m.group(1))
    m = re.search(r"^\s*(\d+) requests in", text, re.M)
    out["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    out["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    out["socket_errors"] = sum(int(x) for x in m.groups()) if m else 0
    return out


def wrk_files(results: Path, name: re.Pattern) -> Iterator[tuple[re.Match, dict]]:
    """Every report in `results` whose file name matches `name`, in name order, with its
    parsed figures; a report that does not parse stops the script naming the file."""
    for f in sorted(results.iterdir()):
        m = name.match(f.name)
        if not m:
            continue
        try:
            yield m, parse_wrk(f.read_text(errors="replace"))
        except ValueError as e:
            raise SystemExit(f"{f}: {e}") from None


def fmt_latency(s: float) -> str:
    """Seconds as µs, ms or s with a sensible number of digits."""
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"
