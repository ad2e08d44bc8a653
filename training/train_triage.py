"""medical_triage: small ResNet-style CNN on synthetic radiograph-like images (data/radiograph.py)."""
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import MODELS, kiln_check, kiln_convert, log, ort_run, write_json  # noqa: E402
from images_common import channel_stats, evaluate, flip_augment, load_for_model, normalise  # noqa: E402
import cnn  # noqa: E402
from data import radiograph  # noqa: E402

NAME = "medical_triage"
LABELS = radiograph.LABELS
QUICK = os.environ.get("QUICK") == "1"
N_TRAIN, N_VAL, N_TEST = (40, 20, 20) if QUICK else (800, 100, 150)
EPOCHS = 1 if QUICK else int(os.environ.get("EPOCHS", 16))


def build():
    B = cnn.BasicBlock
    blocks = [
        cnn.ConvBN("stem", 1, 12, 3, 2, 1, "relu"),   # 64x64
        B("layer1", 12, 16, 2),                      # 32x32
        B("layer2", 16, 32, 2),                      # 16x16
        B("layer3", 32, 48, 2),                      # 8x8
    ]
    return cnn.Net(blocks, 48, len(LABELS))


def hflip(rng, x):
    """Mirror left/right only (anatomy is not upside down)."""
    x = x.copy()
    m = rng.random(len(x)) < 0.5
    x[m] = x[m][:, :, :, ::-1]
    return x


def choose_threshold(p, y, target=0.97):
    """Smallest T (0.40..0.95) for which the cases with max probability >= T reach `target`
    accuracy on validation; falls back to 0.9."""
    conf, pred = p.max(1), p.argmax(1)
    for t in np.arange(0.40, 0.951, 0.01):
        keep = conf >= t
        if keep.sum() and (pred[keep] == y[keep]).mean() >= target:
            return round(float(t), 2)
    return 0.9


def review_stats(p, y, t):
    conf, pred = p.max(1), p.argmax(1)
    keep = conf >= t
    urgent = y == 0
    return {"threshold": t, "needs_review_share": round(float(1 - keep.mean()), 4),
            "accuracy_without_review": round(float((pred[keep] == y[keep]).mean()), 4) if keep.any() else None,
            "urgent_recall": round(float((pred[urgent] == 0).mean()), 4),
            "urgent_missed_without_review_flag": int(((pred != 0) & urgent & keep).sum())}


def main():
    out = MODELS / NAME
    t0 = time.time()
    Xtr, Ytr = radiograph.dataset(401, N_TRAIN)
    Xva, Yva = radiograph.dataset(402, N_VAL)
    Xte, Yte = radiograph.dataset(403, N_TEST)
    mean, std = channel_stats(Xtr)
    log(f"train {len(Xtr)} val {len(Xva)} test {len(Xte)}; mean {mean} std {std} ({time.time() - t0:.0f}s)")
    xtr, xva, xte = (normalise(a, mean, std) for a in (Xtr, Xva, Xte))

    net = build()
    P, S, hist = cnn.train(net, xtr, Ytr, xva, Yva, epochs=EPOCHS, batch=64, lr=3e-3, seed=17, augment=hflip)
    log(f"params {cnn.n_params(P)}")

    import onnx
    (out / "source").mkdir(parents=True, exist_ok=True)
    onnx_path = out / "source" / "model.onnx"
    onnx.save(net.export(P, S, NAME, "image", [None, 1, 128, 128], "probabilities",
                         "Radiograph worklist triage (ResNet-style), synthetic training data; decision support only"), onnx_path)
    run = lambda x: np.concatenate([ort_run(onnx_path, {"image": x[i:i + 64]})[0] for i in range(0, len(x), 64)])  # noqa: E731
    p_te, p_va = run(xte), run(xva)
    log(f"JAX vs onnxruntime max abs err {np.abs(cnn.predict(net, P, S, xte) - p_te).max():.2e}")
    T = choose_threshold(p_va, Yva)
    test, val = evaluate(p_te, Yte, LABELS), evaluate(p_va, Yva, LABELS)
    test["review"], val["review"] = review_stats(p_te, Yte, T), review_stats(p_va, Yva, T)
    log("test", json.dumps(test))

    kiln_path = out / "1" / "model.kiln"
    kiln_path.parent.mkdir(parents=True, exist_ok=True)
    kiln_convert(onnx_path, kiln_path, NAME, {"labels": ",".join(LABELS), "source": "training/train_triage.py"})
    err = kiln_check(kiln_path, onnx_path, {"image": xte[:8]})

    write_json(out / "config.json", {
        "kind": "medical_triage", "max_batch_size": 8, "dynamic_batching": {"max_queue_delay_us": 1000},
        "parameters": {"labels": LABELS, "review_threshold": T,
                       "image": {"width": 128, "height": 128, "channels": 1, "mean": mean, "std": std}}})

    sd = out / "samples"
    sd.mkdir(exist_ok=True)
    for f in sd.iterdir():
        f.unlink()
    want = [("urgent_01.png", "urgent"), ("routine_01.png", "routine"), ("normal_01.png", "normal"),
            ("urgent_02.jpg", "urgent")]
    rng = np.random.default_rng(4242)
    expected = {}
    for fname, label in want:
        for attempt in range(50):
            img = radiograph.render(rng, LABELS.index(label), 224)
            path = sd / fname
            if fname.endswith(".jpg"):   # an RGB JPEG, as a PACS export or a phone photo would be
                img.convert("RGB").save(path, quality=90)
            else:
                img.save(path, optimize=True)
            x = load_for_model(path, "L", mean, std)
            p = ort_run(onnx_path, {"image": x})[0][0]
            if LABELS[int(p.argmax())] == label and p.max() >= max(T, 0.8) and path.stat().st_size < 100_000 or QUICK:
                break
        else:
            raise SystemExit(f"no correctly classified sample for {label}")
        expected[fname] = {"label": label, "needs_review": bool(p.max() < T),
                           "probabilities": {l: round(float(v), 4) for l, v in zip(LABELS, p)}}
        log(f"sample {fname}: {expected[fname]['probabilities']} ({path.stat().st_size} bytes)")
    write_json(sd / "expected.json", {
        "preprocessing": "Pillow: Image.open(f).convert('L') (RGB input -> ITU-R 601-2 luma), "
                         ".resize((128, 128), Image.BILINEAR, reducing_gap=None); x = pixel/255; x = (x - mean)/std "
                         "(config.json image.mean/std); NCHW float32 [1, 1, 128, 128]",
        "reference": "onnxruntime on source/model.onnx", "samples": expected})

    write_json(out / "source" / "metrics.json", {
        "model": NAME, "params": cnn.n_params(P), "epochs": EPOCHS, "history": hist,
        "data": {"train": len(Xtr), "val": len(Xva), "test": len(Xte), "seeds": [401, 402, 403]},
        "mean": mean, "std": std, "review_threshold": T, "val": val, "test": test,
        "kiln_vs_onnxruntime_max_abs_err": err, "onnx_bytes": onnx_path.stat().st_size,
        "kiln_bytes": kiln_path.stat().st_size, "train_seconds": round(time.time() - t0)})
    log(f"done in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
