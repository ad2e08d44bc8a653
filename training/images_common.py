"""Shared pieces of the two image-model scripts: preprocessing, evaluation, samples."""
import numpy as np
from PIL import Image

from common import log, macro_f1, confusion, ort_run, resize_for_model


def normalise(u8_nhwc, mean, std):
    """uint8 [N, H, W, C] -> float32 [N, C, H, W]: (pixel/255 - mean) / std per channel."""
    x = u8_nhwc.astype(np.float32) / 255.0
    if x.ndim == 3:
        x = x[..., None]
    x = (x - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def channel_stats(u8_nhwc):
    x = u8_nhwc.astype(np.float64) / 255.0
    if x.ndim == 3:
        x = x[..., None]
    return [round(float(v), 4) for v in x.mean((0, 1, 2))], [round(float(v), 4) for v in x.std((0, 1, 2))]


def flip_augment(rng, x):
    x = x.copy()
    m = rng.random(len(x)) < 0.5
    x[m] = x[m][:, :, :, ::-1]
    m = rng.random(len(x)) < 0.5
    x[m] = x[m][:, :, ::-1, :]
    return x


def evaluate(probs, y, labels):
    pred = probs.argmax(1)
    f1, per = macro_f1(y, pred, len(labels))
    return {"n": int(len(y)), "accuracy": round(float((pred == y).mean()), 4), "macro_f1": round(f1, 4),
            "per_class_f1": {l: round(v, 4) for l, v in zip(labels, per)},
            "confusion": confusion(y, pred, len(labels)), "confusion_order": labels}


def load_for_model(path, mode, mean, std, size=128):
    """Reference preprocessing for a sample file: Pillow decode, convert to RGB (or L),
    resize 128x128 bilinear (reducing_gap=None), /255, (x - mean)/std, NCHW batch of 1."""
    img = Image.open(path).convert(mode)
    img = resize_for_model(img, size)
    return normalise(np.asarray(img)[None], mean, std)
