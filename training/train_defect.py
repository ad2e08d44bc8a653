"""defect_detection: MobileNetV2-style CNN on synthetic steel surfaces (data/steel.py)."""
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
from data import steel  # noqa: E402

NAME = "defect_detection"
LABELS = steel.LABELS
QUICK = os.environ.get("QUICK") == "1"
N_TRAIN, N_VAL, N_TEST = (60, 20, 20) if QUICK else (350, 60, 100)
EPOCHS = 1 if QUICK else int(os.environ.get("EPOCHS", 12))
THRESHOLD = 0.5


def build():
    C = cnn.ConvBN
    IR = cnn.InvertedResidual
    blocks = [
        C("stem", 3, 16, 3, 2, 1, "relu6"),   # 64x64
        IR("b1", 16, 16, 1, 2),               # 32x32
        IR("b2", 16, 24, 4, 2),               # 16x16
        IR("b3", 24, 24, 4, 1),
        IR("b4", 24, 32, 4, 2),               # 8x8
        IR("b5", 32, 32, 4, 1),
        IR("b6", 32, 64, 4, 2),               # 4x4
        C("head", 64, 128, 1, 1, 1, "relu6"),
    ]
    return cnn.Net(blocks, 128, len(LABELS))


def main():
    out = MODELS / NAME
    t0 = time.time()
    log("generating data")
    Xtr, Ytr = steel.dataset(101, N_TRAIN)
    Xva, Yva = steel.dataset(102, N_VAL)
    Xte, Yte = steel.dataset(103, N_TEST)
    mean, std = channel_stats(Xtr)
    log(f"train {len(Xtr)} val {len(Xva)} test {len(Xte)}; mean {mean} std {std} ({time.time() - t0:.0f}s)")
    xtr, xva, xte = (normalise(a, mean, std) for a in (Xtr, Xva, Xte))

    net = build()
    P, S, hist = cnn.train(net, xtr, Ytr, xva, Yva, epochs=EPOCHS, batch=64, lr=3e-3, seed=7,
                           augment=flip_augment)
    log(f"params {cnn.n_params(P)}")

    # export, then evaluate the exported graph itself with onnxruntime
    (out / "source").mkdir(parents=True, exist_ok=True)
    onnx_path = out / "source" / "model.onnx"
    import onnx
    model = net.export(P, S, NAME, "image", [None, 3, 128, 128], "probabilities",
                       "Steel surface defect classifier (MobileNetV2-style), synthetic training data")
    onnx.save(model, onnx_path)
    p_jax = cnn.predict(net, P, S, xte)
    p_ort = np.concatenate([ort_run(onnx_path, {"image": xte[i:i + 64]})[0] for i in range(0, len(xte), 64)])
    log(f"JAX vs onnxruntime max abs err {np.abs(p_jax - p_ort).max():.2e}")
    test = evaluate(p_ort, Yte, LABELS)
    val = evaluate(np.concatenate([ort_run(onnx_path, {"image": xva[i:i + 64]})[0] for i in range(0, len(xva), 64)]), Yva, LABELS)
    dp = 1 - p_ort[:, LABELS.index("none")]
    is_def = Yte != LABELS.index("none")
    pred_def = dp >= THRESHOLD
    test["defective_vs_ok"] = {
        "threshold": THRESHOLD,
        "accuracy": round(float((pred_def == is_def).mean()), 4),
        "defect_recall": round(float(pred_def[is_def].mean()), 4),
        "false_alarm_rate": round(float(pred_def[~is_def].mean()), 4)}
    log("test", json.dumps(test))

    kiln_path = out / "1" / "model.kiln"
    kiln_path.parent.mkdir(parents=True, exist_ok=True)
    kiln_convert(onnx_path, kiln_path, NAME, {"labels": ",".join(LABELS), "source": "training/train_defect.py"})
    err = kiln_check(kiln_path, onnx_path, {"image": xte[:8]})

    write_json(out / "config.json", {
        "kind": "defect_detection", "max_batch_size": 8, "dynamic_batching": {"max_queue_delay_us": 1000},
        "parameters": {"labels": LABELS, "ok_label": "none", "threshold": THRESHOLD,
                       "image": {"width": 128, "height": 128, "channels": 3, "mean": mean, "std": std}}})

    # samples: rendered at 200x200 from their own seed, kept only if the reference pipeline
    # (file -> Pillow decode -> resize -> normalise -> onnxruntime) classifies them correctly
    sd = out / "samples"
    sd.mkdir(exist_ok=True)
    for f in sd.iterdir():
        f.unlink()
    want = [("none_01.jpg", "none"), ("scratches_01.jpg", "scratches"), ("pitted_surface_01.jpg", "pitted_surface"),
            ("patches_01.jpg", "patches"), ("crazing_01.png", "crazing")]
    rng = np.random.default_rng(2024)
    expected = {}
    for fname, label in want:
        for attempt in range(50):
            size = 200 if fname.endswith(".jpg") else 176
            img = steel.render(rng, LABELS.index(label), size)
            path = sd / fname
            img.save(path, **({"quality": 90} if fname.endswith(".jpg") else {"optimize": True}))
            x = load_for_model(path, "RGB", mean, std)
            p = ort_run(onnx_path, {"image": x})[0][0]
            if LABELS[int(p.argmax())] == label and p.max() >= 0.8 and path.stat().st_size < 100_000 or QUICK:
                break
        else:
            raise SystemExit(f"no correctly classified sample for {label}")
        defect_p = 1 - float(p[LABELS.index("none")])
        expected[fname] = {"label": label, "defective": defect_p >= THRESHOLD,
                           "defect_probability": round(defect_p, 4),
                           "probabilities": {l: round(float(v), 4) for l, v in zip(LABELS, p)}}
        log(f"sample {fname}: {expected[fname]['probabilities']} ({path.stat().st_size} bytes)")
    write_json(sd / "expected.json", {
        "preprocessing": "Pillow: Image.open(f).convert('RGB').resize((128, 128), Image.BILINEAR, reducing_gap=None); "
                         "x = pixel/255; x = (x - mean)/std per channel (config.json image.mean/std); NCHW float32",
        "reference": "onnxruntime on source/model.onnx", "samples": expected})

    report = {"model": NAME, "params": cnn.n_params(P), "epochs": EPOCHS, "history": hist,
              "data": {"train": len(Xtr), "val": len(Xva), "test": len(Xte), "seeds": [101, 102, 103]},
              "mean": mean, "std": std, "val": val, "test": test, "kiln_vs_onnxruntime_max_abs_err": err,
              "onnx_bytes": onnx_path.stat().st_size, "kiln_bytes": kiln_path.stat().st_size,
              "train_seconds": round(time.time() - t0)}
    write_json(out / "source" / "metrics.json", report)
    log(f"done in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
