#!/usr/bin/env python3
"""Generates the Imaging test fixtures and, with Pillow as the reference, the outputs the
Swift decoder and preprocessing must reproduce.

Run from anywhere: `python3 Tests/ImagingTests/Fixtures/make_fixtures.py` (needs the pinned
pillow from Tests/integration/requirements.txt and numpy). Deterministic: the same Pillow
gives byte-identical files. Writes images, expected arrays (.npy) and manifest.json, which
lists every case the Swift tests run.

Reference pipeline (what "matches Pillow" means):
    im = ImageOps.exif_transpose(Image.open(path))
    im = im.convert("RGB" or "L")         # alpha: composited over white/black by hand,
                                          # since convert() would just drop it
    im = im.resize((w, h), Image.BILINEAR)  # or shorter-side resize + centre crop
    x = np.asarray(im, np.float32) / 255  # 16-bit gray: mode "F" resize of v / 65535
    x = (x - mean) / std, transposed to [1, C, H, W]
"""
import io
import json
import math
import os
import struct
import zlib

import numpy as np
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
manifest = {"decode": [], "errors": [], "preprocess": [], "resize": []}


def path(name):
    return os.path.join(HERE, name)


def save_npy(name, array):
    np.save(path(name), np.ascontiguousarray(array))


def scene(w, h, seed):
    """A smooth colour scene with edges and mild noise: realistic for JPEG, small as PNG."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 128 + 100 * np.sin(x / w * 6.28 * 1.5) * np.cos(y / h * 3.14)
    g = 255 * x / max(w - 1, 1)
    b = 255 * y / max(h - 1, 1)
    img = np.stack([r, g, b], axis=-1)
    img[(x > w * 0.6) & (y < h * 0.4)] = [250, 20, 30]  # a sharp-edged block: resize must blur it right
    img += rng.normal(0, 6, img.shape)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def reference(im, channels, alpha_bg=255):
    """exif_transpose + channel conversion, as the Swift decoder + converter do."""
    im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "P", "PA") or (im.mode in ("RGB", "L") and "transparency" in im.info):
        rgba = np.asarray(im.convert("RGBA"), np.uint32)
        a = rgba[..., 3:4]
        rgb = (rgba[..., :3] * a + alpha_bg * (255 - a) + 127) // 255
        im = Image.fromarray(rgb.astype(np.uint8), "RGB")
    return im.convert("L" if channels == 1 else "RGB")


def geometry(src_w, src_h, w, h, mode):
    if mode == "stretch":
        return (w, h), (0, 0)
    scale = max(w / src_w, h / src_h)
    rw = max(w, math.floor(src_w * scale + 0.5))
    rh = max(h, math.floor(src_h * scale + 0.5))
    return (rw, rh), ((rw - w) // 2, (rh - h) // 2)


def add_decode(name, channels, alpha_bg=255):
    im = reference(Image.open(path(name)), channels, alpha_bg)
    out = f"{name}.decoded{channels}{'white' if alpha_bg == 255 else 'black'}.npy"
    save_npy(out, np.asarray(im, np.uint8))
    manifest["decode"].append({"file": name, "channels": channels, "expected": out,
                               "background": "white" if alpha_bg == 255 else "black"})


def add_preprocess(case, name, w, h, channels, mean, std, mode):
    src = Image.open(path(name))
    if src.mode == "I;16":  # 16-bit: resize in float, like the Swift Float path
        f = ImageOps.exif_transpose(src)
        arr = np.asarray(f, np.float32) / 65535.0
        size, (cx, cy) = geometry(arr.shape[1], arr.shape[0], w, h, mode)
        r = np.asarray(Image.fromarray(arr, "F").resize(size, Image.BILINEAR), np.float32)
        x = r[cy:cy + h, cx:cx + w][..., None]
        resized = None
    else:
        im = reference(src, channels)
        size, (cx, cy) = geometry(im.width, im.height, w, h, mode)
        r = np.asarray(im.resize(size, Image.BILINEAR), np.uint8)
        r = r[cy:cy + h, cx:cx + w]
        if r.ndim == 2:
            r = r[..., None]
        resized = f"{case}.resized.npy"
        save_npy(resized, r)
        x = r.astype(np.float32) / 255.0
    m = np.array(mean, np.float32).reshape(1, 1, -1)
    s = np.array(std, np.float32).reshape(1, 1, -1)
    x = ((x - m) / s).transpose(2, 0, 1)[None].astype(np.float32)
    out = f"{case}.tensor.npy"
    save_npy(out, x)
    manifest["preprocess"].append({"case": case, "file": name, "width": w, "height": h, "channels": channels,
                                   "mean": mean, "std": std, "resize": mode, "expected": out, "resized": resized})


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def exif_with_orientation(n):
    e = Image.Exif()
    e[0x0112] = n
    return e.tobytes()


def main():
    for f in os.listdir(HERE):
        if f.endswith((".npy", ".jpg", ".png", ".bin", ".json")):
            os.remove(path(f))

    base = scene(64, 48, 1)
    Image.fromarray(base).save(path("rgb.jpg"), quality=90)
    Image.fromarray(base).save(path("rgb_progressive.jpg"), quality=90, progressive=True)
    Image.fromarray(base).convert("L").save(path("gray.jpg"), quality=90)
    Image.fromarray(base).save(path("rgb.png"))
    Image.fromarray(base).convert("L").save(path("gray.png"))
    # 16-bit gray: a ramp using the whole 0…65535 range, low bits set (precision check).
    y, x = np.mgrid[0:30, 0:40]
    g16 = ((x * 1601 + y * 37 + (x * y) % 251) % 65536).astype(np.uint16)
    Image.fromarray(g16).save(path("gray16.png"))  # uint16 → mode "I;16"
    # Palette + alpha: 4 colours, one fully transparent, one half transparent.
    pal = Image.fromarray((np.add.outer(np.arange(20) // 5, np.arange(24) // 6) % 4).astype(np.uint8), "P")
    pal.putpalette([255, 0, 0, 0, 255, 0, 0, 0, 255, 40, 40, 40] + [0] * (256 * 3 - 12))
    pal.info["transparency"] = bytes([255, 0, 128, 255])
    pal.save(path("palette_alpha.png"), transparency=bytes([255, 0, 128, 255]))
    rgba = np.dstack([base[:20, :24], (np.arange(20 * 24).reshape(20, 24) * 7 % 256).astype(np.uint8)])
    Image.fromarray(rgba, "RGBA").save(path("rgba.png"))

    for name, c in [("rgb.jpg", 3), ("rgb_progressive.jpg", 3), ("gray.jpg", 1), ("rgb.png", 3),
                    ("gray.png", 1), ("palette_alpha.png", 3), ("rgba.png", 3), ("rgb.jpg", 1), ("gray.png", 3)]:
        add_decode(name, c)
    add_decode("palette_alpha.png", 3, alpha_bg=0)
    add_decode("rgba.png", 3, alpha_bg=0)

    # EXIF orientation: a small asymmetric image stored with each tag; JPEG APP1 and PNG eXIf.
    small = scene(12, 8, 2)
    for n in range(1, 9):
        Image.fromarray(small).save(path(f"orient{n}.jpg"), quality=95, exif=exif_with_orientation(n))
        Image.fromarray(small).save(path(f"orient{n}.png"), exif=exif_with_orientation(n))
        add_decode(f"orient{n}.jpg", 3)
        add_decode(f"orient{n}.png", 3)

    # Scaled IDCT: Pillow's draft() asks libjpeg for the same 1/2, 1/4, 1/8 scales.
    for w, h in [(32, 24), (16, 12), (8, 6), (9, 6)]:
        im = Image.open(path("rgb.jpg"))
        im.draft("RGB", (w, h))
        out = f"rgb.jpg.draft{w}x{h}.npy"
        save_npy(out, np.asarray(im.convert("RGB"), np.uint8))
        manifest["decode"].append({"file": "rgb.jpg", "channels": 3, "expected": out, "minimum": [w, h],
                                   "background": "white"})

    # Preprocessing: the Pillow reference end to end.
    imagenet = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
    add_preprocess("rgb_jpg_stretch", "rgb.jpg", 20, 15, 3, *imagenet, "stretch")
    add_preprocess("rgb_png_crop", "rgb.png", 16, 16, 3, *imagenet, "shorter_side_crop")
    add_preprocess("rgb_png_crop_wide", "rgb.png", 30, 10, 3, [0.5], [0.25], "shorter_side_crop")
    add_preprocess("gray_from_rgb", "rgb.png", 12, 10, 1, [0.5], [0.5], "stretch")
    add_preprocess("rgb_from_gray", "gray.png", 12, 10, 3, [0.0], [1.0], "stretch")
    add_preprocess("upscale", "gray.png", 100, 70, 1, [0.0], [1.0], "stretch")
    add_preprocess("orient6_crop", "orient6.png", 6, 6, 3, [0.0], [1.0], "shorter_side_crop")
    add_preprocess("palette_alpha", "palette_alpha.png", 10, 10, 3, [0.0], [1.0], "stretch")
    add_preprocess("gray16_stretch", "gray16.png", 16, 12, 1, [0.5], [0.2], "stretch")
    add_preprocess("gray16_crop", "gray16.png", 9, 9, 1, [0.0], [1.0], "shorter_side_crop")

    # Resize alone, many ratios, on a lossless source so only the resampler is compared.
    big = scene(160, 120, 3)
    Image.fromarray(big).save(path("scene160.png"))
    for w, h in [(37, 29), (80, 60), (160, 120), (200, 150), (13, 7), (1, 1), (159, 3), (101, 119)]:
        out = f"scene160.resize{w}x{h}.npy"
        save_npy(out, np.asarray(Image.fromarray(big).resize((w, h), Image.BILINEAR), np.uint8))
        manifest["resize"].append({"file": "scene160.png", "width": w, "height": h, "expected": out})

    # Damaged and hostile inputs, with the error kind and a message fragment expected.
    jpg = open(path("rgb.jpg"), "rb").read()
    png = open(path("rgb.png"), "rb").read()
    open(path("rgb_truncated.jpg"), "wb").write(jpg[: len(jpg) * 6 // 10])
    open(path("rgb_truncated.png"), "wb").write(png[: len(png) * 6 // 10])
    idat = png.index(b"IDAT")
    flipped = bytearray(png)
    flipped[idat + 4 + 40] ^= 0x10  # a bit inside IDAT's data: zlib sees it before the CRC
    open(path("rgb_bitflip.png"), "wb").write(bytes(flipped))
    idat_len = struct.unpack(">I", png[idat - 4:idat])[0]
    flipped = bytearray(png)
    flipped[idat + 4 + idat_len] ^= 0x01  # a bit of IDAT's CRC: data intact, checksum wrong
    open(path("rgb_bitflip_crc.png"), "wb").write(bytes(flipped))
    dht = jpg.index(b"\xff\xc4")
    flipped = bytearray(jpg)
    flipped[dht + 5 + 8] ^= 0x80  # a Huffman code-length count: the table becomes impossible
    open(path("rgb_bitflip_dht.jpg"), "wb").write(bytes(flipped))
    sos = jpg.index(b"\xff\xda")
    cut = sos + 200
    open(path("rgb_eoi_in_scan.jpg"), "wb").write(jpg[:cut] + b"\xff\xd9" + jpg[cut + 2:])
    Image.new("CMYK", (8, 8), (10, 20, 30, 40)).save(path("cmyk.jpg"))
    # A bomb: IHDR declares 20000×20000 RGB (1.2 GB decoded), followed by one small IDAT.
    ihdr = struct.pack(">IIBBBBB", 20000, 20000, 8, 2, 0, 0, 0)
    row = b"\x00" + b"\x00" * (20000 * 3)
    bomb = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(row * 16, 9))
            + png_chunk(b"IEND", b""))
    open(path("bomb_20000.png"), "wb").write(bomb)
    open(path("not_an_image.bin"), "wb").write(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    manifest["errors"] = [
        {"file": "rgb_truncated.jpg", "kind": "corrupt", "message": "JPEG: premature end of data"},
        {"file": "rgb_truncated.png", "kind": "corrupt", "message": "PNG: premature end of data"},
        {"file": "rgb_bitflip.png", "kind": "corrupt", "message": "PNG: IDAT: "},
        {"file": "rgb_bitflip_crc.png", "kind": "corrupt", "message": "PNG: IDAT: CRC error"},
        {"file": "rgb_bitflip_dht.jpg", "kind": "corrupt", "message": "JPEG: Bogus Huffman table definition"},
        {"file": "rgb_eoi_in_scan.jpg", "kind": "corrupt", "message": "JPEG: Corrupt JPEG data"},
        {"file": "cmyk.jpg", "kind": "unsupportedType", "message": "CMYK"},
        {"file": "bomb_20000.png", "kind": "tooLarge", "message": "20000×20000"},
        {"file": "not_an_image.bin", "kind": "unsupportedType", "message": "not a JPEG or PNG"},
    ]
    with open(path("manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
