#!/usr/bin/env python3
"""Decode-throughput comparison: Kiln's V2 request decoder vs orjson.loads.

Writes a KServe V2 request carrying a 1x3x224x224 FP32 tensor (numpy random floats, written
as json.dumps writes float32 values converted to Python floats), times orjson.loads on it
(best of N, like the Swift side), and prints the numbers run.sh compares.
"""
import json
import sys
import time

import numpy as np
import orjson


def make_body(path, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, 3, 224, 224)).astype(np.float32)
    req = {"id": "bench", "inputs": [{"name": "input", "shape": list(x.shape), "datatype": "FP32",
                                      "data": x.ravel().tolist()}]}
    body = json.dumps(req).encode()
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
    path = sys.argv[1]
    iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    body, n = make_body(path)
    best, mean = time_orjson(body, iterations)
    print(f"ORJSON bytes={len(body)} numbers={n} best_ms={best*1e3:.3f} mean_ms={mean*1e3:.3f} "
          f"MBps={len(body)/best/1e6:.1f} ns_per_number={best*1e9/n:.2f}")
