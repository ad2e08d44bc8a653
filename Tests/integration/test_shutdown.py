"""Graceful shutdown on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import socket
import time

import pytest

from kilnhttp import HOST, HTTPCheckError, RawConn, build_request


def _wait_exit(srv, timeout: float) -> int | None:
    try:
        return srv.proc.wait(timeout=timeout)
    except Exception:  # noqa: BLE001
        return None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_graceful_shutdown_finishes_in_flight(start_server, sig):
    srv = start_server({"shutdown_grace_seconds": 10, "keepalive_timeout_seconds": 30})
    # Idle keep-alive connections that must be closed at shutdown.
    idle = [RawConn(srv.port) for _ in range(3)]
    for c in idle:
        assert c.request(build_request("GET", "/v2/health/live")).status == 200
    # In-flight work.
    busy = [RawConn(srv.port, timeout=10) for _ in range(4)]
    for c in busy:
        c.send(build_request("GET", "/debug/sleep?ms=1500"))
    # A pipelined readiness probe behind a sleeper: if the server answers it, it must say "not ready".
    probe = RawConn(srv.port, timeout=10)
    probe.send(build_request("GET", "/debug/sleep?ms=1000") + build_request("GET", "/v2/health/ready"))
    time.sleep(0.3)
    t_sig = time.monotonic()
    srv.signal(sig)

    # Idle connections are closed promptly, without a response.
    for c in idle:
        assert c.wait_closed(1.5), "idle keep-alive connection not closed at shutdown"
    # New connections are not served once shutdown began.
    time.sleep(0.2)
    try:
        late = socket.create_connection((HOST, srv.port), timeout=1)
        late.settimeout(1.0)
        try:
            late.sendall(build_request("GET", "/v2/health/live"))
            data = late.recv(4096)
        except (socket.timeout, ConnectionResetError, BrokenPipeError):
            data = b""
        late.close()
        assert not data.startswith(b"HTTP/1.1 200"), f"a new connection was served during shutdown: {data[:200]!r}"
    except (ConnectionRefusedError, socket.timeout):
        pass

    for c in busy:
        r = c.read_response(timeout=8)
        assert r.status == 200 and json.loads(r.body) == {"slept_ms": 1500}, r
    first = probe.read_response(timeout=8)
    assert first.status == 200
    try:
        second = probe.read_response(timeout=3)
    except HTTPCheckError as e:
        assert "connection closed" in str(e), e  # closing instead of answering is fine
    else:
        assert second.status == 503 and json.loads(second.body) == {"ready": False}, second

    code = _wait_exit(srv, 8)
    assert code == 0, f"exit code {code}; stderr tail:\n{srv.stderr_tail()}"
    assert time.monotonic() - t_sig < 6
    for c in idle + busy + [probe]:
        c.close()


def test_shutdown_idle_server_exits_quickly(start_server):
    srv = start_server({})
    with RawConn(srv.port) as c:
        assert c.request(build_request("GET", "/v2/health/live")).status == 200
        t0 = time.monotonic()
        srv.signal(signal.SIGTERM)
        code = _wait_exit(srv, 5)
        assert code == 0, f"exit {code}; stderr:\n{srv.stderr_tail()}"
        assert time.monotonic() - t0 < 2.0


def test_shutdown_grace_bounds_exit(start_server):
    """A request longer than the grace period does not hold the process hostage."""
    srv = start_server({"shutdown_grace_seconds": 1})
    c = RawConn(srv.port, timeout=10)
    c.send(build_request("GET", "/debug/sleep?ms=6000"))
    time.sleep(0.3)
    t0 = time.monotonic()
    srv.signal(signal.SIGTERM)
    code = _wait_exit(srv, 6)
    elapsed = time.monotonic() - t0
    assert code is not None, "process still running 6 s after SIGTERM with a 1 s grace period"
    assert elapsed < 4.0, elapsed
    c.close()


def test_ready_flips_during_shutdown_with_keepalive_clients(start_server):
    """While an in-flight request holds shutdown open, /v2/health/ready asked on a *busy*
    connection (pipelined) reports not-ready or the connection is closed; it never reports ready."""
    srv = start_server({"shutdown_grace_seconds": 10})
    conns = []
    for _ in range(3):
        c = RawConn(srv.port, timeout=10)
        c.send(build_request("GET", "/debug/sleep?ms=800") + build_request("GET", "/readyz"))
        conns.append(c)
    time.sleep(0.2)
    srv.signal(signal.SIGTERM)
    for c in conns:
        assert c.read_response(timeout=5).status == 200
        try:
            r = c.read_response(timeout=3)
        except HTTPCheckError as e:
            assert "connection closed" in str(e), e
        else:
            assert r.status == 503, r
        c.close()
    assert _wait_exit(srv, 8) == 0


def test_shutdown_logs(start_server):
    srv = start_server({})
    srv.signal(signal.SIGTERM)
    assert _wait_exit(srv, 5) == 0
    time.sleep(0.1)
    for obj in srv.logs():
        assert {"ts", "level", "msg"} <= obj.keys(), obj
    assert any(o.get("msg") == "listening" for o in srv.logs())


def test_sigterm_right_after_listening(kiln_binary, tmp_path):
    """Once "listening" is logged, SIGTERM must already be handled gracefully: not lost
    (process hangs) and not the default action (killed by the signal). The signal is sent
    the moment the line is read, straight from the pipe, to hit any start-up window."""
    cfg = tmp_path / "config.json"
    cfg.write_text('{"drain_seconds": 0}')  # no drain window: the test wants the exit itself
    env = {k: v for k, v in os.environ.items() if not k.startswith("KILN_")}
    for attempt in range(10):
        proc = subprocess.Popen([kiln_binary, "serve", "--config", str(cfg), "--host", "127.0.0.1", "--port", "0"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        try:
            seen = []
            for line in proc.stderr:  # ends at EOF if the process dies
                seen.append(line)
                if b'"listening"' in line:
                    proc.send_signal(signal.SIGTERM)
                    break
            assert seen and b'"listening"' in seen[-1], f"no listening line: {b''.join(seen)[:500]!r}"
            try:
                code = proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
            assert code == 0, (f"attempt {attempt}: SIGTERM sent right after the listening line gave "
                               f"{'no exit within 5 s (signal lost)' if code is None else f'exit {code}'}")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=5)
            proc.stderr.close()
