"""Parity of `kiln convert` + `kiln infer` with onnxruntime on every generated model, and
`kiln inspect --json` / unsupported-operator errors on the converted files.

Error measure (float outputs), with b = onnxruntime's value and a = Kiln's, per element:

    rel_err = |a - b| / max(|b|, atol / rtol)          must be <= rtol  (for every element)

with atol = 1e-4 and rtol = 1e-3 unless a case states a looser bound and its reason
(make_models.Case.tolerance_reason). Equivalently |a - b| <= max(atol, rtol * |b|): the
absolute bound 1e-4 holds wherever |b| <= 0.1, the relative bound 1e-3 wherever |b| > 0.1.
Requiring both bounds everywhere is not meaningful in float32 (one ulp of 1000 is 6e-5, so
the absolute bound cannot hold on large outputs, and a relative bound cannot hold near zero
where the result is a cancellation of O(1) terms). The failure message reports the max
absolute error, the max relative error and the worst element.

Integer outputs (TopK indices, Shape, Cast to an integer type) must match exactly, dtype
included. Every .npy written by `kiln infer` must be a well-formed little-endian, C-order
FP32/INT64/INT32 file with exactly the reference's shape.

Calibration: `python3 make_models.py DIR --cross-check` compares onnxruntime with and
without graph optimisations (and onnx.reference for the op cases); on every case the two
land within 2% of the bound above, so no case needed a looser one.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import make_models
from conftest import describe, expect_ok, run_kiln, text

OP_CASES = make_models.case_names(("op",))
NETWORKS = make_models.case_names(("net",))
INVALID = make_models.case_names(("invalid",))
ALLOWED_NPY = {"<f4", "<i8", "<i4"}


# --------------------------------------------------------------------------- helpers


def read_npy_strict(path) -> np.ndarray:
    """Loads a .npy written by Kiln, checking the header: version 1.0/2.0/3.0, C order,
    little-endian FP32/INT64/INT32, and a payload of exactly the size the header implies."""
    fmt = np.lib.format
    with open(path, "rb") as f:
        version = fmt.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(f)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = fmt.read_array_header_2_0(f)
        else:
            raise AssertionError(f"{path.name}: unsupported .npy version {version}")
        payload = f.read()
    assert not fortran, f"{path.name}: fortran_order is True (must be C order)"
    assert dtype.str in ALLOWED_NPY, f"{path.name}: dtype {dtype.str} (want one of {ALLOWED_NPY})"
    want = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    assert len(payload) == want, f"{path.name}: {len(payload)} payload bytes, header implies {want}"
    return np.load(path, allow_pickle=False)


def compare(label: str, out_name: str, actual: np.ndarray, expected: np.ndarray,
            atol: float, rtol: float) -> None:
    assert actual.shape == expected.shape, \
        f"{label}: output {out_name!r} has shape {actual.shape}, onnxruntime {expected.shape}"
    if expected.dtype.kind in "iu":
        assert actual.dtype == expected.dtype, \
            f"{label}: output {out_name!r} dtype {actual.dtype}, onnxruntime {expected.dtype}"
        if not np.array_equal(actual, expected):
            bad = np.argwhere(actual != expected)
            i = tuple(bad[0])
            raise AssertionError(f"{label}: integer output {out_name!r} differs at {len(bad)} of "
                                 f"{expected.size} elements; first at {i}: kiln {actual[i]}, "
                                 f"onnxruntime {expected[i]}")
        return
    assert actual.dtype == np.float32, f"{label}: output {out_name!r} dtype {actual.dtype}, want float32"
    if actual.size == 0:
        return
    finite = np.isfinite(actual)
    if not finite.all():
        i = tuple(np.argwhere(~finite)[0])
        raise AssertionError(f"{label}: output {out_name!r} has {int((~finite).sum())} non-finite "
                             f"values; first at {i}: {actual[i]} (onnxruntime {expected[i]})")
    a, b = actual.astype(np.float64), expected.astype(np.float64)
    diff = np.abs(a - b)
    rel = diff / np.maximum(np.abs(b), atol / rtol)          # see the module docstring
    if rel.max() > rtol:
        i = np.unravel_index(int(np.argmax(rel)), rel.shape)
        nbad = int((rel > rtol).sum())
        raise AssertionError(
            f"{label}: output {out_name!r} out of bounds at {nbad} of {b.size} elements "
            f"(atol {atol:g} where |ref| <= {atol / rtol:g}, rtol {rtol:g} above): "
            f"max abs err {diff.max():.3e}, max rel err {rel.max():.3e}; worst at {tuple(map(int, i))}: "
            f"kiln {a[i]:.8g}, onnxruntime {b[i]:.8g}")


def infer_and_compare(name, feedset, entry, model_dir, converted, reference, tmp_path):
    kiln_file = converted(name)
    out_dir = tmp_path / f"out_{feedset}"
    out_dir.mkdir()
    args = ["infer", kiln_file]
    for input_name, rel_path in entry["feeds"][feedset].items():
        args += ["--input", f"{input_name}={model_dir / rel_path}"]
    args += ["--output-dir", out_dir]
    proc = expect_ok(run_kiln(*args))

    expected = reference(name, feedset)
    want_files = {make_models.sanitize(o) + ".npy": o for o in expected}
    got_files = {p.name for p in out_dir.iterdir()}
    assert got_files == set(want_files), (
        f"{name}/{feedset}: kiln infer wrote {sorted(got_files)}, expected {sorted(want_files)}\n"
        f"{describe(proc)}")
    label = f"{name}/{feedset}"
    for file_name, out_name in want_files.items():
        actual = read_npy_strict(out_dir / file_name)
        compare(label, out_name, actual, expected[out_name], entry["atol"], entry["rtol"])


# --------------------------------------------------------------------------- parity


@pytest.mark.parametrize("name", OP_CASES)
def test_op_parity(name, manifest, model_dir, converted, reference, tmp_path):
    entry = manifest[name]
    out, proc = converted.run(name)
    expect_ok(proc)
    if entry["conversion_changes"]:   # folding, fusion, Identity/Dropout removal happened
        assert text(proc.stdout).strip(), f"kiln convert printed nothing about its passes\n{describe(proc)}"
    infer_and_compare(name, "default", entry, model_dir, converted, reference, tmp_path)


@pytest.mark.parametrize("batch", make_models.NET_BATCHES)
@pytest.mark.parametrize("name", NETWORKS)
def test_network_parity(name, batch, manifest, model_dir, converted, reference, tmp_path):
    # One converted file serves every batch size (the batch dimension is dynamic).
    _, proc = converted.run(name)
    expect_ok(proc)
    if manifest[name]["conversion_changes"]:
        assert text(proc.stdout).strip(), f"kiln convert printed nothing about its passes\n{describe(proc)}"
    infer_and_compare(name, f"b{batch}", manifest[name], model_dir, converted, reference, tmp_path)


# --------------------------------------------------------------------------- inspect

DTYPE_NAMES = {
    "float32": {"float32", "fp32", "float", "f32"},
    "int64": {"int64", "i64"},
    "int32": {"int32", "i32"},
}


def normalize_dtype(s) -> str:
    s = str(s).lower()
    for canonical, spellings in DTYPE_NAMES.items():
        if s in spellings:
            return canonical
    return s


def check_specs(kind: str, got, want: list[dict]) -> None:
    assert isinstance(got, list), f"{kind}: expected a list, got {type(got).__name__}"
    got_names = [g.get("name") for g in got]
    assert got_names == [w["name"] for w in want], f"{kind} names {got_names}"
    for g, w in zip(got, want):
        assert normalize_dtype(g.get("dtype")) == w["dtype"], \
            f"{kind} {w['name']!r}: dtype {g.get('dtype')!r}, ONNX {w['dtype']}"
        assert list(g.get("shape", [])) == w["shape"], \
            f"{kind} {w['name']!r}: shape {g.get('shape')}, ONNX {w['shape']} (-1 = dynamic batch)"


@pytest.mark.parametrize("name", NETWORKS)
def test_inspect_network(name, manifest, converted):
    entry = manifest[name]
    kiln_file = converted(name)
    proc = expect_ok(run_kiln("inspect", kiln_file, "--json"))
    try:
        info = json.loads(text(proc.stdout))
    except ValueError as e:
        pytest.fail(f"kiln inspect --json did not print one JSON object: {e}\n{describe(proc)}")
    assert isinstance(info, dict)
    missing = {"name", "inputs", "outputs", "op_histogram", "parameters", "flops_per_sample",
               "file_size", "checksum", "peak_activation_bytes"} - set(info)
    assert not missing, f"missing keys {sorted(missing)} in {sorted(info)}"

    assert info["name"] == name
    check_specs("inputs", info["inputs"], entry["inputs"])
    check_specs("outputs", info["outputs"], entry["outputs"])

    hist = info["op_histogram"]
    assert isinstance(hist, dict) and hist, f"op_histogram {hist!r}"
    assert all(isinstance(v, int) and v > 0 for v in hist.values()), f"op_histogram {hist!r}"
    # Conversion removes Identity and Dropout and folds BatchNormalization into Conv/Gemm.
    for op in ("Identity", "Dropout", *entry["removed_ops"]):
        left = [k for k in hist if op.lower() in k.lower()]
        assert not left, f"{op} should be gone after conversion; op_histogram {hist}"

    assert isinstance(info["parameters"], int) and info["parameters"] > 0, info["parameters"]
    flops = info["flops_per_sample"]
    assert isinstance(flops, (int, float)) and flops > 0, flops
    # Loose sanity bound: the Conv/Gemm/MatMul/LSTM multiply-adds of one sample, counted
    # as 1 to 4 operations each (per-batch figures or a missing layer fall outside).
    macs = entry["macs_per_sample"]
    assert 0.9 * macs <= flops <= 4 * macs, f"flops_per_sample {flops:g}, model has {macs:g} MACs/sample"
    assert info["file_size"] == kiln_file.stat().st_size, (info["file_size"], kiln_file.stat().st_size)
    assert info["checksum"] == "ok", info["checksum"]
    peak = info["peak_activation_bytes"]
    assert isinstance(peak, int) and peak > 0, peak
    # `kiln convert --meta key=value` pairs are stored and reported (key "metadata")
    meta = info.get("metadata")
    assert isinstance(meta, dict) and meta.get("case") == name \
        and meta.get("source") == "Tests/engine/make_models.py", f"metadata {meta!r}"


@pytest.mark.parametrize("name", NETWORKS)
def test_inspect_text(name, converted):
    proc = expect_ok(run_kiln("inspect", converted(name)))
    assert name in text(proc.stdout), f"the model name is not in the report\n{describe(proc)}"


# --------------------------------------------------------------------------- unsupported ops


@pytest.mark.parametrize("name", INVALID)
def test_unsupported_op_rejected(name, manifest, converted):
    entry = manifest[name]
    out, proc = converted.run(name)
    assert proc.returncode > 0, f"expected a non-zero exit code (not a signal)\n{describe(proc)}"
    err = text(proc.stderr)
    assert entry["unsupported_op"] in err, f"stderr does not name the op type\n{describe(proc)}"
    assert entry["unsupported_node"] in err, f"stderr does not name the node\n{describe(proc)}"
    # ... and lists the supported operators
    listed = [op for op in ("Conv", "Gemm", "MatMul", "LSTM", "Softmax") if op in err]
    assert len(listed) == 5, f"stderr does not list the supported ops\n{describe(proc)}"
    assert not out.exists(), f"a failed conversion left {out} behind"
