"""A participant's own network namespace, joined to the suite's by a veth pair, whose link a
test cuts and restores (FIELD-NOTES: named netns and veth pairs work as root; this kernel has
no netem, so a cut is a link state or an iptables rule).

Measured here (Chromium 156 in the namespace, suite namespace on the other side):
- mode "link" (its interface down): Chromium fires `offline` at once and `online` on restore;
  a WebSocket it held survives a 10 s cut (TCP retransmits) unless the page gives up on it.
- mode "host-link" (our end down): our sends to it fail with ENETUNREACH; the local route to
  our own veth address stays, so processes here still reach it.
- mode "drop" (iptables DROP inside): no link event at all; packets just vanish.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import time


def in_private_namespace() -> bool:
    """True inside the suite's own namespace (conftest re-executed pytest under unshare -n),
    the only place where adding veth interfaces cannot disturb the host."""
    return os.environ.get("CASCADE_INTEROP_NETNS") == "inside"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=15)


class VethNamespace:
    """A named network namespace joined to the current one by a veth pair:

        current namespace                   namespace `name`
        <host_if> 10.213.N.1/24  <--veth-->  <peer_if> 10.213.N.2/24  (+ lo)

    Processes run inside with `exec_prefix() + argv`. `cut(mode)` cuts the link, `restore()`
    undoes it:
      "link"      the participant's own interface goes down inside its namespace (a laptop
                  losing Wi-Fi): its browser sees the link go (offline); our side just hears
                  nothing, our sends still succeed.
      "host-link" our end goes down: our route to the namespace disappears, so our sends fail
                  with ENETUNREACH (a server whose interface to that network went away).
      "drop"      iptables DROP rules inside the namespace: the link stays up, packets vanish.
    Named namespaces live in /run/netns for the whole machine, so the name carries our PID and
    `close()` (also on error) deletes it, which deletes the veth pair too."""

    _created = itertools.count()

    def __init__(self, tag: str, index: int = 0):
        # Unique per instance within this run, and across runs by PID (interface names <= 15).
        suffix = f"{os.getpid() % 100000}x{next(VethNamespace._created) % 1000}"
        self.name = f"cascade-{tag}-{suffix}"
        self.host_if = f"cvh{suffix}"
        self.peer_if = f"cvp{suffix}"
        self.host_addr = f"10.213.{index}.1"
        self.peer_addr = f"10.213.{index}.2"
        self.cut_mode: str | None = None
        self.created = False

    def __enter__(self) -> "VethNamespace":
        return self.create()

    def __exit__(self, *exc) -> None:
        self.close()

    def create(self) -> "VethNamespace":
        _ip("netns", "add", self.name)
        self.created = True
        try:
            _ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.peer_if, "netns", self.name)
            # No IPv6 link-local addresses: the kernel adds them a moment after the link comes
            # up (duplicate address detection), and a browser that sees an address appear while
            # it loads the app fails those loads with ERR_NETWORK_CHANGED.
            _ip("link", "set", "dev", self.host_if, "addrgenmode", "none")
            _ip("-n", self.name, "link", "set", "dev", self.peer_if, "addrgenmode", "none")
            _ip("addr", "add", f"{self.host_addr}/24", "dev", self.host_if)
            _ip("link", "set", self.host_if, "up")
            _ip("-n", self.name, "link", "set", "lo", "up")
            _ip("-n", self.name, "addr", "add", f"{self.peer_addr}/24", "dev", self.peer_if)
            _ip("-n", self.name, "link", "set", self.peer_if, "up")
            self._wait_until_up()
        except BaseException:
            self.close()
            raise
        return self

    def _wait_until_up(self, timeout: float = 10) -> None:
        """Returns once both ends report carrier (LOWER_UP), so that nothing about the link
        changes any more when the test starts a process inside."""
        deadline = time.monotonic() + timeout
        while True:
            ours = _ip("-o", "link", "show", "dev", self.host_if).stdout
            theirs = _ip("-n", self.name, "-o", "link", "show", "dev", self.peer_if).stdout
            if "LOWER_UP" in ours and "LOWER_UP" in theirs:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"veth {self.host_if}/{self.peer_if} not up after {timeout:.0f}s: {ours} {theirs}")
            time.sleep(0.05)

    def exec_prefix(self) -> list[str]:
        return ["ip", "netns", "exec", self.name]

    def run(self, *argv: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run([*self.exec_prefix(), *argv], capture_output=True, text=True, **kwargs)

    def cut(self, mode: str = "link") -> None:
        assert self.cut_mode is None, "already cut"
        if mode == "link":
            _ip("-n", self.name, "link", "set", self.peer_if, "down")
        elif mode == "host-link":
            _ip("link", "set", self.host_if, "down")
        elif mode == "drop":
            for chain in ("INPUT", "OUTPUT"):
                self.run("iptables", "-I", chain, "-j", "DROP", check=True, timeout=15)
        else:
            raise ValueError(mode)
        self.cut_mode = mode

    def restore(self) -> None:
        if self.cut_mode == "link":
            _ip("-n", self.name, "link", "set", self.peer_if, "up")
        elif self.cut_mode == "host-link":
            _ip("link", "set", self.host_if, "up")
        elif self.cut_mode == "drop":
            for chain in ("INPUT", "OUTPUT"):
                self.run("iptables", "-D", chain, "-j", "DROP", check=True, timeout=15)
        self.cut_mode = None

    def close(self) -> None:
        if self.created:
            _ip("netns", "del", self.name, check=False)
            _ip("link", "del", self.host_if, check=False)  # gone with the namespace unless a process keeps it
            self.created = False
