"""Hostile input over real sockets: a seeded mutation fuzz of valid raw requests (every kind
the shipped models take), and path tricks on the model and repository routes. Each test
starts its own server; helpers are in hostile.py.

The fuzz seed is printed; rerun one with KILN_FUZZ_SEED=<seed> (and KILN_FUZZ_CASES=<n>), or
one case alone with KILN_FUZZ_SEED=<seed> KILN_FUZZ_CASE=<i>: case i is generated from
(seed, i) alone, so a failing case's bytes can be rebuilt exactly."""

from __future__ import annotations

import json
import os
import random
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

from hostile import MODELS, exchange, raw_request, valid_requests
from hostile_mutate import mutate_request
from kilnhttp import RawConn

FUZZ_CASES = int(os.environ.get("KILN_FUZZ_CASES", "3000"))
FUZZ_BUDGET = float(os.environ.get("KILN_FUZZ_SECONDS", "45"))
FUZZ_WORKERS = 12
# The server's timeouts are 1 s, keep-alive 2 s: every connection must have ended by then.
EXCHANGE_TIMEOUT = 6.0
ALLOWED_5XX = {501, 503, 505}


def test_mutated_requests_get_well_formed_answers(start_server):
    seed = int(os.environ.get("KILN_FUZZ_SEED") or random.SystemRandom().randrange(1 << 32))
    print(f"\nKILN_FUZZ_SEED={seed}")
    srv = start_server({"models": str(MODELS), "access_log": False, "header_timeout_seconds": 1,
                        "body_timeout_seconds": 1, "keepalive_timeout_seconds": 2})
    # Valid requests must pass first, or the mutations prove nothing.
    valid = valid_requests(close=True)
    for name, raw in valid.items():
        ex = exchange(srv.port, raw, timeout=10, method="GET" if name == "health" else "POST")
        assert ex.error is None and [r.status for r in ex.responses] == [200], (name, ex.error, ex.responses)

    failures: list[str] = []
    statuses: dict[int, int] = {}
    ends: dict[str, int] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + FUZZ_BUDGET

    died: list[int] = []
    unanswered: list[int] = []

    def run(i: int) -> None:
        if time.monotonic() > deadline or died:
            return
        rng = random.Random(f"{seed}:{i}")
        name, data = mutate_request(rng, valid)
        ex = exchange(srv.port, data, timeout=EXCHANGE_TIMEOUT, half_close=rng.random() < 0.3,
                      method="HEAD" if data.startswith(b"HEAD") else "POST")
        if not srv.alive() or ex.end == "no connection":
            if ex.end != "no connection":  # in flight when the server died: a suspect
                with lock:
                    died.append(i)
            return
        if not ex.responses:
            with lock:
                unanswered.append(i)
        problem = ex.error
        for r in ex.responses:
            if r.status >= 500 and r.status not in ALLOWED_5XX:
                problem = f"status {r.status}: {r.body[:300]!r}"
        if not ex.responses and ex.end == "timeout":
            problem = f"no answer and no close within {EXCHANGE_TIMEOUT}s"
        with lock:
            for r in ex.responses:
                statuses[r.status] = statuses.get(r.status, 0) + 1
            ends[ex.end] = ends.get(ex.end, 0) + 1
            if problem:
                failures.append(f"case {i} (from {name}, seed {seed}): {problem}\n  request[:600]={data[:600]!r}")

    t0 = time.monotonic()
    only = os.environ.get("KILN_FUZZ_CASE")
    with ThreadPoolExecutor(FUZZ_WORKERS) as pool:
        list(pool.map(run, [int(only)] if only else range(FUZZ_CASES)))
    ran = sum(ends.values())
    summary = (f"seed {seed}: {ran} cases in {time.monotonic() - t0:.1f}s; statuses {dict(sorted(statuses.items()))}; "
               f"endings {ends}")
    print(summary)
    if not srv.alive():
        srv.expect_exit = True  # reported here, with the case that kills it
        suspects = sorted(set(died + unanswered[-2 * FUZZ_WORKERS:]), reverse=True)
        raise AssertionError(f"server died during the fuzz ({summary}); "
                             + _find_killer(start_server, seed, valid, suspects))
    with RawConn(srv.port) as c:
        assert c.request(raw_request("GET", "/v2/health/ready", []), "GET").status == 200
    assert not failures, f"{len(failures)} bad answers; {summary}\n" + "\n".join(failures[:8])
    assert only or ran >= min(FUZZ_CASES, 1000), f"too few cases ran: {summary}"


def _find_killer(start_server, seed: int, valid: dict, suspects: list[int]) -> str:
    """Replays the cases in flight (and the last unanswered ones), one at a time on fresh
    servers, and names the first that kills a server by itself."""
    srv = None
    for i in suspects[:3 * FUZZ_WORKERS]:
        if srv is None or not srv.alive():
            if srv is not None:
                srv.expect_exit = True
            srv = start_server({"models": str(MODELS), "access_log": False, "header_timeout_seconds": 1,
                                "body_timeout_seconds": 1, "keepalive_timeout_seconds": 2})
        rng = random.Random(f"{seed}:{i}")
        name, data = mutate_request(rng, valid)
        exchange(srv.port, data, timeout=EXCHANGE_TIMEOUT, half_close=rng.random() < 0.3)
        deadline = time.monotonic() + 1
        while srv.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not srv.alive():
            srv.expect_exit = True
            crash = [ln for ln in srv.stderr_tail(200).splitlines() if not ln.startswith("{")][:8]
            return (f"case {i} (from {name}) kills a fresh server by itself (replay: KILN_FUZZ_SEED={seed} "
                    f"KILN_FUZZ_CASE={i}); stderr:\n" + "\n".join(crash) + f"\n  request[:700]={data[:700]!r}")
    return f"no single case among {suspects[:3 * FUZZ_WORKERS]} kills a fresh server alone"


# ---------------------------------------------------------------- path tricks

SIBLING = "outside_fraud"


def _names(repo_parent: str) -> list[str]:
    """Model-name segments (already percent-encoded where needed) that try to leave the
    repository or confuse the lookup."""
    sib_abs = os.path.join(repo_parent, SIBLING)
    raw = [f"../{SIBLING}", f"..\\{SIBLING}", "..", ".", "...", sib_abs, f"fraud_scoring/../../{SIBLING}",
           f"fraud_scoring\x00", f"{SIBLING}\x00", f"./../{SIBLING}", f"../repo/../{SIBLING}", "fraud_scoring/",
           "fraud_scoring/1", "/", "\\", "x" * 5000, "%", "%zz"]
    encoded = [quote(n, safe="") for n in raw]
    encoded += [f"%2e%2e%2f{SIBLING}", f"%2E%2E%2F{SIBLING}", f"..%2f{SIBLING}", f"..%5c{SIBLING}",
                f"%2e%2e%5c{SIBLING}", f"%252e%252e%252f{SIBLING}", f"..%00{SIBLING}", f"{SIBLING}%00",
                "fraud_scoring%00", "fraud_scoring%2f..", f"%c0%ae%c0%ae%c0%af{SIBLING}", f"..%c0%af{SIBLING}",
                "%2e", "%2e%2e", f".%2e/{SIBLING}"]
    return encoded


VERSIONS = ["99999999999999999999", "18446744073709551616", "9223372036854775808", "-1", "0", "01", "001",
            "+1", "1.0", "1e0", "0x1", "1%00", "..", "%2e%2e", "1%2f..%2f..", " 1", "%201", "v1",
            "9" * 5000]


def test_path_tricks_stay_in_the_repository(start_server, tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copytree(MODELS / "fraud_scoring", repo / "fraud_scoring")
    shutil.copytree(MODELS / "fraud_scoring", tmp_path / SIBLING)  # a valid model next door
    srv = start_server({"models": str(repo), "model_control_mode": "explicit", "access_log": False,
                        "max_request_line_bytes": 16384, "max_header_bytes": 65536})
    body = raw_request("POST", "/", [("Content-Type", "application/json")],
                       json.dumps({"inputs": []}).encode()).split(b"\r\n\r\n", 1)[1]
    targets: list[tuple[str, str]] = []
    for name in _names(str(tmp_path)):
        for suffix in ("", "/ready", "/config", "/stats", "/versions/1", "/versions/1/ready"):
            targets.append(("GET", f"/v2/models/{name}{suffix}"))
        targets += [("POST", f"/v2/models/{name}/infer"), ("POST", f"/v2/models/{name}/versions/1/infer"),
                    ("POST", f"/v2/repository/models/{name}/load")]
    for v in VERSIONS:
        for suffix in ("", "/ready", "/config", "/stats"):
            targets.append(("GET", f"/v2/models/fraud_scoring/versions/{v}{suffix}"))
        targets.append(("POST", f"/v2/models/fraud_scoring/versions/{v}/infer"))
    # The sibling by its plain name, and names with dots that are legal folder names.
    targets += [("POST", f"/v2/repository/models/{SIBLING}/load"), ("GET", f"/v2/models/{SIBLING}/ready")]

    wrong: list[str] = []
    _send_all(srv.port, targets, body, wrong)
    # Nothing from outside the repository is known, loaded or ready (unloads come after
    # this check, so a load that got through cannot hide).
    names, outside, leaked, loaded = _outside(srv)
    _send_all(srv.port, [("POST", f"/v2/repository/models/{n}/unload") for n in _names(str(tmp_path))], body, wrong)
    print(f"{len(targets)} tricky targets; index names {names}")
    wrong.sort(key=lambda w: "/load " not in w)  # loads that got through first: they explain the rest
    print("\n".join(wrong))
    assert not wrong, f"{len(wrong)} tricky paths not answered with one 4xx:\n" + "\n".join(wrong[:15])
    assert not outside, f"models from outside the repository appear in the index: {outside}"
    assert not leaked and not loaded, f"the sibling model was loaded: {leaked} {loaded[:3]}"


def _send_all(port: int, targets: list[tuple[str, str]], body: bytes, wrong: list[str]) -> None:
    for method, path in targets:
        raw = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".encode("latin-1")
        raw += b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        ex = exchange(port, raw, timeout=10, method="GET")
        statuses = [r.status for r in ex.responses]
        if ex.error or len(statuses) != 1 or not 400 <= statuses[0] < 500:
            detail = ex.error or (ex.responses[0].body[:200] if ex.responses else ex.end)
            wrong.append(f"{method} {path[:120]} -> {statuses} {detail!r}")


def _outside(srv):
    with RawConn(srv.port) as c:
        index = c.request(raw_request("POST", "/v2/repository/index", [], b"{}", close=False), "POST")
        stats = c.request(raw_request("GET", "/v2/models/stats", [], close=False), "GET")
        metrics = c.request(raw_request("GET", "/metrics", []), "GET")
    names = sorted({row["name"] for row in index.json()})
    outside = [n for n in names if n != "fraud_scoring"]
    leaked = [SIBLING] if SIBLING in stats.body.decode() + metrics.body.decode() else []
    loaded = [ln for ln in srv.lines if "loaded" in ln and SIBLING in ln]
    return names, outside, leaked, loaded
