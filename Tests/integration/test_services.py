"""The four industry endpoints end to end over a real socket, with the shipped models and
their samples (models/<name>/samples): labels and decisions as the samples' expected.json
and file names say, and Kiln's numbers equal to onnxruntime's on the exported ONNX
(models/<name>/source/model.onnx) with the same pre-processing done in Python. Then bad
input per endpoint: each a precise 4xx, and the server keeps serving."""

from __future__ import annotations

import base64
import http.client
import io
import json
import math
import struct
import uuid
import zlib
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image

from conftest import SHARED_CONFIG, launch

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"

# Image models: Kiln's resize agrees with Pillow's BILINEAR within one uint8 step and its
# libjpeg-turbo may round the IDCT differently from Pillow's bundled build; after the CNN
# that moves probabilities by a few 1e-4 at most. Tabular models see identical inputs.
IMAGE_ATOL = 3e-3
TABULAR_ATOL = 1e-4 + 1e-6  # engine bound + the answer's 6-decimal rounding


@pytest.fixture(scope="module")
def services():
    srv = launch({**SHARED_CONFIG, "models": str(MODELS), "access_log": False, "max_body_bytes": 8 << 20})
    yield srv
    srv.kill()


def post(srv, path, body: bytes, content_type: str):
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=60)
    conn.request("POST", path, body=body, headers={"Content-Type": content_type})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, json.loads(data) if data else None


def config(model: str) -> dict:
    return json.loads((MODELS / model / "config.json").read_text())


_sessions: dict[str, ort.InferenceSession] = {}


def reference(model: str, feeds: dict) -> list[np.ndarray]:
    if model not in _sessions:
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        _sessions[model] = ort.InferenceSession(str(MODELS / model / "source" / "model.onnx"), so,
                                                providers=["CPUExecutionProvider"])
    return _sessions[model].run(None, feeds)


def preprocess(path: Path, spec: dict) -> np.ndarray:
    """Pillow reference: decode, EXIF-transpose, convert, BILINEAR resize, normalise."""
    from PIL import ImageOps
    img = ImageOps.exif_transpose(Image.open(path))
    img = img.convert("L" if spec.get("channels", 3) == 1 else "RGB")
    img = img.resize((spec["width"], spec["height"]), Image.BILINEAR)
    x = np.asarray(img, dtype=np.float32) / 255.0
    x = x[None] if x.ndim == 2 else x.transpose(2, 0, 1)
    mean = np.array(spec["mean"], dtype=np.float32).reshape(-1, 1, 1)
    std = np.array(spec["std"], dtype=np.float32).reshape(-1, 1, 1)
    return ((x - mean) / std)[None].astype(np.float32)


def image_samples(model: str):
    d = MODELS / model / "samples"
    return sorted(p for p in d.iterdir() if p.suffix in (".jpg", ".png")) if d.is_dir() else []


def true_class(path: Path) -> str:
    return path.stem.rsplit("_", 1)[0]


@pytest.mark.parametrize("sample", image_samples("defect_detection"), ids=lambda p: p.name)
def test_defect_detection_samples(services, sample):
    cfg = config("defect_detection")["parameters"]
    kind = "image/png" if sample.suffix == ".png" else "image/jpeg"
    status, answer = post(services, "/v1/defect-detection", sample.read_bytes(), kind)
    assert status == 200, answer
    truth = true_class(sample)
    assert answer["label"] == truth and answer["defective"] == (truth != cfg["ok_label"]), answer
    (probs,) = reference("defect_detection", {"image": preprocess(sample, cfg["image"])})
    got = np.array([answer["scores"][label] for label in cfg["labels"]], dtype=np.float32)
    assert np.abs(got - probs[0]).max() <= IMAGE_ATOL, (got, probs[0])
    assert math.isclose(answer["score"], 1 - float(probs[0][cfg["labels"].index(cfg["ok_label"])]), abs_tol=IMAGE_ATOL)


@pytest.mark.parametrize("sample", image_samples("medical_triage"), ids=lambda p: p.name)
def test_medical_triage_samples(services, sample):
    cfg = config("medical_triage")["parameters"]
    # Multipart, as a browser form or `curl -F` sends it.
    boundary = uuid.uuid4().hex
    kind = "image/png" if sample.suffix == ".png" else "image/jpeg"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{sample.name}\"\r\n"
            f"Content-Type: {kind}\r\n\r\n").encode() + sample.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    status, answer = post(services, "/v1/medical-triage", body, f"multipart/form-data; boundary={boundary}")
    assert status == 200, answer
    assert answer["priority"] == true_class(sample), answer
    assert "not a diagnosis" in answer["notice"]
    (probs,) = reference("medical_triage", {"image": preprocess(sample, cfg["image"])})
    got = np.array([answer["probabilities"][label] for label in cfg["labels"]], dtype=np.float32)
    assert np.abs(got - probs[0]).max() <= IMAGE_ATOL
    assert answer["needs_review"] == (float(probs[0].max()) < cfg["review_threshold"])


def test_base64_json_image_equals_raw(services):
    sample = image_samples("defect_detection")[0]
    kind = "image/png" if sample.suffix == ".png" else "image/jpeg"
    _, raw = post(services, "/v1/defect-detection", sample.read_bytes(), kind)
    data_url = f"data:{kind};base64," + base64.b64encode(sample.read_bytes()).decode()
    status, via_json = post(services, "/v1/defect-detection", json.dumps({"image": data_url}).encode(), "application/json")
    assert status == 200 and via_json == raw


def encode_fraud(record: dict, specs: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    numeric, categorical = [], []
    for s in specs:
        v = record.get(s["name"], s.get("default"))
        if s["type"] == "categorical":
            categorical.append(s["vocabulary"].index(v) + 1 if v in s["vocabulary"] else 0)
            continue
        x = float(v) if s["type"] == "numeric" else float(bool(v))
        if s.get("transform") == "log1p":
            x = math.log1p(x)
        numeric.append((x - s.get("mean", 0.0)) / s.get("std", 1.0))
    return np.array([numeric], dtype=np.float32), np.array([categorical], dtype=np.int64)


@pytest.mark.parametrize("name", ["legit.json", "fraud.json", "batch.json"])
def test_fraud_scoring_samples(services, name):
    cfg = config("fraud_scoring")["parameters"]
    body = (MODELS / "fraud_scoring" / "samples" / name).read_bytes()
    expected = json.loads((MODELS / "fraud_scoring" / "samples" / "expected.json").read_text())["samples"][name]
    status, answer = post(services, "/v1/fraud-scoring", body, "application/json")
    assert status == 200, answer
    records = json.loads(body).get("records") or [json.loads(body)]
    results = answer.get("results") or [answer]
    expected = expected if isinstance(expected, list) else [expected]
    for record, result, want in zip(records, results, expected, strict=True):
        assert result["decision"] == want["decision"], (result, want)
        num, cat = encode_fraud(record, cfg["features"])
        (p,) = reference("fraud_scoring", {cfg["inputs"]["numeric"]: num, cfg["inputs"]["categorical"]: cat})
        assert abs(result["score"] - float(p.ravel()[0])) <= TABULAR_ATOL
        names = {s["name"] for s in cfg["features"]}
        for reason in result["reasons"]:
            assert reason["contribution"] > 0 and reason["feature"] in names, reason
        assert [r["contribution"] for r in result["reasons"]] == sorted((r["contribution"] for r in result["reasons"]), reverse=True)


@pytest.mark.parametrize("name", ["known_user.json", "history_only.json", "filtered.json"])
def test_recommendation_samples(services, name):
    body = (MODELS / "recommendation" / "samples" / name).read_bytes()
    expected = json.loads((MODELS / "recommendation" / "samples" / "expected.json").read_text())["samples"][name]
    status, answer = post(services, "/v1/recommendations", body, "application/json")
    assert status == 200, answer
    assert [i["item_id"] for i in answer["items"]] == expected["top_items"], answer
    request = json.loads(body)
    if request.get("category"):
        assert all(i["category"] == request["category"] for i in answer["items"])
    if request.get("exclude_seen", True):
        assert not set(request.get("recent_items", [])) & {i["item_id"] for i in answer["items"]}


BAD = [
    ("/v1/defect-detection", b"hello", "text/plain", 415),
    ("/v1/defect-detection", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40, "image/jpeg", 400),
    ("/v1/defect-detection", b'{"image": "@@not base64@@"}', "application/json", 400),
    ("/v1/defect-detection", b"--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--b--\r\n",
     "multipart/form-data; boundary=b", 400),
    ("/v1/medical-triage", b"", "image/png", 400),
    ("/v1/fraud-scoring", b'{"currency": "EUR"}', "application/json", 400),
    ("/v1/fraud-scoring", b'{"amount": "a lot", "hour": 3}', "application/json", 400),
    ("/v1/fraud-scoring", b'{"amount": 10, "hour": 3, "favourite_colour": "red"}', "application/json", 400),
    ("/v1/fraud-scoring", b"{", "application/json", 400),
    ("/v1/recommendations", b'{"user_id": "alice"}', "application/json", 400),
    ("/v1/recommendations", b'{"k": 0}', "application/json", 400),
]


@pytest.mark.parametrize("path,body,kind,status", BAD, ids=[f"{p.split('/')[-1]}-{i}" for i, (p, *_) in enumerate(BAD)])
def test_bad_input_is_a_precise_4xx(services, path, body, kind, status):
    got, answer = post(services, path, body, kind)
    assert got == status, answer
    assert answer["error"]
    ok, _ = post(services, "/v1/recommendations", b'{"k": 3}', "application/json")
    assert ok == 200


def png_bomb(width=20000, height=20000) -> bytes:
    """A valid PNG header declaring 20000×20000 with a tiny IDAT: the bomb must be refused
    from the header, before any pixel buffer is allocated."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b"")


def test_image_bomb_is_413(services):
    status, answer = post(services, "/v1/defect-detection", png_bomb(), "image/png")
    assert status == 413, answer
    status, _ = post(services, "/v1/medical-triage", png_bomb(), "image/png")
    assert status == 413


def test_truncated_sample_is_400_naming_the_problem(services):
    sample = next(p for p in image_samples("defect_detection") if p.suffix == ".jpg")
    data = sample.read_bytes()
    status, answer = post(services, "/v1/defect-detection", data[: len(data) // 2], "image/jpeg")
    assert status == 400 and "JPEG" in answer["error"], answer


def test_oversized_fraud_batch_is_413(services):
    limit = config("fraud_scoring")["parameters"].get("max_records", 256)
    record = json.loads((MODELS / "fraud_scoring" / "samples" / "legit.json").read_text())
    status, answer = post(services, "/v1/fraud-scoring", json.dumps({"records": [record] * (limit + 1)}).encode(),
                          "application/json")
    assert status == 413, answer


def test_models_reachable_through_v2_too(services):
    conn = http.client.HTTPConnection(services.host, services.port, timeout=10)
    conn.request("GET", "/v2/models/defect_detection")
    meta = json.loads(conn.getresponse().read())
    assert meta["inputs"][0]["shape"][1:] == [3, 128, 128]
