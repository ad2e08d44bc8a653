"""Malformed and over-limit requests over raw sockets: each gets its status code, an
error JSON body, the connection is closed, and the server keeps serving others."""

from __future__ import annotations

import json

import pytest

from kilnhttp import RawConn, build_request, get

H = b"Host: x\r\n"


def _req(head_lines: bytes, body: bytes = b"", line: bytes = b"POST /debug/echo HTTP/1.1") -> bytes:
    return line + b"\r\n" + head_lines + b"\r\n" + body


CASES = {
    # ---- 400: request/field syntax (RFC 9112 §3, §5)
    "missing-host-1.1": (b"GET /v2/health/live HTTP/1.1\r\n\r\n", 400),
    "two-host-fields": (b"GET /v2/health/live HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    # RFC 9112 §3.2: a Host field with an invalid value MUST get 400 (a space is not allowed in uri-host).
    "host-invalid-value": (b"GET /v2/health/live HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
    "space-before-colon": (b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Foo : bar\r\n\r\n", 400),
    "tab-before-colon": (b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Foo\t: bar\r\n\r\n", 400),
    "space-before-colon-host": (b"GET /v2/health/live HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    "empty-field-name": (b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n: nameless\r\n\r\n", 400),
    "obs-fold": (b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Foo: a\r\n  b\r\n\r\n", 400),
    "obs-fold-tab": (b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Foo: a\r\n\tb\r\n\r\n", 400),
    "bare-cr-in-value": (b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Foo: a\rb\r\n\r\n", 400),
    "bare-cr-line-end": (b"GET /v2/health/live HTTP/1.1\r\nHost: x\rX-Foo: b\r\n\r\n", 400),
    "bare-cr-request-line": (b"GET /v2/health/live\r HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "nul-in-value": (b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Foo: a\x00b\r\n\r\n", 400),
    "ctl-0x01-in-value": (b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Foo: a\x01b\r\n\r\n", 400),
    "del-in-value": (b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Foo: a\x7fb\r\n\r\n", 400),
    "nul-in-target": (b"GET /v2/health\x00/live HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    "nul-in-name": (b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-F\x00oo: a\r\n\r\n", 400),
    # ---- 400: Content-Length (RFC 9112 §6.3)
    "cl-non-numeric": (_req(H + b"Content-Length: abc\r\n", b"abc"), 400),
    "cl-negative": (_req(H + b"Content-Length: -1\r\n"), 400),
    "cl-plus-sign": (_req(H + b"Content-Length: +3\r\n", b"abc"), 400),
    "cl-hex": (_req(H + b"Content-Length: 0x3\r\n", b"abc"), 400),
    "cl-empty": (_req(H + b"Content-Length: \r\n"), 400),
    "cl-overflow": (_req(H + b"Content-Length: 184467440737095516160\r\n", b"abc"), 400),
    "cl-overflow-uint64+1": (_req(H + b"Content-Length: 18446744073709551616\r\n", b"abc"), 400),
    "cl-differing-duplicates": (_req(H + b"Content-Length: 3\r\nContent-Length: 4\r\n", b"abcd"), 400),
    "cl-differing-list": (_req(H + b"Content-Length: 3, 4\r\n", b"abcd"), 400),
    "te-and-cl": (_req(H + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", b"3\r\nabc\r\n0\r\n\r\n"), 400),
    "cl-and-te": (_req(H + b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", b"3\r\nabc\r\n0\r\n\r\n"), 400),
    # ---- chunked framing
    "chunk-size-not-hex": (_req(H + b"Transfer-Encoding: chunked\r\n", b"zz\r\nabc\r\n0\r\n\r\n"), 400),
    "chunk-size-negative": (_req(H + b"Transfer-Encoding: chunked\r\n", b"-3\r\nabc\r\n0\r\n\r\n"), 400),
    "chunk-size-overflow": (_req(H + b"Transfer-Encoding: chunked\r\n", b"1" * 24 + b"\r\nabc\r\n0\r\n\r\n"), 400),
    "chunk-size-empty": (_req(H + b"Transfer-Encoding: chunked\r\n", b"\r\nabc\r\n0\r\n\r\n"), 400),
    "chunk-data-no-crlf": (_req(H + b"Transfer-Encoding: chunked\r\n", b"3\r\nabcXY0\r\n\r\n"), 400),
    "chunked-not-last": (_req(H + b"Transfer-Encoding: chunked, gzip\r\n", b"3\r\nabc\r\n0\r\n\r\n"), 400),
    "unknown-transfer-coding": (_req(H + b"Transfer-Encoding: foo, chunked\r\n", b"3\r\nabc\r\n0\r\n\r\n"), 501),
    # ---- version
    "http-2.0": (b"GET /v2/health/live HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    "http-3.0": (b"GET /v2/health/live HTTP/3.0\r\nHost: x\r\n\r\n", 505),
    # ---- limits (shared server: default line/header limits, max_body_bytes 1 MiB)
    "request-line-too-long": (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    "header-bytes-too-large": (
        b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-Big-%02d: " % i + b"v" * 1000 + b"\r\n" for i in range(70)) + b"\r\n",
        431,
    ),
    "one-huge-header": (b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Huge: " + b"h" * 70000 + b"\r\n\r\n", 431),
    "too-many-header-fields": (
        b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-N%03d: 1\r\n" % i for i in range(101)) + b"\r\n",
        431,
    ),
    "content-length-over-max": (_req(H + b"Content-Length: 1048577\r\n"), 413),
}

# Statuses where the contract says "400 plus Connection: close".
NEEDS_CLOSE_HEADER = {400}


@pytest.mark.parametrize("name", list(CASES))
def test_malformed(server, name):
    raw, status = CASES[name]
    # A bystander keep-alive connection opened before the bad request.
    with RawConn(server.port) as bystander:
        assert bystander.request(build_request("GET", "/v2/health/live")).status == 200
        with RawConn(server.port) as c:
            c.send(raw)
            r = c.read_response("POST" if raw.startswith(b"POST") else "GET", timeout=3)
            assert r.status == status, f"{name}: sent {raw[:300]!r}\ngot {r!r}"
            body = json.loads(r.body)
            assert isinstance(body.get("error"), str) and body["error"], r
            assert r.header("x-request-id"), f"{name}: no X-Request-Id on the error response"
            if status in NEEDS_CLOSE_HEADER:
                assert r.closes, f"{name}: 400 must carry Connection: close; got {r!r}"
            assert c.wait_closed(2.0), f"{name}: connection left open after {status}"
        # The server still serves the old connection and new clients.
        assert bystander.request(build_request("GET", "/v2/health/ready")).status == 200
    assert get(server.port, "/v2/health/live").status == 200


def test_limits_are_not_off_by_one(server):
    """Right at the limits the request is still served."""
    # 100 header fields in total (Host + 99) is allowed with max_header_count 100.
    raw = b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-N%03d: 1\r\n" % i for i in range(99)) + b"\r\n"
    with RawConn(server.port) as c:
        r = c.request(raw)
        assert r.status == 200, r
    # A request line well under 8192 bytes.
    with RawConn(server.port) as c:
        r = c.request(b"GET /v2/health/live?" + b"q" * 7000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert r.status == 200, r
    # ~60 KB of header fields, under max_header_bytes.
    raw = (b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\n"
           + b"".join(b"X-Big-%02d: " % i + b"v" * 1000 + b"\r\n" for i in range(58)) + b"\r\n")
    with RawConn(server.port) as c:
        r = c.request(raw)
        assert r.status == 200, r


def test_custom_limits_from_config(start_server):
    srv = start_server({"max_request_line_bytes": 256, "max_header_bytes": 1024, "max_header_count": 10,
                        "max_body_bytes": 100})
    cases = [
        (b"GET /" + b"a" * 400 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 1100 + b"\r\n\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(11)) + b"\r\n", 431),
        (b"POST /debug/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n", 413),
    ]
    for raw, status in cases:
        with RawConn(srv.port) as c:
            c.send(raw)
            r = c.read_response("POST" if raw.startswith(b"POST") else "GET")
            assert r.status == status, (raw[:80], r)
    r = get(srv.port, "/debug/echo", method="POST", body=b"b" * 100)
    assert r.status == 200 and r.body == b"b" * 100


def test_garbage_then_server_alive(server):
    """Random binary garbage (a TLS ClientHello-like prefix) yields 400 or a close, never a crash."""
    with RawConn(server.port) as c:
        c.send(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) + b"\r\n\r\n")
        try:
            r = c.read_response(timeout=3)
            assert r.status == 400, r
        except AssertionError as e:
            # Closing without a response is acceptable for non-HTTP bytes.
            assert "connection closed" in str(e), e
    assert get(server.port, "/v2/health/live").status == 200
