"""Helpers for the hostile-load tests (test_hostile_*.py): valid raw requests built from the
shipped samples, a one-shot raw exchange that checks what came back, and readers for a
process's RSS, CPU time and open descriptors in /proc (the mutator is hostile_mutate.py).

Every loop here is bounded by a count and a deadline; all traffic goes to 127.0.0.1."""

from __future__ import annotations

import base64
import json
import os
import resource
import socket
import struct
import time
from pathlib import Path

from kilnhttp import HTTPCheckError, Incomplete, ResponseStream

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"
HOST = "127.0.0.1"

# ---------------------------------------------------------------- /proc


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def cpu_share(pid: int, seconds: float) -> float:
    """Share of one core the process used over `seconds` (1.0 = one core busy)."""
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    return (cpu_seconds(pid) - c0) / (time.monotonic() - t0)


def raise_own_nofile(wanted: int) -> int:
    """Raise this process's soft RLIMIT_NOFILE towards `wanted` (never above the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


# ---------------------------------------------------------------- valid requests


def raw_request(method: str, path: str, headers: list[tuple[str, str]], body: bytes = b"",
                *, close: bool = True, chunked: bool = False) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers]
    if close:
        lines.append("Connection: close")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        body = chunk(body, [7, 64, 1000])
    elif method == "POST" or body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def chunk(body: bytes, sizes: list[int]) -> bytes:
    out, pos, i = bytearray(), 0, 0
    while pos < len(body):
        n = sizes[i % len(sizes)]
        out += b"%x\r\n" % len(body[pos:pos + n]) + body[pos:pos + n] + b"\r\n"
        pos, i = pos + n, i + 1
    return bytes(out + b"0\r\n\r\n")


def multipart(field: str, filename: str, content_type: str, data: bytes) -> tuple[str, bytes]:
    boundary = "kilnHostileBoundary7MA4YWxk"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: {content_type}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", body


FRAUD_NUMERIC = [0.3, 0.0, -1.2, -0.8, 2.1, 1.7, 0.4, 1.0]
FRAUD_CATEGORICAL = [1, 9, 3, 2]


def v2_json_body() -> bytes:
    return json.dumps({"id": "h1", "inputs": [
        {"name": "numeric", "shape": [1, 8], "datatype": "FP32", "data": FRAUD_NUMERIC},
        {"name": "categorical", "shape": [1, 4], "datatype": "INT64", "data": FRAUD_CATEGORICAL}],
        "outputs": [{"name": "fraud_probability"}]}).encode()


def v2_binary_body() -> tuple[bytes, int]:
    """Triton's binary form: JSON header, then the raw little-endian tensors."""
    num = struct.pack("<8f", *FRAUD_NUMERIC)
    cat = struct.pack("<4q", *FRAUD_CATEGORICAL)
    header = json.dumps({"inputs": [
        {"name": "numeric", "shape": [1, 8], "datatype": "FP32", "parameters": {"binary_data_size": len(num)}},
        {"name": "categorical", "shape": [1, 4], "datatype": "INT64", "parameters": {"binary_data_size": len(cat)}}],
        "outputs": [{"name": "fraud_probability", "parameters": {"binary_data": True}}]}).encode()
    return header + num + cat, len(header)


def sample(model: str, name: str) -> bytes:
    return (MODELS / model / "samples" / name).read_bytes()


def valid_requests(close: bool = True) -> dict[str, bytes]:
    """One valid raw request per kind of traffic, against the shipped models."""
    jpg = sample("defect_detection", "patches_01.jpg")
    png = sample("medical_triage", "routine_01.png")
    xray = sample("medical_triage", "urgent_02.jpg")
    fraud = sample("fraud_scoring", "fraud.json")
    batch = sample("fraud_scoring", "batch.json")
    rec = sample("recommendation", "filtered.json")
    ct_mp, mp = multipart("image", "part.png", "image/png", png)
    v2bin, hlen = v2_binary_body()
    j = [("Content-Type", "application/json")]
    reqs = {
        "defect_raw": raw_request("POST", "/v1/defect-detection", [("Content-Type", "image/jpeg")], jpg, close=close),
        "defect_b64": raw_request("POST", "/v1/defect-detection", j,
                                  json.dumps({"image": base64.b64encode(jpg).decode()}).encode(), close=close),
        "triage_multipart": raw_request("POST", "/v1/medical-triage", [("Content-Type", ct_mp)], mp, close=close),
        "triage_b64": raw_request("POST", "/v1/medical-triage", j, json.dumps(
            {"image": "data:image/jpeg;base64," + base64.b64encode(xray).decode()}).encode(), close=close),
        "fraud_record": raw_request("POST", "/v1/fraud-scoring", j, fraud, close=close),
        "fraud_batch": raw_request("POST", "/v1/fraud-scoring", j, batch, close=close),
        "fraud_chunked": raw_request("POST", "/v1/fraud-scoring", j, fraud, close=close, chunked=True),
        "recommendation": raw_request("POST", "/v1/recommendations", j, rec, close=close),
        "v2_json": raw_request("POST", "/v2/models/fraud_scoring/infer", j, v2_json_body(), close=close),
        "v2_binary": raw_request("POST", "/v2/models/fraud_scoring/versions/1/infer",
                                 [("Content-Type", "application/octet-stream"),
                                  ("Inference-Header-Content-Length", str(hlen))], v2bin, close=close),
        "health": raw_request("GET", "/v2/health/ready", [], close=close),
    }
    return reqs


def split_request(raw: bytes) -> tuple[bytes, bytes]:
    """(head including the blank line, body) of a valid request."""
    i = raw.index(b"\r\n\r\n") + 4
    return raw[:i], raw[i:]


# ---------------------------------------------------------------- one-shot exchange


class Exchange:
    """What one connection gave back: parsed responses, how it ended, and any violation."""

    def __init__(self):
        self.responses = []
        self.end = ""          # "eof", "rst" or "timeout"
        self.error: str | None = None
        self.raw = b""
        self.seconds = 0.0


def exchange(port: int, data: bytes, *, timeout: float, half_close: bool = False,
             method: str = "POST") -> Exchange:
    """Send `data` on a fresh connection, read until the server closes (or `timeout`), and
    check that the bytes are zero or more complete, well-formed HTTP/1.1 responses."""
    ex = Exchange()
    t0 = time.monotonic()
    deadline = t0 + timeout
    buf = bytearray()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        try:
            s.connect((HOST, port))
        except OSError as e:
            ex.end, ex.error = "no connection", f"connect failed: {e!r}"
            return ex
        try:
            s.sendall(data)
            if half_close:
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before taking the whole request
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                ex.end = "timeout"
                break
            s.settimeout(remaining)
            try:
                got = s.recv(65536)
            except ConnectionResetError:
                ex.end = "rst"
                break
            except socket.timeout:
                ex.end = "timeout"
                break
            if not got:
                ex.end = "eof"
                break
            buf += got
    finally:
        s.close()
    ex.seconds = time.monotonic() - t0
    ex.raw = bytes(buf)
    stream = ResponseStream()
    stream.feed(ex.raw)
    try:
        while stream.pos < len(stream.buf):
            try:
                ex.responses.append(stream.next_response(method))
            except Incomplete:
                ex.error = (f"incomplete response at {ex.end}: "
                            f"{bytes(stream.buf[stream.pos:stream.pos + 300])!r}")
                break
    except HTTPCheckError as e:
        ex.error = f"malformed response: {e}"
    return ex
