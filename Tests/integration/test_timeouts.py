"""Header/body/keep-alive/write timeouts and slowloris resistance.

The shared server runs with header 1 s, body 1 s, keep-alive 2 s, write 1 s."""

from __future__ import annotations

import json
import select
import socket
import threading
import time

from kilnhttp import HOST, HTTPCheckError, RawConn, build_request, get

SLACK = 1.5


def _timed_get(port: int, path: str = "/v2/health/live") -> float:
    t0 = time.monotonic()
    r = get(port, path, timeout=5)
    assert r.status == 200, r
    return time.monotonic() - t0


def test_header_timeout_408_then_close(server):
    with RawConn(server.port) as c:
        c.send(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n")  # head never finished
        t0 = time.monotonic()
        r = c.read_response(timeout=1 + SLACK + 1)
        elapsed = time.monotonic() - t0
        assert r.status == 408, r
        assert 0.7 <= elapsed <= 1 + SLACK, elapsed
        assert r.closes, r
        json.loads(r.body)["error"]
        assert c.wait_closed(2.0)


def test_header_timeout_not_reset_by_dribbling(server):
    """Sending one header byte at a time must not keep the request alive forever."""
    with RawConn(server.port) as c:
        c.send(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        t0 = time.monotonic()
        closed = False
        while time.monotonic() - t0 < 1 + SLACK + 1:
            try:
                c.send(b"a")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            r, _, _ = select.select([c.sock], [], [], 0.2)
            if r:
                break
        elapsed = time.monotonic() - t0
        if not closed:
            resp = c.read_response(timeout=2)
            assert resp.status == 408, resp
        assert elapsed <= 1 + SLACK + 0.5, f"dribbling kept the header phase alive for {elapsed:.1f}s"


def test_body_timeout_408_then_close(server):
    with RawConn(server.port) as c:
        c.send(build_request("POST", "/debug/echo", [("Content-Length", "100")]) + b"only-ten!!")
        t0 = time.monotonic()
        r = c.read_response("POST", timeout=1 + SLACK + 1)
        elapsed = time.monotonic() - t0
        assert r.status == 408, r
        assert 0.7 <= elapsed <= 1 + SLACK, elapsed
        assert r.closes, r
        assert c.wait_closed(2.0)


def test_chunked_body_timeout_408(server):
    with RawConn(server.port) as c:
        c.send(b"POST /debug/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")
        t0 = time.monotonic()
        r = c.read_response("POST", timeout=1 + SLACK + 1)
        assert r.status == 408, r
        assert time.monotonic() - t0 <= 1 + SLACK
        assert c.wait_closed(2.0)


def test_keepalive_idle_close(server):
    with RawConn(server.port) as c:
        assert c.request(build_request("GET", "/v2/health/live")).status == 200
        t0 = time.monotonic()
        assert c.wait_closed(2 + SLACK + 1), "idle keep-alive connection was not closed"
        elapsed = time.monotonic() - t0
        assert 1.5 <= elapsed <= 2 + SLACK, elapsed
        assert not c.stream.leftover(), "idle close must be silent"


def test_keepalive_not_closed_while_busy(server):
    """A request that runs longer than the keep-alive timeout is not cut off."""
    with RawConn(server.port) as c:
        r = c.request(build_request("GET", "/debug/sleep?ms=2600"), timeout=6)
        assert r.status == 200 and json.loads(r.body) == {"slept_ms": 2600}
        r = c.request(build_request("GET", "/v2/health/live"))
        assert r.status == 200


def test_fresh_idle_connection_eventually_closed(server):
    """A connection that never sends a byte does not live forever."""
    with RawConn(server.port) as c:
        t0 = time.monotonic()
        try:
            closed = c.wait_closed(2 + SLACK + 1)
        except HTTPCheckError:
            r = c.read_response(timeout=1)  # a 408 here is also fine
            assert r.status == 408, r
            closed = True
        assert closed, "silent connection kept open"
        assert time.monotonic() - t0 <= 2 + SLACK + 1


def test_slowloris_does_not_block_service(server):
    n_slow = 100
    slow: list[socket.socket] = []
    prefix = b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Slowloris: "
    for _ in range(n_slow):
        s = socket.create_connection((HOST, server.port), timeout=5)
        s.sendall(prefix)
        slow.append(s)
    t_start = time.monotonic()
    stop = threading.Event()
    outcome: dict[int, bytes] = {}

    def drip():
        end = time.monotonic() + 6
        while not stop.is_set() and time.monotonic() < end:
            for i, s in enumerate(slow):
                if i in outcome:
                    continue
                try:
                    s.send(b"x")
                except OSError:
                    outcome.setdefault(i, b"")
            readable, _, _ = select.select([s for i, s in enumerate(slow) if i not in outcome], [], [], 0.2)
            for s in readable:
                i = slow.index(s)
                try:
                    outcome[i] = s.recv(65536)
                except OSError:
                    outcome[i] = b""
            if len(outcome) == n_slow:
                break

    t = threading.Thread(target=drip, daemon=True)
    t.start()
    try:
        latencies = [_timed_get(server.port) for _ in range(20)]
        assert max(latencies) < 0.5, f"normal requests slowed by slowloris: {latencies}"
        # Keep-alive clients too.
        with RawConn(server.port) as c:
            for _ in range(10):
                t0 = time.monotonic()
                assert c.request(build_request("GET", "/v2/health/ready")).status == 200
                assert time.monotonic() - t0 < 0.5
        t.join(timeout=8)
    finally:
        stop.set()
        t.join(timeout=2)
        for s in slow:
            s.close()
    elapsed = time.monotonic() - t_start
    assert len(outcome) == n_slow, f"only {len(outcome)}/{n_slow} slowloris connections ended in {elapsed:.1f}s"
    for i, data in outcome.items():
        if data:
            assert data.startswith(b"HTTP/1.1 408 "), (i, data[:200])


def test_slow_reader_dropped_after_write_timeout(server):
    n = 64 * 1024 * 1024
    sink = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sink.settimeout(5)
    sink.connect((HOST, server.port))
    try:
        sink.sendall(build_request("GET", f"/debug/bytes?n={n}"))
        # Never read; others must still be served promptly meanwhile.
        t_end = time.monotonic() + 2.5
        latencies = []
        while time.monotonic() < t_end:
            latencies.append(_timed_get(server.port))
            time.sleep(0.1)
        assert max(latencies) < 0.5, latencies
        # By now (write timeout 1 s) the server should have dropped us: draining must hit EOF/RST
        # long before 64 MiB arrive.
        time.sleep(1.5)
        total = 0
        deadline = time.monotonic() + 10
        ended = False
        while time.monotonic() < deadline:
            try:
                data = sink.recv(1 << 20)
            except ConnectionResetError:
                ended = True
                break
            except socket.timeout:
                break
            if not data:
                ended = True
                break
            total += len(data)
        assert ended, f"connection still open after draining {total} bytes"
        assert total < n, f"server delivered the whole {total}-byte response to a non-reading client"
    finally:
        sink.close()
    assert get(server.port, "/v2/health/live").status == 200


def test_write_timeout_from_config(start_server):
    """A generous write timeout keeps a briefly paused reader alive."""
    srv = start_server({"write_timeout_seconds": 5})
    n = 8 * 1024 * 1024
    with RawConn(srv.port, timeout=10, rcvbuf=4096) as c:
        c.send(build_request("GET", f"/debug/bytes?n={n}"))
        time.sleep(1.5)  # pause reading longer than the shared server's 1 s, shorter than 5 s
        r = c.read_response(timeout=20)
        assert r.status == 200 and len(r.body) == n
