"""Headless Chromium through selenium, with harness/js/webrtc.js injected into the page.

Flags (FIELD-NOTES "Real peers"): fake camera and microphone, no permission prompt, and
--allow-loopback-in-peer-connection, without which Chromium gathers no candidate in a network
namespace that only has `lo`.
"""

from __future__ import annotations

import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

JS_LIBRARY = (Path(__file__).parent / "js" / "webrtc.js").read_text()

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
)

# 640x480 at 30 fps: libwebrtc lets VP8 use up to 1.7 Mbps at this size, enough headroom for the
# "passes 1 Mbps" check, at a CPU cost two cores can carry for two browsers.
CAMERA = {"video": {"width": 640, "height": 480, "frameRate": 30}, "audio": True}


GRAIN = 6


def write_noise_y4m(path: Path, width: int = 640, height: int = 480, fps: int = 30, frames: int = 30) -> Path:
    """Writes a looping Y4M clip of fresh random noise every frame, for
    --use-file-for-fake-video-capture. Chromium's built-in fake camera is so simple that VP8
    encodes it at ~0.5 Mbps whatever the bandwidth estimate says (measured here: target
    1.7 Mbps, sent 0.49 Mbps), so a bitrate test needs content that uses every bit it is given."""
    if path.exists():
        return path
    import numpy as np

    rng = np.random.default_rng(1)
    # A random 8x8-block texture panning 3 px per frame, plus light per-frame grain: busy enough
    # to need well over 1 Mbps at 640x480/30 fps, cheap enough to encode in real time.
    blocks = rng.integers(0, 256, size=(height // 8, (width + 3 * frames) // 8 + 1), dtype=np.uint8)
    texture = np.kron(blocks, np.ones((8, 8), dtype=np.uint8))
    chroma = np.full(width * height // 2, 128, dtype=np.uint8).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with open(partial, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for index in range(frames):
            luma = texture[:, 3 * index:3 * index + width].astype(np.int16)
            luma += rng.integers(-GRAIN, GRAIN + 1, size=luma.shape, dtype=np.int16)
            out.write(b"FRAME\n")
            out.write(np.clip(luma, 0, 255).astype(np.uint8).tobytes())
            out.write(chroma)
    partial.rename(path)
    return path


def start_chromium(log_path: Path, video_file: Path | None = None) -> webdriver.Chrome:
    """Starts headless Chromium. With `video_file` (a .y4m) the fake camera plays that clip."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    if video_file is not None:
        options.add_argument(f"--use-file-for-fake-video-capture={video_file}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    log_path.parent.mkdir(parents=True, exist_ok=True)
    service = Service("/usr/bin/chromedriver", log_output=str(log_path))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_script_timeout(30)
    return driver


def open_origin(driver: webdriver.Chrome, url: str) -> None:
    """Loads `url` (any page on the server's origin, so fetch needs no CORS and the page is a
    secure context: http://127.0.0.1 counts as one) and injects the WHIP/WHEP library."""
    driver.get(url)
    driver.execute_script(JS_LIBRARY)


class ScriptError(Exception):
    pass


_CALL = """
const done = arguments[arguments.length - 1];
const [fn, ...args] = Array.from(arguments).slice(0, -1);
window.cascadeInterop[fn](...args).then(
  (value) => done({ok: true, value: value === undefined ? null : value}),
  (error) => done({ok: false, error: String((error && error.stack) || error)}));
"""


def call(driver: webdriver.Chrome, fn: str, *args, timeout: float = 30):
    """Runs window.cascadeInterop[fn](...args) and returns its result, raising ScriptError."""
    driver.set_script_timeout(timeout)
    result = driver.execute_async_script(_CALL, fn, *args)
    if not result.get("ok"):
        raise ScriptError(f"{fn}: {result.get('error')}")
    return result["value"]


def wait_decoding(driver: webdriver.Chrome, name: str, minimum: int = 30, seconds: float = 3,
                  first_within: float = 10) -> tuple[dict, dict]:
    """Waits (up to `first_within` s) until the session `name` has inbound video — its stats
    appear with the first packet, a moment after ICE connects (key frame request, one round
    trip) — then asserts `framesDecoded` grows by at least `minimum` in `seconds`.
    Returns the two inbound-video stats samples."""
    deadline = time.monotonic() + first_within
    first = call(driver, "stats", name)["inboundVideo"]
    while not first and time.monotonic() < deadline:
        time.sleep(0.2)
        first = call(driver, "stats", name)["inboundVideo"]
    assert first, f"{name}: no inbound video within {first_within} s"
    time.sleep(seconds)
    second = call(driver, "stats", name)["inboundVideo"]
    assert second and second["framesDecoded"] - first["framesDecoded"] >= minimum, (
        f"{name}: framesDecoded stalled: {first} -> {second}")
    return first, second


def sample_outbound_bitrate(driver: webdriver.Chrome, name: str, seconds: float, interval: float = 1.0,
                            stop_above: float | None = None) -> list[tuple[float, float]]:
    """Samples the session's outbound video bitrate every `interval` for up to `seconds`
    (stopping early once passed_sustained(samples, stop_above)).
    Returns [(seconds since start, bits per second over the last interval)]."""
    samples = []
    start = time.monotonic()
    previous = call(driver, "stats", name)["outboundVideo"]
    while time.monotonic() - start < seconds:
        time.sleep(interval)
        current = call(driver, "stats", name)["outboundVideo"]
        if previous and current and current["timestamp"] > previous["timestamp"]:
            bits = 8 * (current["bytesSent"] - previous["bytesSent"])
            samples.append((time.monotonic() - start, bits / ((current["timestamp"] - previous["timestamp"]) / 1000)))
            if stop_above is not None and passed_sustained(samples, stop_above):
                break
        previous = current
    return samples


def passed_sustained(samples: list[tuple[float, float]], bits_per_second: float, consecutive: int = 2) -> bool:
    """True once `consecutive` successive samples exceed the rate: one second over it can be a
    single keyframe burst, two in a row is the encoder running at that rate."""
    run = 0
    for _, rate in samples:
        run = run + 1 if rate > bits_per_second else 0
        if run >= consecutive:
            return True
    return False


def browser_log(driver: webdriver.Chrome) -> list[str]:
    try:
        return [f"{entry['level']} {entry['message']}" for entry in driver.get_log("browser")]
    except Exception:  # noqa: BLE001 - diagnostics only
        return []
