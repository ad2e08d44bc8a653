"""Synthetic frontal chest radiograph-like grayscale images with lesion-like findings.

Anatomy (all randomised in position, size, contrast): dark background, a soft-tissue body
ellipse, two dark lung fields with smooth vascular texture, a bright mediastinum / spine band,
a heart shadow shifted to the image right, diaphragm domes, clavicles and rib arcs. Then film
effects: global gamma and contrast, smooth density variation and quantum noise.

Classes (worklist priority, balanced in training):

* normal  - no finding
* routine - a small finding that needs a report but not today: 1-2 small faint nodules
            (radius 2-4 % of the image), a short linear scar, or a tiny calcified granuloma
* urgent  - a large finding: lobar consolidation (large irregular textured opacity),
            a large mass (radius 7-12 %), a pleural effusion (basal opacity with a meniscus), or
            a pneumothorax (lung edge without markings, with a thin pleural line)

Images are drawn at a random size between 128 and 256 pixels and resized to 128x128 with the
serving preprocessing (Pillow bilinear, antialiased); 20 % go through a JPEG round trip.
"""
import numpy as np
from PIL import Image, ImageDraw

from .imaging import blank_mask, jpeg_roundtrip, mask_array, smooth_noise

LABELS = ["urgent", "routine", "normal"]


def _anatomy(rng, s):
    img = np.full((s, s), 0.05, np.float32)
    cx = s * (0.5 + rng.normal(0, 0.02))
    cy = s * (0.52 + rng.normal(0, 0.02))
    m, d = blank_mask(s)
    d.ellipse([cx - 0.46 * s, cy - 0.55 * s, cx + 0.46 * s, cy + 0.6 * s], fill=255)
    body = mask_array(m, 3 * s / 128)
    img += 0.5 * body
    lungs, d = blank_mask(s)
    lw, lh = s * rng.uniform(0.15, 0.19), s * rng.uniform(0.28, 0.34)
    gap = s * rng.uniform(0.06, 0.09)
    boxes = []
    for side in (-1, 1):
        x0 = cx + side * (gap + lw)
        box = [x0 - lw, cy - lh, x0 + lw, cy + lh * 0.9]
        d.ellipse(box, fill=255)
        boxes.append(box)
    lung = mask_array(lungs, 2.5 * s / 128)
    img -= 0.28 * lung * (1 + 0.06 * smooth_noise(rng, s, s, 32))
    # spine / mediastinum and heart
    xx = np.arange(s)[None, :].astype(np.float32)
    yy = np.arange(s)[:, None].astype(np.float32)
    img += 0.12 * np.exp(-((xx - cx) / (0.05 * s)) ** 2) * (yy > cy - 0.5 * s)
    hm, d = blank_mask(s)
    hx = cx + s * rng.uniform(0.03, 0.08)
    d.ellipse([hx - 0.14 * s, cy + 0.0 * s, hx + 0.16 * s, cy + 0.3 * s], fill=255)
    img += 0.22 * mask_array(hm, 3 * s / 128)
    # ribs and clavicles
    rm, d = blank_mask(s)
    for side in (-1, 1):
        for k in range(7):
            y0 = cy - 0.3 * s + k * 0.085 * s
            pts = [(cx + side * t * 0.42 * s, y0 + 0.08 * s * np.sin(t * 2.2)) for t in np.linspace(0.05, 1, 12)]
            d.line(pts, fill=255, width=max(1, int(0.02 * s)))
        d.line([(cx + side * 0.05 * s, cy - 0.36 * s), (cx + side * 0.35 * s, cy - 0.42 * s)], fill=255,
               width=max(1, int(0.025 * s)))
    img += rng.uniform(0.07, 0.12) * mask_array(rm, 1.5 * s / 128) * body
    # diaphragm below the lungs
    img += 0.2 * np.clip((yy - (cy + lh * 0.75)) / (0.05 * s), 0, 1) * body * (1 - lung)
    return img, lung, boxes


def _in_lung(rng, boxes, s, margin=0.25):
    b = boxes[rng.integers(0, 2)]
    x = rng.uniform(b[0] + margin * (b[2] - b[0]), b[2] - margin * (b[2] - b[0]))
    y = rng.uniform(b[1] + margin * (b[3] - b[1]), b[3] - margin * (b[3] - b[1]))
    return x, y, b


def _blob(s, x, y, r, blur):
    m, d = blank_mask(s)
    d.ellipse([x - r, y - r, x + r, y + r], fill=255)
    return mask_array(m, blur)


def _routine(rng, s, img, lung, boxes):
    kind = rng.choice(3, p=[.6, .2, .2])
    if kind == 0:
        for _ in range(rng.integers(1, 3)):
            x, y, _ = _in_lung(rng, boxes, s)
            img = img + rng.uniform(0.1, 0.18) * _blob(s, x, y, rng.uniform(0.02, 0.04) * s, 1.0 * s / 128)
    elif kind == 1:
        x, y, _ = _in_lung(rng, boxes, s)
        m, d = blank_mask(s)
        a, L = rng.uniform(-0.5, 0.5), rng.uniform(0.05, 0.1) * s
        d.line([(x - L * np.cos(a), y - L * np.sin(a)), (x + L * np.cos(a), y + L * np.sin(a))], fill=255,
               width=max(1, int(0.012 * s)))
        img = img + rng.uniform(0.1, 0.18) * mask_array(m, 0.6 * s / 128)
    else:
        x, y, _ = _in_lung(rng, boxes, s)
        img = img + rng.uniform(0.25, 0.4) * _blob(s, x, y, rng.uniform(0.01, 0.018) * s, 0.4 * s / 128)
    return img


def _urgent(rng, s, img, lung, boxes):
    kind = rng.choice(4)
    if kind == 0:    # consolidation
        x, y, _ = _in_lung(rng, boxes, s, 0.3)
        r = rng.uniform(0.12, 0.2) * s
        blob = _blob(s, x, y, r, 4 * s / 128)
        tex = np.clip(0.6 + 0.6 * smooth_noise(rng, s, s, 10), 0, 1.2)
        img = img + rng.uniform(0.18, 0.3) * blob * tex * lung
    elif kind == 1:  # mass
        x, y, _ = _in_lung(rng, boxes, s, 0.3)
        img = img + rng.uniform(0.2, 0.3) * _blob(s, x, y, rng.uniform(0.07, 0.11) * s, 1.5 * s / 128)
    elif kind == 2:  # effusion
        b = boxes[rng.integers(0, 2)]
        level = b[1] + rng.uniform(0.55, 0.75) * (b[3] - b[1])
        yy, xx = np.mgrid[0:s, 0:s].astype(np.float32)
        mid = (b[0] + b[2]) / 2
        men = level - 0.08 * s * ((xx - mid) / ((b[2] - b[0]) / 2)) ** 2
        inside = (xx > b[0]) & (xx < b[2])
        fluid = np.clip((yy - men) / (0.02 * s), 0, 1) * inside
        img = img + rng.uniform(0.25, 0.35) * fluid * np.clip(lung * 1.5, 0, 1)
    else:            # pneumothorax: lateral lung edge loses markings, pleural line
        side = rng.integers(0, 2)
        b = boxes[side]
        w = rng.uniform(0.25, 0.45) * (b[2] - b[0])
        xx = np.arange(s)[None, :].astype(np.float32)
        edge = (b[0] + w) if side == 0 else (b[2] - w)
        region = ((xx < edge) if side == 0 else (xx > edge)) * lung
        img = img - rng.uniform(0.1, 0.16) * region
        m, d = blank_mask(s)
        d.arc([b[0] + (w if side == 0 else 0) - 0.02 * s, b[1], b[2] - (0 if side == 0 else w) + 0.02 * s, b[3]],
              90 if side == 0 else -90, 270 if side == 0 else 90, fill=255, width=max(1, int(0.01 * s)))
        img = img + 0.12 * mask_array(m, 0.5 * s / 128) * lung
    return img


def render(rng, label: int, size: int) -> Image.Image:
    img, lung, boxes = _anatomy(rng, size)
    if LABELS[label] == "routine":
        img = _routine(rng, size, img, lung, boxes)
    elif LABELS[label] == "urgent":
        img = _urgent(rng, size, img, lung, boxes)
    img = img + rng.uniform(0.01, 0.04) * smooth_noise(rng, size, size, 4)
    img = np.clip(img, 0, 1) ** rng.uniform(0.8, 1.25)
    img = img * rng.uniform(0.85, 1.1) + rng.uniform(-0.05, 0.05)
    img = img + rng.uniform(0.005, 0.025) * rng.standard_normal(img.shape)
    return Image.fromarray((np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8), "L")


def dataset(seed: int, n_per_class: int, out_size=128):
    """uint8 [N, out_size, out_size] grayscale images and int labels [N] (balanced, shuffled)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(LABELS)), n_per_class)
    rng.shuffle(labels)
    xs = np.empty((len(labels), out_size, out_size), np.uint8)
    for i, c in enumerate(labels):
        img = render(rng, int(c), int(rng.integers(128, 257)))
        if img.size[0] != out_size:
            img = img.resize((out_size, out_size), Image.BILINEAR, reducing_gap=None)
        if rng.random() < 0.2:
            img = jpeg_roundtrip(img, rng.integers(70, 96))
        xs[i] = np.asarray(img)
    return xs, labels
