"""Shared helpers for the Kiln model training scripts.

* `G`: a tiny ONNX graph builder (onnx.helper underneath). Every shipped model is
  trained in JAX and then written out node by node here, so the exported graph uses
  only operators `kiln convert` supports and there is no exporter in between.
* `fold_bn`: folds BatchNorm statistics into the preceding convolution at export.
* `ort_run`, `kiln_convert`, `kiln_check`: run the ONNX model with onnxruntime, convert
  it with `kiln convert` and check `kiln infer` against onnxruntime (max abs err).
* `resize_for_model`: the reference image preprocessing (Pillow bilinear resize).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parent.parent          # repository root
MODELS = ROOT / "models"
OPSET = 17


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# --------------------------------------------------------------------------- ONNX builder
class G:
    def __init__(self, name: str):
        self.name = name
        self.nodes, self.inits, self.inputs, self.outputs = [], [], [], []
        self._n = 0

    def uid(self, base: str) -> str:
        self._n += 1
        return f"{base}_{self._n}"

    def input(self, name, dtype, shape):
        self.inputs.append(helper.make_tensor_value_info(name, dtype, ["N"] + list(shape[1:])))
        return name

    def output(self, name, dtype, shape):
        self.outputs.append(helper.make_tensor_value_info(name, dtype, ["N"] + list(shape[1:])))

    def const(self, name, arr):
        arr = np.asarray(arr)
        if arr.dtype == np.float64:
            arr = arr.astype(np.float32)
        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def op(self, op, inputs, out=None, **attrs):
        out = out or self.uid(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=self.uid("n_" + op), **attrs))
        return out

    def model(self, doc: str = "") -> onnx.ModelProto:
        graph = helper.make_graph(self.nodes, self.name, self.inputs, self.outputs, self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="kiln-training", doc_string=doc)
        m.ir_version = 8
        onnx.checker.check_model(m, full_check=True)
        return m


def conv(g: G, x, w, b, stride=1, pad=0, groups=1, act=None, name="conv"):
    """Conv (+ optional ReLU / ReLU6) with weights w [O, I/groups, kh, kw] and bias b."""
    wn = g.const(f"{name}.weight", w)
    bn = g.const(f"{name}.bias", b)
    kh, kw = w.shape[2:]
    y = g.op("Conv", [x, wn, bn], kernel_shape=[kh, kw], strides=[stride, stride],
             pads=[pad, pad, pad, pad], group=groups)
    if act == "relu":
        y = g.op("Relu", [y])
    elif act == "relu6":
        lo = g.const(g.uid("zero"), np.array(0.0, np.float32))
        hi = g.const(g.uid("six"), np.array(6.0, np.float32))
        y = g.op("Clip", [y, lo, hi])
    return y


def fold_bn(w, b, bn, eps=1e-5):
    """Fold y = gamma*(conv(x)+b - mean)/sqrt(var+eps) + beta into (w', b')."""
    w, b = np.asarray(w, np.float64), np.asarray(b, np.float64)
    scale = np.asarray(bn["gamma"], np.float64) / np.sqrt(np.asarray(bn["var"], np.float64) + eps)
    w2 = w * scale[:, None, None, None]
    b2 = (b - np.asarray(bn["mean"], np.float64)) * scale + np.asarray(bn["beta"], np.float64)
    return w2.astype(np.float32), b2.astype(np.float32)


# --------------------------------------------------------------------------- runtimes
def ort_run(onnx_path, feeds: dict) -> list:
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(onnx_path), so, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def kiln_bin() -> str:
    env = os.environ.get("KILN_BIN")
    if env:
        return env
    for cand in (ROOT / ".build/release/kiln", ROOT / ".build/debug/kiln"):
        if cand.exists():
            return str(cand)
    raise SystemExit("kiln binary not found: set KILN_BIN or build with `swift build`")


def kiln_convert(onnx_path, kiln_path, name, meta: dict):
    cmd = [kiln_bin(), "convert", str(onnx_path), "-o", str(kiln_path), "--name", name]
    for k, v in meta.items():
        cmd += ["--meta", f"{k}={v}"]
    log("$", " ".join(cmd))
    subprocess.run(cmd, check=True)


def kiln_check(kiln_path, onnx_path, feeds: dict, tol=1e-4) -> float:
    """Runs `kiln infer` and onnxruntime on the same inputs; returns the max abs error."""
    ref = ort_run(onnx_path, feeds)
    m = onnx.load(str(onnx_path))
    out_names = [o.name for o in m.graph.output]
    tmp = Path(tempfile.mkdtemp(prefix="kilncheck"))
    try:
        cmd = [kiln_bin(), "infer", str(kiln_path), "--output-dir", str(tmp / "out")]
        for k, v in feeds.items():
            np.save(tmp / f"{k}.npy", v)
            cmd += ["--input", f"{k}={tmp / (k + '.npy')}"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        err = 0.0
        for name, r in zip(out_names, ref):
            got = np.load(tmp / "out" / f"{name}.npy")
            assert got.shape == r.shape, (name, got.shape, r.shape)
            err = max(err, float(np.max(np.abs(got.astype(np.float64) - r))))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"kiln infer vs onnxruntime on {kiln_path.name}: max abs err {err:.2e}")
    if err > tol:
        raise SystemExit(f"kiln and onnxruntime disagree: {err} > {tol}")
    return err


# --------------------------------------------------------------------------- images
def resize_for_model(img, size=128):
    """Reference preprocessing step 1: Pillow bilinear resize (antialiased when
    downscaling), `Image.resize((size, size), Image.BILINEAR, reducing_gap=None)`."""
    from PIL import Image
    return img.resize((size, size), Image.BILINEAR, reducing_gap=None)


def write_json(path, obj):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2) + "\n")


def macro_f1(y_true, y_pred, k):
    f1s = []
    for c in range(k):
        tp = np.sum((y_pred == c) & (y_true == c))
        fp = np.sum((y_pred == c) & (y_true != c))
        fn = np.sum((y_pred != c) & (y_true == c))
        p = tp / max(tp + fp, 1)
        r = tp / max(tp + fn, 1)
        f1s.append(0.0 if p + r == 0 else 2 * p * r / (p + r))
    return float(np.mean(f1s)), [float(f) for f in f1s]


def confusion(y_true, y_pred, k):
    m = np.zeros((k, k), int)
    for t, p in zip(y_true, y_pred):
        m[t, p] += 1
    return m.tolist()
