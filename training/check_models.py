"""Re-checks the shipped models without retraining: every sample in models/<name>/samples is
run through the reference preprocessing on onnxruntime (source/model.onnx) and on Kiln
(1/model.kiln via `kiln infer`), and both must give the answer in samples/expected.json
(Kiln within 1e-4 of onnxruntime). Usage: python training/check_models.py"""
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import MODELS, kiln_check, ort_run  # noqa: E402
from images_common import load_for_model  # noqa: E402


def check_images(name, mode):
    d = MODELS / name
    p = json.loads((d / "config.json").read_text())["parameters"]
    exp = json.loads((d / "samples" / "expected.json").read_text())["samples"]
    xs = []
    for f, e in exp.items():
        x = load_for_model(d / "samples" / f, mode, p["image"]["mean"], p["image"]["std"])
        prob = ort_run(d / "source" / "model.onnx", {"image": x})[0][0]
        got = p["labels"][int(prob.argmax())]
        assert got == e["label"], (name, f, got, e["label"])
        assert np.allclose(prob, [e["probabilities"][l] for l in p["labels"]], atol=1e-3), (name, f)
        xs.append(x)
    kiln_check(d / "1" / "model.kiln", d / "source" / "model.onnx", {"image": np.concatenate(xs)})
    print(f"{name}: {len(exp)} samples ok")


def check_fraud():
    import train_fraud as tf
    from data import transactions as T
    d = MODELS / "fraud_scoring"
    p = json.loads((d / "config.json").read_text())["parameters"]
    tf.SPEC[:] = p["features"]
    exp = json.loads((d / "samples" / "expected.json").read_text())["samples"]
    for f, e in exp.items():
        body = json.loads((d / "samples" / f).read_text())
        recs = body["records"] if "records" in body else [body]
        e = e if isinstance(e, list) else [e]
        n, c = tf.encode({k: np.array([r[k] for r in recs], dtype=object) for k in T.FIELDS})
        prob = ort_run(d / "source" / "model.onnx", {"numeric": n, "categorical": c})[0][:, 0]
        for pr, ee in zip(prob, e):
            assert abs(pr - ee["fraud_probability"]) < 1e-5, (f, pr, ee)
        kiln_check(d / "1" / "model.kiln", d / "source" / "model.onnx", {"numeric": n, "categorical": c})
    print(f"fraud_scoring: {len(exp)} sample files ok")


def check_reco():
    d = MODELS / "recommendation"
    p = json.loads((d / "config.json").read_text())["parameters"]
    items = json.loads((d / "items.json").read_text())
    exp = json.loads((d / "samples" / "expected.json").read_text())["samples"]
    for f, e in exp.items():
        r = json.loads((d / "samples" / f).read_text())
        uid = r.get("user_id")
        u = uid if uid is not None and 1 <= uid <= p["users"] else 0
        recent = r.get("recent_items", [])
        h = [int(x[1:]) for x in recent][-p["history_length"]:]
        h = [0] * (p["history_length"] - len(h)) + h
        feeds = {"user": np.array([[u]], np.int64), "history": np.array([h], np.int64)}
        s = ort_run(d / "source" / "model.onnx", feeds)[0][0]
        top = [items[j]["item_id"] for j in np.argsort(-s, kind="stable")
               if not (r.get("exclude_seen") and items[j]["item_id"] in recent)
               and (not r.get("category") or items[j]["category"] == r["category"])][:r.get("k", p["default_k"])]
        assert top == e["top_items"], (f, top, e["top_items"])
        kiln_check(d / "1" / "model.kiln", d / "source" / "model.onnx", feeds)
    print(f"recommendation: {len(exp)} samples ok")


if __name__ == "__main__":
    check_images("defect_detection", "RGB")
    check_images("medical_triage", "L")
    check_fraud()
    check_reco()
