"""Small numpy/Pillow drawing helpers shared by the image generators."""
import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def smooth_noise(rng, h, w, cells):
    """Value noise: a (cells x cells) random grid, bicubically upsampled to h x w, ~N(0,1)."""
    cells = max(2, int(cells))
    g = rng.standard_normal((cells, cells)).astype(np.float32)
    img = Image.fromarray(g, mode="F").resize((w, h), Image.BICUBIC)
    a = np.asarray(img, np.float32)
    return (a - a.mean()) / (a.std() + 1e-6)


def blank_mask(size):
    m = Image.new("L", (size, size), 0)
    return m, ImageDraw.Draw(m)


def mask_array(m, blur=0.0):
    if blur > 0:
        m = m.filter(ImageFilter.GaussianBlur(blur))
    return np.asarray(m, np.float32) / 255.0


def jpeg_roundtrip(img, quality):
    import io
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=int(quality))
    buf.seek(0)
    return Image.open(buf).convert(img.mode)
