"""Configuration precedence (defaults < file < KILN_* env < flags) and invalid-config errors."""

from __future__ import annotations

import socket
import time

import pytest

from kilnhttp import RawConn, build_request, get


def _free_port(host: str = "127.0.0.1") -> int:
    s = socket.socket()
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _serves(host: str, port: int) -> bool:
    with RawConn(port, host=host) as c:
        return c.request(build_request("GET", "/v2/health/live")).status == 200


def test_port_from_file(start_server):
    p1 = _free_port()
    srv = start_server({"port": p1}, port_flag=False)
    assert srv.port == p1
    assert _serves("127.0.0.1", p1)


def test_port_env_overrides_file(start_server):
    p1, p2 = _free_port(), _free_port()
    srv = start_server({"port": p1}, env={"KILN_PORT": str(p2)}, port_flag=False)
    assert srv.port == p2
    assert _serves("127.0.0.1", p2)


def test_port_flag_overrides_env_and_file(start_server):
    p1, p2, p3 = _free_port(), _free_port(), _free_port()
    srv = start_server({"port": p1}, env={"KILN_PORT": str(p2)}, args=["--port", str(p3)], port_flag=False)
    assert srv.port == p3
    assert _serves("127.0.0.1", p3)


def test_host_precedence(start_server):
    # 127.0.0.0/8 is all loopback on Linux, so distinct addresses tell the layers apart.
    srv = start_server({"host": "127.0.0.2"}, host_flag=False, host="127.0.0.2")
    assert _serves("127.0.0.2", srv.port)
    srv = start_server({"host": "127.0.0.2"}, env={"KILN_HOST": "127.0.0.3"}, host_flag=False, host="127.0.0.3")
    assert _serves("127.0.0.3", srv.port)
    srv = start_server({"host": "127.0.0.2"}, env={"KILN_HOST": "127.0.0.3"}, host_flag=False,
                       args=["--host", "127.0.0.4"], host="127.0.0.4")
    assert _serves("127.0.0.4", srv.port)
    with pytest.raises(OSError):
        _serves("127.0.0.3", srv.port)


def test_env_overrides_file_for_limits(start_server):
    srv = start_server({"max_body_bytes": 100}, env={"KILN_MAX_BODY_BYTES": "200"})
    assert get(srv.port, "/debug/echo", method="POST", body=b"a" * 150).status == 200
    assert get(srv.port, "/debug/echo", method="POST", body=b"a" * 201).status == 413


def test_file_overrides_default(start_server):
    srv = start_server({"max_body_bytes": 100})
    assert get(srv.port, "/debug/echo", method="POST", body=b"a" * 100).status == 200
    assert get(srv.port, "/debug/echo", method="POST", body=b"a" * 101).status == 413


def test_env_bool_enables_debug_routes(start_server):
    srv = start_server({"debug_routes": False}, env={"KILN_DEBUG_ROUTES": "true"})
    r = get(srv.port, "/debug/echo", method="POST", body=b"on")
    assert r.status == 200 and r.body == b"on", r


def test_env_timeout_fraction(start_server):
    srv = start_server({"header_timeout_seconds": 5}, env={"KILN_HEADER_TIMEOUT_SECONDS": "0.5"})
    with RawConn(srv.port) as c:
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
        t0 = time.monotonic()
        r = c.read_response(timeout=4)
        assert r.status == 408 and time.monotonic() - t0 < 1.5, r


def test_fractional_timeout_in_file(start_server):
    srv = start_server({"header_timeout_seconds": 0.3})
    with RawConn(srv.port) as c:
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
        t0 = time.monotonic()
        r = c.read_response(timeout=3)
        elapsed = time.monotonic() - t0
        assert r.status == 408 and 0.15 < elapsed < 1.2, (r, elapsed)


def test_text_log_format_still_serves(start_server):
    # Text logs: no JSON listening line to read the port from, so use a fixed port.
    port = _free_port()
    srv = start_server({"log_format": "text", "port": port}, port_flag=False, wait=False)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if _serves("127.0.0.1", port):
                break
        except OSError:
            time.sleep(0.1)
    else:
        pytest.fail(f"text-format server never served; stderr:\n{srv.stderr_tail()}")
    assert srv.alive()
    assert any("listening" in line for line in srv.lines), srv.stderr_tail()


INVALID_FILES = [
    ({"bogus_key": 1}, "bogus_key"),
    ({"port": 70000}, "port"),
    ({"port": -1}, "port"),
    ({"port": "eighty"}, "port"),
    ({"max_body_bytes": -5}, "max_body_bytes"),
    ({"max_connections": "many"}, "max_connections"),
    ({"max_header_count": 1.5}, "max_header_count"),
    ({"header_timeout_seconds": -1}, "header_timeout_seconds"),
    ({"keepalive_timeout_seconds": "long"}, "keepalive_timeout_seconds"),
    ({"access_log": "yes"}, "access_log"),
    ({"debug_routes": 1}, "debug_routes"),
    ({"log_format": "xml"}, "log_format"),
    ({"gzip_min_bytes": -1}, "gzip_min_bytes"),
]


def _expect_rejected(srv, key: str | None):
    code = srv.wait_exit(10)
    if code is None:
        srv.kill()
        pytest.fail(f"kiln kept running with an invalid configuration (expected an error naming {key!r}); "
                    f"stderr:\n{srv.stderr_tail()}")
    assert code != 0, f"exit code 0 for invalid config; stderr:\n{srv.stderr_tail()}"
    text = "\n".join(srv.lines)
    if key is not None:
        assert key.lower() in text.lower(), f"error does not name {key!r}:\n{text}"
    assert not any('"msg":"listening"' in line.replace(" ", "") for line in srv.lines), text


@pytest.mark.parametrize("cfg,key", INVALID_FILES, ids=[k for _, k in INVALID_FILES])
def test_invalid_config_file(start_server, cfg, key):
    srv = start_server(cfg, base=False, wait=False)
    _expect_rejected(srv, key)


@pytest.mark.parametrize(
    "env,key",
    [
        ({"KILN_PORT": "99999"}, "port"),
        ({"KILN_PORT": "abc"}, "port"),
        ({"KILN_MAX_BODY_BYTES": "-1"}, "max_body_bytes"),
        ({"KILN_MAX_CONNECTIONS": "lots"}, "max_connections"),
        ({"KILN_BODY_TIMEOUT_SECONDS": "soon"}, "body_timeout_seconds"),
    ],
    ids=lambda v: next(iter(v)) + "=" + next(iter(v.values())) if isinstance(v, dict) else v,
)
def test_invalid_env(start_server, env, key):
    srv = start_server({}, base=False, env=env, wait=False, port_flag="KILN_PORT" not in env)
    _expect_rejected(srv, key)


def test_invalid_port_flag(start_server):
    srv = start_server({}, base=False, args=["--port", "70000"], port_flag=False, wait=False)
    _expect_rejected(srv, "port")


def test_malformed_json_config(start_server):
    srv = start_server(None, base=False, raw_config='{"port": 0,', wait=False)
    _expect_rejected(srv, None)


def test_config_not_an_object(start_server):
    srv = start_server(None, base=False, raw_config="[1, 2, 3]", wait=False)
    _expect_rejected(srv, None)


def test_missing_config_file(start_server, tmp_path):
    srv = start_server({}, base=False, args=["--config", str(tmp_path / "does-not-exist.json")],
                       config_flag=False, wait=False)
    _expect_rejected(srv, None)
