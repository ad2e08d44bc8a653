#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz harnesses (Tests/Fuzz/Corpus/<harness>/).

Seeds come from the repository's own fixtures and samples, plus a few small inputs built
here (gzip members, V2 requests in every form, tiny ONNX models and their .kiln files).
Needs numpy and onnx (Tests/engine/requirements.txt) and a kiln binary (KILN_BIN, default
.build/debug/kiln). Re-running rewrites the folders; every file stays under 64 KB.
"""
import base64
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "Tests/Fuzz/Corpus"
KILN = os.environ.get("KILN_BIN", str(ROOT / ".build/debug/kiln"))
MAX_SEED = 64 * 1024


def put(harness, name, data):
    if isinstance(data, str):
        data = data.encode()
    assert len(data) < MAX_SEED, f"{harness}/{name} is {len(data)} bytes"
    folder = OUT / harness
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def unescape_fixture(path):
    """The raw bytes of a Tests/HTTPCoreTests request fixture (RequestFixture.swift's format)."""
    lines = path.read_text().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    raw, in_header = bytearray(), True
    for line in lines:
        if in_header and line.startswith("#! "):
            continue
        in_header = False
        continued = line.endswith("\\") and not line.endswith("\\\\")
        if continued:
            line = line[:-1]
        out, i = bytearray(), 0
        u = line.encode()
        while i < len(u):
            if u[i] == 0x5C and i + 1 < len(u):
                c = chr(u[i + 1])
                if c == "x":
                    out.append(int(u[i + 2:i + 4], 16))
                    i += 4
                    continue
                out += {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\0", "\\": b"\\"}.get(c, bytes([u[i + 1]]))
                i += 2
            else:
                out.append(u[i])
                i += 1
        raw += out
        if not continued:
            raw += b"\r\n"
    return bytes(raw)


def http_seeds():
    for f in sorted((ROOT / "Tests/HTTPCoreTests/Fixtures/requests").glob("*.http")):
        put("http-request", f.stem, unescape_fixture(f))
    body = gzip.compress(b'{"amount": 12.5, "hour": 3}')
    put("http-request", "gzip-body", b"POST /v1/fraud-scoring HTTP/1.1\r\nHost: a\r\nContent-Encoding: gzip\r\n"
        + b"Accept-Encoding: gzip;q=0.5, *;q=0\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    deflated = zlib.compress(b"x" * 300)
    put("http-request", "deflate-body-pipelined", b"POST /a HTTP/1.1\r\nHost: a\r\nContent-Encoding: deflate\r\n"
        + b"Content-Length: %d\r\n\r\n" % len(deflated) + deflated + b"GET /b?q=1 HTTP/1.1\r\nHost: a\r\n\r\n")
    chunked = [
        b"4\r\nWiki\r\n5\r\npedia\r\n0\r\n\r\n",
        b"\x01" + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n",
        b"\x02" + b"%x;ext=1\r\n" % len(deflated) + deflated + b"\r\n0\r\nX-Sum: 1\r\n\r\n",
        b"\x03" + b"A \t;n=\"v\"\r\n0123456789\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        b"fff\r\n" + b"a" * 64 + b"\r\n",
    ]
    for i, c in enumerate(chunked):
        put("http-chunked", f"seed{i}", c)


def multipart_seeds():
    folder = ROOT / "Tests/HTTPCoreTests/Fixtures/multipart"
    for f in sorted(folder.glob("*.body")):
        ctype = json.loads(f.with_suffix(".json").read_text())["contentType"]
        put("multipart", f.stem, ctype.encode() + b"\n" + f.read_bytes())
    put("multipart", "default-boundary", b"--kilnfuzzboundary\r\nContent-Disposition: form-data; name=\"image\"; "
        + b"filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--kilnfuzzboundary--\r\n")


def base64_seeds():
    png = (ROOT / "Tests/ImagingTests/Fixtures/gray.png").read_bytes()[:300]
    put("base64", "standard", base64.b64encode(png))
    put("base64", "urlsafe-unpadded", base64.urlsafe_b64encode(b"\xfb\xff\xfe kiln").rstrip(b"="))
    put("base64", "mime-wrapped", base64.encodebytes(bytes(range(256))))
    put("base64", "padding", b"QQ==\r\n")


def gzip_seeds():
    text = (ROOT / "README.md").read_bytes()[:4000]
    put("gzip", "gzip-member", b"\x06" + gzip.compress(text))
    put("gzip", "two-members", b"\x08" + gzip.compress(b"a" * 100) + gzip.compress(b"b"))
    put("gzip", "zlib-deflate", b"\x07" + zlib.compress(text))
    put("gzip", "bomb-small-cap", b"\x02" + gzip.compress(b"\0" * 60000))
    put("gzip", "stored-block", b"\x09" + zlib.compress(b"kiln", 0))


def v2_seeds():
    reqs = {
        "fp32": {"id": "r1", "inputs": [{"name": "x", "shape": [2, 3], "datatype": "FP32", "data": [[1, 2.5, -3e-4], [0, 1e30, -0.0]]}]},
        "int64-bool": {"inputs": [{"name": "ids", "shape": [3], "datatype": "INT64", "data": [1, -9223372036854775808, 7]},
                                  {"name": "m", "shape": [2], "datatype": "BOOL", "data": [True, False]}],
                       "outputs": [{"name": "y", "parameters": {"binary_data": True}}], "parameters": {"priority": 2, "timeout": 1.5}},
        "data-first": {"inputs": [{"data": [1, 2, 3, 4], "name": "a", "datatype": "UINT8", "shape": [2, 2],
                                   "parameters": {"note": "x\u00e9\\"}}], "extra": [None, {"k": []}]},
        "fp16-int8": {"inputs": [{"name": "h", "shape": [1, 2], "datatype": "FP16", "data": [0.5, 65504]},
                                 {"name": "n", "shape": [2], "datatype": "INT8", "data": [-128, 127]}]},
        "unsupported": {"inputs": [{"name": "s", "shape": [1], "datatype": "BYTES", "data": ["abc"]}]},
    }
    for name, r in reqs.items():
        put("v2-request", name, json.dumps(r))
    header = json.dumps({"inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP32", "parameters": {"binary_data_size": 16}},
                                    {"name": "b", "shape": [3], "datatype": "BOOL", "parameters": {"binary_data_size": 3}}],
                         "parameters": {"binary_data_output": True}}).encode()
    binary = struct.pack("<4f", 1, 2, 3, 4) + b"\x01\x00\x01"
    put("v2-request", "binary-extension", b"\x00" + struct.pack("<H", len(header)) + header + binary)
    put("v2-request", "raw-fp32", b"\x01" + struct.pack("<6f", 1, 2, 3, 4, 5, 6))
    put("v2-request", "raw-uint8-image", b"\x03" + bytes(range(48)))


def worker_seeds():
    for model in ("fraud_scoring", "recommendation"):
        for f in sorted((ROOT / "models" / model / "samples").glob("*.json")):
            if f.name != "expected.json":
                put("worker-json", f"{model}-{f.stem}", f.read_bytes())
    put("worker-json", "escapes", '{"a": "\\ud83d\\ude00\\n\\u0000", "b": [1e-300, -0, 1.5E+3], "c": null}')


def image_seeds():
    fixtures = ROOT / "Tests/ImagingTests/Fixtures"
    names = ["rgb.jpg", "gray.jpg", "cmyk.jpg", "orient6.jpg", "rgb_progressive.jpg", "rgb_truncated.jpg", "rgb_bitflip_dht.jpg",
             "rgb.png", "gray.png", "gray16.png", "rgba.png", "palette_alpha.png", "orient3.png", "rgb_bitflip_crc.png"]
    for n in names:
        put("image", n, (fixtures / n).read_bytes())
    jpg = (fixtures / "rgb.jpg").read_bytes()
    png = (fixtures / "gray.png").read_bytes()
    put("image-input", "raw-jpeg", b"image/jpeg\n" + jpg)
    put("image-input", "raw-png", b"image/png; charset=binary\n" + png)
    put("image-input", "json-base64", b"application/json\n" + json.dumps({"image": base64.b64encode(png).decode()}).encode())
    put("image-input", "json-data-url", b"application/json\n"
        + json.dumps({"image": "data:image/jpeg;base64," + base64.b64encode(jpg).decode()}).encode())
    put("image-input", "multipart", b"multipart/form-data; boundary=XyZ\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
        + b"filename=\"p.png\"\r\nContent-Type: image/png\r\n\r\n" + png + b"\r\n--XyZ--\r\n")


def tiny_onnx_models():
    """Small models covering the importer's attribute kinds and the conversion passes."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 6, 6])
    w = numpy_helper.from_array(np.linspace(-1, 1, 2 * 1 * 3 * 3, dtype=np.float32).reshape(2, 1, 3, 3), "w")
    scale = numpy_helper.from_array(np.ones(2, np.float32), "s")
    bias = numpy_helper.from_array(np.zeros(2, np.float32), "b")
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("BatchNormalization", ["c", "s", "b", "b", "s"], ["bn"], name="bn", epsilon=1e-5),
        helper.make_node("Relu", ["bn"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"], name="flat", axis=1),
        helper.make_node("Softmax", ["f"], ["y"], name="softmax", axis=-1),
    ]
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 18])
    cnn = helper.make_model(helper.make_graph(nodes, "cnn", [x], [y], [w, scale, bias]), opset_imports=[helper.make_opsetid("", 17)])
    e = helper.make_tensor_value_info("ids", TensorProto.INT64, ["N", 4])
    table = numpy_helper.from_array(np.arange(20, dtype=np.float32).reshape(10, 2), "table")
    shape = numpy_helper.from_array(np.array([0, 8], np.int64), "shape")
    nodes = [
        helper.make_node("Gather", ["table", "ids"], ["g"], name="gather", axis=0),
        helper.make_node("Reshape", ["g", "shape"], ["flat"], name="reshape"),
        helper.make_node("Constant", [], ["k"], name="k", value=numpy_helper.from_array(np.full((8, 3), 0.5, np.float32))),
        helper.make_node("MatMul", ["flat", "k"], ["m"], name="matmul"),
        helper.make_node("Sigmoid", ["m"], ["out"], name="sigmoid"),
    ]
    out = helper.make_tensor_value_info("out", TensorProto.FLOAT, ["N", 3])
    emb = helper.make_model(helper.make_graph(nodes, "emb", [e], [out], [table, shape]), opset_imports=[helper.make_opsetid("", 13)])
    return {"cnn": cnn, "embedding": emb}


def model_seeds():
    fixtures = ROOT / "Tests/ModelConvertTests/Fixtures"
    for n in ("mlp_bn.onnx", "unsupported.onnx"):
        put("onnx", n, (fixtures / n).read_bytes())
    put("onnx", "fraud_scoring.onnx", (ROOT / "models/fraud_scoring/source/model.onnx").read_bytes())
    kilns = {"fraud_scoring": (ROOT / "models/fraud_scoring/1/model.kiln").read_bytes()}
    with tempfile.TemporaryDirectory() as tmp:
        sources = {"mlp_bn": fixtures / "mlp_bn.onnx"}
        for name, model in tiny_onnx_models().items():
            onnx.checker.check_model(model)
            path = Path(tmp) / f"{name}.onnx"
            onnx.save(model, path)
            put("onnx", f"{name}.onnx", path.read_bytes())
            sources[name] = path
        for name, path in sources.items():
            out = Path(tmp) / f"{name}.kiln"
            subprocess.run([KILN, "convert", str(path), "-o", str(out)], check=True, capture_output=True)
            kilns[name] = out.read_bytes()
    for name, data in kilns.items():
        put("kiln", f"{name}.kiln", data)
        # The header-JSON form of KilnHarness: JSON, NUL, the data section.
        header_length, = struct.unpack_from("<Q", data, 24)
        data_offset, total = struct.unpack_from("<QQ", data, 40)
        put("kiln", f"{name}.header", data[64:64 + header_length] + b"\0" + data[data_offset:total - 32])
    for f in sorted(fixtures.glob("*.npy")):
        put("npy", f.name, f.read_bytes())
    for f in ("gray.png.decoded1white.npy", "gray16_crop.tensor.npy"):
        put("npy", f, (ROOT / "Tests/ImagingTests/Fixtures" / f).read_bytes())
    arrays = {"int64-v2": (np.arange(6, dtype=np.int64).reshape(2, 3), (2, 0)), "bool-scalar": (np.array(True), (1, 0)),
              "int32-empty": (np.zeros((0, 4), np.int32), (3, 0)), "int8": (np.array([-1, 2], np.int8), (1, 0))}
    for name, (a, version) in arrays.items():
        with tempfile.TemporaryFile() as fh:
            np.lib.format.write_array(fh, a, version=version)
            fh.seek(0)
            put("npy", f"{name}.npy", fh.read())


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    http_seeds()
    multipart_seeds()
    base64_seeds()
    gzip_seeds()
    v2_seeds()
    worker_seeds()
    image_seeds()
    model_seeds()
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"corpus: {sum(1 for f in OUT.rglob('*') if f.is_file())} files, {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
