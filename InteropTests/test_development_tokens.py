"""`cascade serve` without --api-key/--api-secret generates a development key pair, and
`/v1/dev/token` hands the try-it page a token for any identity. That is only safe where nobody
else reaches the server: on loopback it answers, bound to any other address it is off (404)."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests

from harness import cascade, require

pytestmark = pytest.mark.server


def _serve_without_keys(bind: str, advertise: str, artifacts: Path, label: str):
    binary = require.cascade_binary()
    port = cascade.free_port(socket.SOCK_STREAM)
    data = tempfile.TemporaryDirectory(prefix="cascade-devtoken-")
    log = open(artifacts / f"server-{label}.log", "wb")
    process = subprocess.Popen([str(binary), "serve", "--bind", bind, "--advertise", advertise,
                                "--http-port", str(port), "--media-port", str(cascade.free_port(socket.SOCK_DGRAM)),
                                "--data-dir", data.name], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, f"cascade serve exited ({process.returncode})"
        try:
            requests.get(f"{base}/healthz", timeout=1)
            break
        except requests.RequestException:
            assert time.monotonic() < deadline, "cascade serve did not answer"
            time.sleep(0.2)
    return process, base, data, log


@pytest.mark.parametrize("bind, status", [("127.0.0.1", 200), ("0.0.0.0", 404)])
def test_development_tokens_only_on_loopback(artifacts, bind, status):
    process, base, data, log = _serve_without_keys(bind, "127.0.0.1", artifacts, f"devtoken-{bind}")
    try:
        response = requests.get(f"{base}/v1/dev/token", params={"room": "r", "identity": "someone"}, timeout=10)
        assert response.status_code == status, f"bound to {bind}: {response.status_code} {response.text[:200]}"
        if status == 200:
            assert response.json()["token"].count(".") == 2
        else:
            assert "cascade token" in cascade.error_body(response)["reason"]
    finally:
        cascade.stop_process(process)
        log.close()
        data.cleanup()
