"""GStreamer webrtcbin peers for the interop tests: each a gstreamer_peer.py process (WHIP
publisher or WHEP subscriber) whose JSON lines this module collects.

GStreamer's Python bindings import only under Debian's /usr/bin/python3 (python3-gi), not
under the pyenv python that runs pytest, so every peer is a subprocess of that interpreter
(CASCADE_GST_PYTHON overrides it). `missing()` says what is not installed, with the command
that installs it; a test fails with that message rather than skipping.

libnice gathers no candidate on `lo` (gstreamer_peer.py's header), so the peers run in a
netcut.VethNamespace of their own: webrtcbin is then a host at 10.213.N.2 and `cascade serve`
binds the suite's end, 10.213.N.1 (`peer_site`).
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .cascade import stop_process
from .netcut import VethNamespace

PYTHON_ENV = "CASCADE_GST_PYTHON"
DRIVER = Path(__file__).with_name("gstreamer_peer.py")
INSTALL = "bash scripts/install-deps.sh --test"
ELEMENTS = ("webrtcbin", "nicesrc", "dtlssrtpenc", "srtpdec", "rtpbin", "videotestsrc", "audiotestsrc",
            "vp8enc", "vp8dec", "rtpvp8pay", "rtpvp8depay", "opusenc", "opusdec", "rtpopuspay", "rtpopusdepay")
_CHECK = f"""
import gi
for namespace in ("Gst", "GstSdp", "GstWebRTC"):
    gi.require_version(namespace, "1.0")
from gi.repository import Gst, GstSdp, GstWebRTC
Gst.init(None)
missing = [e for e in {ELEMENTS!r} if Gst.ElementFactory.find(e) is None]
print(" ".join(missing))
"""


def interpreter() -> str:
    return os.environ.get(PYTHON_ENV, "/usr/bin/python3")


def missing() -> str | None:
    """Why GStreamer peers cannot run here (with how to install what is missing), or None."""
    python = interpreter()
    try:
        result = subprocess.run([python, "-c", _CHECK], capture_output=True, text=True, timeout=60)
    except OSError as error:
        return f"cannot run {python} ({error}); install Debian's python3 with python3-gi: {INSTALL}"
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        return (f"GStreamer's Python bindings do not import under {python}: {last}; "
                f"install them (python3-gi, gir1.2-gst-plugins-bad-1.0, ...): {INSTALL}")
    if result.stdout.strip():
        return (f"GStreamer elements missing: {result.stdout.strip()} (gstreamer1.0-plugins-bad, "
                f"gstreamer1.0-nice, gstreamer1.0-plugins-good, gstreamer1.0-plugins-base): {INSTALL}")
    return None


@contextmanager
def peer_site(index: int = 5) -> Iterator[VethNamespace]:
    """A namespace for webrtcbin, joined to the suite's by a veth pair, once its link is up:
    libnice skips an interface that has no carrier yet and would then gather nothing."""
    with VethNamespace("gst", index) as site:
        deadline = time.monotonic() + 10
        while "LOWER_UP" not in site.run("ip", "link", "show", "dev", site.peer_if, timeout=10).stdout:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{site.peer_if} in {site.name} not up after 10 s")
            time.sleep(0.05)
        yield site


class GstPeer:
    """One gstreamer_peer.py process in `site`; its JSON lines collected as they arrive."""

    def __init__(self, site: VethNamespace, role: str, url: str, token: str, log_path: Path):
        self.role = role
        self.url = url
        self.log_path = log_path
        self.lines: list[dict] = []
        self._lock = threading.Lock()
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [*site.exec_prefix(), interpreter(), str(DRIVER), role, "--url", url, "--token", token],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._log, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            with self._lock:
                self.lines.append(event)

    def events(self, kind: str) -> list[dict]:
        with self._lock:
            return [event for event in self.lines if event["event"] == kind]

    @property
    def stats(self) -> list[dict]:
        return self.events("stats")

    def describe(self) -> str:
        errors = [event["message"] for event in self.events("error")]
        states = self.events("state")
        return (f"{self.role} {self.url}: exit {self.process.poll()}, errors {errors}, "
                f"last state {states[-1] if states else None}, log {self.log_path}")

    def wait_connected(self, timeout: float = 20.0) -> None:
        """Until webrtcbin's connection state is "connected"; raises if it fails or exits."""
        deadline = time.monotonic() + timeout
        while True:
            states = [event["connection"] for event in self.events("state")]
            if "connected" in states:
                return
            if "failed" in states or self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"GStreamer {self.role} not connected within {timeout:.0f} s: {self.describe()}")
            time.sleep(0.1)

    @property
    def resource_id(self) -> str:
        posted = self.events("posted")
        assert posted, f"not posted yet: {self.describe()}"
        return urllib.parse.urlparse(posted[0]["location"]).path.rstrip("/").rsplit("/", 1)[-1]

    def stop(self, grace: float = 10.0) -> int:
        """SIGTERM (the driver DELETEs its resource first), SIGKILL after `grace`; by PID."""
        status = stop_process(self.process, grace)
        self._reader.join(timeout=5)
        self._log.close()
        return status


def publish(site: VethNamespace, base_url: str, room: str, token: str, log_path: Path) -> GstPeer:
    return GstPeer(site, "publish", f"{base_url}/whip/{room}", token, log_path)


def subscribe(site: VethNamespace, base_url: str, room: str, resource_id: str, token: str,
              log_path: Path) -> GstPeer:
    return GstPeer(site, "subscribe", f"{base_url}/whep/{room}/{resource_id}", token, log_path)


# --- reading the stats lines ------------------------------------------------------------------

def value_at(stats: list[dict], key: str, when: float) -> float:
    """`key` at time `when`, interpolated between the stats lines around it (the peers report
    once a second); 0 before the first line, the last value after the last."""
    before = {"time": when, key: 0}
    for line in stats:
        if line["time"] >= when:
            if line["time"] == before["time"]:
                return line[key]
            share = (when - before["time"]) / (line["time"] - before["time"])
            return before[key] + share * (line[key] - before[key])
        before = line
    return before[key]


def window_deltas(stats: list[dict], key: str, start: float, end: float, width: float) -> list[int]:
    """How much `key` grew in each `width`-second window of [start, end)."""
    edges = [start + i * width for i in range(int((end - start) // width) + 1)]
    values = [value_at(stats, key, edge) for edge in edges]
    return [round(after - before) for before, after in zip(values, values[1:])]


def growth(stats: list[dict], key: str, start: float, end: float) -> int:
    """How much `key` grew from `start` to `end`."""
    return round(value_at(stats, key, end) - value_at(stats, key, start))
