"""Runs `cascade serve` for a test, mints tokens with `cascade token`, small HTTP helpers.

Contract (from the issue):
  cascade serve --bind ADDR --http-port N --media-port N --advertise ADDR
                --api-key K --api-secret S --data-dir DIR        (JSON log lines on stderr)
  cascade token --api-key K --api-secret S --room R --identity I [--publish] [--subscribe] [--ttl S]
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "artifacts" / "interop"  # /artifacts/ is git-ignored


def cascade_bin() -> Path:
    return Path(os.environ.get("CASCADE_BIN", REPO_ROOT / ".build" / "debug" / "cascade"))


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port free right now on 127.0.0.1. In the test's private namespace nothing else binds
    ports, so the usual bind-then-close race does not bite."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_process(process: subprocess.Popen, grace: float = 5.0) -> int:
    """SIGTERM, then SIGKILL after `grace` seconds, by PID (never by name). Returns the exit status."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


class CascadeServer:
    """One `cascade serve` process on 127.0.0.1 with free ports and a temporary data dir."""

    def __init__(self, data_dir: Path, log_path: Path, binary: Path | None = None):
        self.binary = binary or cascade_bin()
        self.data_dir = data_dir
        self.log_path = log_path
        self.host = "127.0.0.1"
        self.http_port = free_port(socket.SOCK_STREAM)
        self.media_port = free_port(socket.SOCK_DGRAM)
        self.api_key = "interop-key"
        # JWTKit asserts on HMAC keys shorter than 32 bytes (FIELD-NOTES), so use 48 characters.
        self.api_secret = secrets.token_hex(24)
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    def command(self) -> list[str]:
        return [str(self.binary), "serve",
                "--bind", self.host, "--http-port", str(self.http_port),
                "--media-port", str(self.media_port), "--advertise", self.host,
                "--api-key", self.api_key, "--api-secret", self.api_secret,
                "--data-dir", str(self.data_dir)]

    def start(self, ready_timeout: float = 30.0) -> "CascadeServer":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")
        self._log.write(("# " + " ".join(self.command()) + "\n").encode())
        self._log.flush()
        self.process = subprocess.Popen(self.command(), stdout=self._log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + ready_timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"cascade serve exited with {self.process.returncode} before it was ready; "
                                   f"log {self.log_path}:\n{self.log_tail()}")
            try:
                requests.get(f"{self.base_url}/metrics", timeout=1)
                return self  # any HTTP answer means the listener is up
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"cascade serve not answering HTTP on {self.base_url} after {ready_timeout}s; "
                                   f"log {self.log_path}:\n{self.log_tail()}")
            time.sleep(0.1)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, grace: float = 5.0) -> int | None:
        """SIGTERM, then SIGKILL after `grace` seconds, by PID. Returns the exit status."""
        if self.process is None:
            return None
        stop_process(self.process, grace)
        if self._log:
            self._log.close()
            self._log = None
        return self.process.returncode

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def token(self, room: str, identity: str, publish: bool = False, subscribe: bool = False,
              ttl: int | None = None, admin: bool = False) -> str:
        return mint_token(self.api_key, self.api_secret, room, identity, publish, subscribe, ttl, self.binary, admin)

    def service_token(self) -> str:
        """Every room, admin: what an operator (or Prometheus, for /metrics) holds."""
        return self.token("*", "interop-operator", admin=True)


def mint_token(api_key: str, api_secret: str, room: str, identity: str, publish: bool = False,
               subscribe: bool = False, ttl: int | None = None, binary: Path | None = None,
               admin: bool = False) -> str:
    command = [str(binary or cascade_bin()), "token", "--api-key", api_key, "--api-secret", api_secret,
               "--room", room, "--identity", identity]
    if publish:
        command.append("--publish")
    if subscribe:
        command.append("--subscribe")
    if admin:
        command.append("--admin")
    if ttl is not None:
        command += ["--ttl", str(ttl)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    if not lines:
        raise RuntimeError(f"`cascade token` printed nothing; stderr: {result.stderr.strip()}")
    return lines[-1]


# --- JWT edits for the auth tests (RFC 7519 / RFC 7515 compact form) ---------------------------

def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_parts(token: str) -> tuple[dict, dict]:
    header, payload, _ = token.split(".")
    return json.loads(_b64decode(header)), json.loads(_b64decode(payload))


def jwt_sign_hs256(header: dict, payload: dict, secret: str) -> str:
    signing_input = f"{_b64encode(json.dumps(header).encode())}.{_b64encode(json.dumps(payload).encode())}"
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64encode(signature)}"


def unsecured_jwt(header: dict, payload: dict) -> str:
    """A JWT with an empty signature (`alg: none`, RFC 7519 §6)."""
    return f"{_b64encode(json.dumps(header).encode())}.{_b64encode(json.dumps(payload).encode())}."


def forge_signature(token: str) -> str:
    """Same header and claims, signature bytes flipped: must be rejected (401)."""
    header, payload, signature = token.split(".")
    raw = bytearray(_b64decode(signature))
    raw[0] ^= 0xFF
    return f"{header}.{payload}.{_b64encode(bytes(raw))}"


def expired_copy(token: str, secret: str) -> str | None:
    """The same claims with exp (and nbf/iat) an hour in the past, re-signed with the real
    secret: only the expiry is wrong. None if the token is not HS256 (then use a short ttl)."""
    header, payload = jwt_parts(token)
    if header.get("alg") != "HS256":
        return None
    now = int(time.time())
    payload["exp"] = now - 3600
    for claim in ("nbf", "iat"):
        if claim in payload:
            payload[claim] = now - 7200
    return jwt_sign_hs256(header, payload, secret)


# --- HTTP helpers ------------------------------------------------------------------------------

def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def publications(base_url: str, room: str, token: str) -> list[str]:
    """Resource ids published in `room`. The one place that knows the response shape:
    {"publications": [{"resourceId": "...", "tracks": [...]}]} (also accepts a bare list)."""
    response = requests.get(f"{base_url}/v1/rooms/{room}/publications", headers=bearer(token), timeout=5)
    response.raise_for_status()
    body = response.json()
    items = body.get("publications", []) if isinstance(body, dict) else body
    return [item["resourceId"] if isinstance(item, dict) else str(item) for item in items]


def error_body(response: requests.Response) -> dict:
    """Parses the server's error JSON {"error": ..., "reason": ...}; fails loudly otherwise."""
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"{response.status_code} body is not JSON: {response.text[:200]!r}")
    assert isinstance(body, dict), f"error body is not an object: {body!r}"
    for key in ("error", "reason"):
        assert isinstance(body.get(key), str) and body[key], f"error body lacks {key!r}: {body!r}"
    return body
