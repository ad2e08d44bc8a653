#!/usr/bin/env python3
"""Helper of benchmarks/serving/run.sh: request bodies, a correctness probe, bare-model timing.

    payloads.py make MODEL.onnx OUTDIR [--model-name mobilenet]
        Reads the model's input/output names from the ONNX file (onnx package) and writes, for
        one 1x3x224x224 FP32 tensor (seeded, values with 6 decimals so JSON and binary carry
        the very same float32 numbers):
          request.json        V2 JSON body (~1.5 MB), all outputs as JSON
          request.bin         V2 binary tensor extension body: JSON header + 602,112 raw bytes,
                              outputs requested as binary (parameters.binary_data: true)
          request.bin.hdrlen  the header length, sent as Inference-Header-Content-Length
          expected.npy        onnxruntime's output for that tensor (the probe compares to it)
          info.json           input/output names, shapes, sizes
    payloads.py check URL DIR --body json|binary
        One POST of the body to URL (…/v2/models/NAME/infer); exits non-zero, saying why,
        unless the answer is 200 with the expected output (shape, datatype, values within
        atol 1e-3 + rtol 1e-2 of onnxruntime, same argmax).
    payloads.py bare MODEL.onnx [--threads 2] [--batches 1,8] [--iterations N] [--warmup N]
        onnxruntime alone (intra_op = threads, inter_op 1): one JSON line per batch size with
        p50_ms, p99_ms, mean_ms, samples_per_s (the format of `kiln bench --json`).

Needs onnx, onnxruntime and numpy (Tests/engine/requirements.txt); `check` needs only numpy.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

SEED = 20261129
ATOL, RTOL = 1e-3, 1e-2


def _model_io(model_path: Path) -> tuple[str, str, list]:
    import onnx

    m = onnx.load(str(model_path), load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    inputs = [i for i in m.graph.input if i.name not in inits]
    if len(inputs) != 1 or not m.graph.output:
        raise SystemExit(f"{model_path}: expected one input and at least one output")
    dims = [d.dim_value if d.HasField("dim_value") else -1
            for d in inputs[0].type.tensor_type.shape.dim]
    return inputs[0].name, m.graph.output[0].name, dims


def cmd_make(a) -> int:
    import onnxruntime as ort

    in_name, out_name, dims = _model_io(a.model)
    shape = [1] + [d for d in dims[1:]]
    if shape != [1, 3, 224, 224]:
        print(f"note: model input {in_name} has dims {dims}; using {shape}", file=sys.stderr)
    rng = np.random.default_rng(SEED)
    values = rng.standard_normal(int(np.prod(shape))).round(6)          # float64, 6 decimals
    x = np.array(values, dtype=np.float32).reshape(shape)               # what a server parses
    out = a.outdir
    out.mkdir(parents=True, exist_ok=True)

    body = {"inputs": [{"name": in_name, "shape": shape, "datatype": "FP32",
                        "data": values.tolist()}]}
    js = json.dumps(body, separators=(",", ":")).encode()
    (out / "request.json").write_bytes(js)

    raw = x.tobytes()
    header = json.dumps({
        "inputs": [{"name": in_name, "shape": shape, "datatype": "FP32",
                    "parameters": {"binary_data_size": len(raw)}}],
        "outputs": [{"name": out_name, "parameters": {"binary_data": True}}],
    }, separators=(",", ":")).encode()
    (out / "request.bin").write_bytes(header + raw)
    (out / "request.bin.hdrlen").write_text(str(len(header)))

    sess = ort.InferenceSession(str(a.model), providers=["CPUExecutionProvider"])
    y = sess.run([out_name], {in_name: x})[0]
    np.save(out / "expected.npy", y)
    info = {"model_name": a.model_name, "input": in_name, "input_shape": shape,
            "output": out_name, "output_shape": list(y.shape),
            "json_bytes": len(js), "binary_bytes": len(header) + len(raw),
            "binary_header_bytes": len(header)}
    (out / "info.json").write_text(json.dumps(info, indent=1) + "\n")
    print(f"input '{in_name}' {shape}, output '{out_name}' {list(y.shape)}; "
          f"JSON body {len(js):,} B, binary body {len(header) + len(raw):,} B "
          f"(header {len(header)} B)")
    return 0


def _parse_response(status: int, headers, payload: bytes, out_name: str) -> np.ndarray:
    hlen = headers.get("Inference-Header-Content-Length")
    head_bytes = payload[:int(hlen)] if hlen is not None else payload
    try:
        head = json.loads(head_bytes)
    except ValueError:
        raise ValueError(f"HTTP {status}, body is not JSON: {payload[:300]!r}") from None
    outs = {o.get("name"): o for o in head.get("outputs") or []}
    if out_name not in outs:
        raise ValueError(f"no output '{out_name}' in the response: {head_bytes[:300]!r}")
    o = outs[out_name]
    if o.get("datatype") != "FP32":
        raise ValueError(f"output datatype {o.get('datatype')!r}, expected FP32")
    size = (o.get("parameters") or {}).get("binary_data_size")
    if size is not None:
        if hlen is None:
            raise ValueError("binary_data_size without an Inference-Header-Content-Length header")
        # Outputs' raw data follow the header in the order of the outputs that have them.
        offset = int(hlen)
        for other in head["outputs"]:
            if other is o:
                break
            offset += (other.get("parameters") or {}).get("binary_data_size", 0)
        data = np.frombuffer(payload[offset:offset + size], dtype=np.float32)
    else:
        data = np.asarray(o.get("data"), dtype=np.float32)
    return data.reshape(o.get("shape"))


def cmd_check(a) -> int:
    info = json.loads((a.dir / "info.json").read_text())
    expected = np.load(a.dir / "expected.npy")
    if a.body == "json":
        body, headers = (a.dir / "request.json").read_bytes(), {"Content-Type": "application/json"}
    else:
        body = (a.dir / "request.bin").read_bytes()
        headers = {"Content-Type": "application/octet-stream",
                   "Inference-Header-Content-Length": (a.dir / "request.bin.hdrlen").read_text().strip()}
    req = urllib.request.Request(a.url, data=body, headers=headers, method="POST")
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=a.timeout) as r:
            status, rheaders, payload = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        print(f"FAIL {a.body}: HTTP {e.code} from {a.url}: {e.read()[:400]!r}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as e:
        print(f"FAIL {a.body}: no answer from {a.url}: {e}", file=sys.stderr)
        return 1
    ms = (time.perf_counter() - t0) * 1e3
    try:
        y = _parse_response(status, rheaders, payload, info["output"])
    except (ValueError, TypeError, KeyError) as e:
        print(f"FAIL {a.body}: {e}", file=sys.stderr)
        return 1
    if y.shape != expected.shape:
        print(f"FAIL {a.body}: output shape {list(y.shape)}, expected {list(expected.shape)}",
              file=sys.stderr)
        return 1
    err = float(np.max(np.abs(y - expected)))
    if not np.allclose(y, expected, atol=ATOL, rtol=RTOL) or y.argmax() != expected.argmax():
        print(f"FAIL {a.body}: output differs from onnxruntime (max |diff| {err:.3g})",
              file=sys.stderr)
        return 1
    kind = rheaders.get("Content-Type", "?")
    print(f"ok {a.body}: HTTP {status}, {len(payload):,} B ({kind}), {ms:.1f} ms, "
          f"max |diff| vs onnxruntime {err:.2g}")
    return 0


def cmd_bare(a) -> int:
    import onnxruntime as ort

    in_name, _, dims = _model_io(a.model)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = a.threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(a.model), sess_options=opts, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(SEED)
    for b in [int(s) for s in a.batches.split(",")]:
        x = rng.standard_normal([b] + dims[1:]).astype(np.float32)
        for _ in range(a.warmup):
            sess.run(None, {in_name: x})
        times = []
        for _ in range(a.iterations):
            t0 = time.perf_counter()
            sess.run(None, {in_name: x})
            times.append(time.perf_counter() - t0)
        t = np.array(times) * 1e3
        p50 = float(np.percentile(t, 50))
        print(json.dumps({"runtime": f"onnxruntime {ort.__version__}", "batch": b,
                          "threads": a.threads, "p50_ms": round(p50, 4),
                          "p99_ms": round(float(np.percentile(t, 99)), 4),
                          "mean_ms": round(float(t.mean()), 4),
                          "samples_per_s": round(b * 1e3 / p50, 1)}))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("model", type=Path)
    m.add_argument("outdir", type=Path)
    m.add_argument("--model-name", default="mobilenet")
    c = sub.add_parser("check")
    c.add_argument("url")
    c.add_argument("dir", type=Path)
    c.add_argument("--body", choices=["json", "binary"], required=True)
    c.add_argument("--timeout", type=float, default=30.0)
    b = sub.add_parser("bare")
    b.add_argument("model", type=Path)
    b.add_argument("--threads", type=int, default=2)
    b.add_argument("--batches", default="1,8")
    b.add_argument("--iterations", type=int, default=200)
    b.add_argument("--warmup", type=int, default=20)
    a = ap.parse_args(argv)
    return {"make": cmd_make, "check": cmd_check, "bare": cmd_bare}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
