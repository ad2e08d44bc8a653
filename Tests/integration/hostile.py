"""Helpers for the hostile-load tests (test_hostile_*.py): valid raw requests built from the
shipped samples, a seeded mutator for them, a one-shot raw exchange that classifies what
came back, and readers for a process's RSS, CPU time and open descriptors in /proc.

Every loop here is bounded by a count and a deadline; all traffic goes to 127.0.0.1."""

from __future__ import annotations

import base64
import json
import os
import random
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


# ---------------------------------------------------------------- mutation


INTERESTING_NUMBERS = [b"0", b"1", b"-1", b"7", b"65535", b"2147483648", b"4294967296",
                       b"9223372036854775807", b"9223372036854775808", b"99999999999999999999",
                       b"18446744073709551616", b"1e9", b"0x10", b"00000000000000000001", b"+5", b" 3"]
INTERESTING_BYTES = [b"\r\n", b"\n", b"\r", b"\x00", b":", b" ", b"\t", b"%", b"%00", b"\\", b"\xff",
                     b"\r\n\r\n", b"0\r\n\r\n", b"Transfer-Encoding: chunked\r\n", b"Content-Length: 5\r\n",
                     b"Expect: 100-continue\r\n", b"Content-Encoding: gzip\r\n", b"{", b"}", b"[", b"]",
                     b"\"", b"," , b"null", b"1e308", b"NaN"]


def _digit_runs(data: bytes) -> list[tuple[int, int]]:
    runs, i = [], 0
    while i < len(data):
        if 48 <= data[i] <= 57:
            j = i
            while j < len(data) and 48 <= data[j] <= 57:
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    return runs


FRAMING_FIELDS = [b"Content-Length", b"Inference-Header-Content-Length"]
INTERESTING_HEX = [b"0", b"1", b"f", b"7fffffff", b"ffffffff", b"100000000", b"7fffffffffffffff",
                   b"ffffffffffffffff", b"10000000000000000", b"-1", b"0x10", b"fffffffffffffffffffff"]


def mutate_framing(rng: random.Random, data: bytes) -> bytes:
    """Set a framing number: a Content-Length / Inference-Header-Content-Length value, or a
    chunk-size line, to an interesting (often huge or malformed) value."""
    d = bytes(data)
    head_end = d.find(b"\r\n\r\n")
    chunked = b"chunked" in d[:max(0, head_end)].lower()
    if chunked and rng.random() < 0.5:
        sizes = [m for m in range(head_end + 4, len(d)) if d[m - 2:m] == b"\r\n"
                 and re_hexline(d, m)]
        if sizes:
            s = rng.choice(sizes)
            e = d.find(b"\r\n", s)
            return d[:s] + rng.choice(INTERESTING_HEX) + d[e:]
    for name in rng.sample(FRAMING_FIELDS, len(FRAMING_FIELDS)):
        i = d.lower().find(b"\r\n" + name.lower() + b":")
        if 0 <= i < max(head_end, 0):
            s = i + 2 + len(name) + 1
            e = d.find(b"\r\n", s)
            value = rng.choice(INTERESTING_NUMBERS + [b"1000000000000", b"67108865", b"1048577"])
            return d[:s] + b" " + value + d[e:]
    return d


def re_hexline(d: bytes, start: int) -> bool:
    e = d.find(b"\r\n", start)
    return 0 < e - start <= 16 and all(c in b"0123456789abcdefABCDEF" for c in d[start:e])


def mutate_bytes(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    """One random byte-level mutation of `data`."""
    d = bytearray(data)
    op = rng.randrange(10)
    if op == 9:
        return mutate_framing(rng, data)
    if op == 0 and d:                                   # flip bits
        for _ in range(rng.randint(1, 8)):
            d[rng.randrange(len(d))] ^= 1 << rng.randrange(8)
    elif op == 1:                                       # insert bytes
        ins = rng.choice(INTERESTING_BYTES) if rng.random() < 0.6 else rng.randbytes(rng.randint(1, 16))
        p = rng.randint(0, len(d))
        d[p:p] = ins
    elif op == 2 and d:                                 # delete a range
        p = rng.randrange(len(d))
        del d[p:p + rng.randint(1, 32)]
    elif op in (3, 4) and b"\r\n" in d:                 # duplicate or drop a header line
        head_end = d.find(b"\r\n\r\n")
        head_end = len(d) if head_end < 0 else head_end
        starts = [0] + [i + 2 for i in range(head_end) if d[i:i + 2] == b"\r\n"]
        starts = [s for s in starts if s < head_end] or [0]
        s = rng.choice(starts[1:] or starts)
        e = d.find(b"\r\n", s)
        e = len(d) if e < 0 else e + 2
        line = bytes(d[s:e])
        if op == 3:
            d[s:s] = line
        else:
            del d[s:e]
    elif op == 5:                                       # change a number (length, size, shape)
        runs = _digit_runs(bytes(d))
        if runs:
            s, e = rng.choice(runs)
            n = int(d[s:e][:18] or b"0")
            new = rng.choice(INTERESTING_NUMBERS + [str(n + rng.choice([-1, 1, 2, 100])).encode(),
                                                    str(n * 2).encode(), str(n // 2).encode()])
            d[s:e] = new
    elif op == 6 and d:                                 # truncate
        del d[rng.randrange(len(d)):]
    elif op == 7:                                       # splice with another request
        other = rng.choice(pool)
        a, b = rng.randint(0, len(d)), rng.randint(0, len(other))
        d = d[:a] + other[b:] if rng.random() < 0.5 else d + other
    else:                                               # overwrite a byte with a special one
        if d:
            d[rng.randrange(len(d))] = rng.choice(b"\x00\r\n :;,\"\\%\x7f\x80\xff")
    return bytes(d)


def reframe(head: bytes, body: bytes) -> bytes:
    """Rewrite Content-Length (or re-chunk) so a mutated body is delivered whole."""
    if b"Transfer-Encoding: chunked" in head:
        return head + chunk(body, [5, 300, 4096])
    lines = head[:-4].split(b"\r\n")
    lines = [ln if not ln.lower().startswith(b"content-length:") else b"Content-Length: %d" % len(body)
             for ln in lines]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def mutate_request(rng: random.Random, valid: dict[str, bytes]) -> tuple[str, bytes]:
    """A mutated request: either framing kept (body-only mutations, Content-Length fixed) or
    the whole byte stream mutated. Returns (the valid request's name, the bytes)."""
    names = sorted(valid)
    name = rng.choice(names)
    pool = [valid[n] for n in names]
    raw = valid[name]
    if rng.random() < 0.45 and name != "health":
        head, body = split_request(raw)
        if name == "fraud_chunked":
            body = json.dumps(json.loads(sample("fraud_scoring", "fraud.json"))).encode()
        for _ in range(rng.randint(1, 3)):
            body = mutate_bytes(rng, body, [split_request(p)[1] for p in pool])
        return name, reframe(head, body)
    for _ in range(rng.randint(1, 3)):
        raw = mutate_bytes(rng, raw, pool)
    return name, raw
