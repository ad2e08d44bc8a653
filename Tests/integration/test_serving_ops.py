"""Operating the server the way Triton users do: concurrent requests batched (and seen in
the metrics), overload answered with 503 + Retry-After instead of a hang, per-request
timeouts, clients that leave while queued, hot reload under load, a corrupt new version
refused while the old one serves, the repository API, and the SIGTERM drain."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import tritonclient.http as httpclient

from conftest import SHARED_CONFIG, launch
from serving import close
from test_serving_v2 import features, models  # noqa: F401  (session fixture)


def start(models, configs, extra=None, versions=None):
    root = models.repository(tempfile.mkdtemp(prefix="kiln-repo-"), configs, versions)
    return launch({**SHARED_CONFIG, "models": root, "access_log": False, **(extra or {})}), root


def infer_json(srv, x: np.ndarray, model="mlp", parameters=None, timeout=30):
    body = {"inputs": [{"name": "features", "shape": list(x.shape), "datatype": "FP32", "data": x.ravel().tolist()}]}
    if parameters:
        body["parameters"] = parameters
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=timeout)
    conn.request("POST", f"/v2/models/{model}/infer", body=json.dumps(body), headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), data


def metrics(srv) -> str:
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    return text


def metric(text: str, name: str, **labels) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if all(f'{k}="{v}"' in line for k, v in labels.items()):
                total += float(line.rsplit(" ", 1)[1])
    return total


def test_concurrent_requests_are_batched_and_each_gets_its_own_answer(models):
    srv, _ = start(models, {"mlp": {"max_batch_size": 8, "dynamic_batching": {
        "max_queue_delay_us": 20000, "dispatch_when_idle": False}}})
    try:
        inputs = [features(1 + i % 3, seed=100 + i) for i in range(24)]
        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(lambda x: infer_json(srv, x), inputs))
        for x, (status, _, data) in zip(inputs, answers):
            assert status == 200, data
            got = np.array(json.loads(data)["outputs"][0]["data"], dtype=np.float32).reshape(len(x), 10)
            (want,) = models.reference("mlp", {"features": x})
            assert close(got, want)
        text = metrics(srv)
        rows, execs = metric(text, "nv_inference_count", model="mlp"), metric(text, "nv_inference_exec_count", model="mlp")
        assert rows == sum(len(x) for x in inputs)
        assert execs < len(inputs), f"{execs} executions for {len(inputs)} requests: nothing was batched"
        assert metric(text, "nv_inference_request_success", model="mlp", version="1") == len(inputs)
        assert metric(text, "kiln_inference_batch_size_count", model="mlp") == execs
        # The exposition is valid for Prometheus itself. promtool's only complaints may be
        # about Triton's own names (no "_total", "_us" units, "_count" on counters and a
        # gauge), kept so Triton dashboards work.
        check = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True, timeout=20)
        complaints = [l for l in (check.stdout + check.stderr).decode().splitlines() if l.strip()]
        assert check.returncode in (0, 3), complaints
        triton_naming = ('counter metrics should have "_total" suffix', "metric names should not contain abbreviated units",
                         'non-histogram and non-summary metrics should not have "_count" suffix')
        others = [l for l in complaints if not (l.startswith("nv_inference_") and l.endswith(triton_naming))]
        assert not others, "\n".join(others)
    finally:
        srv.kill()


def test_overload_is_refused_at_once_never_hangs(models):
    srv, _ = start(models, {"mlp": {"max_batch_size": 1, "max_queue_size": 2, "dynamic_batching": {"enabled": False}}})
    try:
        x = features(1, seed=1)
        started = time.monotonic()
        with ThreadPoolExecutor(32) as pool:
            answers = list(pool.map(lambda _: infer_json(srv, x, timeout=20), range(96)))
        elapsed = time.monotonic() - started
        statuses = [a[0] for a in answers]
        assert set(statuses) <= {200, 503}, statuses
        assert statuses.count(503) > 0, "96 requests against a queue of 2 were never refused"
        assert statuses.count(200) > 0
        for status, headers, data in answers:
            if status == 503:
                assert headers.get("Retry-After") == "1" and "queue full" in json.loads(data)["error"]
        assert elapsed < 20
        text = metrics(srv)
        assert metric(text, "nv_inference_request_failure", model="mlp", reason="QUEUE_FULL") == statuses.count(503)
    finally:
        srv.kill()


def test_timeout_parameter_expires_queued_requests(models):
    # A 1 s batching delay with no idle dispatch: a 50 ms timeout expires first.
    srv, _ = start(models, {"mlp": {"dynamic_batching": {"max_queue_delay_us": 1000000, "dispatch_when_idle": False}}})
    try:
        t0 = time.monotonic()
        status, _, data = infer_json(srv, features(1), parameters={"timeout": 50000})
        assert status == 503 and "timed out" in json.loads(data)["error"], data
        assert time.monotonic() - t0 < 0.8
        assert metric(metrics(srv), "nv_inference_exec_count", model="mlp") == 0, "expired work was computed"
    finally:
        srv.kill()


def test_client_leaving_while_queued_costs_no_compute(models):
    srv, _ = start(models, {"mlp": {"dynamic_batching": {"max_queue_delay_us": 800000, "dispatch_when_idle": False}}})
    try:
        x = features(1)
        body = json.dumps({"inputs": [{"name": "features", "shape": [1, 256], "datatype": "FP32",
                                       "data": x.ravel().tolist()}]}).encode()
        s = socket.create_connection((srv.host, srv.port))
        s.sendall(b"POST /v2/models/mlp/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        time.sleep(0.1)
        s.close()
        time.sleep(1.2)
        text = metrics(srv)
        assert metric(text, "nv_inference_exec_count", model="mlp") == 0
        assert metric(text, "nv_inference_request_failure", model="mlp", reason="CANCELLED") == 1
    finally:
        srv.kill()


def test_hot_reload_under_load_loses_no_request(models):
    srv, root = start(models, {"mlp": {}}, extra={"repository_poll_seconds": 0.2})
    stop = threading.Event()
    results: list[tuple[int, str]] = []
    x = features(1, seed=9)

    def load():
        while not stop.is_set():
            status, _, data = infer_json(srv, x)
            answer = json.loads(data)
            results.append((status, answer.get("model_version", answer.get("error"))))

    try:
        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        models.install(root, "mlp", 2, "mlp_v2")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not any(v == "2" for _, v in results[-20:]):
            time.sleep(0.1)
        time.sleep(0.5)
        # A corrupt version 3: refused; version 2 keeps serving.
        os.makedirs(os.path.join(root, "mlp", ".s3"))
        with open(os.path.join(root, "mlp", ".s3", "model.kiln"), "wb") as f:
            f.write(open(models.kiln_files["mlp"], "rb").read()[:5000])
        os.rename(os.path.join(root, "mlp", ".s3"), os.path.join(root, "mlp", "3"))
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join()
        assert results and all(status == 200 for status, _ in results), [r for r in results if r[0] != 200][:5]
        versions = [v for _, v in results]
        assert "1" in versions and "2" in versions and "3" not in versions
        assert versions[-1] == "2"
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
        conn.request("POST", "/v2/repository/index", body="{}")
        index = json.loads(conn.getresponse().read())
        v3 = [r for r in index if r.get("version") == "3"]
        assert v3 and v3[0]["state"] == "UNAVAILABLE" and v3[0]["reason"], index
        # The new version's answers are the new model's.
        status, _, data = infer_json(srv, x)
        (want,) = models.reference("mlp_v2", {"features": x})
        assert close(np.array(json.loads(data)["outputs"][0]["data"], dtype=np.float32).reshape(1, 10), want)
    finally:
        stop.set()
        srv.kill()


def test_repository_api_in_explicit_mode(models):
    srv, root = start(models, {"mlp": {}}, extra={"model_control_mode": "explicit"})
    try:
        client = httpclient.InferenceServerClient(url=f"{srv.host}:{srv.port}")
        index = client.get_model_repository_index()
        assert [(m["name"], m.get("version"), m["state"]) for m in index] == [("mlp", "1", "READY")]
        client.unload_model("mlp")
        assert not client.is_model_ready("mlp")
        status, _, _ = infer_json(srv, features(1))
        assert status == 404
        # A model added to the folder is not picked up until loaded.
        models.repository(root, {"lstm": {}})
        time.sleep(0.3)
        assert not client.is_model_ready("lstm")
        client.load_model("lstm")
        client.load_model("mlp")
        assert client.is_model_ready("lstm") and client.is_model_ready("mlp")
        assert infer_json(srv, features(2))[0] == 200
        with pytest.raises(Exception) as e:
            client.load_model("missing")
        assert "missing" in str(e.value)
    finally:
        srv.kill()


def test_sigterm_drains_then_exits_cleanly(models):
    srv, _ = start(models, {"mlp": {}}, extra={"drain_seconds": 1.5})
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
    conn.request("GET", "/v2/health/ready")
    assert conn.getresponse().read() and True
    srv.signal(signal.SIGTERM)
    time.sleep(0.2)
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
    conn.request("GET", "/v2/health/ready")
    assert conn.getresponse().status == 503
    # Still serving inference during the drain window: no "unknown model", no refusal.
    for _ in range(5):
        status, _, data = infer_json(srv, features(1))
        assert status == 200, data
    assert srv.wait_exit(10) == 0


def test_two_models_share_the_machine_without_starving(models):
    """A flood on one model must not starve another: executions wait for cores in arrival
    order across models, so the quiet model's requests keep completing."""
    srv, _ = start(models, {"mlp": {"max_queue_size": 512}, "lstm": {}})
    stop = threading.Event()
    flood_ok = []

    def flood():
        while not stop.is_set():
            flood_ok.append(infer_json(srv, features(4, seed=3))[0] == 200)

    tokens = np.random.default_rng(5).integers(0, 1000, (1, 32), dtype=np.int64)
    body = json.dumps({"inputs": [{"name": "tokens", "shape": [1, 32], "datatype": "INT64", "data": tokens.ravel().tolist()}]})
    try:
        threads = [threading.Thread(target=flood) for _ in range(12)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        latencies = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            t0 = time.monotonic()
            conn = http.client.HTTPConnection(srv.host, srv.port, timeout=30)
            conn.request("POST", "/v2/models/lstm/infer", body=body, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            latencies.append(time.monotonic() - t0)
            assert r.status == 200
        stop.set()
        for t in threads:
            t.join()
        assert len(latencies) >= 5 and max(latencies) < 2.0, latencies
        assert flood_ok and all(flood_ok)
    finally:
        stop.set()
        srv.kill()
