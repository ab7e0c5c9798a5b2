"""Meeting tests: `cascade serve` with meeting flags and Chromium participants of the web app
(the namespace whose network a test cuts is in harness.netcut, re-exported here).

Chromium (FIELD-NOTES "Real peers" + what was measured here, Chromium 156 headless=new):
- getDisplayMedia needs no extra flag: with --use-fake-device-for-media-stream and
  --use-fake-ui-for-media-stream it returns a fake "screen:-3:0" monitor track (800x600, 30 fps)
  at once, with or without a user gesture. (--auto-select-desktop-capture-source=… and
  --auto-accept-this-tab-capture change nothing here and are not used.)
- The fake camera plays a small Y4M clip (320x240, 15 fps, one colour per participant) through
  --use-file-for-fake-video-capture, so three browsers plus the server fit on two cores; the
  fake microphone is Chromium's beep.
- Every RTCPeerConnection the page creates is recorded (window.__interopPCs, installed before
  any page script through CDP), so the tests can read getStats() without relying on the app.
- A browser in another network namespace: its "binary" is a wrapper that runs
  `ip netns exec NS chromium …`, and chromedriver talks to it over --remote-debugging-pipe
  (file descriptors 3 and 4 survive the exec), since its DevTools TCP port would sit in the
  other namespace.

Web app contract (Sources/Control/Web, read-only test hooks): `/r/{room}?name=NAME&autojoin=1`
joins directly; `&testing=1` makes the page load testing.js, which installs `window.cascade.state()`
and the other hooks (the production page never loads it); `data-testid` attributes (see
meeting.js's header comment). Every read of that contract goes through MeetingPage (and room_url),
the one place that knows it.
"""

from __future__ import annotations

import os
import secrets
import shlex
import socket
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from . import cascade, chromium
from .netcut import VethNamespace, in_private_namespace  # noqa: F401 - part of this module's API

# --- waiting ---------------------------------------------------------------------------------


def wait_until(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.5,
               describe: Callable[[], Any] | None = None) -> Any:
    """Polls `condition` until it returns a truthy value (returned) or `timeout` passes
    (AssertionError naming `what`, the last exception and `describe()` for context)."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except AssertionError:
            raise
        except Exception as error:  # noqa: BLE001 - reported if the wait times out
            last_error = error
        if time.monotonic() > deadline:
            context = ""
            if describe is not None:
                try:
                    context = f"\nstate: {describe()}"
                except Exception as error:  # noqa: BLE001
                    context = f"\nstate: (unavailable: {error})"
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}"
                                 f"{f' (last error: {last_error})' if last_error else ''}{context}")
        time.sleep(interval)


# --- the server ------------------------------------------------------------------------------


class MeetingServer(cascade.CascadeServer):
    """`cascade serve` with extra flags (e.g. --max-participants 2) and, for tests with other
    network namespaces, a bind / advertise address other than 127.0.0.1."""

    def __init__(self, data_dir: Path, log_path: Path, extra_args: tuple[str, ...] = (),
                 bind: str = "127.0.0.1", advertise: str | None = None, binary: Path | None = None):
        super().__init__(data_dir, log_path, binary)
        self.extra_args = tuple(extra_args)
        self.bind = bind
        self.advertise = advertise or bind
        self.host = self.advertise  # base_url: what participants (also in other namespaces) use

    def command(self) -> list[str]:
        return [str(self.binary), "serve",
                "--bind", self.bind, "--http-port", str(self.http_port),
                "--media-port", str(self.media_port), "--advertise", self.advertise,
                "--api-key", self.api_key, "--api-secret", self.api_secret,
                "--data-dir", str(self.data_dir), *self.extra_args]

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.http_port}/rtc"


@contextmanager
def running_server(artifacts: Path, label: str, extra_args: tuple[str, ...] = (), bind: str = "127.0.0.1",
                   advertise: str | None = None) -> Iterator[MeetingServer]:
    """A MeetingServer for one test module (log in artifacts/interop/server-<label>.log).
    Fails when the binary is missing; raises if the server died while in use (a crash is a
    finding)."""
    import pytest

    from . import require

    binary = require.cascade_binary()
    with tempfile.TemporaryDirectory(prefix="cascade-meeting-") as data_dir:
        server = MeetingServer(Path(data_dir), artifacts / f"server-{label}.log", extra_args, bind, advertise, binary)
        server.start()
        try:
            yield server
        finally:
            died = not server.alive()
            status = server.stop()
            if died:
                pytest.fail(f"cascade serve died during {label} (exit {status}); log tail:\n{server.log_tail()}")


EXTERNAL_URL_ENV = "CASCADE_MEETING_BASE_URL"


def external_base_url() -> str | None:
    """CASCADE_MEETING_BASE_URL=http://HOST:PORT runs the meeting tests against a server that is
    already running (e.g. a stand-in while the real one is being written) instead of starting
    `cascade serve`; with CASCADE_INTEROP_NETNS=off unless that server runs in the namespace."""
    return os.environ.get(EXTERNAL_URL_ENV) or None


def signaling_base_url(request) -> str:
    """For a module fixture: the base URL of a server that speaks /rtc — the external one, or
    conftest's `cascade_server`. Fails when that server has no signaling."""
    from . import require

    base_url = external_base_url() or request.getfixturevalue("cascade_server").base_url
    require.signaling(base_url)
    return base_url


# --- fake camera clips -----------------------------------------------------------------------

# One colour per participant, so screenshots show whose video is where (Y, U, V).
COLOURS = {
    "red": (82, 90, 240), "green": (145, 54, 34), "blue": (41, 240, 110),
    "yellow": (210, 16, 146), "purple": (70, 170, 180), "cyan": (170, 166, 16),
}


def write_camera_y4m(path: Path, colour: str, width: int = 320, height: int = 240, fps: int = 15,
                     frames: int = 30) -> Path:
    """A looping Y4M clip for --use-file-for-fake-video-capture: a flat colour with a white bar
    sweeping across (2 s loop). Small and simple, so encoding it costs little CPU, yet every frame
    differs, so a frozen picture shows as framesDecoded standing still."""
    if path.exists():
        return path
    import numpy as np

    y, u, v = COLOURS[colour]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    chroma = (np.full((height // 2) * (width // 2), u, dtype=np.uint8).tobytes()
              + np.full((height // 2) * (width // 2), v, dtype=np.uint8).tobytes())
    bar = max(8, width // 16)
    with open(partial, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for index in range(frames):
            luma = np.full((height, width), y, dtype=np.uint8)
            left = (index * (width - bar)) // max(1, frames - 1)
            luma[:, left:left + bar] = 235
            out.write(b"FRAME\n")
            out.write(luma.tobytes())
            out.write(chroma)
    partial.rename(path)
    return path


# --- Chromium ---------------------------------------------------------------------------------

MEETING_FLAGS = (
    "--window-size=1280,800",
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
)

# Installed before any page script: keeps every RTCPeerConnection the app creates, so the tests
# can read inbound/outbound stats without depending on the app's own hooks.
PC_RECORDER = """
(() => {
  if (window.__interopPCs) return;
  const pcs = [];
  window.__interopPCs = pcs;
  const Native = window.RTCPeerConnection;
  if (!Native) return;
  function Recorded(...args) { const pc = new Native(...args); pcs.push(pc); return pc; }
  Recorded.prototype = Native.prototype;
  Object.setPrototypeOf(Recorded, Native);
  window.RTCPeerConnection = Recorded;
})();
"""

# Per recorded PeerConnection: its state and summed inbound/outbound RTP counters per kind.
_PC_STATS = """
const done = arguments[arguments.length - 1];
(async () => {
  const out = [];
  for (const [index, pc] of (window.__interopPCs || []).entries()) {
    const entry = {index, connectionState: pc.connectionState, iceConnectionState: pc.iceConnectionState,
                   signalingState: pc.signalingState,
                   inbound: {audio: null, video: null}, outbound: {audio: null, video: null}, streams: [],
                   receiverTrackIds: pc.getReceivers().map(r => r.track && r.track.id)};
    if (pc.connectionState !== 'closed') {
      try {
        const report = await pc.getStats();
        report.forEach(s => {
          if ((s.type === 'inbound-rtp' || s.type === 'outbound-rtp') && (s.kind === 'audio' || s.kind === 'video')) {
            const side = s.type === 'inbound-rtp' ? entry.inbound : entry.outbound;
            entry.streams.push({direction: s.type === 'inbound-rtp' ? 'in' : 'out', kind: s.kind, mid: s.mid,
                                ssrc: s.ssrc, bytes: s.bytesReceived || s.bytesSent || 0,
                                frames: s.framesDecoded || s.framesEncoded || 0});
            const acc = side[s.kind] || (side[s.kind] = {bytes: 0, packets: 0, frames: 0, width: 0, height: 0});
            acc.bytes += (s.bytesReceived || s.bytesSent || 0);
            acc.packets += (s.packetsReceived || s.packetsSent || 0);
            acc.frames += (s.framesDecoded || s.framesEncoded || 0);
            acc.width = Math.max(acc.width, s.frameWidth || 0);
            acc.height = Math.max(acc.height, s.frameHeight || 0);
          }
        });
      } catch (e) { entry.error = String(e); }
    }
    out.push(entry);
  }
  done(out);
})().catch(e => done({error: String(e)}));
"""


def _netns_chromium_wrapper(netns: VethNamespace, directory: Path) -> Path:
    wrapper = directory / f"chromium-in-{netns.name}.sh"
    wrapper.write_text("#!/bin/sh\nexec " + " ".join(shlex.quote(p) for p in netns.exec_prefix())
                       + ' /usr/bin/chromium "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


def start_chromium(log_path: Path, camera: Path | None = None, netns: VethNamespace | None = None,
                   secure_origins: tuple[str, ...] = ()) -> webdriver.Chrome:
    """Headless Chromium for the web app: harness.chromium's flags (fake devices, no prompts,
    loopback candidates), meeting flags, a small fake camera clip, the PeerConnection recorder.
    With `netns` the browser runs in that namespace (chromedriver stays here).
    `secure_origins` (e.g. "http://10.213.0.1:8080"): plain-HTTP origins to treat as secure
    contexts; only http://127.0.0.1 and localhost are by default, and without a secure context
    there is no getUserMedia."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in chromium.CHROMIUM_FLAGS + MEETING_FLAGS:
        options.add_argument(flag)
    if camera is not None:
        options.add_argument(f"--use-file-for-fake-video-capture={camera}")
    if secure_origins:
        options.add_argument("--unsafely-treat-insecure-origin-as-secure=" + ",".join(secure_origins))
    if netns is not None:
        options.binary_location = str(_netns_chromium_wrapper(netns, log_path.parent))
        options.add_argument("--remote-debugging-pipe")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    log_path.parent.mkdir(parents=True, exist_ok=True)
    service = Service("/usr/bin/chromedriver", log_output=str(log_path))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_script_timeout(30)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PC_RECORDER})
    return driver


def room_url(base_url: str, room: str, name: str, autojoin: bool = True) -> str:
    """The meeting page with the test hooks on (testing=1: the page loads /app/testing.js)."""
    query = {"name": name}
    if autojoin:
        query["autojoin"] = "1"
    query["testing"] = "1"
    return f"{base_url}/r/{urllib.parse.quote(room)}?{urllib.parse.urlencode(query)}"


def new_room_name(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3)}"


class MeetingPage:
    """One Chromium participant in the web app. The only code that knows the app's test hooks
    (meeting.js header comment; installed by testing.js when the URL has testing=1, which
    room_url adds): window.cascade.state() / stats() / events() and the
    data-testid attributes (tile[data-participant-id][data-source], tile-mic-muted, ...)."""

    def __init__(self, driver: webdriver.Chrome, name: str):
        self.driver = driver
        self.name = name
        self.participant_id: str | None = None
        self.console_lines: list[str] = []

    def open(self, base_url: str, room: str, autojoin: bool = True) -> None:
        self.driver.get(room_url(base_url, room, self.name, autojoin))

    # --- the app's read-only hooks ---

    def state(self) -> dict | None:
        return self.driver.execute_script(
            "return (window.cascade && typeof window.cascade.state === 'function') ? window.cascade.state() : null")

    def stats(self) -> dict | None:
        """state() with counters refreshed from getStats() now."""
        return self.driver.execute_async_script(
            "const done = arguments[0];"
            "if (!window.cascade) { done(null); return; }"
            "window.cascade.stats().then(done, e => done({statsError: String(e)}));")

    def events(self) -> list[dict]:
        return self.driver.execute_script("return window.cascade ? window.cascade.events() : []")

    def call(self, hook: str, *args, timeout: float = 30):
        """Awaits window.cascade[hook](...args); raises RuntimeError with the page's error."""
        self.driver.set_script_timeout(timeout)
        result = self.driver.execute_async_script("""
const done = arguments[arguments.length - 1];
const [hook, ...args] = Array.from(arguments).slice(0, -1);
Promise.resolve().then(() => window.cascade[hook](...args)).then(
  v => done({ok: true, value: v === undefined ? null : v}),
  e => done({ok: false, error: String((e && e.stack) || e)}));""", hook, *args)
        if not result.get("ok"):
            raise RuntimeError(f"{self.name}: cascade.{hook} failed: {result.get('error')}")
        return result["value"]

    def remote(self, participant_id: str, state: dict | None = None) -> dict | None:
        """This page's view of another participant (state().participants[...]), or None."""
        state = state if state is not None else self.state()
        for participant in (state or {}).get("participants", []):
            if participant["id"] == participant_id:
                return participant
        return None

    def wait_phase(self, phase: str, timeout: float) -> dict:
        return wait_until(lambda: (lambda s: s if s and s.get("phase") == phase else None)(self.state()),
                          timeout, f"{self.name}: phase {phase!r}", describe=self.describe)

    def describe(self) -> str:
        """State, the last events and console lines, for failure messages."""
        try:
            state = self.state()
        except Exception as error:  # noqa: BLE001
            state = f"(state unavailable: {error})"
        try:
            events = [e.get("type") for e in self.events() if e.get("type") != "speakers"][-20:]
        except Exception:  # noqa: BLE001
            events = "(unavailable)"
        try:
            pcs = [(e["index"], e["connectionState"], {k: (v or {}).get("frames") or (v or {}).get("bytes")
                                                        for k, v in e["inbound"].items()})
                   for e in self.pc_stats()]
        except Exception as error:  # noqa: BLE001
            pcs = f"(unavailable: {error})"
        return (f"{self.name}: state={state} events={events} peerconnections={pcs} "
                f"console={self.console()[-8:]}")

    # --- the DOM ---

    def by_testid(self, testid: str, within=None) -> list:
        return (within or self.driver).find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def shows(self, testid: str) -> bool:
        """True if an element with this test id is on screen (screens such as error-screen are
        always in the document, hidden until shown)."""
        for _ in range(3):
            try:
                return any(e.is_displayed() for e in self.by_testid(testid))
            except StaleElementReferenceException:  # re-rendered between finding and asking
                continue
        return False

    def click(self, testid: str, within=None) -> None:
        elements = [e for e in self.by_testid(testid, within) if e.is_displayed()] or self.by_testid(testid, within)
        assert elements, f"{self.name}: no element with data-testid={testid!r}"
        elements[0].click()

    def tiles(self, participant_id: str | None = None, source: str | None = None) -> list:
        selector = '[data-testid="tile"]'
        if participant_id:
            selector += f'[data-participant-id="{participant_id}"]'
        if source:
            selector += f'[data-source="{source}"]'
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def tile_shows(self, participant_id: str, source: str, indicator: str) -> bool | None:
        """Whether the tile's `indicator` (e.g. tile-mic-muted) is shown; None without the tile."""
        tiles = self.tiles(participant_id, source)
        if not tiles:
            return None
        marks = self.by_testid(indicator, tiles[0])
        return bool(marks) and marks[0].get_attribute("hidden") is None

    def chat_texts(self) -> list[str]:
        return [element.get_attribute("textContent").strip()
                for message in self.by_testid("chat-message") for element in self.by_testid("chat-text", message)]

    # --- WebRTC stats from the recorded PeerConnections ---

    def pc_stats(self) -> list[dict]:
        result = self.driver.execute_async_script(_PC_STATS)
        if isinstance(result, dict) and "error" in result:
            raise RuntimeError(f"{self.name}: getStats failed: {result['error']}")
        return result

    def inbound_totals(self) -> dict[int, dict]:
        """{PC index: {"audio": {...}, "video": {...}}} for PCs receiving media."""
        return {entry["index"]: entry["inbound"] for entry in self.pc_stats()
                if entry["inbound"]["audio"] or entry["inbound"]["video"]}

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))

    def console(self) -> list[str]:
        """Every browser console line so far (selenium hands each line out once; kept here)."""
        self.console_lines.extend(chromium.browser_log(self.driver))
        return self.console_lines


def growing_inbound(page: MeetingPage, seconds: float = 3.0) -> dict[int, dict]:
    """Samples inbound counters twice, `seconds` apart; per PC index the increase of video
    frames decoded and audio bytes received ({"frames": n, "audio_bytes": n})."""
    first = page.inbound_totals()
    time.sleep(seconds)
    second = page.inbound_totals()
    growth = {}
    for index, now in second.items():
        before = first.get(index, {"audio": None, "video": None})
        growth[index] = {
            "frames": ((now["video"] or {}).get("frames", 0) - (before["video"] or {}).get("frames", 0)),
            "audio_bytes": ((now["audio"] or {}).get("bytes", 0) - (before["audio"] or {}).get("bytes", 0)),
        }
    return growth


def free_port_on(address: str, kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind((address, 0))
        return sock.getsockname()[1]


class Browsers:
    """Starts Chromium participants for one test; close() saves each one's console log
    (artifacts/interop/meeting-<test>-<name>.console.log) and quits it."""

    def __init__(self, artifacts: Path, label: str):
        self.artifacts = artifacts
        self.label = label
        self.pages: list[MeetingPage] = []

    def start(self, name: str, colour: str | None = None, netns: VethNamespace | None = None,
              secure_origins: tuple[str, ...] = ()) -> MeetingPage:
        camera = write_camera_y4m(self.artifacts / f"meeting-camera-{colour}.y4m", colour) if colour else None
        driver = start_chromium(self.artifacts / f"meeting-{self.label}-{name}.chromedriver.log", camera, netns,
                                secure_origins)
        page = MeetingPage(driver, name)
        self.pages.append(page)
        return page

    def close(self) -> None:
        for page in self.pages:
            try:
                lines = page.console()
                if lines:
                    (self.artifacts / f"meeting-{self.label}-{page.name}.console.log").write_text("\n".join(lines) + "\n")
            except Exception:  # noqa: BLE001 - diagnostics only
                pass
            try:
                page.driver.quit()
            except Exception:  # noqa: BLE001
                pass
        self.pages = []
