"""What an interop test needs: there, or the test fails saying how to get it.

`make test` must not pass by skipping. A missing cascade binary, a server without signaling, or a
real peer that is not installed (Firefox, coturn, iptables, ethtool, GStreamer) fails the test
with the command that installs it. Only what a machine truly cannot do skips — create network
namespaces and veth pairs (root) — and run.sh's `-rs` prints each such reason in the summary.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path
from typing import NoReturn

import pytest

from . import cascade

INSTALL = "scripts/install-deps.sh --test installs it"


def missing(what: str) -> NoReturn:
    """Fails the current test (or fixture) because `what` is missing."""
    pytest.fail(what, pytrace=False)


def cascade_binary() -> Path:
    binary = cascade.cascade_bin()
    if not binary.exists():
        missing(f"cascade binary not found at {binary} (`make build`, or set CASCADE_BIN)")
    return binary


def program(name: str, hint: str = INSTALL) -> str:
    """The path of `name` on PATH (or `name` itself if it is an existing path)."""
    if os.path.isabs(name) and os.access(name, os.X_OK):
        return name
    found = shutil.which(name)
    if found is None:
        missing(f"{name} is not installed ({hint})")
    return found


def signaling(base_url: str) -> None:
    """The server at `base_url` speaks the signaling protocol (/rtc)."""
    from .signaling import require_signaling

    reason = asyncio.run(require_signaling(base_url))
    if reason:
        missing(f"the server at {base_url} has no usable signaling: {reason}")


def private_namespace(what: str = "this test") -> None:
    """Inside the suite's own network namespace (conftest re-executes pytest under `unshare -n`),
    where veth pairs and iptables rules disturb nothing else. Skips, with the reason, only when
    this machine cannot create one (conftest fell back, or CASCADE_INTEROP_NETNS=off)."""
    state = os.environ.get("CASCADE_INTEROP_NETNS")
    if state != "inside":
        pytest.skip(f"{what} needs the suite's private network namespace, and this run has none "
                    f"(CASCADE_INTEROP_NETNS={state}; conftest says why at the start)")


def root_namespaces(what: str = "this test", tools: tuple[str, ...] = ("ip", "iptables")) -> None:
    """Named namespaces and veth pairs (`ip netns add`) need root on Linux: skips without them,
    fails if one of `tools` is not installed."""
    private_namespace(what)
    if sys.platform != "linux" or os.geteuid() != 0:
        pytest.skip(f"{what} needs root on Linux (ip netns add, veth pairs)")
    for tool in tools:
        program(tool)
