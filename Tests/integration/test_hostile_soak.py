"""A short mixed soak (about a minute): every kind of valid request the shipped models take
(images raw, multipart and base64; fraud records and batches, chunked too; recommendations;
V2 JSON and binary infer; health) over keep-alive and one-request connections from a few
threads, with the server's RSS sampled every second. No request may fail, and after the
first third (warm-up) memory must level off. benchmarks/reliability/soak.py is the long
version; docs/reliability.md has its figures."""

from __future__ import annotations

import os
import threading
import time

from hostile import MODELS, exchange, rss_kib, valid_requests
from kilnhttp import HTTPCheckError, RawConn

SOAK_SECONDS = float(os.environ.get("KILN_SOAK_SECONDS", "48"))
RSS_TOLERANCE = 0.05


def _keepalive_client(port: int, reqs: dict[str, bytes], stop: float, counts: dict, errors: list, offset: int):
    names = sorted(reqs)
    i = offset
    conn = None
    while time.monotonic() < stop and len(errors) < 20:
        name = names[i % len(names)]
        i += 1
        try:
            if conn is None:
                conn = RawConn(port, timeout=10)
            r = conn.request(reqs[name], "GET" if name == "health" else "POST", timeout=10)
            if r.status != 200:
                errors.append(f"keep-alive {name}: {r!r}")
            counts["keepalive"] += 1
            if r.closes:
                conn.close()
                conn = None
        except (HTTPCheckError, OSError) as e:
            errors.append(f"keep-alive {name}: {e}")
            if conn is not None:
                conn.close()
            conn = None
    if conn is not None:
        conn.close()


def _oneshot_client(port: int, reqs: dict[str, bytes], stop: float, counts: dict, errors: list, offset: int):
    names = sorted(reqs)
    i = offset
    while time.monotonic() < stop and len(errors) < 20:
        name = names[i % len(names)]
        i += 1
        ex = exchange(port, reqs[name], timeout=10, method="GET" if name == "health" else "POST")
        statuses = [r.status for r in ex.responses]
        if ex.error or statuses != [200] or ex.end not in ("eof",):
            errors.append(f"one-shot {name}: {statuses} end={ex.end} {ex.error or ''}")
        counts["oneshot"] += 1


def test_mixed_soak_no_errors_and_memory_levels_off(start_server):
    srv = start_server({"models": str(MODELS), "access_log": True, "max_body_bytes": 8 << 20,
                        "keepalive_timeout_seconds": 5})
    pid = srv.proc.pid
    keep = valid_requests(close=False)
    once = valid_requests(close=True)
    counts = {"keepalive": 0, "oneshot": 0}
    errors: list[str] = []
    t0 = time.monotonic()
    stop = t0 + SOAK_SECONDS
    threads = [threading.Thread(target=_keepalive_client, args=(srv.port, keep, stop, counts, errors, k), daemon=True)
               for k in (0, 5)]
    threads += [threading.Thread(target=_oneshot_client, args=(srv.port, once, stop, counts, errors, k), daemon=True)
                for k in (2, 8)]
    for t in threads:
        t.start()
    samples: list[int] = []
    next_sample = t0
    while time.monotonic() < stop and srv.alive():
        samples.append(rss_kib(pid))
        next_sample += 1.0
        time.sleep(max(0.0, next_sample - time.monotonic()))
    for t in threads:
        t.join(timeout=15)
    assert srv.alive(), "server died during the soak"
    assert not any(t.is_alive() for t in threads), "a client thread did not stop"
    n = len(samples)
    thirds = [samples[: n // 3], samples[n // 3: 2 * n // 3], samples[2 * n // 3:]]
    means = [sum(p) / len(p) / 1024 for p in thirds]
    summary = (f"{counts['keepalive']} keep-alive + {counts['oneshot']} one-shot requests in {SOAK_SECONDS:.0f}s; "
               f"RSS MiB thirds {means[0]:.1f} / {means[1]:.1f} / {means[2]:.1f} "
               f"(last vs middle {(means[2] / means[1] - 1) * 100:+.1f} %), max {max(samples) / 1024:.1f}")
    print(summary)
    notes = [ln[:300] for ln in list(srv.lines) if '"msg":"request"' not in ln and "version loaded" not in ln]
    assert not errors, (f"{len(errors)} errors; {summary}\n" + "\n".join(errors[:10])
                        + "\nserver log (access log and loads left out):\n" + "\n".join(notes[-20:]))
    assert counts["keepalive"] + counts["oneshot"] >= 4 * SOAK_SECONDS, f"too little traffic: {summary}"
    assert abs(means[2] / means[1] - 1) <= RSS_TOLERANCE, f"memory still moving after warm-up: {summary}"
