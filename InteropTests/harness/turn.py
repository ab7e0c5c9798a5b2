"""coturn for the interop tests, with TURN REST credentials (shared secret, no user database).

The TURN REST scheme (draft-uberti-behave-turn-rest-00, coturn's `use-auth-secret`): the server
and whoever hands out credentials share a secret; a credential is
    username = "<expiry unix time>:<user id>"
    password = base64(HMAC-SHA1(secret, username))
and coturn checks the HMAC and the expiry itself, so nothing is provisioned per user.

Started on a free port with no TLS/DTLS and no CLI, its log under artifacts/, stopped by PID.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TURNSERVER = "/usr/bin/turnserver"


def turnserver_available() -> bool:
    return shutil.which(TURNSERVER) is not None or Path(TURNSERVER).exists()


def rest_credentials(secret: str, user: str, ttl: int = 3600, now: float | None = None) -> tuple[str, str]:
    """(username, password) for the TURN REST scheme: valid until now + ttl."""
    expiry = int(now if now is not None else time.time()) + ttl
    username = f"{expiry}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def _free_port(host: str) -> int:
    """A port free for both TCP and UDP on `host` (TURN listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind((host, 0))
            port = tcp.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                    udp.bind((host, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no port free for TCP and UDP on {host}")


@dataclass
class TurnServer:
    """One `turnserver` listening and relaying on `host` (an address of this namespace)."""

    host: str
    log_path: Path
    realm: str = "cascade.test"
    secret: str = ""
    port: int = 0
    process: subprocess.Popen | None = None

    def __post_init__(self):
        self.secret = self.secret or secrets.token_hex(16)
        self._dir = Path(tempfile.mkdtemp(prefix="cascade-turn-"))

    def url(self, transport: str = "udp") -> str:
        return f"turn:{self.host}:{self.port}?transport={transport}"

    def credentials(self, user: str, ttl: int = 3600) -> tuple[str, str]:
        return rest_credentials(self.secret, user, ttl)

    def ice_server(self, user: str, transport: str = "tcp") -> dict:
        """An RTCIceServer dictionary as a browser takes it."""
        username, password = self.credentials(user)
        return {"urls": [self.url(transport)], "username": username, "credential": password}

    def command(self) -> list[str]:
        relay_low = 49152 + secrets.randbelow(12000)
        return [TURNSERVER, "-n",  # no config file
                "--no-cli", "--no-tls", "--no-dtls",
                "--listening-ip", self.host, "--relay-ip", self.host,
                "--listening-port", str(self.port),
                "--min-port", str(relay_low), "--max-port", str(relay_low + 999),
                "--use-auth-secret", f"--static-auth-secret={self.secret}", "--realm", self.realm,
                "--fingerprint", "--no-multicast-peers",
                "--userdb", str(self._dir / "turndb"),
                "--pidfile", str(self._dir / "turnserver.pid"),
                "--log-file", str(self.log_path), "--simple-log", "--no-stdout-log", "--verbose"]

    def start(self, ready_timeout: float = 10.0) -> "TurnServer":
        self.port = self.port or _free_port(self.host)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._stderr = open(self.log_path.with_suffix(".stderr.log"), "wb")
        self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=self._stderr,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + ready_timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"turnserver exited with {self.process.returncode}; see {self.log_path}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"turnserver not listening on {self.host}:{self.port}; see {self.log_path}")
            time.sleep(0.1)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, grace: float = 5.0) -> int | None:
        """SIGTERM, then SIGKILL, by PID."""
        status = None
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            status = self.process.returncode
        if getattr(self, "_stderr", None):
            self._stderr.close()
            self._stderr = None
        shutil.rmtree(self._dir, ignore_errors=True)
        return status

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def allocations_logged(self) -> int:
        """How many allocations coturn logged as successful (a relay was really used)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return 0
        return text.count("ALLOCATE processed, success")
