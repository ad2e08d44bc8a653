"""Many concurrent clients, max_connections, and CPU work kept off the socket threads."""

from __future__ import annotations

import json
import threading
import time

from kilnhttp import RawConn, RecordingHTTPConnection, build_request, get


def test_many_concurrent_connections(server):
    n_threads, per_thread = 200, 5
    barrier = threading.Barrier(n_threads, timeout=30)
    errors: list[str] = []
    done = [0]
    lock = threading.Lock()

    def worker(idx: int):
        c = RecordingHTTPConnection(server.port, timeout=15)
        try:
            barrier.wait()
            for j in range(per_thread):
                if j % 2:
                    body = f"{idx}-{j}".encode() * 10
                    c.request("POST", "/debug/echo", body=body)
                    resp = c.getresponse()
                    got = resp.read()
                    if resp.status != 200 or got != body:
                        raise AssertionError(f"echo {idx}/{j}: {resp.status} {got[:50]!r}")
                else:
                    c.request("GET", "/v2/health/live", headers={"X-Request-Id": f"c-{idx}-{j}"})
                    resp = c.getresponse()
                    got = resp.read()
                    if resp.status != 200 or json.loads(got) != {"live": True}:
                        raise AssertionError(f"live {idx}/{j}: {resp.status} {got[:50]!r}")
                    if resp.getheader("X-Request-Id") != f"c-{idx}-{j}":
                        raise AssertionError(f"request id mixed up: {resp.getheader('X-Request-Id')}")
            c.close()
            rs = c.verify()
            if [r.status for r in rs] != [200] * per_thread:
                raise AssertionError(f"statuses {[r.status for r in rs]}")
            with lock:
                done[0] += 1
        except Exception as e:  # noqa: BLE001 - collected and reported below
            with lock:
                errors.append(f"thread {idx}: {type(e).__name__}: {e}")
        finally:
            c.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n_threads)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.1, 60 - (time.monotonic() - t0)))
    assert not errors, f"{len(errors)} failures, e.g. {errors[:5]}"
    assert done[0] == n_threads, f"only {done[0]}/{n_threads} threads finished in 60 s"


def test_max_connections_backlog(start_server):
    srv = start_server({"max_connections": 8, "keepalive_timeout_seconds": 30, "header_timeout_seconds": 30})
    held = [RawConn(srv.port) for _ in range(8)]
    extra = []
    try:
        for c in held:
            assert c.request(build_request("GET", "/v2/health/live")).status == 200
        # The 9th connection completes the TCP handshake (backlog) but is not served yet.
        waiting = RawConn(srv.port)
        extra.append(waiting)
        waiting.send(build_request("GET", "/v2/health/live", [("X-Request-Id", "ninth")]))
        assert waiting.got_nothing_for(0.8), "9th connection served although 8 were open"
        # The open ones keep being served meanwhile.
        for c in held:
            assert c.request(build_request("GET", "/v2/health/ready")).status == 200
        # Closing one lets the waiting one in.
        held.pop(0).close()
        r = waiting.read_response(timeout=3)
        assert r.status == 200 and r.header("x-request-id") == "ninth"
        # And a further newcomer waits again (8 open: 7 held + the 9th).
        tenth = RawConn(srv.port)
        extra.append(tenth)
        tenth.send(build_request("GET", "/v2/health/live"))
        assert tenth.got_nothing_for(0.5)
    finally:
        for c in held:
            c.close()
        held.clear()
    r = extra[1].read_response(timeout=3)
    assert r.status == 200
    for c in extra:
        c.close()
    # After everyone leaves, a burst larger than the limit is fully served.
    results = []

    def one():
        try:
            results.append(get(srv.port, "/debug/sleep?ms=100", timeout=10).status)
        except Exception as e:  # noqa: BLE001
            results.append(repr(e))

    threads = [threading.Thread(target=one) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=15)
    assert results == [200] * 24, results


def _run_sleepers(port: int, n: int, ms: int):
    out: list = [None] * n

    def sleeper(i):
        t0 = time.monotonic()
        try:
            r = get(port, f"/debug/sleep?ms={ms}", timeout=15)
            out[i] = (r.status, json.loads(r.body), time.monotonic() - t0)
        except Exception as e:  # noqa: BLE001
            out[i] = repr(e)

    threads = [threading.Thread(target=sleeper, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    return threads, out


def _assert_fast_while_busy(port: int):
    time.sleep(0.2)  # let the sleepers reach the compute pool
    lat = []
    for _ in range(10):
        t0 = time.monotonic()
        assert get(port, "/v2/health/live").status == 200
        lat.append(time.monotonic() - t0)
    with RawConn(port) as c:
        for _ in range(10):
            t0 = time.monotonic()
            assert c.request(build_request("GET", "/metrics")).status == 200
            lat.append(time.monotonic() - t0)
    assert max(lat) < 0.3, f"health/metrics slowed by compute work: {[round(x, 3) for x in lat]}"


def test_sleep_off_socket_threads(server):
    threads, out = _run_sleepers(server.port, 4, 1500)
    _assert_fast_while_busy(server.port)
    for t in threads:
        t.join(timeout=15)
    for o in out:
        assert isinstance(o, tuple) and o[0] == 200 and o[1] == {"slept_ms": 1500} and o[2] >= 1.4, o


def test_sleep_off_single_event_loop(start_server):
    """One event-loop thread, one compute thread: a sleeping handler must not block I/O."""
    srv = start_server({"event_loop_threads": 1, "compute_threads": 1})
    threads, out = _run_sleepers(srv.port, 3, 1000)
    _assert_fast_while_busy(srv.port)
    for t in threads:
        t.join(timeout=15)
    for o in out:
        assert isinstance(o, tuple) and o[0] == 200 and o[1] == {"slept_ms": 1000}, o
    # One compute thread: three 1 s sleeps run one after another.
    assert max(o[2] for o in out) >= 2.8, [o[2] for o in out]
