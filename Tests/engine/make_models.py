#!/usr/bin/env python3
"""ONNX models and input sets for the engine parity suite (Tests/engine) and the engine
benchmark (benchmarks/engine).

    python3 make_models.py OUTDIR [--only NAME,...] [--kind op,net,invalid] [--no-check]
                                  [--cross-check] [--list]

Every model is built with onnx.helper, operator by operator ("op" cases, one or a few
nodes each, covering the attributes the engine supports) and as whole networks ("net"
cases: MobileNetV2 x0.5, grayscale ResNet-18, an MLP, an embedding + LSTM classifier and a
Transformer encoder block, each with a dynamic batch dimension "N"). "invalid" cases are
valid ONNX that Kiln must refuse to convert (an unsupported operator).

Determinism: each case draws its weights and inputs from numpy's default_rng seeded with
crc32(case name), so a case's files are identical from run to run and do not depend on
which other cases are generated.

Layout written to OUTDIR:

    manifest.json                     one entry per case (see Case.manifest_entry)
    <case>/model.onnx                 (+ model.onnx.data for the external-data case)
    <case>/<feedset>/<input>.npy      feedset "default" for op cases, "b1" and "b8" for networks

Checks run on every generated model unless --no-check: onnx.checker (full_check, i.e.
strict shape inference against the declared output shapes) and one onnxruntime run per
feed set whose float outputs must be finite. --cross-check additionally compares
onnxruntime with all graph optimisations against onnxruntime with none (and, for small
models, against onnx.reference) using the parity suite's error measure; it is how the
per-case tolerances below were calibrated.

Opsets: 17 by default; some cases at 13 (Clip inputs, Reduce* axes as attributes,
MobileNetV2), 14 (HardSwish), 18 (Reduce* axes as inputs), 20 (Gelu) and 21.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

DEFAULT_OPSET = 17
BATCH = "N"                     # dim_param of every network's batch dimension
NET_BATCHES = (1, 8)            # networks are tested and benchmarked at these batch sizes

# Parity bounds (see test_parity.py for the exact formula).
ATOL = 1e-4
RTOL = 1e-3

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min

_NP_TO_ONNX = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.int64): TensorProto.INT64,
    np.dtype(np.int32): TensorProto.INT32,
}


def sanitize(name: str) -> str:
    """The file-name rule of `kiln infer`: characters other than [A-Za-z0-9._-] become '_'."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    name: str
    kind: str                                   # "op", "net" or "invalid"
    model: onnx.ModelProto
    feeds: dict[str, dict[str, np.ndarray]]     # feed-set name -> {input name -> array}
    atol: float = ATOL
    rtol: float = RTOL
    tolerance_reason: str = ""                  # required when atol/rtol are looser
    external_data: bool = False
    unsupported_op: str = ""                    # "invalid" cases: the op Kiln must refuse
    unsupported_node: str = ""                  # ... and its node name
    removed_ops: tuple[str, ...] = ()           # ops the converter must remove (nets)
    macs_per_sample: int = 0                    # Conv/Gemm/MatMul/LSTM multiply-adds
    note: str = ""

    def manifest_entry(self, size_bytes: int) -> dict:
        return {
            "kind": self.kind,
            "opset": opset_of(self.model),
            "file": f"{self.name}/model.onnx",
            "size_bytes": size_bytes,
            "large": size_bytes > 20 * 1024 * 1024,
            "external_data": self.external_data,
            "feeds": {fs: {k: f"{self.name}/{fs}/{sanitize(k)}.npy" for k in d}
                      for fs, d in self.feeds.items()},
            "inputs": [io_spec(v) for v in self.model.graph.input],
            "outputs": [io_spec(v) for v in self.model.graph.output],
            "atol": self.atol,
            "rtol": self.rtol,
            "tolerance_reason": self.tolerance_reason,
            "unsupported_op": self.unsupported_op,
            "unsupported_node": self.unsupported_node,
            "removed_ops": list(self.removed_ops),
            "macs_per_sample": self.macs_per_sample,
            "conversion_changes": conversion_changes(self),
            "note": self.note,
        }


# Cases on which a conversion pass must change something (and `kiln convert` say so).
# Identity/Dropout removal, constant folding, BatchNormalization folded into a preceding
# Conv/Gemm, activation fusion (not when the Conv output is itself a graph output).
_PASS_OPS = {"Identity", "Dropout", "Constant"}
_PASS_CASES = {"constant_folding_chain", "dead_nodes", "shape_gather_reshape", "shape_cast_arith"}


def conversion_changes(case: "Case") -> bool:
    nodes = case.model.graph.node
    producer = {o: n.op_type for n in nodes for o in n.output}
    bn_after = any(n.op_type == "BatchNormalization" and producer.get(n.input[0]) in ("Conv", "Gemm")
                   for n in nodes)
    fused = case.name.startswith("fuse_") and case.name != "fuse_conv_relu_shared_output"
    return (bool({n.op_type for n in nodes} & _PASS_OPS) or bn_after or fused
            or case.name in _PASS_CASES)


def opset_of(model: onnx.ModelProto) -> int:
    return next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))


def io_spec(vi: onnx.ValueInfoProto) -> dict:
    """name, dtype (numpy name) and shape (-1 for a symbolic or unknown dimension)."""
    tt = vi.type.tensor_type
    dims = [d.dim_value if d.HasField("dim_value") else -1 for d in tt.shape.dim]
    return {"name": vi.name, "dtype": str(helper.tensor_dtype_to_np_dtype(tt.elem_type)),
            "shape": dims}


_REGISTRY: dict[str, tuple[str, Callable[[], Case]]] = {}


def register(name: str, kind: str = "op"):
    def deco(fn):
        assert name not in _REGISTRY, name
        _REGISTRY[name] = (kind, fn)
        return fn
    return deco


def case_names(kinds: tuple[str, ...] = ("op", "net", "invalid")) -> list[str]:
    return [n for n, (k, _) in _REGISTRY.items() if k in kinds]


def case_kind(name: str) -> str:
    return _REGISTRY[name][0]


def build_case(name: str) -> Case:
    kind, fn = _REGISTRY[name]
    case = fn()
    assert case.name == name and case.kind == kind, (name, case.name, case.kind)
    if (case.atol > ATOL or case.rtol > RTOL) and not case.tolerance_reason:
        raise AssertionError(f"{name}: a looser tolerance needs a stated reason")
    return case


# --------------------------------------------------------------------------- graph builder


class G:
    """A small graph builder: inputs with data, initializers, nodes, outputs."""

    def __init__(self, name: str, opset: int = DEFAULT_OPSET, kind: str = "op"):
        self.name = name
        self.opset = opset
        self.kind = kind
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.inputs: list[onnx.ValueInfoProto] = []
        self.outputs: list[tuple[str, int]] = []
        self.input_makers: list[tuple[str, Callable[[int | None], np.ndarray]]] = []
        self._n = 0

    # --- names
    def uid(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}_{self._n}"

    # --- random data
    def randn(self, *shape, scale: float = 1.0) -> np.ndarray:
        return (self.rng.standard_normal(shape) * scale).astype(np.float32)

    def uniform(self, low: float, high: float, *shape) -> np.ndarray:
        return self.rng.uniform(low, high, shape).astype(np.float32)

    def he(self, shape, fan_in: int) -> np.ndarray:
        return self.randn(*shape, scale=math.sqrt(2.0 / fan_in))

    # --- graph pieces
    def input(self, name: str, shape, dtype=np.float32, make=None) -> str:
        """A graph input. `shape` may contain BATCH; `make(batch)` returns the data for a
        given batch (batch None for op cases); default standard normal."""
        dt = np.dtype(dtype)
        self.inputs.append(helper.make_tensor_value_info(name, _NP_TO_ONNX[dt], list(shape)))

        def concrete(batch):
            return tuple(batch if d == BATCH else d for d in shape)

        if make is None:
            if dt == np.float32:
                def make(batch):
                    return self.randn(*concrete(batch))
            else:
                raise ValueError("integer inputs need a maker")
        self.input_makers.append((name, make))
        return name

    def init(self, array, name: str | None = None) -> str:
        name = name or self.uid("w")
        array = np.asarray(array)
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        self.inits.append(numpy_helper.from_array(array, name))
        return name

    def ints(self, values, name: str | None = None) -> str:
        return self.init(np.asarray(values, dtype=np.int64), name)

    def scalar(self, value: float, name: str | None = None) -> str:
        return self.init(np.array(value, dtype=np.float32), name)

    def op(self, op_type: str, inputs, n_out: int = 1, name: str | None = None,
           outputs=None, **attrs):
        name = name or self.uid(op_type.lower())
        if outputs is None:
            outputs = [f"{name}_out{i}" if n_out > 1 else f"{name}_out" for i in range(n_out)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(helper.make_node(op_type, list(inputs), list(outputs), name=name, **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    def output(self, name: str, dtype=np.float32):
        self.outputs.append((name, _NP_TO_ONNX[np.dtype(dtype)]))

    # --- finishing
    def model(self) -> onnx.ModelProto:
        outs = [helper.make_tensor_value_info(n, t, None) for n, t in self.outputs]
        graph = helper.make_graph(self.nodes, self.name, self.inputs, outs, self.inits)
        opsets = [helper.make_opsetid("", self.opset)]
        model = helper.make_model(graph, opset_imports=opsets, producer_name="kiln-tests",
                                  ir_version=helper.find_min_ir_version_for(opsets))
        return model

    def case(self, batches=None, **kw) -> Case:
        model = self.model()
        if self.kind == "net":
            batches = batches or NET_BATCHES
            feeds = {f"b{b}": {n: mk(b) for n, mk in self.input_makers} for b in batches}
        else:
            feeds = {"default": {n: mk(None) for n, mk in self.input_makers}}
        model = with_output_shapes(model, feeds, dynamic=self.kind == "net")
        case = Case(self.name, self.kind, model, feeds, **kw)
        if self.kind == "net":
            case.macs_per_sample = count_macs(model)
        return case


def _session(model_bytes_or_path, optimize: bool = True, threads: int = 1):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    so.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimize
                                   else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    return ort.InferenceSession(model_bytes_or_path, so, providers=["CPUExecutionProvider"])


def with_output_shapes(model: onnx.ModelProto, feeds, dynamic: bool) -> onnx.ModelProto:
    """Declares each graph output's shape from one onnxruntime run (batch dimension as
    BATCH for networks); onnx.checker's strict shape inference then confirms them."""
    sess = _session(model.SerializeToString(), optimize=False)
    fs = next(iter(feeds.values()))
    results = sess.run(None, fs)
    other_results = None
    if dynamic:
        # networks are generated with at least two batch sizes, so a batch-sized dim is
        # told apart from a coincidentally equal static one by comparing two runs
        other = list(feeds.values())[1] if len(feeds) > 1 else None
        other_results = sess.run(None, other) if other else None
    for i, vi in enumerate(model.graph.output):
        shape = list(results[i].shape)
        if dynamic and other_results is not None:
            shape = [BATCH if a != b else a for a, b in zip(results[i].shape, other_results[i].shape)]
        new = helper.make_tensor_value_info(vi.name, vi.type.tensor_type.elem_type, shape)
        vi.CopyFrom(new)
    return model


# --------------------------------------------------------------------------- MAC counting


def count_macs(model: onnx.ModelProto) -> int:
    """Multiply-accumulates per sample of Conv, Gemm, MatMul, LSTM and GRU (batch 1)."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for vi in list(m.graph.input) + list(m.graph.output):
        for d in vi.type.tensor_type.shape.dim:
            if d.HasField("dim_param"):
                d.Clear()
                d.dim_value = 1
    m = onnx.shape_inference.infer_shapes(m, strict_mode=True)
    shapes = {}
    for vi in list(m.graph.input) + list(m.graph.value_info) + list(m.graph.output):
        shapes[vi.name] = [d.dim_value for d in vi.type.tensor_type.shape.dim]
    for t in m.graph.initializer:
        shapes[t.name] = list(t.dims)
    macs = 0
    for n in m.graph.node:
        if n.op_type == "Conv":
            w = shapes[n.input[1]]
            macs += int(np.prod(shapes[n.output[0]])) * int(np.prod(w[1:]))
        elif n.op_type == "Gemm":
            a = shapes[n.input[0]]
            ta = next((at.i for at in n.attribute if at.name == "transA"), 0)
            k = a[0] if ta else a[1]
            macs += int(np.prod(shapes[n.output[0]])) * k
        elif n.op_type == "MatMul":
            a = shapes[n.input[0]]
            macs += int(np.prod(shapes[n.output[0]])) * a[-1]
        elif n.op_type in ("LSTM", "GRU"):
            x, w, r = shapes[n.input[0]], shapes[n.input[1]], shapes[n.input[2]]
            seq, batch = x[0], x[1]
            macs += seq * batch * w[0] * w[1] * (w[2] + r[2])
    return macs


# --------------------------------------------------------------------------- op cases
# Each registered function builds one case. Shapes are small; values are chosen so that
# every output is O(1)..O(10) and every op stays inside its domain.


def _unary(name, op, make=None, opset=DEFAULT_OPSET, shape=(2, 3, 4, 5), **attrs):
    @register(name)
    def build():
        g = G(name, opset)
        g.input("x", shape, make=make)
        g.op(op, ["x"], outputs=["y"], **attrs)
        g.output("y")
        return g.case()


def _unary_range(name, op, low, high, opset=DEFAULT_OPSET, shape=(2, 3, 4, 5), **attrs):
    @register(name)
    def build():
        g = G(name, opset)
        g.input("x", shape, make=lambda b: g.uniform(low, high, *shape))
        g.op(op, ["x"], outputs=["y"], **attrs)
        g.output("y")
        return g.case()


# ---- Gemm

def _gemm(name, a_shape, b_shape, c_shape, b_is_input=False, opset=DEFAULT_OPSET, **attrs):
    @register(name)
    def build():
        g = G(name, opset)
        g.input("a", a_shape)
        if b_is_input:
            b = g.input("b", b_shape)
        else:
            b = g.init(g.randn(*b_shape, scale=0.5))
        ins = ["a", b]
        if c_shape is not None:
            ins.append(g.init(g.randn(*c_shape)))
        g.op("Gemm", ins, outputs=["y"], **attrs)
        g.output("y")
        return g.case()


_gemm("gemm_basic", (4, 8), (8, 6), (6,))
_gemm("gemm_transB_bias_row", (5, 8), (6, 8), (1, 6), transB=1)
_gemm("gemm_transA_transB_alpha_beta", (8, 4), (6, 8), (4, 6), transA=1, transB=1,
      alpha=0.5, beta=2.0)
_gemm("gemm_transA_bias_col", (8, 5), (8, 6), (5, 1), transA=1, beta=0.25)
_gemm("gemm_bias_scalar", (3, 8), (8, 6), (1,), alpha=1.5, opset=13)
_gemm("gemm_no_bias", (4, 16), (6, 16), None, transB=1, opset=21)
_gemm("gemm_b_is_input", (4, 8), (8, 5), (5,), b_is_input=True)


# ---- MatMul

def _matmul(name, a_shape, b_shape, b_is_input=True, opset=DEFAULT_OPSET):
    @register(name)
    def build():
        g = G(name, opset)
        g.input("a", a_shape)
        b = g.input("b", b_shape) if b_is_input else g.init(g.randn(*b_shape, scale=0.5))
        g.op("MatMul", ["a", b], outputs=["y"])
        g.output("y")
        return g.case()


_matmul("matmul_2d", (5, 7), (7, 3), b_is_input=False)
_matmul("matmul_2d_inputs", (6, 9), (9, 4))
_matmul("matmul_batched", (2, 3, 5, 7), (2, 3, 7, 4))
_matmul("matmul_broadcast", (2, 1, 5, 7), (3, 7, 4))
_matmul("matmul_3d_by_2d_weight", (4, 5, 7), (7, 6), b_is_input=False)
_matmul("matmul_2d_by_3d", (5, 7), (3, 7, 2), opset=13)
_matmul("matmul_vector_rhs", (2, 5, 7), (7,))
_matmul("matmul_vector_lhs", (7,), (3, 7, 4), opset=21)


# ---- Conv

def _conv(name, x_shape, w_shape, bias=True, opset=DEFAULT_OPSET, **attrs):
    @register(name)
    def build():
        g = G(name, opset)
        g.input("x", x_shape)
        fan_in = int(np.prod(w_shape[1:]))
        ins = ["x", g.init(g.he(w_shape, fan_in))]
        if bias:
            ins.append(g.init(g.randn(w_shape[0], scale=0.1)))
        g.op("Conv", ins, outputs=["y"], **attrs)
        g.output("y")
        return g.case()


_conv("conv_basic", (2, 3, 9, 9), (4, 3, 3, 3), pads=[1, 1, 1, 1])
_conv("conv_no_bias_no_pad", (1, 4, 8, 8), (6, 4, 3, 3), bias=False)
_conv("conv_stride2_asym_pads", (2, 3, 11, 10), (5, 3, 3, 3), strides=[2, 2], pads=[0, 1, 1, 2])
_conv("conv_rect_kernel_strides", (1, 4, 12, 13), (6, 4, 3, 5), strides=[1, 2], pads=[1, 2, 1, 2])
_conv("conv_groups2", (1, 8, 10, 10), (12, 4, 3, 3), group=2, pads=[1, 1, 1, 1])
_conv("conv_groups4_stride2", (2, 16, 9, 9), (8, 4, 3, 3), group=4, strides=[2, 2])
_conv("conv_depthwise", (2, 16, 11, 11), (16, 1, 3, 3), group=16, pads=[1, 1, 1, 1])
_conv("conv_depthwise_stride2", (1, 24, 14, 14), (24, 1, 3, 3), group=24, strides=[2, 2],
      pads=[1, 1, 1, 1])
_conv("conv_depthwise_5x5_no_bias", (2, 8, 12, 12), (8, 1, 5, 5), bias=False, group=8,
      pads=[2, 2, 2, 2])
_conv("conv_depthwise_multiplier2", (1, 6, 9, 9), (12, 1, 3, 3), group=6, pads=[1, 1, 1, 1])
_conv("conv_depthwise_asym_pads", (1, 8, 10, 9), (8, 1, 3, 3), group=8, strides=[2, 2],
      pads=[0, 0, 1, 1])
_conv("conv_auto_pad_same_upper", (1, 3, 10, 10), (4, 3, 3, 3), auto_pad="SAME_UPPER",
      strides=[2, 2])
_conv("conv_auto_pad_same_lower", (1, 3, 10, 10), (4, 3, 3, 3), auto_pad="SAME_LOWER",
      strides=[2, 2])
_conv("conv_auto_pad_same_upper_even_kernel", (1, 3, 11, 11), (4, 3, 4, 4), auto_pad="SAME_UPPER")
_conv("conv_auto_pad_same_lower_even_kernel", (1, 3, 11, 11), (4, 3, 4, 4), auto_pad="SAME_LOWER")
_conv("conv_auto_pad_valid", (2, 3, 10, 9), (4, 3, 3, 3), auto_pad="VALID", strides=[2, 1])
_conv("conv_depthwise_same_upper", (1, 8, 9, 9), (8, 1, 3, 3), group=8, auto_pad="SAME_UPPER",
      strides=[2, 2])
_conv("conv_dilations2", (1, 4, 12, 12), (5, 4, 3, 3), dilations=[2, 2], pads=[2, 2, 2, 2])
_conv("conv_dilations_rect", (1, 3, 13, 11), (4, 3, 3, 3), dilations=[3, 1], strides=[1, 2])
_conv("conv_1x1", (2, 16, 7, 7), (8, 16, 1, 1))
_conv("conv_1x1_stride2_no_bias", (2, 8, 9, 9), (16, 8, 1, 1), bias=False, strides=[2, 2])
_conv("conv_1x1_opset13", (1, 32, 5, 6), (24, 32, 1, 1), opset=13)
_conv("conv_7x7_stem", (1, 1, 32, 32), (8, 1, 7, 7), strides=[2, 2], pads=[3, 3, 3, 3], opset=21)


# ---- pooling

def _pool(name, op, x_shape, opset=DEFAULT_OPSET, **attrs):
    @register(name)
    def build():
        g = G(name, opset)
        g.input("x", x_shape)
        g.op(op, ["x"], outputs=["y"], **attrs)
        g.output("y")
        return g.case()


_pool("maxpool_2x2_s2", "MaxPool", (2, 3, 8, 8), kernel_shape=[2, 2], strides=[2, 2])
_pool("maxpool_3x3_s2_pad1", "MaxPool", (1, 4, 11, 11), kernel_shape=[3, 3], strides=[2, 2],
      pads=[1, 1, 1, 1])
_pool("maxpool_ceil_mode", "MaxPool", (1, 3, 10, 10), kernel_shape=[3, 3], strides=[2, 2],
      ceil_mode=1)
_pool("maxpool_asym_pads_rect", "MaxPool", (2, 2, 9, 7), kernel_shape=[2, 3], strides=[1, 2],
      pads=[1, 0, 0, 1], opset=13)
_pool("maxpool_same_upper", "MaxPool", (1, 3, 9, 9), kernel_shape=[3, 3], strides=[2, 2],
      auto_pad="SAME_UPPER")
_pool("avgpool_2x2_s2", "AveragePool", (2, 3, 8, 8), kernel_shape=[2, 2], strides=[2, 2])
_pool("avgpool_pads_exclude", "AveragePool", (1, 4, 7, 7), kernel_shape=[3, 3], strides=[1, 1],
      pads=[1, 1, 1, 1], count_include_pad=0)
_pool("avgpool_pads_include", "AveragePool", (1, 4, 7, 7), kernel_shape=[3, 3], strides=[1, 1],
      pads=[1, 1, 1, 1], count_include_pad=1)
_pool("avgpool_asym_pads_include", "AveragePool", (1, 2, 8, 9), kernel_shape=[3, 2],
      strides=[2, 2], pads=[0, 1, 2, 0], count_include_pad=1, opset=13)
_pool("avgpool_ceil_mode", "AveragePool", (1, 3, 10, 10), kernel_shape=[3, 3], strides=[2, 2],
      ceil_mode=1)
_pool("avgpool_ceil_mode_pads_exclude", "AveragePool", (1, 3, 11, 11), kernel_shape=[3, 3],
      strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1, count_include_pad=0)
# ceil_mode: the last window runs past the padded edge (onnxruntime and onnx.reference agree)
_pool("avgpool_ceil_mode_pads_include", "AveragePool", (1, 2, 10, 10), kernel_shape=[3, 3],
      strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1, count_include_pad=1)
_pool("avgpool_7x7_global_like", "AveragePool", (2, 8, 7, 7), kernel_shape=[7, 7], opset=21)
_pool("globalavgpool", "GlobalAveragePool", (2, 5, 7, 6))
_pool("globalavgpool_1x1", "GlobalAveragePool", (3, 4, 1, 1), opset=13)


# ---- BatchNormalization

def _bn_params(g: G, c: int):
    return [g.init(g.uniform(0.5, 1.5, c)), g.init(g.randn(c, scale=0.2)),
            g.init(g.randn(c, scale=0.3)), g.init(g.uniform(0.5, 2.0, c))]


def _bn(name, x_shape, epsilon=None, opset=DEFAULT_OPSET):
    @register(name)
    def build():
        g = G(name, opset)
        g.input("x", x_shape)
        g.op("BatchNormalization", ["x", *_bn_params(g, x_shape[1])], outputs=["y"],
             epsilon=epsilon)
        g.output("y")
        return g.case()


_bn("batchnorm_4d", (2, 5, 6, 6))
_bn("batchnorm_2d_eps", (4, 7), epsilon=1e-3)
_bn("batchnorm_3d", (2, 6, 9), opset=13)


# ---- activations

_unary("relu", "Relu")
_unary("relu_opset21", "Relu", opset=21, shape=(3, 7))
_unary("leakyrelu_default", "LeakyRelu")
_unary("leakyrelu_alpha", "LeakyRelu", alpha=0.2)
_unary("sigmoid", "Sigmoid")
_unary_range("sigmoid_wide", "Sigmoid", -20.0, 20.0)
_unary("tanh", "Tanh")
_unary_range("tanh_wide", "Tanh", -12.0, 12.0)
_unary_range("hardsigmoid_default", "HardSigmoid", -5.0, 5.0)
_unary_range("hardsigmoid_alpha_beta", "HardSigmoid", -5.0, 5.0, alpha=1.0 / 6.0, beta=0.4)
_unary_range("hardswish", "HardSwish", -5.0, 5.0, opset=14)
_unary_range("erf", "Erf", -3.0, 3.0)
_unary_range("gelu_none", "Gelu", -4.0, 4.0, opset=20)
_unary_range("gelu_tanh", "Gelu", -4.0, 4.0, opset=20, approximate="tanh")
_unary_range("gelu_opset21", "Gelu", -4.0, 4.0, opset=21, shape=(2, 6, 16))


@register("gelu_erf_decomposed")
def _gelu_erf_decomposed():
    # The pattern PyTorch exports below opset 20: x * 0.5 * (1 + erf(x / sqrt(2))).
    g = G("gelu_erf_decomposed")
    g.input("x", (2, 8, 32), make=lambda b: g.uniform(-4, 4, 2, 8, 32))
    d = g.op("Div", ["x", g.scalar(1.4142135381698608)])
    e = g.op("Erf", [d])
    a = g.op("Add", [e, g.scalar(1.0)])
    m = g.op("Mul", ["x", a])
    g.op("Mul", [m, g.scalar(0.5)], outputs=["y"])
    g.output("y")
    return g.case()


def _clip(name, lo, hi, opset=13, low=-10.0, high=10.0):
    @register(name)
    def build():
        g = G(name, opset)
        g.input("x", (2, 3, 4, 5), make=lambda b: g.uniform(low, high, 2, 3, 4, 5))
        ins = ["x", g.scalar(lo) if lo is not None else "", g.scalar(hi) if hi is not None else ""]
        while ins and ins[-1] == "":
            ins.pop()
        g.op("Clip", ins, outputs=["y"])
        g.output("y")
        return g.case()


_clip("clip_relu6", 0.0, 6.0)
_clip("clip_min_only", -1.0, None)
_clip("clip_max_only", None, 2.5, opset=17)
_clip("clip_range", -0.5, 0.5, opset=21, low=-2.0, high=2.0)


@register("clip_no_bounds")
def _clip_no_bounds():
    g = G("clip_no_bounds", 13)
    g.input("x", (3, 4))
    g.op("Clip", ["x"], outputs=["y"])
    g.output("y")
    return g.case()


# ---- Softmax / LogSoftmax

def _softmax(name, op, axis, opset=DEFAULT_OPSET, scale=1.0, shape=(2, 3, 4, 5)):
    @register(name)
    def build():
        g = G(name, opset)
        g.input("x", shape, make=lambda b: g.randn(*shape, scale=scale))
        g.op(op, ["x"], outputs=["y"], axis=axis)
        g.output("y")
        return g.case()


_softmax("softmax_axis_last", "Softmax", -1)
_softmax("softmax_axis1", "Softmax", 1)
_softmax("softmax_axis0", "Softmax", 0, opset=13)
_softmax("softmax_axis2", "Softmax", 2, opset=21)
_softmax("softmax_large_logits", "Softmax", -1, scale=60.0, shape=(4, 33))
_softmax("logsoftmax_axis_last", "LogSoftmax", -1)
_softmax("logsoftmax_axis1", "LogSoftmax", 1, opset=13)
_softmax("logsoftmax_large_logits", "LogSoftmax", -1, scale=40.0, shape=(3, 17))


@register("softmax_default_axis")
def _softmax_default_axis():
    g = G("softmax_default_axis", 13)
    g.input("x", (3, 4, 6))
    g.op("Softmax", ["x"], outputs=["y"])    # opset 13: default axis -1
    g.output("y")
    return g.case()


# ---- elementwise binary with broadcasting

def _binary(name, op, a_shape, b_shape, a_range=(-2.0, 2.0), b_range=(-2.0, 2.0),
            b_init=False, a_init=False, opset=DEFAULT_OPSET, b_sign_split=False):
    @register(name)
    def build():
        g = G(name, opset)

        def data(rng_range, shape):
            arr = g.uniform(*rng_range, *shape)
            if b_sign_split:   # magnitudes in rng_range with random signs (divisors)
                arr = arr * np.where(g.rng.random(shape) < 0.5, -1, 1).astype(np.float32)
            return arr

        a = g.init(g.uniform(*a_range, *a_shape)) if a_init else \
            g.input("a", a_shape, make=lambda b: g.uniform(*a_range, *a_shape))
        b = g.init(data(b_range, b_shape)) if b_init else \
            g.input("b", b_shape, make=lambda _: data(b_range, b_shape))
        g.op(op, [a, b], outputs=["y"])
        g.output("y")
        return g.case()


_binary("add_same_shape", "Add", (2, 3, 4, 5), (2, 3, 4, 5))
_binary("add_broadcast_last", "Add", (2, 3, 4, 5), (5,), b_init=True)
_binary("add_broadcast_both", "Add", (2, 1, 4, 1), (1, 3, 1, 5))
_binary("add_scalar", "Add", (3, 4), (), b_init=True, opset=13)
_binary("add_lhs_broadcast", "Add", (5,), (2, 3, 4, 5))
_binary("sub_channel", "Sub", (2, 3, 4, 5), (3, 1, 1), b_init=True)
_binary("sub_lhs_broadcast", "Sub", (1, 3, 1, 1), (2, 3, 4, 5), a_init=True, opset=21)
_binary("mul_broadcast_both", "Mul", (2, 1, 4, 1), (1, 3, 1, 5))
_binary("mul_scalar_lhs", "Mul", (), (4, 6), a_init=True)
_binary("div_broadcast", "Div", (2, 3, 4, 5), (1, 3, 4, 1), b_range=(0.5, 2.0), b_sign_split=True)
_binary("div_scalar", "Div", (3, 5), (), b_init=True, b_range=(3.0, 3.0))
_binary("pow_broadcast", "Pow", (2, 3, 4), (4,), a_range=(0.5, 2.0), b_range=(-2.0, 2.0))
_binary("pow_square", "Pow", (3, 7), (), b_init=True, b_range=(2.0, 2.0))
_binary("pow_sqrt", "Pow", (3, 7), (), a_range=(0.0, 4.0), b_init=True, b_range=(0.5, 0.5),
        opset=13)

_unary_range("sqrt", "Sqrt", 0.0, 9.0)
_unary("neg", "Neg")
_unary_range("exp", "Exp", -3.0, 2.0)
_unary_range("log", "Log", 0.05, 10.0)


# ---- shape manipulation

_unary("flatten_default", "Flatten")
_unary("flatten_axis0", "Flatten", axis=0)
_unary("flatten_axis3", "Flatten", axis=3, opset=13)
_unary("flatten_axis_neg", "Flatten", axis=-2, opset=21)
_unary("transpose_nhwc", "Transpose", perm=[0, 2, 3, 1])
_unary("transpose_mixed", "Transpose", perm=[3, 1, 0, 2], opset=13)
_unary("transpose_default_reverse", "Transpose", opset=21)
_unary("transpose_2d", "Transpose", shape=(7, 3), perm=[1, 0])


def _reshape(name, shape, x_shape=(2, 3, 4, 5), opset=DEFAULT_OPSET):
    @register(name)
    def build():
        g = G(name, opset)
        g.input("x", x_shape)
        g.op("Reshape", ["x", g.ints(shape)], outputs=["y"])
        g.output("y")
        return g.case()


_reshape("reshape_zero_minus1", [0, -1])
_reshape("reshape_zero_middle", [0, 2, -1, 5], opset=13)
_reshape("reshape_minus1_first", [-1, 5])
_reshape("reshape_explicit", [6, 20], opset=21)
_reshape("reshape_to_1d", [-1])
_reshape("reshape_zeros_keep", [0, 0, 20])


def _squeeze(name, op, x_shape, axes, opset=DEFAULT_OPSET):
    @register(name)
    def build():
        g = G(name, opset)
        g.input("x", x_shape)
        ins = ["x"] + ([g.ints(axes)] if axes is not None else [])
        g.op(op, ins, outputs=["y"])
        g.output("y")
        return g.case()


_squeeze("squeeze_axes", "Squeeze", (2, 1, 4, 1), [1, 3], opset=13)
_squeeze("squeeze_negative_axis", "Squeeze", (3, 1, 5, 1), [-1])
_squeeze("squeeze_all", "Squeeze", (1, 3, 1, 4), None, opset=21)
_squeeze("unsqueeze_axes", "Unsqueeze", (3, 4), [0, 3], opset=13)
_squeeze("unsqueeze_negative", "Unsqueeze", (3, 4), [-1])
_squeeze("unsqueeze_middle", "Unsqueeze", (2, 3, 4), [1, -2], opset=21)


def _concat(name, shapes, axis, init_index=None, opset=DEFAULT_OPSET):
    @register(name)
    def build():
        g = G(name, opset)
        ins = []
        for i, s in enumerate(shapes):
            ins.append(g.init(g.randn(*s)) if i == init_index else g.input(f"x{i}", s))
        g.op("Concat", ins, outputs=["y"], axis=axis)
        g.output("y")
        return g.case()


_concat("concat_axis1_with_init", [(2, 3, 4), (2, 5, 4), (2, 1, 4)], 1, init_index=1)
_concat("concat_axis_last", [(2, 3, 4), (2, 3, 2)], -1, opset=13)
_concat("concat_axis0", [(1, 6), (3, 6), (2, 6)], 0, opset=21)
_concat("concat_nchw_channels", [(2, 4, 5, 5), (2, 8, 5, 5)], 1)


def _slice(name, x_shape, starts, ends, axes=None, steps=None, opset=DEFAULT_OPSET):
    @register(name)
    def build():
        g = G(name, opset)
        g.input("x", x_shape)
        ins = ["x", g.ints(starts), g.ints(ends)]
        if axes is not None or steps is not None:
            ins.append(g.ints(axes) if axes is not None else "")
        if steps is not None:
            ins.append(g.ints(steps))
        g.op("Slice", ins, outputs=["y"])
        g.output("y")
        return g.case()


_slice("slice_basic", (6, 8, 10), [1, 2], [5, -1], axes=[0, 2])
_slice("slice_no_axes_clamped", (4, 5, 6), [1, -100], [100, 3], opset=13)
_slice("slice_steps", (6, 9, 10), [0, 1], [INT64_MAX, 9], axes=[-1, -2], steps=[2, 3])
_slice("slice_reverse", (3, 8, 4), [-1], [INT64_MIN], axes=[1], steps=[-1])
_slice("slice_negative_steps_range", (5, 12), [10, 4], [1, 0], axes=[1, 0], steps=[-3, -2],
       opset=21)
_slice("slice_last_step", (7, 2, 6), [-1], [INT64_MAX], axes=[0])


def _gather(name, data_shape, indices, axis=None, data_init=False, indices_input=None,
            opset=DEFAULT_OPSET):
    @register(name)
    def build():
        g = G(name, opset)
        data = g.init(g.randn(*data_shape)) if data_init else g.input("data", data_shape)
        if indices_input is not None:
            shape, low, high = indices_input
            idx = g.input("indices", shape, dtype=np.int64,
                          make=lambda b: g.rng.integers(low, high, shape, dtype=np.int64))
        else:
            idx = g.ints(indices)
        g.op("Gather", [data, idx], outputs=["y"], axis=axis)
        g.output("y")
        return g.case()


_gather("gather_embedding", (50, 16), None, data_init=True, indices_input=((4, 7), 0, 50))
_gather("gather_embedding_negative_indices", (30, 8), None, data_init=True,
        indices_input=((3, 5), -30, 30), opset=13)
_gather("gather_axis1_negative", (3, 8, 5), [[0, 7], [3, -1]], axis=1)
_gather("gather_axis_last", (2, 3, 6), [-1, 0, 2], axis=-1, opset=21)
_gather("gather_scalar_index", (5, 6), np.array(-2, dtype=np.int64), axis=0)
_gather("gather_scalar_index_axis1", (2, 7, 3), np.array(3, dtype=np.int64), axis=1)


@register("shape")
def _shape():
    g = G("shape")
    g.input("x", (2, 3, 5, 7))
    g.op("Shape", ["x"], outputs=["y"])
    g.output("y", np.int64)
    return g.case()


@register("shape_start_end")
def _shape_start_end():
    g = G("shape_start_end", 21)
    g.input("x", (2, 3, 5, 7))
    g.op("Shape", ["x"], outputs=["y"], start=1, end=-1)
    g.output("y", np.int64)
    return g.case()


@register("shape_gather_reshape")
def _shape_gather_reshape():
    # The exporter idiom x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
    g = G("shape_gather_reshape")
    g.input("x", (3, 4, 2, 5))
    s = g.op("Shape", ["x"])
    b = g.op("Gather", [s, g.ints(np.array(0, dtype=np.int64))], axis=0)
    u = g.op("Unsqueeze", [b, g.ints([0])])
    c = g.op("Concat", [u, g.ints([-1])], axis=0)
    g.op("Reshape", ["x", c], outputs=["y"])
    g.output("y")
    return g.case()


@register("shape_cast_arith")
def _shape_cast_arith():
    # x / float(x.shape[-1]) computed from Shape -> Slice -> Cast -> Div
    g = G("shape_cast_arith")
    g.input("x", (2, 3, 8))
    s = g.op("Shape", ["x"])
    last = g.op("Slice", [s, g.ints([-1]), g.ints([INT64_MAX])])
    f = g.op("Cast", [last], to=TensorProto.FLOAT)
    g.op("Div", ["x", f], outputs=["y"])
    g.output("y")
    return g.case()


def _cast(name, in_dtype, to, out_dtype, opset=DEFAULT_OPSET):
    @register(name)
    def build():
        g = G(name, opset)
        if in_dtype == np.float32:
            g.input("x", (3, 4, 5), make=lambda b: g.uniform(-20.0, 20.0, 3, 4, 5))
        else:
            g.input("x", (3, 4, 5), dtype=in_dtype,
                    make=lambda b: g.rng.integers(-1000, 1000, (3, 4, 5)).astype(in_dtype))
        g.op("Cast", ["x"], outputs=["y"], to=to)
        g.output("y", out_dtype)
        return g.case()


_cast("cast_float_to_int64", np.float32, TensorProto.INT64, np.int64)
_cast("cast_float_to_int32", np.float32, TensorProto.INT32, np.int32, opset=13)
_cast("cast_int64_to_float", np.int64, TensorProto.FLOAT, np.float32, opset=21)
_cast("cast_int32_to_float", np.int32, TensorProto.FLOAT, np.float32)
_cast("cast_int64_to_int32", np.int64, TensorProto.INT32, np.int32)
_cast("cast_float_to_float", np.float32, TensorProto.FLOAT, np.float32)


# ---- reductions

def _reduce(name, op, x_shape, axes, keepdims, opset, axes_as_input):
    @register(name)
    def build():
        g = G(name, opset)
        g.input("x", x_shape)
        ins, attrs = ["x"], {"keepdims": keepdims}
        if axes is not None:
            if axes_as_input:
                ins.append(g.ints(axes))
            else:
                attrs["axes"] = axes
        g.op(op, ins, outputs=["y"], **attrs)
        g.output("y")
        return g.case()


X4 = (2, 3, 4, 5)
# ReduceMean / ReduceMax: axes attribute up to opset 17, input from 18.
_reduce("reducemean_attr_keepdims", "ReduceMean", X4, [1], 1, 13, False)
_reduce("reducemean_attr_hw_nokeep", "ReduceMean", X4, [2, 3], 0, 13, False)
_reduce("reducemean_attr_negative", "ReduceMean", X4, [-1], 1, 17, False)
_reduce("reducemean_input_nokeep", "ReduceMean", X4, [-1, 1], 0, 18, True)
_reduce("reducemean_all_nokeep", "ReduceMean", X4, None, 0, 18, True)
_reduce("reducemax_attr_nokeep", "ReduceMax", X4, [1], 0, 13, False)
_reduce("reducemax_attr_all_keep", "ReduceMax", X4, None, 1, 17, False)
_reduce("reducemax_input_keep", "ReduceMax", X4, [-1], 1, 18, True)
_reduce("reducemax_input_nokeep", "ReduceMax", X4, [0, 2], 0, 21, True)
# ReduceSum takes axes as an input from opset 13.
_reduce("reducesum_input_keep", "ReduceSum", X4, [1], 1, 13, True)
_reduce("reducesum_input_nokeep", "ReduceSum", X4, [2, -1], 0, 17, True)
_reduce("reducesum_all_nokeep", "ReduceSum", X4, None, 0, 13, True)


# ---- LayerNormalization

def _layernorm(name, x_shape, axis, bias=True, epsilon=None, opset=DEFAULT_OPSET):
    @register(name)
    def build():
        g = G(name, opset)
        g.input("x", x_shape, make=lambda b: g.randn(*x_shape, scale=2.0) + 0.5)
        norm_shape = x_shape[axis:]
        ins = ["x", g.init(g.uniform(0.5, 1.5, *norm_shape))]
        if bias:
            ins.append(g.init(g.randn(*norm_shape, scale=0.2)))
        g.op("LayerNormalization", ins, outputs=["y"], axis=axis, epsilon=epsilon)
        g.output("y")
        return g.case()


_layernorm("layernorm_last", (2, 5, 16), -1)
_layernorm("layernorm_last_two", (2, 3, 4, 6), -2, epsilon=1e-3)
_layernorm("layernorm_no_bias", (4, 32), 1, bias=False, opset=21)


# ---- LSTM / GRU

def _rnn(name, op, direction, hidden=6, seq=5, batch=3, inp=4, bias=True, init_states=None,
         outputs=("Y", "Y_h", "Y_c"), opset=DEFAULT_OPSET, **attrs):
    """init_states: None, "input" (graph inputs) or "init" (initializers)."""
    @register(name)
    def build():
        g = G(name, opset)
        gates = 4 if op == "LSTM" else 3
        dirs = 2 if direction == "bidirectional" else 1
        scale = 1.0 / math.sqrt(hidden)
        g.input("X", (seq, batch, inp))
        ins = ["X", g.init(g.uniform(-scale, scale, dirs, gates * hidden, inp)),
               g.init(g.uniform(-scale, scale, dirs, gates * hidden, hidden))]
        ins.append(g.init(g.uniform(-scale, scale, dirs, 2 * gates * hidden)) if bias else "")
        ins.append("")                                   # sequence_lens
        n_states = 2 if op == "LSTM" else 1
        for s in ("initial_h", "initial_c")[:n_states]:
            shape = (dirs, batch, hidden)
            if init_states == "input":
                ins.append(g.input(s, shape, make=lambda b, _s=shape: g.randn(*_s, scale=0.5)))
            elif init_states == "init":
                ins.append(g.init(g.randn(*shape, scale=0.5)))
            else:
                ins.append("")
        while ins[-1] == "":
            ins.pop()
        outs = [o if o in outputs else "" for o in ("Y", "Y_h", "Y_c")[:n_states + 1]]
        while outs[-1] == "":
            outs.pop()
        g.op(op, ins, outputs=outs, hidden_size=hidden, direction=direction, **attrs)
        for o in outs:
            if o:
                g.output(o)
        return g.case()


_rnn("lstm_forward", "LSTM", "forward")
_rnn("lstm_reverse_initial_states", "LSTM", "reverse", init_states="input")
_rnn("lstm_bidirectional", "LSTM", "bidirectional", hidden=5)
_rnn("lstm_bidirectional_initial_states", "LSTM", "bidirectional", init_states="init", opset=13)
_rnn("lstm_no_bias_y_only", "LSTM", "forward", bias=False, outputs=("Y",), opset=21)
_rnn("lstm_states_only", "LSTM", "forward", outputs=("Y_h", "Y_c"), init_states="input",
     seq=7, batch=2, inp=3, hidden=8)
_rnn("gru_forward_lbr0", "GRU", "forward", outputs=("Y", "Y_h"))
_rnn("gru_forward_lbr1", "GRU", "forward", outputs=("Y", "Y_h"), linear_before_reset=1)
_rnn("gru_reverse_initial_h", "GRU", "reverse", outputs=("Y", "Y_h"), init_states="input",
     linear_before_reset=1)
_rnn("gru_bidirectional_lbr0", "GRU", "bidirectional", outputs=("Y", "Y_h"), init_states="init",
     opset=13)
_rnn("gru_bidirectional_lbr1", "GRU", "bidirectional", outputs=("Y", "Y_h"),
     linear_before_reset=1, hidden=7, opset=21)
_rnn("gru_no_bias_yh_only", "GRU", "forward", bias=False, outputs=("Y_h",))


# ---- TopK

def _topk(name, x_shape, k, axis=None, largest=None, opset=DEFAULT_OPSET):
    @register(name)
    def build():
        g = G(name, opset)
        # a permutation of distinct values so that the indices are unambiguous
        n = int(np.prod(x_shape))
        g.input("x", x_shape,
                make=lambda b: (g.rng.permutation(n).reshape(x_shape) * 0.37 - n * 0.1)
                .astype(np.float32))
        g.op("TopK", ["x", g.ints([k])], outputs=["values", "indices"], axis=axis, largest=largest)
        g.output("values")
        g.output("indices", np.int64)
        return g.case()


_topk("topk_largest_last", (3, 10), 4)
_topk("topk_smallest_axis1", (4, 6, 5), 3, axis=1, largest=0)
_topk("topk_axis0_k_all", (5, 3), 5, axis=0, opset=13)
_topk("topk_k1_negative_axis", (2, 3, 9), 1, axis=-1, opset=21)


# ---- Identity, Dropout, Constant, folding, fusion

@register("identity_dropout_chain")
def _identity_dropout_chain():
    g = G("identity_dropout_chain", 13)
    g.input("x", (2, 3, 4))
    i = g.op("Identity", ["x"])
    r = g.op("Relu", [i])
    d = g.op("Dropout", [r])
    d2 = g.op("Dropout", [d, g.scalar(0.5)])               # ratio input, inference mode
    g.op("Add", [d2, g.op("Identity", [g.init(g.randn(4))])], outputs=["y"])
    g.output("y")
    return g.case()


@register("identity_graph_outputs")
def _identity_graph_outputs():
    # Removing Identity must keep both graph outputs and their names (one of them is the
    # Identity's own output) and an output that is a graph input passed through.
    g = G("identity_graph_outputs")
    g.input("x", (3, 5))
    g.op("Relu", ["x"], outputs=["relu_out"])
    g.op("Identity", ["relu_out"], outputs=["y"])
    g.op("Identity", ["x"], outputs=["x_copy"])
    g.output("relu_out")
    g.output("y")
    g.output("x_copy")
    return g.case()


@register("dropout_opset21")
def _dropout_opset21():
    g = G("dropout_opset21", 21)
    g.input("x", (4, 6))
    d = g.op("Dropout", ["x", g.scalar(0.3)])
    g.op("Sigmoid", [d], outputs=["y"])
    g.output("y")
    return g.case()


@register("constant_node")
def _constant_node():
    g = G("constant_node")
    g.input("x", (2, 4))
    c = g.op("Constant", [], value=numpy_helper.from_array(g.randn(4), "c"))
    s = g.op("Constant", [], value=numpy_helper.from_array(np.array([4, 2], np.int64), "s"))
    m = g.op("Mul", ["x", c])
    g.op("Reshape", [m, s], outputs=["y"])
    g.output("y")
    return g.case()


@register("constant_folding_chain")
def _constant_folding_chain():
    # A weight that is only computable at conversion: W = Transpose(W0) * 2, b = b0 + b1.
    g = G("constant_folding_chain")
    g.input("x", (3, 8))
    wt = g.op("Transpose", [g.init(g.randn(6, 8, scale=0.3))], perm=[1, 0])
    w = g.op("Mul", [wt, g.scalar(2.0)])
    b = g.op("Add", [g.init(g.randn(6)), g.init(g.randn(6))])
    mm = g.op("MatMul", ["x", w])
    g.op("Add", [mm, b], outputs=["y"])
    g.output("y")
    return g.case()


@register("dead_nodes")
def _dead_nodes():
    g = G("dead_nodes")
    g.input("x", (2, 6))
    g.op("Exp", [g.op("Relu", ["x"])])                      # result never used
    g.op("Tanh", ["x"], outputs=["y"])
    g.output("y")
    return g.case()


@register("output_name_sanitized")
def _output_name_sanitized():
    # `kiln infer` writes "probs/softmax:0" as probs_softmax_0.npy.
    g = G("output_name_sanitized")
    g.input("input:0", (2, 5))
    g.op("Softmax", ["input:0"], outputs=["probs/softmax:0"], axis=-1)
    g.output("probs/softmax:0")
    return g.case()


@register("external_data")
def _external_data():
    # Initializers stored in model.onnx.data beside the model.
    g = G("external_data")
    g.input("x", (3, 32))
    h = g.op("Gemm", ["x", g.init(g.he((64, 32), 32)), g.init(g.randn(64, scale=0.1))], transB=1)
    r = g.op("Relu", [h])
    g.op("Gemm", [r, g.init(g.he((10, 64), 64)), g.init(g.randn(10, scale=0.1))],
         outputs=["y"], transB=1)
    g.output("y")
    return g.case(external_data=True)


def _fused(name, act, act_attrs=None, bn=False, pre="conv", opset=DEFAULT_OPSET,
           conv_is_output=False):
    """Conv or Gemm (optionally + BatchNormalization) + activation: the fusion passes."""
    @register(name)
    def build():
        g = G(name, opset)
        if pre == "conv":
            g.input("x", (2, 6, 9, 9))
            h = g.op("Conv", ["x", g.init(g.he((8, 6, 3, 3), 54)), g.init(g.randn(8, scale=0.1))],
                     pads=[1, 1, 1, 1], outputs=["conv_out"] if conv_is_output else None)
            c = 8
        else:
            g.input("x", (4, 12))
            h = g.op("Gemm", ["x", g.init(g.he((10, 12), 12)), g.init(g.randn(10, scale=0.1))],
                     transB=1)
            c = 10
        if bn:
            h = g.op("BatchNormalization", [h, *_bn_params(g, c)])
        if act == "Clip":
            g.op("Clip", [h, g.scalar(0.0), g.scalar(6.0)], outputs=["y"])
        else:
            g.op(act, [h], outputs=["y"], **(act_attrs or {}))
        if conv_is_output:
            g.output("conv_out")
        g.output("y")
        return g.case()


_fused("fuse_conv_relu", "Relu")
_fused("fuse_conv_bn_relu", "Relu", bn=True)
_fused("fuse_conv_bn_relu6", "Clip", bn=True, opset=13)
_fused("fuse_conv_leakyrelu", "LeakyRelu", {"alpha": 0.1})
_fused("fuse_conv_sigmoid", "Sigmoid")
_fused("fuse_conv_tanh", "Tanh")
_fused("fuse_conv_hardsigmoid", "HardSigmoid", {"alpha": 0.25, "beta": 0.45})
_fused("fuse_conv_hardswish", "HardSwish", bn=True, opset=14)
_fused("fuse_conv_relu_shared_output", "Relu", conv_is_output=True)
_fused("fuse_gemm_relu", "Relu", pre="gemm")
_fused("fuse_gemm_bn_relu", "Relu", bn=True, pre="gemm")
_fused("fuse_gemm_sigmoid", "Sigmoid", pre="gemm", opset=21)


# --------------------------------------------------------------------------- invalid cases

@register("unsupported_det", kind="invalid")
def _unsupported_det():
    g = G("unsupported_det", kind="invalid")
    g.input("x", (2, 3, 3))
    r = g.op("Relu", ["x"], name="relu_before")
    g.op("Det", [r], name="det_node_7", outputs=["y"])
    g.output("y")
    return g.case(unsupported_op="Det", unsupported_node="det_node_7")


@register("unsupported_nms", kind="invalid")
def _unsupported_nms():
    g = G("unsupported_nms", kind="invalid")
    boxes = g.rng.uniform(0, 1, (1, 6, 4)).astype(np.float32)
    boxes[..., 2:] += boxes[..., :2]
    g.input("boxes", (1, 6, 4), make=lambda b: boxes)
    g.input("scores", (1, 2, 6), make=lambda b: g.uniform(0, 1, 1, 2, 6))
    g.op("NonMaxSuppression", ["boxes", "scores", g.ints([3]), g.scalar(0.5), g.scalar(0.1)],
         name="nms/NonMaxSuppression_0", outputs=["selected"])
    g.output("selected", np.int64)
    return g.case(unsupported_op="NonMaxSuppression", unsupported_node="nms/NonMaxSuppression_0")


# --------------------------------------------------------------------------- networks


def _conv_bn(g: G, x: str, cin: int, cout: int, k: int, stride: int = 1, group: int = 1,
             act: str | None = "relu", prefix: str = "") -> str:
    """Conv (no bias) -> BatchNormalization -> activation, as PyTorch exports in eval mode
    without folding. act: None, "relu" or "relu6" (Clip with shared min/max initializers)."""
    fan_in = (cin // group) * k * k
    w = g.init(g.he((cout, cin // group, k, k), fan_in), f"{prefix}.conv.weight")
    h = g.op("Conv", [x, w], name=f"{prefix}/Conv", kernel_shape=[k, k], strides=[stride, stride],
             pads=[k // 2] * 4, group=group)
    bn = [g.init(g.uniform(0.7, 1.1, cout), f"{prefix}.bn.weight"),
          g.init(g.randn(cout, scale=0.1), f"{prefix}.bn.bias"),
          g.init(g.randn(cout, scale=0.1), f"{prefix}.bn.running_mean"),
          g.init(g.uniform(0.8, 1.5, cout), f"{prefix}.bn.running_var")]
    h = g.op("BatchNormalization", [h, *bn], name=f"{prefix}/BatchNormalization", epsilon=1e-5)
    if act == "relu":
        h = g.op("Relu", [h], name=f"{prefix}/Relu")
    elif act == "relu6":
        h = g.op("Clip", [h, "relu6.min", "relu6.max"], name=f"{prefix}/Clip")
    return h


def _make_divisible(v: float, divisor: int = 8) -> int:
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


@register("mobilenetv2_x0.5", kind="net")
def _mobilenetv2():
    """MobileNetV2 with width multiplier 0.5 at 3x224x224, 1000 classes: stem conv, 17
    inverted residual blocks (1x1 expand, 3x3 depthwise, 1x1 project; ReLU6 as Clip),
    1x1 conv to 1280, GlobalAveragePool, Flatten, Dropout, Gemm."""
    g = G("mobilenetv2_x0.5", 13, kind="net")
    g.init(np.array(0.0, np.float32), "relu6.min")
    g.init(np.array(6.0, np.float32), "relu6.max")
    x = g.input("input", (BATCH, 3, 224, 224))
    width = 0.5
    cin = _make_divisible(32 * width)
    h = _conv_bn(g, x, 3, cin, 3, stride=2, act="relu6", prefix="features.0")
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    idx = 1
    for t, c, n, s in settings:
        cout = _make_divisible(c * width)
        for i in range(n):
            stride = s if i == 0 else 1
            p = f"features.{idx}"
            hidden = cin * t
            y = h
            if t != 1:
                y = _conv_bn(g, y, cin, hidden, 1, act="relu6", prefix=f"{p}.expand")
            y = _conv_bn(g, y, hidden, hidden, 3, stride=stride, group=hidden, act="relu6",
                         prefix=f"{p}.dw")
            y = _conv_bn(g, y, hidden, cout, 1, act=None, prefix=f"{p}.project")
            if stride == 1 and cin == cout:
                y = g.op("Add", [h, y], name=f"{p}/Add")
            h, cin = y, cout
            idx += 1
    last = 1280                                   # torchvision keeps 1280 for width < 1
    h = _conv_bn(g, h, cin, last, 1, act="relu6", prefix=f"features.{idx}")
    h = g.op("GlobalAveragePool", [h], name="pool")
    h = g.op("Flatten", [h], name="flatten", axis=1)
    h = g.op("Dropout", [h], name="classifier.0/Dropout")
    g.op("Gemm", [h, g.init(g.randn(1000, last, scale=0.01), "classifier.1.weight"),
                  g.init(np.zeros(1000, np.float32), "classifier.1.bias")],
         name="classifier.1/Gemm", outputs=["logits"], transB=1)
    g.output("logits")
    return g.case(removed_ops=("BatchNormalization", "Dropout"))


@register("resnet18_gray", kind="net")
def _resnet18():
    """ResNet-18 (BasicBlocks [2, 2, 2, 2]) on grayscale 1x224x224, 1000 classes; about
    11.2 M parameters (a ~45 MB .onnx file: the only case above 20 MB)."""
    g = G("resnet18_gray", 17, kind="net")
    x = g.input("image", (BATCH, 1, 224, 224))
    h = _conv_bn(g, x, 1, 64, 7, stride=2, act="relu", prefix="conv1")
    h = g.op("MaxPool", [h], name="maxpool", kernel_shape=[3, 3], strides=[2, 2],
             pads=[1, 1, 1, 1])
    cin = 64
    for li, cout in enumerate([64, 128, 256, 512], start=1):
        for bi in range(2):
            p = f"layer{li}.{bi}"
            stride = 2 if (bi == 0 and li > 1) else 1
            y = _conv_bn(g, h, cin, cout, 3, stride=stride, act="relu", prefix=f"{p}.conv1")
            y = _conv_bn(g, y, cout, cout, 3, act=None, prefix=f"{p}.conv2")
            # residual scaled down so that activations stay O(1) through 8 blocks
            y = g.op("Mul", [y, g.scalar(0.5, f"{p}.branch_scale")], name=f"{p}/Mul")
            short = h
            if stride != 1 or cin != cout:
                short = _conv_bn(g, h, cin, cout, 1, stride=stride, act=None,
                                 prefix=f"{p}.downsample")
            h = g.op("Relu", [g.op("Add", [short, y], name=f"{p}/Add")], name=f"{p}/Relu")
            cin = cout
    h = g.op("GlobalAveragePool", [h], name="avgpool")
    h = g.op("Flatten", [h], name="flatten", axis=1)
    g.op("Gemm", [h, g.init(g.randn(1000, 512, scale=1 / math.sqrt(512)), "fc.weight"),
                  g.init(g.randn(1000, scale=0.01), "fc.bias")],
         name="fc/Gemm", outputs=["logits"], transB=1)
    g.output("logits")
    return g.case(removed_ops=("BatchNormalization",),
                  note="~45 MB .onnx (11.2 M parameters)")


@register("mlp", kind="net")
def _mlp():
    """Tabular MLP (fraud-scoring style): 256 features -> 512 -> 512 -> 10 classes with
    Gemm + Relu, a BatchNormalization after the second Gemm (folded), Dropout, Softmax."""
    g = G("mlp", 21, kind="net")
    x = g.input("features", (BATCH, 256))
    h = g.op("Gemm", [x, g.init(g.he((512, 256), 256), "fc1.weight"),
                      g.init(g.randn(512, scale=0.05), "fc1.bias")], name="fc1/Gemm", transB=1)
    h = g.op("Relu", [h], name="fc1/Relu")
    h = g.op("Gemm", [h, g.init(g.he((512, 512), 512), "fc2.weight"),
                      g.init(g.randn(512, scale=0.05), "fc2.bias")], name="fc2/Gemm", transB=1)
    h = g.op("BatchNormalization", [h, g.init(g.uniform(0.7, 1.1, 512), "bn2.weight"),
                                    g.init(g.randn(512, scale=0.1), "bn2.bias"),
                                    g.init(g.randn(512, scale=0.1), "bn2.running_mean"),
                                    g.init(g.uniform(0.8, 1.5, 512), "bn2.running_var")],
             name="bn2/BatchNormalization")
    h = g.op("Relu", [h], name="fc2/Relu")
    h = g.op("Dropout", [h], name="dropout")
    h = g.op("Gemm", [h, g.init(g.randn(10, 512, scale=0.05), "fc3.weight"),
                      g.init(g.randn(10, scale=0.05), "fc3.bias")], name="fc3/Gemm", transB=1)
    g.op("Softmax", [h], name="softmax", outputs=["probabilities"], axis=-1)
    g.output("probabilities")
    return g.case(removed_ops=("BatchNormalization", "Dropout"))


@register("lstm_classifier", kind="net")
def _lstm_classifier():
    """Sequence classifier: token ids [N, 32] -> Gather(embedding 1000x64) -> Transpose to
    [32, N, 64] -> LSTM(128) -> last time step (Slice + Squeeze) -> Gemm(5) -> Softmax."""
    g = G("lstm_classifier", 17, kind="net")
    vocab, emb, hidden, seq, classes = 1000, 64, 128, 32, 5
    g.input("tokens", (BATCH, seq), dtype=np.int64,
            make=lambda b: g.rng.integers(0, vocab, (b, seq), dtype=np.int64))
    e = g.op("Gather", [g.init(g.randn(vocab, emb), "embedding.weight"), "tokens"],
             name="embedding/Gather", axis=0)
    t = g.op("Transpose", [e], name="to_time_major", perm=[1, 0, 2])
    s = 1.0 / math.sqrt(hidden)
    y, _, _ = g.op("LSTM", [t, g.init(g.uniform(-s, s, 1, 4 * hidden, emb), "lstm.W"),
                            g.init(g.uniform(-s, s, 1, 4 * hidden, hidden), "lstm.R"),
                            g.init(g.uniform(-s, s, 1, 8 * hidden), "lstm.B")],
                   name="lstm/LSTM", n_out=3, hidden_size=hidden)
    last = g.op("Slice", [y, g.ints([-1]), g.ints([INT64_MAX]), g.ints([0])], name="last_step")
    last = g.op("Squeeze", [last, g.ints([0, 1])], name="squeeze")
    h = g.op("Gemm", [last, g.init(g.randn(classes, hidden, scale=0.3), "head.weight"),
                      g.init(g.randn(classes, scale=0.1), "head.bias")], name="head/Gemm",
             transB=1)
    g.op("Softmax", [h], name="softmax", outputs=["probabilities"], axis=1)
    g.output("probabilities")
    return g.case()


@register("transformer_block", kind="net")
def _transformer_block():
    """One post-LN Transformer encoder block, as PyTorch exports it: x [N, 32, 128];
    multi-head attention with 4 heads (MatMul + Add projections, Reshape [0, 0, 4, 32],
    Transpose, scaled QK^T, Softmax, MatMul V, Transpose back, Reshape [0, 0, 128]),
    residual Add, LayerNormalization, feed-forward 128 -> 512 -> 128 with Gelu (opset 20
    operator), residual Add, LayerNormalization."""
    g = G("transformer_block", 21, kind="net")
    seq, d, heads, ff = 32, 128, 4, 512
    dh = d // heads
    x = g.input("hidden", (BATCH, seq, d))

    def linear(inp, fin, fout, p):
        w = g.init(g.randn(fin, fout, scale=1 / math.sqrt(fin)), f"{p}.weight")
        b = g.init(g.randn(fout, scale=0.02), f"{p}.bias")
        return g.op("Add", [g.op("MatMul", [inp, w], name=f"{p}/MatMul"), b], name=f"{p}/Add")

    def split_heads(t, p):
        r = g.op("Reshape", [t, g.ints([0, 0, heads, dh], f"{p}.shape")], name=f"{p}/Reshape")
        return g.op("Transpose", [r], name=f"{p}/Transpose", perm=[0, 2, 1, 3])

    q = split_heads(linear(x, d, d, "attn.q"), "attn.q_heads")
    k = split_heads(linear(x, d, d, "attn.k"), "attn.k_heads")
    v = split_heads(linear(x, d, d, "attn.v"), "attn.v_heads")
    kt = g.op("Transpose", [k], name="attn/k_T", perm=[0, 1, 3, 2])
    scores = g.op("MatMul", [q, kt], name="attn/scores")
    scores = g.op("Div", [scores, g.scalar(math.sqrt(dh), "attn.scale")], name="attn/scale")
    probs = g.op("Softmax", [scores], name="attn/Softmax", axis=-1)
    ctx = g.op("MatMul", [probs, v], name="attn/context")
    ctx = g.op("Transpose", [ctx], name="attn/merge/Transpose", perm=[0, 2, 1, 3])
    ctx = g.op("Reshape", [ctx, g.ints([0, 0, d], "attn.merge.shape")], name="attn/merge/Reshape")
    a = linear(ctx, d, d, "attn.out")
    h = g.op("Add", [x, a], name="residual1")
    h = g.op("LayerNormalization", [h, g.init(g.uniform(0.8, 1.2, d), "ln1.weight"),
                                    g.init(g.randn(d, scale=0.05), "ln1.bias")],
             name="ln1", axis=-1, epsilon=1e-5)
    f = linear(h, d, ff, "ffn.fc1")
    f = g.op("Gelu", [f], name="ffn/Gelu")
    f = linear(f, ff, d, "ffn.fc2")
    o = g.op("Add", [h, f], name="residual2")
    g.op("LayerNormalization", [o, g.init(g.uniform(0.8, 1.2, d), "ln2.weight"),
                                g.init(g.randn(d, scale=0.05), "ln2.bias")],
         name="ln2", axis=-1, epsilon=1e-5, outputs=["output"])
    g.output("output")
    return g.case()


NETWORKS = case_names(("net",))


# --------------------------------------------------------------------------- saving & checks


def save_case(case: Case, outdir: Path) -> dict:
    d = outdir / case.name
    d.mkdir(parents=True, exist_ok=True)
    path = d / "model.onnx"
    for stale in (path, d / "model.onnx.data"):
        if stale.exists():
            stale.unlink()
    if case.external_data:
        onnx.save_model(case.model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location="model.onnx.data", size_threshold=0)
    else:
        onnx.save_model(case.model, path)
    for fs, feeds in case.feeds.items():
        (d / fs).mkdir(exist_ok=True)
        for k, arr in feeds.items():
            np.save(d / fs / f"{sanitize(k)}.npy", np.ascontiguousarray(arr))
    size = path.stat().st_size + ((d / "model.onnx.data").stat().st_size if case.external_data else 0)
    return case.manifest_entry(size)


def check_case(case: Case, outdir: Path | None = None) -> None:
    """onnx.checker (full_check: strict shape inference) and one onnxruntime run per feed
    set; float outputs must be finite."""
    if outdir is not None:
        path = str(outdir / case.name / "model.onnx")
        onnx.checker.check_model(path, full_check=True)
        sess = _session(path)
    else:
        onnx.checker.check_model(case.model, full_check=True)
        sess = _session(case.model.SerializeToString())
    declared = [o.name for o in case.model.graph.output]
    assert [o.name for o in sess.get_outputs()] == declared
    for fs, feeds in case.feeds.items():
        results = sess.run(None, feeds)
        for name, r in zip(declared, results):
            if r.dtype.kind == "f" and not np.all(np.isfinite(r)):
                raise AssertionError(f"{case.name}/{fs}: output {name} is not finite")


def error_measure(actual: np.ndarray, expected: np.ndarray, atol: float = ATOL,
                  rtol: float = RTOL) -> tuple[float, float, float]:
    """(max abs error, max rel error, worst ratio to the bound); see test_parity.py."""
    a = actual.astype(np.float64)
    b = expected.astype(np.float64)
    diff = np.abs(a - b)
    if diff.size == 0:
        return 0.0, 0.0, 0.0
    rel = diff / np.maximum(np.abs(b), atol / rtol)
    return float(diff.max()), float(rel.max()), float((rel / rtol).max())


def cross_check(case: Case, outdir: Path) -> list[str]:
    """onnxruntime (all optimisations) vs onnxruntime (none), and vs onnx.reference for
    the op cases: how far apart two correct float32 implementations land."""
    path = str(outdir / case.name / "model.onnx")
    fast, plain = _session(path, True), _session(path, False)
    ref = None
    if case.kind == "op":
        from onnx.reference import ReferenceEvaluator
        ref = ReferenceEvaluator(onnx.load(path))
    lines = []
    for fs, feeds in case.feeds.items():
        a = fast.run(None, feeds)
        b = plain.run(None, feeds)
        c = ref.run(None, feeds) if ref is not None else None
        for i, o in enumerate(case.model.graph.output):
            if a[i].dtype.kind != "f":
                ok = np.array_equal(a[i], b[i]) and (c is None or np.array_equal(a[i], c[i]))
                lines.append(f"{case.name:40s} {fs:7s} {o.name:18s} int exact={ok}")
                continue
            m1 = error_measure(a[i], b[i], case.atol, case.rtol)
            s = f"{case.name:40s} {fs:7s} {o.name:18s} opt/noopt abs={m1[0]:.2e} ratio={m1[2]:.3f}"
            if c is not None:
                m2 = error_measure(np.asarray(c[i]), b[i], case.atol, case.rtol)
                s += f"  ref/ort abs={m2[0]:.2e} ratio={m2[2]:.3f}"
            s += f"  |max|={np.abs(b[i]).max():.3g}"
            lines.append(s)
    return lines


def generate(outdir: Path, names: list[str] | None = None, check: bool = True,
             verbose: bool = False) -> dict:
    """Builds, saves and (unless check=False) validates the given cases (default: all);
    writes OUTDIR/manifest.json and returns it."""
    outdir.mkdir(parents=True, exist_ok=True)
    names = names if names is not None else case_names()
    manifest = {"generator": "Tests/engine/make_models.py", "onnx": onnx.__version__,
                "atol": ATOL, "rtol": RTOL, "batches": list(NET_BATCHES), "cases": {}}
    for name in names:
        t0 = time.perf_counter()
        case = build_case(name)
        entry = save_case(case, outdir)
        if check:
            check_case(case, outdir)
        manifest["cases"][name] = entry
        if verbose:
            print(f"{name:42s} {case.kind:7s} opset {entry['opset']:2d} "
                  f"{entry['size_bytes'] / 1e6:8.3f} MB {time.perf_counter() - t0:6.2f} s"
                  + ("  (>20 MB)" if entry["large"] else ""), flush=True)
    (outdir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", nargs="?", type=Path)
    ap.add_argument("--only", help="comma-separated case names")
    ap.add_argument("--kind", default="op,net,invalid", help="comma-separated: op,net,invalid")
    ap.add_argument("--no-check", action="store_true", help="skip onnx.checker / onnxruntime")
    ap.add_argument("--cross-check", action="store_true",
                    help="also compare onnxruntime optimised/unoptimised and onnx.reference")
    ap.add_argument("--list", action="store_true", help="print the case names and exit")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    names = case_names(tuple(args.kind.split(",")))
    if args.only:
        wanted = args.only.split(",")
        unknown = [w for w in wanted if w not in _REGISTRY]
        if unknown:
            ap.error(f"unknown case(s): {', '.join(unknown)}")
        names = [n for n in wanted]
    if args.list:
        for n in names:
            print(f"{n}\t{case_kind(n)}")
        return 0
    if args.outdir is None:
        ap.error("OUTDIR is required")
    t0 = time.perf_counter()
    manifest = generate(args.outdir, names, check=not args.no_check, verbose=not args.quiet)
    print(f"{len(manifest['cases'])} models in {args.outdir} "
          f"({'checked with onnx.checker and onnxruntime' if not args.no_check else 'unchecked'}) "
          f"in {time.perf_counter() - t0:.1f} s")
    if args.cross_check:
        for n in names:
            if case_kind(n) == "invalid":
                continue
            for line in cross_check(build_case(n), args.outdir):
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
