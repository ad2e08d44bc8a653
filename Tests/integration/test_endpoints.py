"""Every endpoint, error bodies, Date, X-Request-Id, access log and /metrics."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from kilnhttp import RawConn, RecordingHTTPConnection, build_request, check_stream, get


def _json_error(resp):
    assert (resp.header("content-type") or "").startswith("application/json"), resp
    body = json.loads(resp.body)
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], resp
    return body


@pytest.mark.parametrize(
    "path,expected",
    [
        ("/v2/health/live", {"live": True}),
        ("/v2/health/ready", {"ready": True}),
    ],
)
def test_v2_health(server, path, expected):
    r = get(server.port, path)
    assert r.status == 200, r
    assert (r.header("content-type") or "").startswith("application/json"), r
    assert json.loads(r.body) == expected


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_k8s_health(server, path):
    r = get(server.port, path)
    assert r.status == 200, r
    assert (r.header("content-type") or "").startswith("application/json"), r
    assert isinstance(json.loads(r.body), dict)
    assert len(r.body) < 256


def test_health_via_http_client(server):
    c = RecordingHTTPConnection(server.port)
    try:
        for path in ("/v2/health/live", "/v2/health/ready", "/healthz", "/readyz"):
            c.request("GET", path)
            resp = c.getresponse()
            body = resp.read()
            assert resp.status == 200, (path, body)
            json.loads(body)
        assert c.connects == 1, "http.client had to reconnect: keep-alive not honoured"
    finally:
        c.close()
    assert [r.status for r in c.verify()] == [200, 200, 200, 200]


def test_health_via_curl(server):
    out = subprocess.run(
        ["curl", "-sS", "--raw", "-i", "--max-time", "5", server.url("/v2/health/live"), server.url("/readyz")],
        capture_output=True, timeout=10,
    )
    assert out.returncode == 0, out.stderr
    r1, r2 = check_stream(out.stdout, ["GET", "GET"])
    assert r1.status == 200 and json.loads(r1.body) == {"live": True}
    assert r2.status == 200


def test_unknown_path_404_json(server):
    r = get(server.port, "/no/such/path")
    assert r.status == 404, r
    _json_error(r)


def test_debug_echo_wrong_method_405_allow(server):
    r = get(server.port, "/debug/echo")
    assert r.status == 405, r
    allow = [t.strip().upper() for t in (r.header("allow") or "").split(",")]
    assert "POST" in allow, r
    _json_error(r)


@pytest.mark.parametrize(
    "method,path,allowed",
    [
        ("POST", "/v2/health/live", "GET"),
        ("DELETE", "/metrics", "GET"),
        ("PUT", "/debug/echo", "POST"),
        ("PATCH", "/readyz", "GET"),
    ],
)
def test_405_always_has_allow(server, method, path, allowed):
    """RFC 9110 §15.5.6: a 405 response MUST carry Allow."""
    r = get(server.port, path, method=method, body=b"" if method in ("POST", "PUT", "PATCH") else None)
    assert r.status == 405, r
    assert allowed in [t.strip().upper() for t in (r.header("allow") or "").split(",")], r
    _json_error(r)


def test_debug_echo_roundtrip(server):
    payload = bytes(range(256)) * 40
    r = get(server.port, "/debug/echo", method="POST", body=payload)
    assert r.status == 200, r
    assert (r.header("content-type") or "").startswith("application/octet-stream"), r
    assert r.body == payload


def test_debug_echo_empty_body(server):
    r = get(server.port, "/debug/echo", method="POST", body=b"")
    assert r.status == 200, r
    assert r.body == b""


def test_debug_sleep(server):
    r = get(server.port, "/debug/sleep?ms=50")
    assert r.status == 200, r
    assert json.loads(r.body) == {"slept_ms": 50}


@pytest.mark.parametrize("n", [0, 1, 1000, 100_000])
def test_debug_bytes(server, n):
    r = get(server.port, f"/debug/bytes?n={n}")
    assert r.status == 200, r
    assert (r.header("content-type") or "").startswith("text/plain"), r
    assert len(r.body) == n


def test_debug_routes_absent_by_default(start_server):
    srv = start_server({"debug_routes": False})
    for method, path in (("POST", "/debug/echo"), ("GET", "/debug/sleep?ms=1"), ("GET", "/debug/bytes?n=3")):
        r = get(srv.port, path, method=method, body=b"x" if method == "POST" else None)
        assert r.status == 404, (path, r)
        _json_error(r)
    assert get(srv.port, "/v2/health/live").status == 200


def test_date_on_every_response(server):
    # The checker demands exactly one IMF-fixdate Date on every final response;
    # exercise 2xx, 4xx and a parse error explicitly.
    for raw, method in (
        (build_request("GET", "/v2/health/live"), "GET"),
        (build_request("GET", "/missing"), "GET"),
        (build_request("HEAD", "/v2/health/live"), "HEAD"),
        (b"GET / HTTP/1.1\r\n\r\n", "GET"),  # missing Host -> 400
    ):
        with RawConn(server.port) as c:
            r = c.request(raw, method)
            assert re.fullmatch(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT", r.header("date") or ""), r


def test_request_id_echoed(server):
    r = get(server.port, "/v2/health/live", {"X-Request-Id": "it-test-abc-123"})
    assert r.status == 200
    assert r.header("x-request-id") == "it-test-abc-123", r


def test_request_id_generated_and_unique(server):
    ids = set()
    for _ in range(5):
        r = get(server.port, "/v2/health/live")
        rid = r.header("x-request-id")
        assert rid and len(rid) >= 8, r
        ids.add(rid)
    assert len(ids) == 5, ids
    r = get(server.port, "/nope")
    assert r.header("x-request-id"), "error responses need a request id too"


def test_access_log_line(server):
    rid = "access-log-check-7781"
    body = b"0123456789" * 10
    r = get(server.port, "/debug/echo", {"X-Request-Id": rid}, method="POST", body=body)
    assert r.status == 200
    line = server.wait_log(lambda o: o.get("msg") == "request" and o.get("request_id") == rid)
    assert line is not None, f"no access log line for {rid}; tail:\n{server.stderr_tail()}"
    for key in ("ts", "level", "method", "path", "status", "bytes_in", "bytes_out", "duration_us"):
        assert key in line, (key, line)
    assert line["method"] == "POST"
    assert line["path"].split("?")[0] == "/debug/echo"
    assert int(line["status"]) == 200
    assert int(line["bytes_in"]) >= len(body)
    assert int(line["bytes_out"]) >= len(body)
    assert int(line["duration_us"]) >= 0

    rid404 = "access-log-404-7782"
    get(server.port, "/not-here?x=1", {"X-Request-Id": rid404})
    line = server.wait_log(lambda o: o.get("msg") == "request" and o.get("request_id") == rid404)
    assert line is not None
    assert int(line["status"]) == 404 and line["method"] == "GET"
    assert line["path"].split("?")[0] == "/not-here"


def test_all_stderr_lines_are_json(server):
    get(server.port, "/v2/health/live")
    bad = []
    for line in list(server.lines):
        try:
            obj = json.loads(line)
            if not (isinstance(obj, dict) and {"ts", "level", "msg"} <= obj.keys()):
                bad.append(line)
        except ValueError:
            bad.append(line)
    assert not bad, bad[:5]


def test_access_log_disabled(start_server):
    srv = start_server({"access_log": False})
    get(srv.port, "/v2/health/live", {"X-Request-Id": "no-log-please"})
    get(srv.port, "/v2/health/live")
    assert srv.wait_log(lambda o: o.get("msg") == "request", timeout=0.5) is None


# ------------------------------------------------------------------ metrics


def _metrics(port):
    r = get(port, "/metrics")
    assert r.status == 200, r
    ct = r.header("content-type") or ""
    assert ct.startswith("text/plain") and "version=0.0.4" in ct, ct
    return r.decoded_body().decode("utf-8")


def _sample(text: str, name: str, labels: dict[str, str] | None = None) -> float | None:
    total = None
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
        if labels and any(got.get(k) != v for k, v in labels.items()):
            continue
        total = (total or 0.0) + float(m.group(3))
    return total


def test_metrics_promtool_and_names(server):
    get(server.port, "/v2/health/live")
    get(server.port, "/missing-for-metrics")
    text = _metrics(server.port)
    check = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True, timeout=20)
    assert check.returncode == 0, (check.stdout + check.stderr).decode() + "\n---\n" + text[:3000]
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
    assert types.get("kiln_http_connections_open") == "gauge", types
    assert types.get("kiln_http_requests_total") == "counter", types
    assert types.get("kiln_http_request_duration_seconds") == "histogram", types
    assert types.get("kiln_http_received_bytes_total") == "counter", types
    assert types.get("kiln_http_sent_bytes_total") == "counter", types
    assert _sample(text, "kiln_http_requests_total", {"class": "2xx"}) >= 1
    assert _sample(text, "kiln_http_requests_total", {"class": "4xx"}) >= 1
    assert _sample(text, "kiln_http_request_duration_seconds_count") >= 2
    assert _sample(text, "kiln_http_request_duration_seconds_bucket", {"le": "+Inf"}) >= 2


def test_metrics_counters_move(server):
    before = _metrics(server.port)
    for _ in range(3):
        get(server.port, "/debug/echo", method="POST", body=b"x" * 1000)
    # Hold one extra connection open while scraping.
    with RawConn(server.port) as held:
        held.request(build_request("GET", "/v2/health/live"))
        after = _metrics(server.port)
    ok_before = _sample(before, "kiln_http_requests_total", {"class": "2xx"})
    ok_after = _sample(after, "kiln_http_requests_total", {"class": "2xx"})
    assert ok_after >= ok_before + 4, (ok_before, ok_after)
    assert _sample(after, "kiln_http_received_bytes_total") >= _sample(before, "kiln_http_received_bytes_total") + 3000
    assert _sample(after, "kiln_http_sent_bytes_total") >= _sample(before, "kiln_http_sent_bytes_total") + 3000
    # The scrape's own connection plus the held one.
    assert _sample(after, "kiln_http_connections_open") >= 2
