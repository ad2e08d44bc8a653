"""The seeded mutator of the hostile-input fuzz (test_hostile_fuzz.py): byte-level mutations
of valid raw requests (flips, inserts, deletes, header lines duplicated or dropped, numbers
changed, truncation, splices) and framing numbers set outright. Deterministic for a given
random.Random."""

from __future__ import annotations

import json
import random

from hostile import chunk, sample, split_request


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
