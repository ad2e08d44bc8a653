"""Model repositories for the serving tests: real models from the engine suite's generator
(Tests/engine/make_models.py), converted with the real `kiln convert`, and onnxruntime on
the same ONNX files as the reference.

* `mlp`: features FP32 [n, 256] -> probabilities FP32 [n, 10] (dynamic batch).
* `lstm`: tokens INT64 [n, 32] (ids < 1000) -> probabilities FP32 [n, 5].
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "engine"))

import make_models  # noqa: E402

# The engine's parity bounds (Tests/engine): max abs 1e-4, rel 1e-3.
ATOL, RTOL = 1e-4, 1e-3

MODELS = {"mlp": "mlp", "lstm": "lstm_classifier"}


class ModelSet:
    """ONNX files, their converted .kiln files and onnxruntime sessions, built once."""

    def __init__(self, workdir: str, kiln: str):
        self.dir = Path(workdir)
        self.kiln = kiln
        self.onnx: dict[str, Path] = {}
        self.kiln_files: dict[str, Path] = {}
        self._sessions = {}
        for name, case_name in MODELS.items():
            case = make_models.build_case(case_name)
            onnx_path = self.dir / f"{name}.onnx"
            onnx_path.write_bytes(case.model.SerializeToString())
            kiln_path = self.dir / f"{name}.kiln"
            subprocess.run([kiln, "convert", str(onnx_path), "-o", str(kiln_path), "--name", name],
                           check=True, capture_output=True, timeout=300)
            self.onnx[name] = onnx_path
            self.kiln_files[name] = kiln_path
        # A second, different MLP for hot-reload tests: same shapes, other weights.
        case = make_models.build_case("mlp")
        rng = np.random.default_rng(7)
        for init in case.model.graph.initializer:
            if init.name == "fc3.bias":
                arr = rng.standard_normal(10).astype(np.float32)
                init.CopyFrom(__import__("onnx").numpy_helper.from_array(arr, init.name))
        path = self.dir / "mlp_v2.onnx"
        path.write_bytes(case.model.SerializeToString())
        kiln_path = self.dir / "mlp_v2.kiln"
        subprocess.run([kiln, "convert", str(path), "-o", str(kiln_path), "--name", "mlp"],
                       check=True, capture_output=True, timeout=300)
        self.onnx["mlp_v2"] = path
        self.kiln_files["mlp_v2"] = kiln_path

    def reference(self, name: str, feeds: dict) -> list[np.ndarray]:
        import onnxruntime as ort
        if name not in self._sessions:
            so = ort.SessionOptions()
            so.intra_op_num_threads = 1
            self._sessions[name] = ort.InferenceSession(str(self.onnx[name]), so,
                                                        providers=["CPUExecutionProvider"])
        return self._sessions[name].run(None, feeds)

    def repository(self, root: str, configs: dict[str, dict], versions: dict[str, list[str]] | None = None) -> str:
        """Writes root/<model>/config.json and root/<model>/<v>/model.kiln (copies)."""
        os.makedirs(root, exist_ok=True)
        versions = versions or {}
        for model, config in configs.items():
            os.makedirs(os.path.join(root, model), exist_ok=True)
            with open(os.path.join(root, model, "config.json"), "w") as f:
                json.dump(config, f)
            for v, source in enumerate(versions.get(model, [model]), start=1):
                self.install(root, model, v, source)
        return root

    def install(self, root: str, model: str, version: int, source: str) -> None:
        """Copies a converted model in as a version, atomically (write aside, rename)."""
        staging = os.path.join(root, model, f".staging-{version}")
        os.makedirs(staging, exist_ok=True)
        shutil.copyfile(self.kiln_files[source], os.path.join(staging, "model.kiln"))
        os.rename(staging, os.path.join(root, model, str(version)))


def close(actual: np.ndarray, expected: np.ndarray) -> bool:
    return actual.shape == expected.shape and np.allclose(actual, expected, atol=ATOL, rtol=RTOL)
