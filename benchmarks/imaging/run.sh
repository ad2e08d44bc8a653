#!/usr/bin/env bash
# Benchmark (not a test): full vs scaled-IDCT JPEG decoding on a 3000×2000 photo-like JPEG,
# and 224×224 preprocessing with and without it. Numbers go to docs/imaging.md.
#   benchmarks/imaging/run.sh                 debug test build (libjpeg itself is always optimised)
#   CONFIG=release benchmarks/imaging/run.sh  release test build (a second full build)
set -euo pipefail
cd "$(dirname "$0")/../.."
jpeg=/tmp/kiln-imaging-bench-3000x2000.jpg
python3 - "$jpeg" <<'PY'
import sys
import numpy as np
from PIL import Image, ImageFilter
rng = np.random.default_rng(7)
y, x = np.mgrid[0:2000, 0:3000].astype(np.float32)
img = np.stack([128 + 90 * np.sin(x / 97) * np.cos(y / 131), 255 * x / 2999, 255 * y / 1999], -1)
img += rng.normal(0, 12, img.shape)  # sensor-like noise keeps the entropy coder honest
im = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1))
im.save(sys.argv[1], quality=90)
PY
ls -l "$jpeg"
KILN_IMAGING_BENCH="$jpeg" nice -n 10 swift test -c "${CONFIG:-debug}" --filter ScaledDecodeBenchmarkTests 2>&1 | grep -E "decode|preprocess|passed|failed"
