"""Synthetic hot-rolled steel strip surfaces with NEU-style defects.

Every image is a grey steel texture: a base grey level, rolling marks (streaks along the
rolling direction: noise that is smooth along the strip and rough across it), fine grain
noise and a linear illumination gradient with vignetting. Onto it one of five defect kinds
modelled on the NEU surface-defect database classes is drawn, or none:

* crazing        - a network of fine, short, dark cracks (random-walk polylines) over a region
* inclusion      - a few elongated dark (sometimes bright) slag spots along the rolling direction
* patches        - large soft-edged darker blotches (thresholded low-frequency noise)
* pitted_surface - clusters of small dark pits
* scratches      - 1-3 long thin straight or slightly bent lines, bright or dark
* none           - clean strip (sometimes with stronger rolling marks or a faint stain)

Images are drawn at a random size between 128 and 256 pixels and resized to 128x128 with the
serving preprocessing (Pillow bilinear, antialiased); 30 % go through a JPEG round trip.
Everything is driven by a numpy Generator seeded by the caller.
"""
import numpy as np
from PIL import Image

from .imaging import blank_mask, jpeg_roundtrip, mask_array, smooth_noise

LABELS = ["crazing", "inclusion", "patches", "pitted_surface", "scratches", "none"]


def _base(rng, s):
    grey = rng.uniform(0.35, 0.65)
    # rolling marks: smooth along x (rolling direction), rough across y
    streak = np.asarray(Image.fromarray(rng.standard_normal((s, 8)).astype(np.float32), "F")
                        .resize((s, s), Image.BICUBIC), np.float32)
    img = grey + rng.uniform(0.01, 0.05) * streak
    img += rng.uniform(0.01, 0.03) * smooth_noise(rng, s, s, rng.integers(4, 10))
    img += rng.uniform(0.005, 0.03) * rng.standard_normal((s, s)).astype(np.float32)
    yy, xx = np.mgrid[0:s, 0:s].astype(np.float32) / s
    ang = rng.uniform(0, 2 * np.pi)
    img += rng.uniform(0, 0.12) * ((np.cos(ang) * (xx - .5) + np.sin(ang) * (yy - .5)))
    img -= rng.uniform(0, 0.08) * ((xx - .5) ** 2 + (yy - .5) ** 2) * 4
    return img


def _crazing(rng, s, img):
    m, d = blank_mask(s)
    cx, cy = rng.uniform(0.2, 0.8, 2) * s
    spread = rng.uniform(0.25, 0.6) * s
    for _ in range(rng.integers(25, 60)):
        x, y = cx + rng.normal(0, spread / 2), cy + rng.normal(0, spread / 2)
        ang = rng.uniform(0, np.pi)
        pts = [(x, y)]
        for _ in range(rng.integers(2, 5)):
            ang += rng.normal(0, 0.6)
            step = rng.uniform(0.02, 0.06) * s
            x, y = x + step * np.cos(ang), y + step * np.sin(ang)
            pts.append((x, y))
        d.line(pts, fill=255, width=max(1, round(s / 128)))
    return img - rng.uniform(0.15, 0.3) * mask_array(m, 0.6 * s / 128)


def _inclusion(rng, s, img):
    m, d = blank_mask(s)
    for _ in range(rng.integers(1, 5)):
        x, y = rng.uniform(0.1, 0.9, 2) * s
        L, W = rng.uniform(0.08, 0.3) * s, rng.uniform(0.025, 0.06) * s
        d.ellipse([x - L / 2, y - W / 2, x + L / 2, y + W / 2], fill=255)
    a = mask_array(m, 1.0 * s / 128) * (0.7 + 0.3 * smooth_noise(rng, s, s, 16).clip(-1, 1))
    sign = -1 if rng.random() < 0.8 else 1
    return img + sign * rng.uniform(0.2, 0.35) * a


def _patches(rng, s, img):
    n = smooth_noise(rng, s, s, rng.integers(3, 6))
    thr = np.quantile(n, rng.uniform(0.55, 0.85))
    a = np.clip((n - thr) * 3.0, 0, 1)
    tex = 1 + 0.3 * smooth_noise(rng, s, s, 20)
    return img - rng.uniform(0.12, 0.25) * a * tex


def _pitted(rng, s, img):
    m, d = blank_mask(s)
    cx, cy = rng.uniform(0.2, 0.8, 2) * s
    spread = rng.uniform(0.1, 0.35) * s
    for _ in range(rng.integers(20, 90)):
        x, y = cx + rng.normal(0, spread), cy + rng.normal(0, spread)
        r = rng.uniform(0.006, 0.02) * s
        d.ellipse([x - r, y - r, x + r, y + r], fill=255)
    return img - rng.uniform(0.18, 0.35) * mask_array(m, 0.5 * s / 128)


def _scratches(rng, s, img):
    m, d = blank_mask(s)
    for _ in range(rng.integers(1, 4)):
        ang = rng.normal(0, 0.35) + (np.pi / 2 if rng.random() < 0.3 else 0)
        L = rng.uniform(0.5, 1.2) * s
        x, y = rng.uniform(0.2, 0.8, 2) * s
        pts = []
        for t in np.linspace(-0.5, 0.5, 5):
            a = ang + rng.normal(0, 0.05)
            pts.append((x + t * L * np.cos(a), y + t * L * np.sin(a)))
        d.line(pts, fill=255, width=max(1, round(rng.integers(1, 3) * s / 128)))
    sign = -1 if rng.random() < 0.6 else 1
    return img + sign * rng.uniform(0.2, 0.35) * mask_array(m, 0.5 * s / 128)


def _none(rng, s, img):
    if rng.random() < 0.3:   # benign stain / stronger marks
        img = img + rng.uniform(0.01, 0.04) * smooth_noise(rng, s, s, 3)
    return img


_DRAW = [_crazing, _inclusion, _patches, _pitted, _scratches, _none]


def render(rng, label: int, size: int) -> Image.Image:
    """One RGB steel image of the given class at size x size pixels."""
    img = _base(rng, size)
    img = _DRAW[label](rng, size, img)
    if rng.random() < 0.5:
        img = img.T                           # rolling direction vertical
    tint = 1 + rng.normal(0, 0.02, 3)
    rgb = np.clip(img[..., None] * tint[None, None, :], 0, 1)
    return Image.fromarray((rgb * 255 + 0.5).astype(np.uint8), "RGB")


def dataset(seed: int, n_per_class: int, out_size=128):
    """Returns uint8 array [N, out_size, out_size, 3] and int labels [N] (classes balanced,
    shuffled). Each image: random source size 128..256, Pillow bilinear resize, 30 % JPEG."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(LABELS)), n_per_class)
    rng.shuffle(labels)
    xs = np.empty((len(labels), out_size, out_size, 3), np.uint8)
    for i, c in enumerate(labels):
        img = render(rng, int(c), int(rng.integers(128, 257)))
        if img.size[0] != out_size:
            img = img.resize((out_size, out_size), Image.BILINEAR, reducing_gap=None)
        if rng.random() < 0.3:
            img = jpeg_roundtrip(img, rng.integers(70, 96))
        xs[i] = np.asarray(img)
    return xs, labels
