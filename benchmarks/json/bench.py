#!/usr/bin/env python3
"""Decode-throughput comparison: Kiln's V2 request decoder vs orjson.loads.

Writes a KServe V2 request carrying a 1x3x224x224 FP32 tensor of numpy random floats, times
orjson.loads on it (best of N, like the Swift side), and prints the numbers run.sh compares.
Two spellings of the same float32 values:
  f32  each value as its shortest float32 repr (str(np.float32(v)), ~9 bytes: ~1.4 MB body)
  f64  json.dumps(x.tolist()): float32 widened to Python floats, 16-17 digits (~3.1 MB body)
"""
import json
import sys
import time

import numpy as np
import orjson


def make_body(path, mode, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, 3, 224, 224)).astype(np.float32)
    req = {"id": "bench", "inputs": [{"name": "input", "shape": list(x.shape), "datatype": "FP32",
                                      "data": x.ravel().tolist()}]}
    body = json.dumps(req).encode()
    if mode == "f32":
        # Same document, numbers spelled as numpy prints float32 (shortest round-trip).
        data = ", ".join(str(v) for v in x.ravel())
        body = body[:body.index(b'"data": [') + 9] + data.encode() + b"]}]}"
    with open(path, "wb") as f:
        f.write(body)
    return body, x.size


def time_orjson(body, iterations):
    orjson.loads(body)
    best, total = float("inf"), 0.0
    for _ in range(iterations):
        t = time.perf_counter()
        orjson.loads(body)
        dt = time.perf_counter() - t
        best = min(best, dt)
        total += dt
    return best, total / iterations


if __name__ == "__main__":
    path, mode = sys.argv[1], sys.argv[2]
    iterations = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    body, n = make_body(path, mode)
    assert len(orjson.loads(body)["inputs"][0]["data"]) == n
    best, mean = time_orjson(body, iterations)
    print(f"ORJSON body={mode} bytes={len(body)} numbers={n} best_ms={best*1e3:.3f} mean_ms={mean*1e3:.3f} "
          f"MBps={len(body)/best/1e6:.1f} ns_per_number={best*1e9/n:.2f}")
