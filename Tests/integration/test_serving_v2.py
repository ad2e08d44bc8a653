"""KServe V2 / Triton HTTP API with the real `tritonclient.http` client: metadata,
readiness, inference in JSON and binary, requested outputs, statistics; every answer
checked against onnxruntime on the same ONNX model."""

from __future__ import annotations

import http.client
import json
import tempfile

import numpy as np
import pytest
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from conftest import SHARED_CONFIG, kiln_bin, launch
from serving import ModelSet, close

MLP_CONFIG = {"max_batch_size": 8, "dynamic_batching": {"max_queue_delay_us": 2000}}
LSTM_CONFIG = {"max_batch_size": 4}


@pytest.fixture(scope="session")
def models() -> ModelSet:
    return ModelSet(tempfile.mkdtemp(prefix="kiln-models-"), kiln_bin())


@pytest.fixture(scope="module")
def v2(models):
    root = models.repository(tempfile.mkdtemp(prefix="kiln-repo-"), {"mlp": MLP_CONFIG, "lstm": LSTM_CONFIG})
    srv = launch({**SHARED_CONFIG, "models": root, "access_log": False})
    yield srv
    srv.kill()


@pytest.fixture
def client(v2):
    c = httpclient.InferenceServerClient(url=f"{v2.host}:{v2.port}", connection_timeout=10, network_timeout=30)
    yield c
    c.close()


def features(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, 256)).astype(np.float32)


def infer_mlp(client, x: np.ndarray, binary_in: bool = True, binary_out: bool = True, **kw):
    inp = httpclient.InferInput("features", list(x.shape), "FP32")
    inp.set_data_from_numpy(x, binary_data=binary_in)
    out = httpclient.InferRequestedOutput("probabilities", binary_data=binary_out)
    return client.infer("mlp", [inp], outputs=[out], **kw)


def test_server_and_model_metadata(client):
    assert client.is_server_live() and client.is_server_ready()
    meta = client.get_server_metadata()
    assert meta["name"] == "kiln" and set(meta["extensions"]) >= {"binary_tensor_data", "model_repository", "statistics"}
    assert client.is_model_ready("mlp") and client.is_model_ready("mlp", "1")
    m = client.get_model_metadata("mlp")
    assert m["name"] == "mlp" and m["versions"] == ["1"] and m["platform"] == "kiln"
    assert m["inputs"] == [{"name": "features", "datatype": "FP32", "shape": [-1, 256]}]
    assert m["outputs"] == [{"name": "probabilities", "datatype": "FP32", "shape": [-1, 10]}]
    lstm = client.get_model_metadata("lstm", "1")
    assert lstm["inputs"][0]["datatype"] == "INT64"
    cfg = client.get_model_config("mlp")
    assert cfg["max_batch_size"] == 8 and cfg["input"][0]["dims"] == [256]
    assert cfg["dynamic_batching"]["max_queue_delay_microseconds"] == 2000


@pytest.mark.parametrize("binary_in,binary_out", [(False, False), (True, True), (True, False), (False, True)],
                         ids=["json", "binary", "bin-in-json-out", "json-in-bin-out"])
def test_infer_matches_onnxruntime(client, models, binary_in, binary_out):
    x = features(3, seed=1)
    result = infer_mlp(client, x, binary_in, binary_out, request_id="req-42")
    got = result.as_numpy("probabilities")
    (want,) = models.reference("mlp", {"features": x})
    assert close(got, want), np.abs(got - want).max()
    response = result.get_response()
    assert response["id"] == "req-42" and response["model_name"] == "mlp" and response["model_version"] == "1"


def test_int64_inputs_and_version_path(client, models):
    tokens = np.random.default_rng(3).integers(0, 1000, (2, 32), dtype=np.int64)
    inp = httpclient.InferInput("tokens", [2, 32], "INT64")
    inp.set_data_from_numpy(tokens, binary_data=False)
    got = client.infer("lstm", [inp], model_version="1").as_numpy("probabilities")
    (want,) = models.reference("lstm", {"tokens": tokens})
    assert close(got, want)


def post(srv, path: str, body: bytes, headers: dict | None = None):
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=30)
    conn.request("POST", path, body=body, headers=headers or {"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), data


def test_plain_json_nested_data_and_requested_outputs(v2, models):
    x = features(2, seed=4)
    body = {"id": "n1", "inputs": [{"name": "features", "shape": [2, 256], "datatype": "FP32", "data": x.tolist()}],
            "outputs": [{"name": "probabilities"}]}
    status, headers, data = post(v2, "/v2/models/mlp/infer", json.dumps(body).encode())
    assert status == 200, data
    assert headers["Content-Type"] == "application/json"
    answer = json.loads(data)
    out = answer["outputs"][0]
    assert out["name"] == "probabilities" and out["datatype"] == "FP32" and out["shape"] == [2, 10]
    (want,) = models.reference("mlp", {"features": x})
    assert close(np.array(out["data"], dtype=np.float32).reshape(2, 10), want)


def test_raw_binary_body(v2, models):
    """Header length 0: the whole body is the model's single input."""
    x = features(4, seed=5)
    status, headers, data = post(v2, "/v2/models/mlp/infer", x.tobytes(),
                                 {"Inference-Header-Content-Length": "0", "Content-Type": "application/octet-stream"})
    assert status == 200, data
    answer = json.loads(data)
    (want,) = models.reference("mlp", {"features": x})
    assert answer["outputs"][0]["shape"] == [4, 10]
    assert close(np.array(answer["outputs"][0]["data"], dtype=np.float32).reshape(4, 10), want)


@pytest.mark.parametrize("path,body,status,fragment", [
    ("/v2/models/nope/infer", {"inputs": []}, 404, "unknown model 'nope'"),
    ("/v2/models/mlp/versions/9/infer", {"inputs": []}, 404, "unknown version 9"),
    ("/v2/models/mlp/infer", {"inputs": [{"name": "features", "shape": [1, 255], "datatype": "FP32", "data": [0.0] * 255}]},
     400, "shape [1, 255]"),
    ("/v2/models/mlp/infer", {"inputs": [{"name": "features", "shape": [1, 256], "datatype": "INT32", "data": [0] * 256}]},
     400, "must be FP32"),
    ("/v2/models/mlp/infer", {"inputs": [{"name": "features", "shape": [9, 256], "datatype": "FP32", "data": [0.0] * 2304}]},
     400, "exceeds max_batch_size 8"),
    ("/v2/models/mlp/infer", {"inputs": [{"name": "feature", "shape": [1, 256], "datatype": "FP32", "data": [0.0] * 256}]},
     400, "unknown input 'feature'"),
    ("/v2/models/mlp/infer", {"inputs": []}, 400, "missing input 'features'"),
    ("/v2/models/mlp/infer", {"inputs": [{"name": "features", "shape": [1, 256], "datatype": "FP32", "data": [0.0] * 256}],
                              "outputs": [{"name": "logits"}]}, 400, "unknown output 'logits'"),
    ("/v2/models/mlp/infer", {"inputs": [{"name": "features", "shape": [1, 256], "datatype": "FP32", "data": [0.0] * 255}]},
     400, "features"),
    ("/v2/models/mlp/infer", {"inputs": [{"name": "features", "shape": [1, 256], "datatype": "FP64", "data": [0.0] * 256}]},
     501, "FP64"),
    ("/v2/models/lstm/infer", {"inputs": [{"name": "tokens", "shape": [1, 32], "datatype": "INT64", "data": [5000] * 32}]},
     400, "5000"),
])
def test_bad_requests_get_precise_errors(v2, path, body, status, fragment):
    got, headers, data = post(v2, path, json.dumps(body).encode())
    assert got == status, data
    message = json.loads(data)["error"]
    assert fragment in message, message
    # The server keeps serving.
    ok, _, _ = post(v2, "/v2/models/mlp/infer", json.dumps(
        {"inputs": [{"name": "features", "shape": [1, 256], "datatype": "FP32", "data": [0.5] * 256}]}).encode())
    assert ok == 200


@pytest.mark.parametrize("body", [b"", b"{", b'{"inputs": [', b"not json", b'{"inputs": {}}', b"[]"])
def test_malformed_bodies_are_400(v2, body):
    status, _, data = post(v2, "/v2/models/mlp/infer", body)
    assert status == 400 and "error" in json.loads(data)


def test_binary_size_mismatch_is_400(v2):
    header = json.dumps({"inputs": [{"name": "features", "shape": [1, 256], "datatype": "FP32",
                                     "parameters": {"binary_data_size": 1024}}]}).encode()
    status, _, data = post(v2, "/v2/models/mlp/infer", header + b"\0" * 1000,
                           {"Inference-Header-Content-Length": str(len(header))})
    assert status == 400, data


def test_unknown_model_metadata_and_readiness(client, v2):
    with pytest.raises(InferenceServerException) as e:
        client.get_model_metadata("nope")
    assert "unknown model" in str(e.value)
    assert not client.is_model_ready("nope")
    conn = http.client.HTTPConnection(v2.host, v2.port, timeout=10)
    conn.request("GET", "/v2/models/nope/ready")
    assert conn.getresponse().status == 404


def test_statistics_count_requests_and_executions(client):
    before = client.get_inference_statistics("mlp")["model_stats"][0]
    for i in range(3):
        infer_mlp(client, features(2, seed=10 + i))
    after = client.get_inference_statistics("mlp", "1")["model_stats"][0]
    s0, s1 = before["inference_stats"], after["inference_stats"]
    assert s1["success"]["count"] - s0["success"]["count"] == 3
    assert after["inference_count"] - before["inference_count"] == 6
    assert 1 <= after["execution_count"] - before["execution_count"] <= 3
    assert s1["compute_infer"]["ns"] > s0["compute_infer"]["ns"]
    assert any(b["batch_size"] >= 2 for b in after["batch_stats"])
    everything = client.get_inference_statistics()
    assert {m["name"] for m in everything["model_stats"]} == {"mlp", "lstm"}


@pytest.mark.parametrize("algorithm", ["gzip", "deflate"])
def test_compressed_requests_and_responses(client, models, algorithm):
    x = features(5, seed=21)
    result = infer_mlp(client, x, request_compression_algorithm=algorithm, response_compression_algorithm=algorithm)
    (want,) = models.reference("mlp", {"features": x})
    assert close(result.as_numpy("probabilities"), want)
