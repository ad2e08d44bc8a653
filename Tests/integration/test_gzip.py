"""gzip request bodies (decode, bomb, corrupt, unknown coding) and gzip responses."""

from __future__ import annotations

import gzip
import json
import subprocess
import zlib

import pytest

from kilnhttp import RawConn, RecordingHTTPConnection, build_request, check_stream, get


def _gzip_zeros(total: int) -> bytes:
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    parts = []
    left = total
    while left > 0:
        n = min(left, len(block))
        parts.append(co.compress(block[:n]))
        left -= n
    parts.append(co.flush())
    return b"".join(parts)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = _gzip_zeros(200 * 1024 * 1024)
    assert len(data) < 300_000
    return data


def _vm_hwm_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_gzip_request_body_decoded(server):
    plain = b"The quick brown fox jumps over the lazy dog. " * 500
    with RawConn(server.port) as c:
        r = c.request(build_request("POST", "/debug/echo", [("Content-Encoding", "gzip")], body=gzip.compress(plain)),
                      "POST")
        assert r.status == 200, r
        assert r.body == plain
        # Connection stays usable.
        r = c.request(build_request("POST", "/debug/echo", body=b"plain"), "POST")
        assert r.body == b"plain"


def test_gzip_request_body_chunked(server):
    plain = bytes(range(256)) * 300
    gz = gzip.compress(plain)
    chunks = b"".join(b"%x\r\n" % len(gz[i:i + 1000]) + gz[i:i + 1000] + b"\r\n" for i in range(0, len(gz), 1000))
    raw = (b"POST /debug/echo HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
           + chunks + b"0\r\n\r\n")
    with RawConn(server.port) as c:
        r = c.request(raw, "POST")
        assert r.status == 200 and r.body == plain, r


def test_gzip_request_body_via_http_client(server):
    plain = b"abc" * 10000
    c = RecordingHTTPConnection(server.port)
    try:
        c.request("POST", "/debug/echo", body=gzip.compress(plain), headers={"Content-Encoding": "gzip"})
        resp = c.getresponse()
        assert resp.status == 200 and resp.read() == plain
    finally:
        c.close()
    c.verify()


def test_gzip_bomb_413(start_server, bomb):
    srv = start_server({"max_decoded_body_bytes": 1048576, "max_body_bytes": 1048576})
    hwm_before = _vm_hwm_kib(srv.proc.pid)
    with RawConn(srv.port, timeout=10) as c:
        c.send(build_request("POST", "/debug/echo", [("Content-Encoding", "gzip")], body=bomb))
        r = c.read_response("POST", timeout=10)
        assert r.status == 413, r
        assert json.loads(r.body)["error"]
    hwm_after = _vm_hwm_kib(srv.proc.pid)
    # Decoding must stop at the limit: 200 MB of zeros must never be materialised.
    assert hwm_after - hwm_before < 64 * 1024, f"peak RSS grew by {(hwm_after - hwm_before) // 1024} MiB"
    assert get(srv.port, "/v2/health/live").status == 200


def test_gzip_bomb_chunked_413(start_server, bomb):
    srv = start_server({"max_decoded_body_bytes": 1048576, "max_body_bytes": 1048576})
    chunks = b"".join(b"%x\r\n" % len(bomb[i:i + 16384]) + bomb[i:i + 16384] + b"\r\n"
                      for i in range(0, len(bomb), 16384))
    with RawConn(srv.port, timeout=10) as c:
        try:
            c.send(b"POST /debug/echo HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\n"
                   b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        r = c.read_response("POST", timeout=10)
        assert r.status == 413, r
    assert get(srv.port, "/v2/health/live").status == 200


def test_decoded_limit_exact(start_server):
    srv = start_server({"max_decoded_body_bytes": 10000})
    ok = get(srv.port, "/debug/echo", {"Content-Encoding": "gzip"}, method="POST", body=gzip.compress(b"a" * 10000))
    assert ok.status == 200 and ok.body == b"a" * 10000, ok
    over = get(srv.port, "/debug/echo", {"Content-Encoding": "gzip"}, method="POST", body=gzip.compress(b"a" * 10001))
    assert over.status == 413, over


@pytest.mark.parametrize(
    "name,body",
    [
        ("not-gzip-at-all", b"this is not gzip data at all"),
        ("bad-crc", None),
        ("truncated", None),
        ("trailing-garbage-member", None),
    ],
)
def test_corrupt_gzip_400(server, name, body):
    good = gzip.compress(b"hello world " * 100)
    if name == "bad-crc":
        body = good[:-8] + bytes([good[-8] ^ 0xFF]) + good[-7:]
    elif name == "truncated":
        body = good[: len(good) // 2]
    elif name == "trailing-garbage-member":
        body = good + b"\x1f\x8bGARBAGE"
    with RawConn(server.port) as c:
        c.send(build_request("POST", "/debug/echo", [("Content-Encoding", "gzip")], body=body))
        r = c.read_response("POST")
        assert r.status == 400, (name, r)
        assert json.loads(r.body)["error"]
    assert get(server.port, "/v2/health/live").status == 200


def test_unknown_content_coding_415(server):
    r = get(server.port, "/debug/echo", {"Content-Encoding": "br"}, method="POST", body=b"xyz")
    assert r.status == 415, r
    assert json.loads(r.body)["error"]


# ------------------------------------------------------------------ responses


def test_gzip_response_large(server):
    n = 200_000
    r = get(server.port, f"/debug/bytes?n={n}", {"Accept-Encoding": "gzip"})
    assert r.status == 200, r
    assert r.header("content-encoding") == "gzip", r
    assert r.has_token("vary", "accept-encoding"), r
    assert len(r.body) < n // 2, "compressible text should shrink"
    plain = gzip.decompress(r.body)
    assert len(plain) == n
    ref = get(server.port, f"/debug/bytes?n={n}")
    assert ref.header("content-encoding") is None
    assert ref.body == plain


def test_gzip_response_small_not_compressed(server):
    r = get(server.port, "/debug/bytes?n=100", {"Accept-Encoding": "gzip"})
    assert r.status == 200 and r.header("content-encoding") is None, r
    assert len(r.body) == 100
    r = get(server.port, "/v2/health/live", {"Accept-Encoding": "gzip"})
    assert r.header("content-encoding") is None and json.loads(r.body) == {"live": True}


def test_gzip_min_bytes_threshold(start_server):
    srv = start_server({"gzip_min_bytes": 5000})
    below = get(srv.port, "/debug/bytes?n=4999", {"Accept-Encoding": "gzip"})
    at = get(srv.port, "/debug/bytes?n=5000", {"Accept-Encoding": "gzip"})
    assert below.header("content-encoding") is None, below
    assert at.header("content-encoding") == "gzip", at
    assert len(gzip.decompress(at.body)) == 5000


def test_no_gzip_without_accept_encoding(server):
    r = get(server.port, "/debug/bytes?n=50000")
    assert r.header("content-encoding") is None and len(r.body) == 50000


def test_no_gzip_when_q_zero(server):
    r = get(server.port, "/debug/bytes?n=50000", {"Accept-Encoding": "gzip;q=0"})
    assert r.header("content-encoding") is None, r
    assert len(r.body) == 50000


def test_gzip_in_accept_encoding_list(server):
    r = get(server.port, "/debug/bytes?n=50000", {"Accept-Encoding": "br, gzip, deflate"})
    assert r.header("content-encoding") == "gzip", r
    assert len(gzip.decompress(r.body)) == 50000


def test_gzip_response_curl_compressed(server):
    out = subprocess.run(["curl", "-sS", "--compressed", "-D", "-", "-o", "/dev/null", "--max-time", "5",
                          "-w", "%{size_download}", server.url("/debug/bytes?n=300000")],
                         capture_output=True, timeout=10)
    assert out.returncode == 0, out.stderr
    head = out.stdout.split(b"\r\n\r\n")[0].lower()
    assert b"content-encoding: gzip" in head
    assert int(out.stdout.split(b"\r\n\r\n")[1]) < 150_000
    raw = subprocess.run(["curl", "-sS", "--raw", "-i", "-H", "Accept-Encoding: gzip", "--max-time", "5",
                          server.url("/debug/bytes?n=300000")], capture_output=True, timeout=10)
    (r,) = check_stream(raw.stdout, ["GET"])
    assert len(gzip.decompress(r.body)) == 300000
