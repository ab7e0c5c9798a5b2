"""A second network namespace for tests that need a separate "site" (FIELD-NOTES: named netns
and veth pairs work as root).

The interop suite already runs inside a private namespace (conftest re-executes pytest under
`unshare -n`). `ip netns add` creates a *named* namespace next to it (network namespaces are not
nested), joined to the suite's namespace by a veth pair: the suite's side is the "server" site
(cascade serve, coturn, pytest itself), the named namespace a "client" site whose firewall a
test can change. Names carry the pytest PID so runs never collide; `remove()` deletes the
namespace, which also destroys the veth pair.

Chromium runs inside the client namespace through chromedriver started with `ip netns exec`;
chromedriver listens on the client's veth address (TCP) and selenium connects to it there.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

from selenium import webdriver

from . import chromium


def run(*command: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(list(command), capture_output=True, text=True, timeout=30)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


class ClientSite:
    """A named namespace `name` with `client_ip`, joined by a veth pair to this namespace, which
    gets `server_ip` (/24)."""

    def __init__(self, tag: str, server_ip: str = "10.77.0.1", client_ip: str = "10.77.0.2"):
        self.name = f"cascade-{tag}-{os.getpid()}"
        self.server_ip = server_ip
        self.client_ip = client_ip
        suffix = f"{os.getpid() % 100000}"
        self.server_if = f"cs{suffix}"
        self.client_if = f"cc{suffix}"
        self.created = False

    def create(self) -> "ClientSite":
        run("ip", "link", "set", "lo", "up")
        run("ip", "netns", "add", self.name)
        self.created = True
        run("ip", "link", "add", self.server_if, "type", "veth", "peer", "name", self.client_if)
        run("ip", "link", "set", self.client_if, "netns", self.name)
        # No IPv6 link-local addresses appearing a moment after link-up: a browser loading the
        # app then would fail those loads with ERR_NETWORK_CHANGED (see harness.netcut).
        run("ip", "link", "set", "dev", self.server_if, "addrgenmode", "none")
        self.exec("ip", "link", "set", "dev", self.client_if, "addrgenmode", "none")
        run("ip", "addr", "add", f"{self.server_ip}/24", "dev", self.server_if)
        run("ip", "link", "set", self.server_if, "up")
        self.exec("ip", "link", "set", "lo", "up")
        self.exec("ip", "addr", "add", f"{self.client_ip}/24", "dev", self.client_if)
        self.exec("ip", "link", "set", self.client_if, "up")
        self.exec("ip", "route", "add", "default", "dev", self.client_if)
        return self

    def exec(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        return run("ip", "netns", "exec", self.name, *command, check=check)

    def popen(self, command: list[str], **kwargs) -> subprocess.Popen:
        # `ip netns exec` execs the command after setns(), so the Popen PID is the command's.
        return subprocess.Popen(["ip", "netns", "exec", self.name, *command], **kwargs)

    def block_udp(self) -> None:
        """The client's firewall drops every UDP datagram in and out (loopback excepted)."""
        self.exec("iptables", "-A", "OUTPUT", "-p", "udp", "!", "-o", "lo", "-j", "DROP")
        self.exec("iptables", "-A", "INPUT", "-p", "udp", "!", "-i", "lo", "-j", "DROP")

    def remove(self) -> None:
        if self.created:
            run("ip", "netns", "del", self.name, check=False)
            self.created = False


def udp_reaches(site: ClientSite, host: str, timeout: float = 1.0) -> bool:
    """Sends a datagram from the client site to `host` on a fresh port; True if it arrived."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind((host, 0))
        receiver.settimeout(timeout)
        port = receiver.getsockname()[1]
        script = (f"import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                  f"try:\n    s.sendto(b'probe', ('{host}', {port}))\nexcept OSError:\n    pass")
        site.exec("python3", "-c", script, check=False)
        try:
            return receiver.recv(16) == b"probe"
        except socket.timeout:
            return False


class NetnsChromium:
    """Headless Chromium inside `site`, driven over chromedriver on the site's address."""

    def __init__(self, site: ClientSite, log_path: Path, insecure_origin_ok: str | None = None):
        self.site = site
        self.log_path = log_path
        self.insecure_origin_ok = insecure_origin_ok
        self.port = random.randint(20000, 30000)
        self.driver_process: subprocess.Popen | None = None
        self.driver: webdriver.Remote | None = None
        self._log = None

    def start(self) -> webdriver.Remote:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")
        self.driver_process = self.site.popen(
            ["/usr/bin/chromedriver", f"--port={self.port}", f"--allowed-ips={self.site.server_ip}",
             "--allowed-origins=*"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection((self.site.client_ip, self.port), timeout=0.5):
                    break
            except OSError:
                if self.driver_process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"chromedriver did not start in {self.site.name}; see {self.log_path}")
                time.sleep(0.1)
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for flag in chromium.CHROMIUM_FLAGS:
            options.add_argument(flag)
        if self.insecure_origin_ok:
            # getUserMedia needs a secure context; http://10.x is not one unless allowed here.
            options.add_argument(f"--unsafely-treat-insecure-origin-as-secure={self.insecure_origin_ok}")
        self.driver = webdriver.Remote(command_executor=f"http://{self.site.client_ip}:{self.port}", options=options)
        self.driver.set_script_timeout(30)
        return self.driver

    def stop(self) -> None:
        if self.driver is not None:
            try:
                self.driver.quit()
            except Exception:  # noqa: BLE001 - teardown
                pass
            self.driver = None
        if self.driver_process is not None:
            if self.driver_process.poll() is None:
                self.driver_process.send_signal(signal.SIGTERM)
                try:
                    self.driver_process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.driver_process.kill()
                    self.driver_process.wait()
            self.driver_process = None
        if self._log:
            self._log.close()
            self._log = None
