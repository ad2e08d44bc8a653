"""Models stay loaded while descriptors run out. In poll mode the repository scan lists
each model folder, which needs a descriptor; a listing that fails for want of one must not
read as "the folder is gone" and unload the model."""

from __future__ import annotations

import resource
import socket
import time

from hostile import MODELS
from kilnhttp import HOST, get

LIMIT = 64


def _limit_descriptors():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, hard))


def test_a_scan_without_descriptors_keeps_the_models(start_server):
    srv = start_server({"models": str(MODELS), "repository_poll_seconds": 0.2, "max_connections": 4096,
                        "header_timeout_seconds": 5}, preexec_fn=_limit_descriptors)
    assert get(srv.port, "/v2/health/ready").status == 200
    flood = []
    try:
        for _ in range(LIMIT + 16):  # more than the server can hold: it runs out
            flood.append(socket.create_connection((HOST, srv.port), timeout=5))
        time.sleep(2)  # about ten polls while no descriptor is free
    finally:
        for s in flood:
            s.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if get(srv.port, "/v2/health/ready", timeout=2).status == 200:
                break
        except OSError:
            pass
        time.sleep(0.2)
    unloaded = [o for o in srv.logs() if o.get("msg") == "model unloaded"]
    assert not unloaded, unloaded[:3]
    assert get(srv.port, "/v2/health/ready").status == 200
