"""Benchmark peer (not part of Kiln): a custom Seldon MLServer runtime that serves an ONNX
model with onnxruntime. MLServer ships no ONNX runtime of its own, so this is the small
class a user writes (https://mlserver.readthedocs.io, "custom inference runtimes").

model-settings.json: "implementation": "onnx_runtime.OnnxRuntimeModel", "parameters.uri"
the .onnx file (relative to model-settings.json), and optionally
"parameters.extra.threads" (onnxruntime intra-op threads, default 2; inter-op 1).
JSON tensors only: MLServer's REST API has no Triton binary tensor extension.
"""

from __future__ import annotations

import onnxruntime as ort
from mlserver import MLModel
from mlserver.codecs import NumpyCodec
from mlserver.errors import MLServerError
from mlserver.types import InferenceRequest, InferenceResponse
from mlserver.utils import get_model_uri


class OnnxRuntimeModel(MLModel):
    async def load(self) -> bool:
        path = await get_model_uri(self.settings)
        extra = (self.settings.parameters.extra or {}) if self.settings.parameters else {}
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = int(extra.get("threads", 2))
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(path, sess_options=opts,
                                             providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]
        self._outputs = [o.name for o in self._session.get_outputs()]
        return True

    async def predict(self, payload: InferenceRequest) -> InferenceResponse:
        feeds = {}
        for request_input in payload.inputs:
            if request_input.name not in self._inputs:
                raise MLServerError(f"unknown input '{request_input.name}'", status_code=400)
            feeds[request_input.name] = NumpyCodec.decode_input(request_input)
        results = self._session.run(None, feeds)
        return InferenceResponse(
            model_name=self.name,
            model_version=self.version,
            id=payload.id,
            outputs=[NumpyCodec.encode_output(name, y) for name, y in zip(self._outputs, results)],
        )
