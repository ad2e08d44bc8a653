"""Fixtures that run the real `kiln` binary for the integration suite.

* `server`: a shared server (debug routes on, short timeouts) reused across tests; after
  every test the fixture checks that the process is still alive and fails the test if
  it crashed (the next test then gets a fresh one).
* `start_server`: a factory for servers with their own config/env/flags; each is killed
  at teardown and a crash (an exit the test did not ask for) fails the test.

The binary is $KILN_BIN, defaulting to <repo>/.build/debug/kiln.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KILN_BIN = os.environ.get("KILN_BIN", str(REPO / ".build" / "debug" / "kiln"))
STARTUP_TIMEOUT = float(os.environ.get("KILN_STARTUP_TIMEOUT", "30"))

# Timeouts kept short so the timeout tests finish fast.
SHARED_CONFIG = {
    "debug_routes": True,
    "log_format": "json",
    "log_level": "info",
    "access_log": True,
    "header_timeout_seconds": 1,
    "body_timeout_seconds": 1,
    "keepalive_timeout_seconds": 2,
    "write_timeout_seconds": 1,
    "max_body_bytes": 1048576,
    "max_decoded_body_bytes": 4194304,
    "shutdown_grace_seconds": 5,
}


def kiln_bin() -> str:
    if not os.path.isfile(KILN_BIN) or not os.access(KILN_BIN, os.X_OK):
        pytest.fail(f"kiln binary not found at {KILN_BIN} (build it, or set KILN_BIN)", pytrace=False)
    return KILN_BIN


@dataclass
class Server:
    host: str
    port: int
    proc: subprocess.Popen
    lines: list[str]
    config: dict
    config_path: str
    expect_exit: bool = False
    crash_reported: bool = False
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _reader: threading.Thread | None = None

    # Lets a test write `host, port, proc, lines = server`.
    def __iter__(self):
        return iter((self.host, self.port, self.proc, self.lines))

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def logs(self) -> list[dict]:
        out = []
        with self._cond:
            snapshot = list(self.lines)
        for line in snapshot:
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict):
                out.append(obj)
        return out

    def wait_log(self, pred, timeout: float = 3.0) -> dict | None:
        deadline = time.monotonic() + timeout
        while True:
            for obj in self.logs():
                if pred(obj):
                    return obj
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            with self._cond:
                self._cond.wait(min(remaining, 0.1))

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stderr_tail(self, n: int = 30) -> str:
        with self._cond:
            return "\n".join(self.lines[-n:])

    def signal(self, sig=signal.SIGTERM) -> None:
        """Send a signal the test expects to end the process (so no crash is reported)."""
        self.expect_exit = True
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float) -> int | None:
        """Wait for the process to end and for its stderr to be fully read."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        if self._reader is not None:
            self._reader.join(timeout=2)
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return
        if self._reader is not None:
            self._reader.join(timeout=2)
        if self.proc.stderr is not None and (self._reader is None or not self._reader.is_alive()):
            self.proc.stderr.close()


def _reader(proc: subprocess.Popen, lines: list[str], cond: threading.Condition) -> None:
    for raw in proc.stderr:
        line = raw.decode("utf-8", "replace").rstrip("\n")
        with cond:
            lines.append(line)
            cond.notify_all()
    with cond:
        cond.notify_all()


_LOADED_MESSAGES = ("models loaded", "models loaded with errors", "cannot load the model repository")


def _listening_port(obj: dict) -> int | None:
    if obj.get("msg") == "listening" and "port" in obj:
        return int(obj["port"])
    return None


def launch(config: dict | None, *, env: dict | None = None, args: list[str] | None = None,
           port_flag: bool = True, host_flag: bool = True, wait: bool = True, tmpdir: str | None = None,
           host: str = "127.0.0.1", raw_config: str | None = None, config_flag: bool = True,
           preexec_fn=None) -> Server:
    """Start `kiln serve`; if wait, block until its "listening" line and return the Server.
    `preexec_fn` runs in the child before exec (e.g. to lower its RLIMIT_NOFILE)."""
    binary = kiln_bin()
    tmpdir = tmpdir or tempfile.mkdtemp(prefix="kiln-it-")
    config_path = os.path.join(tmpdir, "config.json")
    with open(config_path, "w") as f:
        if raw_config is not None:
            f.write(raw_config)
        else:
            # HTTP-level tests serve an empty repository and stop without a drain window
            # unless they ask otherwise (the serving tests pass their own).
            effective = {"drain_seconds": 0, **(config or {})}
            if "models" not in effective:
                empty = os.path.join(tmpdir, "empty-models")
                os.makedirs(empty, exist_ok=True)
                effective["models"] = empty
            json.dump(effective, f)
    cmd = [binary, "serve"]
    if config_flag:
        cmd += ["--config", config_path]
    if host_flag:
        cmd += ["--host", "127.0.0.1"]
    if port_flag:
        cmd += ["--port", "0"]
    cmd += args or []
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KILN_")}
    full_env.update(env or {})
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=full_env, preexec_fn=preexec_fn)
    lines: list[str] = []
    srv = Server(host, 0, proc, lines, config or {}, config_path)
    t = threading.Thread(target=_reader, args=(proc, lines, srv._cond), daemon=True)
    t.start()
    srv._reader = t
    if not wait:
        return srv
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        logs = srv.logs()
        for obj in logs:
            port = _listening_port(obj)
            # Models load after the bind; readiness follows. Tests start once both are done.
            if port and any(o.get("msg") in _LOADED_MESSAGES for o in logs):
                srv.port = port
                return srv
        if proc.poll() is not None:
            time.sleep(0.1)  # let the reader drain stderr
            pytest.fail(f"kiln exited with {proc.returncode} before listening; stderr:\n{srv.stderr_tail()}",
                        pytrace=False)
        if time.monotonic() > deadline:
            srv.kill()
            pytest.fail(f"kiln did not log a 'listening' line within {STARTUP_TIMEOUT}s; stderr:\n"
                        f"{srv.stderr_tail()}", pytrace=False)
        with srv._cond:
            srv._cond.wait(0.05)


class _SharedServer:
    def __init__(self):
        self.srv: Server | None = None
        self.dir = tempfile.mkdtemp(prefix="kiln-it-shared-")

    def get(self) -> Server:
        if self.srv is None or not self.srv.alive():
            self.srv = launch(dict(SHARED_CONFIG), tmpdir=self.dir)
        return self.srv

    def stop(self):
        if self.srv is not None:
            self.srv.kill()


@pytest.fixture(scope="session")
def _shared_server():
    mgr = _SharedServer()
    yield mgr
    mgr.stop()


def _track(request, srv: Server) -> None:
    servers = getattr(request.node, "_kiln_servers", None)
    if servers is None:
        servers = []
        request.node._kiln_servers = servers
    servers.append(srv)


def _crash_message(srv: Server) -> str:
    srv.crash_reported = True
    if srv._reader is not None:
        srv._reader.join(timeout=1)
    return f"kiln exited unexpectedly during this test (exit {srv.proc.returncode}); stderr tail:\n{srv.stderr_tail()}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Turn a server crash during the test body into a failure of that test."""
    result = yield
    for srv in getattr(item, "_kiln_servers", []):
        if not srv.expect_exit and not srv.crash_reported and srv.proc.poll() is not None:
            pytest.fail(_crash_message(srv), pytrace=False)
    return result


@pytest.fixture
def server(request, _shared_server) -> Server:
    """The shared server. Fails the test if the process is gone afterwards."""
    srv = _shared_server.get()
    _track(request, srv)
    yield srv
    if not srv.alive() and not srv.crash_reported:
        pytest.fail(_crash_message(srv), pytrace=False)


@pytest.fixture
def kiln_binary() -> str:
    """Path of the kiln binary under test (fails the test if it is missing)."""
    return kiln_bin()


@pytest.fixture
def start_server(request):
    """Factory: start_server(config_overrides, env=..., args=..., base=True) -> Server."""
    started: list[Server] = []

    def factory(config: dict | None = None, *, env: dict | None = None, args: list[str] | None = None,
                base: bool = True, wait: bool = True, **kw) -> Server:
        cfg = dict(SHARED_CONFIG) if base else {}
        cfg.update(config or {})
        srv = launch(cfg, env=env, args=args, wait=wait, **kw)
        if not wait:
            srv.expect_exit = True  # the test inspects the exit itself
        started.append(srv)
        _track(request, srv)
        return srv

    yield factory
    crashed = [s for s in started if not s.expect_exit and not s.crash_reported and s.proc.poll() is not None]
    message = _crash_message(crashed[0]) if crashed else None
    for s in started:
        s.kill()
    if message:
        pytest.fail(message, pytrace=False)
