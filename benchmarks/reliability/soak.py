#!/usr/bin/env python3
"""Mixed-traffic soak (not a test): the long version of Tests/integration/test_hostile_soak.py.
`kiln serve` on the shipped models with its default configuration (access log on); client
threads send every kind of valid request (images raw, multipart and base64; fraud records,
batches and a chunked record; recommendations; V2 JSON and binary infer; health), half over
keep-alive connections and half one request per connection, each answer checked by the
integration suite's strict parser. RSS is sampled every --rss-period seconds; the result
compares the thirds and fits a line through the last two (warm-up excluded), so a leak shows
as a slope that does not flatten. Writes benchmarks/results/soak-*.json.

Usage: benchmarks/reliability/soak.py [--binary .build/release/kiln] [--commit SHA] [--duration 600]
           [--threads 4] [--rss-period 5]"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import REPO, RSSSampler, Server, git_commit, thirds, write_result  # noqa: E402

sys.path.insert(0, str(REPO / "Tests" / "integration"))
from hostile import exchange, valid_requests  # noqa: E402
from kilnhttp import HTTPCheckError, RawConn  # noqa: E402


def slope_mib_per_hour(samples: list[tuple[float, int]]) -> float | None:
    """Least-squares slope of RSS over time, in MiB per hour."""
    if len(samples) < 3:
        return None
    xs = [t for t, _ in samples]
    ys = [kib / 1024 for _, kib in samples]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return round(sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den * 3600, 2) if den else None


def client(port: int, keepalive: bool, stop: float, offset: int, stats: dict, lock: threading.Lock):
    reqs = valid_requests(close=not keepalive)
    names = sorted(reqs)
    i, conn, done, errors, samples = offset, None, 0, 0, []
    while time.monotonic() < stop:
        name = names[i % len(names)]
        i += 1
        method = "GET" if name == "health" else "POST"
        ok = False
        try:
            if keepalive:
                if conn is None:
                    conn = RawConn(port, timeout=15)
                r = conn.request(reqs[name], method, timeout=15)
                ok = r.status == 200
                if r.closes:
                    conn.close()
                    conn = None
            else:
                ex = exchange(port, reqs[name], timeout=15, method=method)
                ok = ex.error is None and [r.status for r in ex.responses] == [200]
        except (HTTPCheckError, OSError):
            if conn is not None:
                conn.close()
            conn = None
        done += 1
        if not ok:
            errors += 1
            if len(samples) < 5:
                samples.append(name)
    if conn is not None:
        conn.close()
    with lock:
        stats["requests"] += done
        stats["errors"] += errors
        stats["error_kinds"] += samples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=str(REPO / ".build" / "release" / "kiln"))
    ap.add_argument("--commit", help="the commit the binary was built from (default: the tree's HEAD)")
    ap.add_argument("--duration", type=float, default=600)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--rss-period", type=float, default=5)
    args = ap.parse_args()

    import tempfile
    log_path = Path(tempfile.mkdtemp(prefix="kiln-soak-")) / "kiln.stderr"
    server = Server(args.binary, log_path)
    print(f"kiln pid {server.proc.pid} on port {server.port}", flush=True)
    rss = RSSSampler(server.proc.pid, args.rss_period)
    rss.start()
    stats = {"requests": 0, "errors": 0, "error_kinds": []}
    lock = threading.Lock()
    t0 = time.monotonic()
    stop = t0 + args.duration
    threads = [threading.Thread(target=client, args=(server.port, k % 2 == 0, stop, k * 3, stats, lock), daemon=True)
               for k in range(args.threads)]
    for t in threads:
        t.start()
    while time.monotonic() < stop and server.alive():
        time.sleep(min(30, max(0.1, stop - time.monotonic())))
        last = rss.samples[-1] if rss.samples else (0, 0)
        print(f"[{time.monotonic() - t0:6.0f}s] RSS {last[1] / 1024:.1f} MiB", flush=True)
    for t in threads:
        t.join(timeout=30)
    wall = time.monotonic() - t0
    survived = server.alive() and server.healthy()
    rss.stop()
    tail = server.tail(30)
    levels = server.log_levels()
    server.stop()
    n = len(rss.samples)
    after_warmup = rss.samples[n // 3:]
    result = {
        "kind": "soak", "commit": args.commit or git_commit(args.binary), "binary": args.binary,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "config": "default (models/, access log on)",
        "threads": args.threads, "duration_s": round(wall, 1), "requests": stats["requests"],
        "rate_per_s": round(stats["requests"] / wall, 1), "errors": stats["errors"],
        "error_kinds": stats["error_kinds"], "survived": survived, "log_levels": levels,
        "rss_thirds": thirds(rss.samples), "slope_after_warmup_mib_per_hour": slope_mib_per_hour(after_warmup),
        "slope_last_third_mib_per_hour": slope_mib_per_hour(rss.samples[2 * n // 3:]),
        "rss_kib": rss.samples, "stderr_tail": tail.splitlines()[-10:],
    }
    path = write_result("soak", result)
    series = ", ".join(f"{kib / 1024:.1f}" for _, kib in rss.samples[:: max(1, n // 20)])
    print(f"\nrequests {stats['requests']} in {wall:.0f}s ({result['rate_per_s']:.0f}/s), errors {stats['errors']}")
    print(f"RSS MiB series: {series}")
    print(f"RSS thirds: {result['rss_thirds']}; slope after warm-up {result['slope_after_warmup_mib_per_hour']} "
          f"MiB/h, last third {result['slope_last_third_mib_per_hour']} MiB/h")
    print(f"survived: {survived}; log levels {levels}\nresult: {path}")
    log_path.unlink(missing_ok=True)
    return 0 if survived and stats["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
