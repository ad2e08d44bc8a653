#!/usr/bin/env python3
"""Image preparation (decode + preprocessing into the model's input), Kiln vs the Python
stack a TorchServe handler or a Triton Python backend runs: Pillow + numpy. Not a test.

For each image sample: Kiln's `prepare` p50 from `kiln bench MODEL_DIR --sample FILE --json`
(the worker's own code, in process, no HTTP), and the p50 of the same pipeline in Pillow as
the model cards state it (exif_transpose, convert, resize BILINEAR, /255, (x-mean)/std,
channels first, float32), with Pillow's draft mode (libjpeg's scaled IDCT) for JPEGs that
shrink by 2x or more, as Kiln does. Kiln and Pillow alternate per sample and round; the
ratio is Pillow's p50 over Kiln's, median over rounds.

Usage: benchmarks/services/prep_vs_pillow.py [--no-build] [--rounds 3] [--iterations 400]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"
KILN = REPO / ".build" / "release" / "kiln"
ENV = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}


def pillow_prepare(data: bytes, spec: dict) -> np.ndarray:
    im = Image.open(io.BytesIO(data))
    w, h = spec["width"], spec["height"]
    mode = "RGB" if spec["channels"] == 3 else "L"
    if im.format == "JPEG":
        # libjpeg's scaled IDCT, only by factors that keep >= (w, h); the file's own mode, so
        # gray comes from convert("L") below as the model card says, not from libjpeg's Y.
        im.draft(im.mode, (w, h))
    im = ImageOps.exif_transpose(im).convert(mode).resize((w, h), Image.BILINEAR, reducing_gap=None)
    x = np.asarray(im, dtype=np.float32) / 255.0
    mean = np.asarray(spec["mean"], np.float32)
    std = np.asarray(spec["std"], np.float32)
    x = (x - mean) / std
    return np.ascontiguousarray(x.transpose(2, 0, 1) if x.ndim == 3 else x[None])


def pillow_p50(data: bytes, spec: dict, iterations: int) -> float:
    for _ in range(20):
        pillow_prepare(data, spec)
    times = []
    for _ in range(iterations):
        t = time.perf_counter()
        pillow_prepare(data, spec)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def kiln_p50(model: str, sample: Path, iterations: int) -> float:
    out = subprocess.run([str(KILN), "bench", str(MODELS / model), "--sample", str(sample), "--iterations", str(iterations),
                          "--threads", "1", "--json"], env=ENV, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["prepare_p50_ms"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iterations", type=int, default=400)
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["swift", "build", "-c", "release", "--product", "kiln"], cwd=REPO, check=True)
    scratch = Path(tempfile.mkdtemp())
    photo = scratch / "large_photo.jpg"
    Image.open(MODELS / "defect_detection/samples/scratches_01.jpg").convert("RGB").resize((3000, 2000), Image.BICUBIC).save(photo, quality=90)
    cases = [
        ("defect_detection", MODELS / "defect_detection/samples/scratches_01.jpg"),
        ("defect_detection", MODELS / "defect_detection/samples/crazing_01.png"),
        ("defect_detection", photo),
        ("medical_triage", MODELS / "medical_triage/samples/urgent_01.png"),
        ("medical_triage", MODELS / "medical_triage/samples/urgent_02.jpg"),
    ]
    print(f"Command: `benchmarks/services/prep_vs_pillow.py --rounds {args.rounds} --iterations {args.iterations}` — "
          f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, Pillow {Image.__version__}, numpy {np.__version__}, one thread each\n")
    print("| sample | Kiln prepare p50 | Pillow + numpy p50 | Pillow / Kiln |")
    print("| --- | ---: | ---: | ---: |")
    for model, sample in cases:
        spec = json.loads((MODELS / model / "config.json").read_text())["parameters"]["image"]
        data = sample.read_bytes()
        n = max(20, args.iterations // 10) if len(data) > 100_000 else args.iterations
        kiln, peer = [], []
        for _ in range(args.rounds):
            kiln.append(kiln_p50(model, sample, n))
            peer.append(pillow_p50(data, spec, n))
        ratios = [p / k for p, k in zip(peer, kiln)]
        print(f"| {model} `{sample.name}` | {statistics.median(kiln):.3f} ms | {statistics.median(peer):.3f} ms | "
              f"{statistics.median(ratios):.2f}× ({min(ratios):.2f}–{max(ratios):.2f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
