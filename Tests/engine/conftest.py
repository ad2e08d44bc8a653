"""Fixtures for the engine parity suite: generated ONNX models, the `kiln` CLI, onnxruntime.

* The models come from make_models.py, generated once per session into a temporary
  directory (about 3 s, ~60 MB), or into $KILN_ENGINE_MODELS if set (regenerated there:
  generation is deterministic, so the files are identical from run to run).
* The binary is $KILN_BIN, defaulting to <repo>/.build/debug/kiln. A missing binary fails
  the tests (never skips them).
* Every `kiln` invocation has a timeout ($KILN_ENGINE_TIMEOUT seconds, default 300): a hang
  is a failure, and so is death by a signal where an exit code was expected.
* The reference is onnxruntime's CPUExecutionProvider with its default graph
  optimisations, one intra-op thread, on the very .npy inputs given to `kiln infer`.

The OPENBLAS_* variables of the environment are passed through untouched.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import make_models  # noqa: E402

REPO = HERE.parents[1]
KILN_BIN = os.environ.get("KILN_BIN", str(REPO / ".build" / "debug" / "kiln"))
TIMEOUT = float(os.environ.get("KILN_ENGINE_TIMEOUT", "300"))


def kiln_bin() -> str:
    if not os.path.isfile(KILN_BIN) or not os.access(KILN_BIN, os.X_OK):
        pytest.fail(f"kiln binary not found at {KILN_BIN} (build it, or set KILN_BIN)", pytrace=False)
    return KILN_BIN


def run_kiln(*args, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Runs `kiln ARGS...`; a timeout fails the test as a hang."""
    cmd = [kiln_bin(), *map(str, args)]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=timeout or TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"hung (> {timeout or TIMEOUT:.0f} s): {shlex.join(cmd)}", pytrace=False)


def text(b: bytes) -> str:
    return b.decode("utf-8", errors="replace")


def describe(proc: subprocess.CompletedProcess, limit: int = 3000) -> str:
    """The command, its exit status and the tail of its output, for failure messages."""
    rc = proc.returncode
    status = f"killed by signal {-rc}" if rc < 0 else f"exit {rc}"
    return (f"$ {shlex.join(map(str, proc.args))}\n-> {status}\n"
            f"--- stdout ---\n{text(proc.stdout)[-limit:]}\n--- stderr ---\n{text(proc.stderr)[-limit:]}")


def expect_ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    if proc.returncode != 0:
        pytest.fail(f"expected exit 0\n{describe(proc)}", pytrace=False)
    return proc


# --------------------------------------------------------------------------- models


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    env = os.environ.get("KILN_ENGINE_MODELS")
    d = Path(env) if env else tmp_path_factory.mktemp("onnx")
    # check=True: every model passes onnx.checker and runs in onnxruntime before Kiln sees it
    make_models.generate(d, check=True)
    return d


@pytest.fixture(scope="session")
def manifest(model_dir) -> dict:
    return json.loads((model_dir / "manifest.json").read_text())["cases"]


class Converted:
    """`kiln convert` once per model and session; later requests reuse the result."""

    def __init__(self, model_dir: Path, out_dir: Path, manifest: dict):
        self.model_dir, self.out_dir, self.manifest = model_dir, out_dir, manifest
        self._done: dict[str, tuple[Path, subprocess.CompletedProcess]] = {}

    def args(self, name: str, out: Path) -> list:
        a = ["convert", self.model_dir / self.manifest[name]["file"], "-o", out, "--name", name]
        if self.manifest[name]["kind"] == "net":
            a += ["--meta", "source=Tests/engine/make_models.py", "--meta", f"case={name}"]
        return a

    def run(self, name: str) -> tuple[Path, subprocess.CompletedProcess]:
        if name not in self._done:
            out = self.out_dir / f"{name}.kiln"
            self._done[name] = (out, run_kiln(*self.args(name, out)))
        return self._done[name]

    def __call__(self, name: str) -> Path:
        """The converted file; fails the test if conversion failed."""
        out, proc = self.run(name)
        expect_ok(proc)
        if not out.is_file():
            pytest.fail(f"kiln convert exited 0 but wrote no {out}\n{describe(proc)}", pytrace=False)
        return out


@pytest.fixture(scope="session")
def converted(model_dir, manifest, tmp_path_factory) -> Converted:
    return Converted(model_dir, tmp_path_factory.mktemp("kiln"), manifest)


def load_feeds(model_dir: Path, entry: dict, feedset: str) -> dict[str, np.ndarray]:
    return {k: np.load(model_dir / p) for k, p in entry["feeds"][feedset].items()}


class Reference:
    """onnxruntime outputs per (model, feed set), computed once."""

    def __init__(self, model_dir: Path, manifest: dict):
        self.model_dir, self.manifest = model_dir, manifest
        self._sessions, self._results = {}, {}

    def session(self, name: str):
        if name not in self._sessions:
            import onnxruntime as ort
            so = ort.SessionOptions()
            so.intra_op_num_threads = 1
            so.inter_op_num_threads = 1
            so.log_severity_level = 3
            self._sessions[name] = ort.InferenceSession(
                str(self.model_dir / self.manifest[name]["file"]), so,
                providers=["CPUExecutionProvider"])
        return self._sessions[name]

    def __call__(self, name: str, feedset: str) -> dict[str, np.ndarray]:
        key = (name, feedset)
        if key not in self._results:
            sess = self.session(name)
            feeds = load_feeds(self.model_dir, self.manifest[name], feedset)
            names = [o.name for o in sess.get_outputs()]
            self._results[key] = dict(zip(names, sess.run(names, feeds)))
        return self._results[key]


@pytest.fixture(scope="session")
def reference(model_dir, manifest) -> Reference:
    return Reference(model_dir, manifest)
