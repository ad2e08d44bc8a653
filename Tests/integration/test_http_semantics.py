"""RFC 9112 connection semantics: keep-alive, close, HTTP/1.0, pipelining, HEAD,
Expect: 100-continue, chunked request bodies."""

from __future__ import annotations

import json
import subprocess
import threading
import time

from kilnhttp import RawConn, RecordingHTTPConnection, build_request, check_stream, get


def test_keepalive_reuse_raw(server):
    with RawConn(server.port) as c:
        for i in range(10):
            body = f"message {i}".encode()
            r = c.request(build_request("POST", "/debug/echo", body=body), "POST")
            assert r.status == 200 and r.body == body, r
            assert not r.closes, r


def test_keepalive_reuse_http_client(server):
    c = RecordingHTTPConnection(server.port)
    try:
        for i in range(5):
            c.request("POST", "/debug/echo", body=b"x" * i)
            resp = c.getresponse()
            assert resp.read() == b"x" * i
        c.request("GET", "/v2/health/live")
        assert json.loads(c.getresponse().read()) == {"live": True}
        assert c.connects == 1
    finally:
        c.close()
    rs = c.verify()
    assert [r.status for r in rs] == [200] * 6
    assert json.loads(rs[-1].body) == {"live": True}


def test_keepalive_reuse_curl(server):
    out = subprocess.run(
        ["curl", "-sS", "-v", "--raw", "-i", "--max-time", "5"]
        + [server.url(f"/debug/bytes?n={n}") for n in (10, 20, 30)],
        capture_output=True, timeout=10,
    )
    assert out.returncode == 0, out.stderr
    rs = check_stream(out.stdout, ["GET"] * 3)
    assert [len(r.body) for r in rs] == [10, 20, 30]
    err = out.stderr.decode()
    assert err.count("Connected to") == 1, err
    assert "Re-using existing connection" in err or "left intact" in err, err


def test_client_connection_close(server):
    with RawConn(server.port) as c:
        r = c.request(build_request("GET", "/v2/health/live", [("Connection", "close")]))
        assert r.status == 200
        assert r.closes, "server should confirm Connection: close"
        assert c.wait_closed(2.0), "server kept the connection open after Connection: close"


def test_server_connection_close_on_error(server):
    with RawConn(server.port) as c:
        c.send(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n")
        r = c.read_response()
        assert r.status == 400 and r.closes, r
        assert c.wait_closed(2.0)


def test_http10_without_keepalive_closes(server):
    with RawConn(server.port) as c:
        r = c.request(b"GET /v2/health/live HTTP/1.0\r\n\r\n")
        assert r.status == 200 and json.loads(r.body) == {"live": True}
        assert r.header("transfer-encoding") is None, "no chunked to an HTTP/1.0 client"
        assert c.wait_closed(2.0), "HTTP/1.0 without keep-alive must be closed after the response"


def test_http10_keepalive(server):
    with RawConn(server.port) as c:
        for _ in range(3):
            r = c.request(b"GET /debug/bytes?n=2000 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            assert r.status == 200 and len(r.body) == 2000, r
            assert r.header("transfer-encoding") is None
            assert r.has_token("connection", "keep-alive"), "HTTP/1.0 persistence must be confirmed"
        r = c.request(b"GET /v2/health/live HTTP/1.0\r\n\r\n")
        assert r.status == 200
        assert c.wait_closed(2.0)


def test_http10_large_body_not_chunked(server):
    with RawConn(server.port) as c:
        r = c.request(b"GET /debug/bytes?n=300000 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", timeout=10)
        assert r.status == 200 and len(r.body) == 300000
        assert r.header("transfer-encoding") is None


def test_pipelined_in_order(server):
    reqs = [
        (build_request("GET", "/debug/sleep?ms=300"), "GET"),
        (build_request("POST", "/debug/echo", body=b"first"), "POST"),
        (build_request("GET", "/v2/health/live"), "GET"),
        (build_request("HEAD", "/debug/bytes?n=1234"), "HEAD"),
        (build_request("GET", "/missing"), "GET"),
        (build_request("POST", "/debug/echo", body=b"second"), "POST"),
        (build_request("GET", "/debug/bytes?n=5000"), "GET"),
        (build_request("GET", "/debug/sleep?ms=10"), "GET"),
    ]
    with RawConn(server.port) as c:
        c.send(b"".join(raw for raw, _ in reqs))
        rs = [c.read_response(m, timeout=5) for _, m in reqs]
        assert [r.status for r in rs] == [200, 200, 200, 200, 404, 200, 200, 200]
        assert json.loads(rs[0].body) == {"slept_ms": 300}
        assert rs[1].body == b"first"
        assert json.loads(rs[2].body) == {"live": True}
        assert rs[3].header("content-length") == "1234" and rs[3].body == b""
        assert rs[5].body == b"second"
        assert len(rs[6].body) == 5000
        assert json.loads(rs[7].body) == {"slept_ms": 10}
        # Connection still usable afterwards, and nothing extra was sent.
        r = c.request(build_request("GET", "/v2/health/live"))
        assert r.status == 200


def test_pipelined_request_ids_in_order(server):
    with RawConn(server.port) as c:
        c.send(b"".join(build_request("GET", "/v2/health/live", [("X-Request-Id", f"pipe-{i}")]) for i in range(20)))
        ids = [c.read_response().header("x-request-id") for _ in range(20)]
    assert ids == [f"pipe-{i}" for i in range(20)]


def test_pipelined_with_close_last(server):
    with RawConn(server.port) as c:
        c.send(build_request("GET", "/v2/health/live")
               + build_request("GET", "/v2/health/ready", [("Connection", "close")])
               + build_request("GET", "/v2/health/live"))
        r1 = c.read_response()
        r2 = c.read_response()
        assert r1.status == 200 and r2.status == 200 and r2.closes
        assert c.wait_closed(2.0), "request after Connection: close must not be answered"


def test_head(server):
    with RawConn(server.port) as c:
        g = c.request(build_request("GET", "/v2/health/live"))
        h = c.request(build_request("HEAD", "/v2/health/live"), "HEAD")
        assert h.status == 200 and h.body == b""
        assert h.header("content-length") == str(len(g.body)), (g, h)
        assert h.header("content-type") == g.header("content-type")
        h2 = c.request(build_request("HEAD", "/debug/bytes?n=70000"), "HEAD")
        assert h2.header("content-length") == "70000", h2
        # If the server had sent a body, this next response would not parse.
        assert c.got_nothing_for(0.2), "bytes after a HEAD response"
        g2 = c.request(build_request("GET", "/v2/health/ready"))
        assert g2.status == 200


def test_head_via_curl(server):
    out = subprocess.run(["curl", "-sS", "-I", "--max-time", "5", server.url("/debug/bytes?n=4321")],
                         capture_output=True, timeout=10)
    assert out.returncode == 0, out.stderr
    (r,) = check_stream(out.stdout, ["HEAD"])
    assert r.status == 200 and r.header("content-length") == "4321"


def test_expect_100_continue(server):
    body = b"after-continue" * 100
    with RawConn(server.port) as c:
        c.send(build_request("POST", "/debug/echo", [("Expect", "100-continue"),
                                                     ("Content-Length", str(len(body)))]))
        interim = c.read_response("POST", timeout=2, informational_ok=True)
        assert interim.status == 100, interim
        assert interim.raw.startswith(b"HTTP/1.1 100 Continue\r\n"), interim.raw
        c.send(body)
        r = c.read_response("POST")
        assert r.status == 200 and r.body == body
        r = c.request(build_request("GET", "/v2/health/live"))
        assert r.status == 200


def test_expect_100_continue_curl(server):
    body = b"z" * 5000
    out = subprocess.run(
        ["curl", "-sS", "--raw", "-i", "--max-time", "5", "-H", "Expect: 100-continue",
         "-H", "Content-Type: application/octet-stream", "--data-binary", "@-", "--expect100-timeout", "3",
         server.url("/debug/echo")],
        input=body, capture_output=True, timeout=10,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(b"HTTP/1.1 100 Continue\r\n"), out.stdout[:200]
    (r,) = check_stream(out.stdout, ["POST"])
    assert r.status == 200 and r.body == body


def test_expect_100_continue_too_large(server):
    limit = server.config["max_body_bytes"]
    with RawConn(server.port) as c:
        c.send(build_request("POST", "/debug/echo", [("Expect", "100-continue"),
                                                     ("Content-Length", str(limit + 1))]))
        t0 = time.monotonic()
        r = c.read_response("POST", timeout=2)  # informational responses are not allowed here
        assert r.status == 413, r
        assert time.monotonic() - t0 < 1.0
        assert [x.status for x in c.stream.responses] == [413], "no 100 Continue before the 413"
        json.loads(r.body)["error"]


def test_expect_unknown_417(server):
    with RawConn(server.port) as c:
        r = c.request(build_request("POST", "/debug/echo", [("Expect", "something-else")], body=b"abc"), "POST")
        assert r.status == 417, r
        assert json.loads(r.body)["error"]


def test_content_length_over_limit_413_before_body(server):
    limit = server.config["max_body_bytes"]
    with RawConn(server.port) as c:
        c.send(build_request("POST", "/debug/echo", [("Content-Length", str(limit + 1))]))
        r = c.read_response("POST", timeout=1.5)  # body never sent: must be decided on the headers
        assert r.status == 413, r
        assert json.loads(r.body)["error"]
        assert c.wait_closed(2.0), "unread body: connection must be closed after 413"
    assert get_ok(server)


def test_body_at_limit_accepted(server):
    limit = server.config["max_body_bytes"]
    body = b"L" * limit
    with RawConn(server.port, timeout=10) as c:
        r = c.request(build_request("POST", "/debug/echo", body=body), "POST", timeout=10)
        assert r.status == 200 and r.body == body


def test_chunked_body_over_limit_413(server):
    limit = server.config["max_body_bytes"]
    chunk = b"C" * 65536
    n = limit // len(chunk) + 2
    with RawConn(server.port, timeout=10) as c:
        c.send(build_request("POST", "/debug/echo", [("Transfer-Encoding", "chunked")]))
        try:
            for _ in range(n):
                c.send(b"10000\r\n" + chunk + b"\r\n")
            c.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may stop reading once over the limit
        r = c.read_response("POST", timeout=5)
        assert r.status == 413, r


def test_chunked_with_extensions_and_trailers(server):
    raw = (
        b"POST /debug/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Trailer: X-Checksum\r\n\r\n"
        b"5;name=value\r\nhello\r\n"
        b"1;quoted=\"a b\";bare\r\n,\r\n"
        b"6 ; spaced=1\r\n world\r\n"
        b"A\r\n0123456789\r\n"
        b"0;last=yes\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"
    )
    with RawConn(server.port) as c:
        r = c.request(raw, "POST")
        assert r.status == 200, r
        assert r.body == b"hello, world0123456789"
        r = c.request(build_request("GET", "/v2/health/live"))
        assert r.status == 200


def test_chunked_body_split_across_writes(server):
    with RawConn(server.port) as c:
        c.send(b"POST /debug/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        pieces = [b"3", b"\r\n", b"ab", b"c\r", b"\n2\r\nde\r\n0", b"\r\n", b"\r", b"\n"]
        for p in pieces:
            c.send(p)
            time.sleep(0.02)
        r = c.read_response("POST")
        assert r.status == 200 and r.body == b"abcde"


def test_chunked_via_curl(server):
    body = b"streamed-" * 2000
    out = subprocess.run(
        ["curl", "-sS", "--raw", "-i", "--max-time", "5", "-H", "Transfer-Encoding: chunked",
         "--data-binary", "@-", server.url("/debug/echo")],
        input=body, capture_output=True, timeout=10,
    )
    assert out.returncode == 0, out.stderr
    (r,) = check_stream(out.stdout, ["POST"])
    assert r.status == 200 and r.body == body


def get_ok(server) -> bool:
    with RawConn(server.port) as c:
        return c.request(build_request("GET", "/v2/health/live")).status == 200


# ------------------------------------------------------------------ framing edge cases


def test_get_with_body_is_consumed(server):
    """A GET carrying a body: the body must be skipped, not parsed as the next request."""
    smuggled = b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
    with RawConn(server.port) as c:
        c.send(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(smuggled) + smuggled
               + build_request("GET", "/v2/health/ready"))
        r1 = c.read_response()
        r2 = c.read_response()
        assert (r1.status, r2.status) == (200, 200), (r1, r2)
        assert json.loads(r2.body) == {"ready": True}
        assert c.got_nothing_for(0.3), "the body of the GET was answered as a request"


def test_post_body_that_looks_like_a_request(server):
    inner = b"GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
    with RawConn(server.port) as c:
        c.send(build_request("POST", "/debug/echo", body=inner) + build_request("GET", "/v2/health/live"))
        r1 = c.read_response("POST")
        r2 = c.read_response()
        assert r1.status == 200 and r1.body == inner
        assert r2.status == 200
        assert c.got_nothing_for(0.3)


def test_large_pipeline_with_backpressure(server):
    """1000 pipelined requests (16 MB of responses) written before reading anything:
    the server must stop reading while it cannot write, then answer all of them in order."""
    n = 1000
    batch = b"".join(build_request("GET", f"/debug/bytes?n={16000 + i % 7}", [("X-Request-Id", f"bp-{i}")])
                     for i in range(n))
    with RawConn(server.port, timeout=20, rcvbuf=16384) as c:
        out = c.sock.dup()  # own timeout, so the reader's settimeout calls do not affect the writer
        out.settimeout(20)
        sender = threading.Thread(target=out.sendall, args=(batch,), daemon=True)
        sender.start()
        time.sleep(0.5)  # let the server fill its send buffer while we do not read
        for i in range(n):
            r = c.read_response(timeout=10)
            assert r.status == 200 and len(r.body) == 16000 + i % 7, (i, r)
            assert r.header("x-request-id") == f"bp-{i}", (i, r)
        sender.join(timeout=5)
        out.close()
        assert c.got_nothing_for(0.2)


def test_many_requests_one_connection(server):
    with RawConn(server.port) as c:
        for i in range(500):
            r = c.request(build_request("GET", "/v2/health/live"))
            assert r.status == 200, (i, r)


def test_header_names_and_codings_case_insensitive(server):
    raw = (b"POST /debug/echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: Chunked\r\n"
           b"x-request-id: lower-case-1\r\n\r\n4\r\nwxyz\r\n0\r\n\r\n")
    with RawConn(server.port) as c:
        r = c.request(raw, "POST")
        assert r.status == 200 and r.body == b"wxyz", r
        assert r.header("x-request-id") == "lower-case-1"
        r = c.request(b"POST /debug/echo HTTP/1.1\r\nHOST: x\r\nCONTENT-LENGTH: 3\r\n\r\nabc", "POST")
        assert r.status == 200 and r.body == b"abc", r


def test_connection_close_token_variants(server):
    for value in ("Close", "keep-alive, close", "close, te"):
        with RawConn(server.port) as c:
            r = c.request(build_request("GET", "/v2/health/live", [("Connection", value)]))
            assert r.status == 200 and r.closes, (value, r)
            assert c.wait_closed(2.0), value


def test_http10_keepalive_token_case(server):
    with RawConn(server.port) as c:
        r = c.request(b"GET /v2/health/live HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
        assert r.status == 200
        r = c.request(b"GET /v2/health/live HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
        assert r.status == 200


def test_field_value_whitespace_trimmed(server):
    r = get(server.port, "/v2/health/live", {"X-Request-Id": "  \t trimmed-id \t "})
    assert r.header("x-request-id") == "trimmed-id", r


def test_query_string_ignored_for_routing(server):
    r = get(server.port, "/v2/health/live?probe=1&x=%20")
    assert r.status == 200 and json.loads(r.body) == {"live": True}


def test_absolute_form_target(server):
    """RFC 9112 §3.2.2: a server MUST accept the absolute-form request-target."""
    with RawConn(server.port) as c:
        r = c.request(b"GET http://127.0.0.1/v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert r.status == 200 and json.loads(r.body) == {"live": True}, r


def test_head_on_error_has_no_body(server):
    with RawConn(server.port) as c:
        r = c.request(build_request("HEAD", "/missing"), "HEAD")
        assert r.status == 404 and r.body == b""
        assert c.got_nothing_for(0.2)
        assert c.request(build_request("GET", "/v2/health/live")).status == 200


def test_expect_100_body_sent_without_waiting(server):
    """Clients may send the body right after the head; the server must still frame it."""
    with RawConn(server.port) as c:
        c.send(build_request("POST", "/debug/echo", [("Expect", "100-continue")], body=b"eager")
               + build_request("GET", "/v2/health/live"))
        r = c.read_response("POST")  # a 100 Continue before it is allowed and skipped
        assert r.status == 200 and r.body == b"eager", r
        assert c.read_response().status == 200


def test_expect_100_ignored_for_http10(server):
    """RFC 9110 §10.1.1: a 100-continue expectation in an HTTP/1.0 request MUST be ignored."""
    with RawConn(server.port) as c:
        r = c.request(b"POST /debug/echo HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok", "POST")
        assert [x.status for x in c.stream.responses] == [200], c.stream.responses
        assert r.body == b"ok"


def test_error_responses_carry_request_id(server):
    with RawConn(server.port) as c:
        r = c.request(b"GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Request-Id: bad-req-1\r\nBad Name: 1\r\n\r\n")
        assert r.status == 400 and r.header("x-request-id"), r


def test_connections_open_gauge_drops_after_close(server):
    def gauge():
        text = get(server.port, "/metrics").body.decode()
        for line in text.splitlines():
            if line.startswith("kiln_http_connections_open"):
                return float(line.split()[-1])
        raise AssertionError("kiln_http_connections_open missing")

    base = gauge()
    conns = [RawConn(server.port) for _ in range(5)]
    for c in conns:
        assert c.request(build_request("GET", "/v2/health/live")).status == 200
    assert gauge() >= base + 5
    for c in conns:
        c.close()
    deadline = time.monotonic() + 2
    while gauge() > base and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gauge() <= base, "closed connections still counted as open"
