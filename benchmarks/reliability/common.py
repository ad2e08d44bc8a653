"""Shared parts of the reliability soaks (churn.py, soak.py): start `kiln serve` on the
shipped models with its default configuration, sample its RSS, build the sample requests,
and write a JSON result under benchmarks/results/."""

from __future__ import annotations

import base64
import datetime
import json
import os
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"
RESULTS = REPO / "benchmarks" / "results"
BOUNDARY = "kilnSoakBoundary0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def git_commit(binary: str) -> str:
    """The commit the binary was built from, as far as we can tell (the tree's HEAD)."""
    try:
        out = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "Sources"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return out + ("+dirty-Sources" if dirty else "")
    except OSError:
        return "unknown"


class Server:
    """`kiln serve --models models --host 127.0.0.1 --port P` with nothing else: the default
    configuration (access log on). stderr goes to a file (one access-log line per request)."""

    def __init__(self, binary: str, log_path: Path, extra_env: dict | None = None):
        self.port = free_port()
        self.log_path = log_path
        self.log = open(log_path, "wb")
        env = {k: v for k, v in os.environ.items() if not k.startswith("KILN_")}
        env.update(extra_env or {})
        self.proc = subprocess.Popen([binary, "serve", "--models", str(MODELS), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.log, env=env, cwd=str(REPO))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"kiln exited with {self.proc.returncode} at start-up:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/v2/health/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit("kiln did not become ready within 60 s")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/v2/health/live", timeout=5) as r:
                return r.status == 200
        except OSError:
            return False

    def tail(self, n: int = 80) -> str:
        """The last n lines of stderr that are not access-log lines (plus the last two that are)."""
        self.log.flush()
        with open(self.log_path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - (4 << 20)))
            lines = f.read().decode("utf-8", "replace").splitlines()
        access = [ln for ln in lines if '"msg":"request"' in ln]
        other = [ln for ln in lines if '"msg":"request"' not in ln]
        return "\n".join(crash_report(other) + other[-n:] + ["--- last access-log lines ---"] + access[-2:])

    def log_levels(self) -> dict[str, int]:
        """Counts of stderr lines by level (warning and above are worth reading)."""
        counts: dict[str, int] = {}
        with open(self.log_path, "rb") as f:
            for raw in f:
                i = raw.find(b'"level":"')
                level = raw[i + 9:raw.find(b'"', i + 9)].decode() if i >= 0 else "other"
                counts[level] = counts.get(level, 0) + 1
        return counts

    def count_lines(self, needle: str) -> int:
        n, b = 0, needle.encode()
        with open(self.log_path, "rb") as f:
            for raw in f:
                n += b in raw
        return n

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()
        return self.proc.returncode


def crash_report(lines: list[str]) -> list[str]:
    """The Swift backtracer's headline and the crashed thread's frames, if it printed any."""
    out = [ln for ln in lines if ln.startswith("*** ")]
    for i, ln in enumerate(lines):
        if ln.startswith("Thread ") and ln.rstrip().endswith("crashed:"):
            block = [ln]
            for nxt in lines[i + 1:i + 40]:
                if nxt.startswith("Thread ") or nxt.startswith("Registers"):
                    break
                block.append(nxt)
            out += block
    return out + (["--- end of crash report ---"] if out else [])


class RSSSampler(threading.Thread):
    """Samples the server's VmRSS every `period` seconds: [(seconds since start, KiB)]."""

    def __init__(self, pid: int, period: float):
        super().__init__(daemon=True)
        self.pid, self.period = pid, period
        self.samples: list[tuple[float, int]] = []
        self.stopping = threading.Event()
        self.t0 = time.monotonic()

    def run(self):
        while not self.stopping.is_set():
            kib = rss_kib(self.pid)
            if kib is None:
                return
            self.samples.append((round(time.monotonic() - self.t0, 1), kib))
            self.stopping.wait(self.period)

    def stop(self):
        self.stopping.set()
        self.join(timeout=5)


def thirds(samples: list[tuple[float, int]]) -> dict:
    """Mean RSS (MiB) of the first, middle and last third of the samples."""
    vals = [kib for _, kib in samples]
    n = len(vals)
    if n < 3:
        return {}
    parts = [vals[: n // 3], vals[n // 3: 2 * n // 3], vals[2 * n // 3:]]
    means = [round(sum(p) / len(p) / 1024, 2) for p in parts]
    return {"first_mib": means[0], "middle_mib": means[1], "last_mib": means[2],
            "last_vs_middle_pct": round((means[2] / means[1] - 1) * 100, 2),
            "min_mib": round(min(vals) / 1024, 2), "max_mib": round(max(vals) / 1024, 2)}


def sample_bodies() -> list[tuple[str, str, str, bytes]]:
    """(name, path, content type, body) for every kind of service request, from the samples."""
    d, t, f, r = (MODELS / m / "samples" for m in ("defect_detection", "medical_triage", "fraud_scoring",
                                                   "recommendation"))
    jpg = (d / "scratches_01.jpg").read_bytes()
    png = (t / "urgent_01.png").read_bytes()
    mp = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\n"
          f"Content-Type: image/png\r\n\r\n").encode() + png + f"\r\n--{BOUNDARY}--\r\n".encode()
    return [
        ("defect_raw_jpeg", "/v1/defect-detection", "image/jpeg", jpg),
        ("defect_base64", "/v1/defect-detection", "application/json",
         json.dumps({"image": base64.b64encode(jpg).decode()}).encode()),
        ("triage_multipart", "/v1/medical-triage", f"multipart/form-data; boundary={BOUNDARY}", mp),
        ("triage_raw_png", "/v1/medical-triage", "image/png", png),
        ("fraud_record", "/v1/fraud-scoring", "application/json", (f / "fraud.json").read_bytes()),
        ("fraud_batch", "/v1/fraud-scoring", "application/json", (f / "batch.json").read_bytes()),
        ("recommendation", "/v1/recommendations", "application/json", (r / "known_user.json").read_bytes()),
        ("recommendation_filtered", "/v1/recommendations", "application/json", (r / "filtered.json").read_bytes()),
    ]


def write_result(kind: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{kind}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path
