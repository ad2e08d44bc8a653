"""CLI-level robustness of the .kiln reader and the `kiln bench` output format.

Corrupt-file corpus: the converted MLP network (several tensors, ~1.6 MB) is truncated
at many offsets (inside the preamble, around the 4096-byte data-section boundary, inside
the data, one byte short), has single bytes flipped (one bit, or all eight in the
preamble) in the header and in the data section, gets garbage appended, and is replaced
by look-alikes (empty, random bytes, zeros, the ONNX file itself). For each variant both
`kiln inspect` and `kiln infer` must exit with code 1 -- not 0, not a signal, not a
hang -- print exactly one non-empty line on stderr naming the problem, and `infer` must
write no output file. The intact file must pass both commands (so that every rejection is
caused by the corruption).
"""

from __future__ import annotations

import json
import time
import os
from pathlib import Path

import numpy as np
import pytest

from conftest import describe, expect_ok, run_kiln, text

BASE = "mlp"                      # the network whose converted file is corrupted

# Offsets may be ints or "half" / "end-K" (relative to the file size).
TRUNCATE_AT = [0, 1, 2, 4, 7, 8, 12, 16, 24, 31, 32, 48, 63, 64, 65, 100, 128, 256, 511,
               1024, 2048, 4095, 4096, 4097, 4160, "half", "end-4096", "end-65", "end-64",
               "end-1"]
FLIP_AT = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 56, 60,
           64, 72, 96, 128, 192, 256, 384, 512, 1024, 2048, 4095, 4096, 4097, 4160, 8192,
           "half", "end-64", "end-2", "end-1"]
FLIP_ALL_BITS_AT = [0, 3, 4, 8, 12, 16, 20, 24, 32, 40, 48, 56, 63]
APPEND = {"append_1_zero": b"\0", "append_1_ff": b"\xff", "append_16": bytes(range(16)),
          "append_4096": None, "append_copy": "copy"}
LOOKALIKES = ["empty", "random_8192", "zeros_same_size", "onnx_file", "directory"]

CRASH_MARKERS = ("Fatal error", "Stack dump", "Segmentation fault", "Illegal instruction",
                 "Current stack trace", "Backtrace", "SIGSEGV", "SIGILL", "SIGBUS")


def _offset(spec, size: int) -> int:
    if spec == "half":
        off = size // 2
    elif isinstance(spec, str) and spec.startswith("end-"):
        off = size - int(spec[4:])
    else:
        off = spec
    return min(max(off, 0), size - 1)


def _variants() -> list[str]:
    v = [f"truncate@{o}" for o in TRUNCATE_AT]
    v += [f"flip1@{o}" for o in FLIP_AT]
    v += [f"flipff@{o}" for o in FLIP_ALL_BITS_AT]
    v += list(APPEND) + LOOKALIKES
    return v


def make_variant(variant: str, base: Path, onnx_path: Path, dest: Path) -> Path:
    data = base.read_bytes()
    size = len(data)
    rng = np.random.default_rng(7)
    out = dest / (variant.replace("@", "_at_") + ".kiln")
    kind, _, spec = variant.partition("@")
    spec = int(spec) if spec.lstrip("-").isdigit() else spec
    if kind == "truncate":
        off = _offset(spec, size + 1) if spec != "end-1" else size - 1
        blob = data[:off]
    elif kind in ("flip1", "flipff"):
        off = _offset(spec, size)
        b = bytearray(data)
        b[off] ^= 0x01 if kind == "flip1" else 0xFF
        blob = bytes(b)
    elif variant in APPEND:
        extra = APPEND[variant]
        if extra is None:
            extra = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
        elif extra == "copy":
            extra = data
        blob = data + extra
    elif variant == "empty":
        blob = b""
    elif variant == "random_8192":
        blob = rng.integers(0, 256, 8192, dtype=np.uint8).tobytes()
    elif variant == "zeros_same_size":
        blob = bytes(size)
    elif variant == "onnx_file":
        blob = onnx_path.read_bytes()
    elif variant == "directory":
        out.mkdir()
        return out
    else:
        raise AssertionError(variant)
    assert blob != data
    out.write_bytes(blob)
    return out


@pytest.fixture(scope="module")
def base_model(converted, manifest, model_dir):
    path = converted(BASE)
    entry = manifest[BASE]
    inputs = [f"{k}={model_dir / p}" for k, p in entry["feeds"]["b1"].items()]
    return path, model_dir / entry["file"], inputs


def _infer_args(model: Path, inputs: list[str], out_dir: Path) -> list:
    args = ["infer", model]
    for i in inputs:
        args += ["--input", i]
    return args + ["--output-dir", out_dir]


def _expect_clean_rejection(proc, what: str) -> None:
    rc = proc.returncode
    err = text(proc.stderr)
    assert rc == 1, f"{what}: expected exit code 1\n{describe(proc)}"
    for marker in CRASH_MARKERS:
        assert marker not in err, f"{what}: crash output on stderr\n{describe(proc)}"
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"{what}: expected one line on stderr naming the problem\n{describe(proc)}"


def test_intact_file_accepted(base_model, tmp_path):
    path, _, inputs = base_model
    expect_ok(run_kiln("inspect", path))
    expect_ok(run_kiln("inspect", path, "--json"))
    out = tmp_path / "out"
    out.mkdir()
    expect_ok(run_kiln(*_infer_args(path, inputs, out)))
    assert any(out.iterdir())


@pytest.mark.parametrize("variant", _variants())
def test_corrupt_file_rejected(variant, base_model, tmp_path):
    path, onnx_path, inputs = base_model
    bad = make_variant(variant, path, onnx_path, tmp_path)
    for args in (["inspect", bad], ["inspect", bad, "--json"]):
        _expect_clean_rejection(run_kiln(*args, timeout=60), f"{variant}: kiln {' '.join(map(str, args[::2]))}")
    out = tmp_path / "out"
    out.mkdir()
    _expect_clean_rejection(run_kiln(*_infer_args(bad, inputs, out), timeout=60), f"{variant}: kiln infer")
    assert not any(out.iterdir()), f"{variant}: kiln infer wrote {sorted(os.listdir(out))} from a corrupt file"


def test_missing_file(tmp_path):
    for args in (["inspect", tmp_path / "nope.kiln"],
                 ["infer", tmp_path / "nope.kiln", "--output-dir", tmp_path]):
        proc = run_kiln(*args, timeout=60)
        assert proc.returncode > 0, describe(proc)
        assert text(proc.stderr).strip(), describe(proc)


# --------------------------------------------------------------------------- bench --json


@pytest.mark.parametrize("name", ["mlp", "lstm_classifier"])
def test_bench_json_format(name, converted):
    # lstm_classifier: the random INT64 token ids `kiln bench` makes must be valid indices.
    proc = expect_ok(run_kiln("bench", converted(name), "--batch", "1,8", "--threads", "1,2",
                              "--iterations", "20", "--json"))
    lines = [line for line in text(proc.stdout).splitlines() if line.strip()]
    rows = []
    for line in lines:
        try:
            rows.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}\n{describe(proc)}")
    assert sorted((r.get("batch"), r.get("threads")) for r in rows) == \
        [(1, 1), (1, 2), (8, 1), (8, 2)], f"one line per configuration expected\n{describe(proc)}"
    for r in rows:
        for key in ("p50_ms", "p99_ms", "samples_per_s"):
            assert isinstance(r.get(key), (int, float)) and r[key] > 0, (key, r)
        assert r["p99_ms"] >= r["p50_ms"], r
        # throughput is per sample (batch / latency), so it lies between what the p99 and
        # the p50 latency imply, with a margin for noise (a mean-based figure may sit near p99)
        lo = r["batch"] * 1000.0 / (r["p99_ms"] * 1.5)
        hi = r["batch"] * 1000.0 / r["p50_ms"] * 2
        assert lo <= r["samples_per_s"] <= hi, (lo, hi, r)


def test_bench_pause_is_idle_time_outside_the_timings(converted):
    # 30 timed runs with 20 ms of idle time before each: the process must take at least the
    # 0.6 s of pauses, while the reported latencies and throughput leave them out.
    started = time.monotonic()
    proc = expect_ok(run_kiln("bench", converted("mlp"), "--iterations", "30", "--pause-us", "20000", "--json"))
    elapsed = time.monotonic() - started
    assert elapsed >= 0.6, f"30 pauses of 20 ms took only {elapsed:.3f} s\n{describe(proc)}"
    row = json.loads(text(proc.stdout).strip().splitlines()[-1])
    assert row["p50_ms"] < 20, f"the pause leaked into the timed runs: {row}"
    assert row["samples_per_s"] > 1000.0 / 20, row
    bad = run_kiln("bench", converted("mlp"), "--pause-us=-1", timeout=60)
    assert bad.returncode != 0 and "--pause-us" in text(bad.stderr), describe(bad)


def test_bench_service_times_each_stage_of_the_shipped_samples(tmp_path):
    # `kiln bench FOLDER --sample FILE`: the folder's worker prepares the sample, the model
    # runs it, the worker answers; each stage is timed and the share outside the model is
    # (prepare + finish) / total of the means, so it lies strictly between 0 and 1.
    from conftest import REPO
    defect = REPO / "models" / "defect_detection"
    fraud = REPO / "models" / "fraud_scoring"
    proc = expect_ok(run_kiln("bench", str(defect), "--sample", str(defect / "samples" / "scratches_01.jpg"),
                              "--sample", str(defect / "samples" / "crazing_01.png"), "--iterations", "20", "--json"))
    rows = [json.loads(line) for line in text(proc.stdout).strip().splitlines()]
    assert [r["sample"] for r in rows] == ["scratches_01.jpg", "crazing_01.png"], rows
    for r in rows:
        assert r["rows"] == 1, r
        assert r["prepare_p50_ms"] > 0 and r["model_p50_ms"] > 0 and r["finish_p50_ms"] > 0, r
        assert 0 < r["outside_share"] < 1, r
    batch = json.loads(expect_ok(run_kiln("bench", str(fraud), "--sample", str(fraud / "samples" / "batch.json"),
                                          "--iterations", "5", "--json")).stdout)
    # The fraud worker scores each record once plus once per feature left out (the reasons).
    records = json.loads((fraud / "samples" / "batch.json").read_text())["records"]
    features = json.loads((fraud / "config.json").read_text())["parameters"]["features"]
    assert batch["rows"] == len(records) * (1 + len(features)), batch


def test_bench_service_names_what_it_cannot_use(tmp_path):
    from conftest import REPO
    defect = REPO / "models" / "defect_detection"
    corrupt = tmp_path / "broken.jpg"
    corrupt.write_bytes((defect / "samples" / "scratches_01.jpg").read_bytes()[:300])
    bad = run_kiln("bench", str(defect), "--sample", str(corrupt), "--iterations", "3", timeout=60)
    assert bad.returncode != 0 and "refused (400)" in text(bad.stderr) and "JPEG" in text(bad.stderr), describe(bad)
    (tmp_path / "empty").mkdir()
    bad = run_kiln("bench", str(tmp_path / "empty"), "--sample", str(defect / "samples" / "scratches_01.jpg"), timeout=60)
    assert bad.returncode != 0 and "config.json" in text(bad.stderr), describe(bad)
    missing = run_kiln("bench", str(defect), "--sample", str(tmp_path / "nope.jpg"), timeout=60)
    assert missing.returncode != 0 and "nope.jpg" in text(missing.stderr), describe(missing)
