"""Session setup for the Cascade interop tests.

1. Private network namespace. Before the session starts (pytest_cmdline_main, which pytest calls
   when this is an initial conftest: `pytest InteropTests ...` or run.sh) pytest re-executes itself under `unshare -n`
   (`unshare -rn` when not root), so the server, aiortc and Chromium all run in a namespace
   with only `lo`: no test traffic can leave the machine and no port can clash with anything
   else running here. Inside, `lo` is brought up. Set CASCADE_INTEROP_NETNS=off to skip this
   (e.g. where namespaces are unavailable); a failed probe of unshare also falls back, with a
   warning.
2. Fixtures: `cascade_server` (a fresh `cascade serve` per test module; a missing binary fails
   the tests, harness/require.py), `chromium_factory`, `artifacts`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

NETNS_ENV = "CASCADE_INTEROP_NETNS"  # unset: enter one; "inside": we are in it; "off": don't


def _enter_private_netns() -> None:
    if os.environ.get(NETNS_ENV) in ("inside", "off"):
        return
    unshare = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-rn"]
    try:
        probe = subprocess.run(unshare + ["true"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as error:
        probe = None
        reason = str(error)
    else:
        reason = probe.stderr.strip()
    if probe is None or probe.returncode != 0:
        print(f"interop: cannot create a network namespace ({reason}); running on the host's loopback",
              file=sys.stderr)
        os.environ[NETNS_ENV] = "off"
        return
    sys.stdout.flush()
    sys.stderr.flush()
    env = dict(os.environ, **{NETNS_ENV: "inside"})
    os.execvpe(unshare[0], unshare + ["--", sys.executable, "-m", "pytest", *sys.argv[1:]], env)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    # Runs before the session starts and after pytest released the fd capture it holds while
    # loading conftests (exec'ing earlier would send all output to pytest's capture file).
    # Called for initial conftests only: run `pytest InteropTests` or run.sh, not bare `pytest`.
    _enter_private_netns()


if os.environ.get(NETNS_ENV) == "inside":
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

from harness import cascade  # noqa: E402
from harness import chromium  # noqa: E402
from harness import meeting  # noqa: E402


def pytest_report_header(config):
    return [f"interop: network namespace: {os.environ.get(NETNS_ENV)}; CASCADE_BIN={cascade.cascade_bin()}; "
            f"artifacts: {cascade.ARTIFACTS}"]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    cascade.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return cascade.ARTIFACTS


@pytest.fixture(scope="module")
def cascade_server(request, artifacts):
    """A `cascade serve` on 127.0.0.1 (free HTTP and media ports, temporary data dir) for one
    test module, its stderr in artifacts/interop/server-<module>.log. Killed by PID at teardown;
    teardown fails if the server died during the module (a crash is a finding)."""
    with meeting.running_server(artifacts, request.module.__name__.rsplit(".", 1)[-1]) as server:
        yield server


@pytest.fixture(scope="session")
def camera_clip(artifacts) -> Path:
    """The fake camera clip (640x480, 30 fps, busy texture) for bitrate tests; made once."""
    return chromium.write_noise_y4m(artifacts / "camera-640x480-30fps.y4m")


@pytest.fixture
def chromium_factory(request, artifacts):
    """Starts headless Chromium instances on demand; quits them all at teardown."""
    drivers = []

    def start(label: str, video_file: Path | None = None):
        name = f"chromium-{request.node.name}-{label}".replace("/", "_")
        driver = chromium.start_chromium(artifacts / f"{name}.chromedriver.log", video_file)
        drivers.append((name, driver))
        return driver

    yield start
    for name, driver in drivers:
        lines = chromium.browser_log(driver)
        if lines:
            (artifacts / f"{name}.console.log").write_text("\n".join(lines) + "\n")
        driver.quit()
