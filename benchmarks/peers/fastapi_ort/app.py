"""Benchmark peer (not part of Kiln): the V2 endpoint a user would write by hand with
FastAPI + uvicorn + onnxruntime, serving one ONNX model.

Endpoints (KServe V2 / Open Inference Protocol, REST):
    GET  /v2                         server metadata
    GET  /v2/health/live             200 {"live": true}
    GET  /v2/health/ready            200 {"ready": true}
    GET  /v2/models/{name}           model metadata (inputs/outputs from the ONNX session)
    GET  /v2/models/{name}/ready     200 {"ready": true}
    POST /v2/models/{name}/infer     JSON tensors, or Triton's binary tensor data extension:
                                     body = JSON header + raw tensor bytes, header length in
                                     `Inference-Header-Content-Length`; an input carries
                                     `parameters.binary_data_size`. Outputs are returned as raw
                                     bytes when the request asks for it (per output
                                     `parameters.binary_data: true`, or request-level
                                     `parameters.binary_data_output: true`).

Environment:
    MODEL        path of the .onnx file (required)
    MODEL_NAME   name served under /v2/models/ (default "mobilenet")
    ORT_THREADS  onnxruntime intra-op threads (default 2; inter-op 1)

Run (benchmarks/serving/run.sh does this in its own virtual environment):
    MODEL=model.onnx uvicorn app:app --app-dir benchmarks/peers/fastapi_ort \
        --host 127.0.0.1 --port 8093 --workers 1 --no-access-log --log-level warning

The model runs in Starlette's thread pool (onnxruntime releases the GIL), which is how a
FastAPI user keeps the event loop responsive. No batching.
"""

from __future__ import annotations

import os

import numpy as np
import onnxruntime as ort
import orjson
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

MODEL_PATH = os.environ["MODEL"]
MODEL_NAME = os.environ.get("MODEL_NAME", "mobilenet")
THREADS = int(os.environ.get("ORT_THREADS", "2"))

_opts = ort.SessionOptions()
_opts.intra_op_num_threads = THREADS
_opts.inter_op_num_threads = 1
session = ort.InferenceSession(MODEL_PATH, sess_options=_opts, providers=["CPUExecutionProvider"])

_ONNX_TO_V2 = {
    "tensor(float)": "FP32", "tensor(double)": "FP64", "tensor(float16)": "FP16",
    "tensor(int64)": "INT64", "tensor(int32)": "INT32", "tensor(int16)": "INT16",
    "tensor(int8)": "INT8", "tensor(uint8)": "UINT8", "tensor(bool)": "BOOL",
}
_V2_TO_NP = {
    "FP32": np.float32, "FP64": np.float64, "FP16": np.float16, "INT64": np.int64,
    "INT32": np.int32, "INT16": np.int16, "INT8": np.int8, "UINT8": np.uint8, "BOOL": np.bool_,
}
_NP_TO_V2 = {np.dtype(t): n for n, t in _V2_TO_NP.items()}
INPUTS = {i.name: i for i in session.get_inputs()}
OUTPUT_NAMES = [o.name for o in session.get_outputs()]


def _tensor_meta(arg) -> dict:
    return {"name": arg.name, "datatype": _ONNX_TO_V2.get(arg.type, arg.type),
            "shape": [d if isinstance(d, int) else -1 for d in arg.shape]}


def _json(obj, status: int = 200) -> Response:
    return Response(orjson.dumps(obj), status_code=status, media_type="application/json")


def _error(message: str, status: int = 400) -> Response:
    return _json({"error": message}, status)


class BadRequest(Exception):
    pass


app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/v2")
def server_metadata():
    return _json({"name": "fastapi-onnxruntime", "version": ort.__version__,
                  "extensions": ["binary_tensor_data"]})


@app.get("/v2/health/live")
def live():
    return _json({"live": True})


@app.get("/v2/health/ready")
def ready():
    return _json({"ready": True})


@app.get("/v2/models/{name}/ready")
def model_ready(name: str):
    if name != MODEL_NAME:
        return _error(f"unknown model '{name}'", 404)
    return _json({"ready": True})


@app.get("/v2/models/{name}")
def model_metadata(name: str):
    if name != MODEL_NAME:
        return _error(f"unknown model '{name}'", 404)
    return _json({"name": MODEL_NAME, "versions": ["1"], "platform": "onnxruntime_onnx",
                  "inputs": [_tensor_meta(i) for i in session.get_inputs()],
                  "outputs": [_tensor_meta(o) for o in session.get_outputs()]})


def _decode(body: bytes, header_length: str | None) -> tuple[dict[str, np.ndarray], dict]:
    """V2 request body -> (feeds, request header). Raises BadRequest on anything malformed."""
    try:
        if header_length is not None:
            n = int(header_length)
            if not 0 <= n <= len(body):
                raise BadRequest("Inference-Header-Content-Length out of range")
            request, raw = orjson.loads(body[:n]), memoryview(body)[n:]
        else:
            request, raw = orjson.loads(body), memoryview(b"")
    except (ValueError, orjson.JSONDecodeError) as e:
        raise BadRequest(f"malformed request: {e}") from None
    feeds: dict[str, np.ndarray] = {}
    offset = 0
    for tensor in request.get("inputs") or []:
        name, shape, datatype = tensor.get("name"), tensor.get("shape"), tensor.get("datatype")
        if name not in INPUTS:
            raise BadRequest(f"unknown input '{name}'")
        if datatype not in _V2_TO_NP or not isinstance(shape, list):
            raise BadRequest(f"input '{name}': bad datatype or shape")
        dtype = np.dtype(_V2_TO_NP[datatype])
        size = (tensor.get("parameters") or {}).get("binary_data_size")
        try:
            if size is not None:
                if offset + size > len(raw):
                    raise BadRequest(f"input '{name}': binary data past the end of the body")
                array = np.frombuffer(raw[offset:offset + size], dtype=dtype).reshape(shape)
                offset += size
            else:
                array = np.asarray(tensor.get("data"), dtype=dtype).reshape(shape)
        except (ValueError, TypeError) as e:
            raise BadRequest(f"input '{name}': {e}") from None
        feeds[name] = array
    if offset != len(raw):
        raise BadRequest("binary data left over after the last input")
    missing = set(INPUTS) - set(feeds)
    if missing:
        raise BadRequest(f"missing input(s): {', '.join(sorted(missing))}")
    return feeds, request


@app.post("/v2/models/{name}/infer")
async def infer(name: str, request: Request):
    if name != MODEL_NAME:
        return _error(f"unknown model '{name}'", 404)
    body = await request.body()
    try:
        feeds, req = _decode(body, request.headers.get("inference-header-content-length"))
    except BadRequest as e:
        return _error(str(e))
    try:
        results = await run_in_threadpool(session.run, None, feeds)
    except Exception as e:  # onnxruntime reports shape mismatches etc. as exceptions
        return _error(f"inference failed: {e}")

    all_binary = bool((req.get("parameters") or {}).get("binary_data_output", False))
    requested = req.get("outputs")
    wanted = ({o.get("name"): (o.get("parameters") or {}).get("binary_data", all_binary)
               for o in requested} if requested else {n: all_binary for n in OUTPUT_NAMES})
    unknown = set(wanted) - set(OUTPUT_NAMES)
    if unknown:
        return _error(f"unknown output(s): {', '.join(sorted(map(str, unknown)))}")
    outputs, blobs = [], []
    for out_name, y in zip(OUTPUT_NAMES, results):
        if out_name not in wanted:
            continue
        entry = {"name": out_name, "datatype": _NP_TO_V2[y.dtype], "shape": list(y.shape)}
        if wanted[out_name]:
            raw = np.ascontiguousarray(y).tobytes()
            entry["parameters"] = {"binary_data_size": len(raw)}
            blobs.append(raw)
        else:
            entry["data"] = y.ravel().tolist()
        outputs.append(entry)
    head = {"model_name": MODEL_NAME, "model_version": "1", "outputs": outputs}
    if "id" in req:
        head["id"] = req["id"]
    header = orjson.dumps(head)
    if blobs:
        return Response(header + b"".join(blobs), media_type="application/octet-stream",
                        headers={"Inference-Header-Content-Length": str(len(header))})
    return Response(header, media_type="application/json")
