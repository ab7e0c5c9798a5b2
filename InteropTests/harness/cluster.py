"""A cascaded deployment on a `sites.Topology`: writes the deployment file of
dev/CASCADING.md and runs `cascade control` and `cascade media` processes inside the sites.

    cascade control --config FILE              (binds to control.url's host and port)
    cascade media   --config FILE --node ID
    env CASCADE_API_KEY / CASCADE_API_SECRET   (shared by every process; not in the file)

Each process logs to artifacts/cluster-<name>.log, is ready when `GET {url}/healthz` answers
200 (asked from pytest over the topology's harness link, which bypasses the WAN and the sites'
firewalls), and is stopped by PID (SIGTERM, then SIGKILL; `kill()` is SIGKILL at once, for
failover tests).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from . import cascade
from .sites import Topology


@dataclass
class MediaNode:
    id: str  # [a-z0-9-]{1,32}
    site: str
    zone: str
    reachable: bool = True
    http_port: int = 8081
    media_port: int = 7882
    links_to: list[str] | None = None  # None: every other node
    address: str | None = None  # None: the site's address


@dataclass
class Zone:
    name: str
    cidrs: list[str]
    fallback: list[str] = field(default_factory=list)


def site_zone(topology: Topology, site: str, name: str | None = None, fallback: list[str] | None = None) -> Zone:
    """A zone matching the site's addresses (its /24)."""
    return Zone(name or site, [topology.cidr(site)], list(fallback or []))


def deployment(topology: Topology, nodes: list[MediaNode], zones: list[Zone], control_site: str,
               control_port: int = 8080) -> dict:
    """The deployment file's content (CASCADING.md)."""
    entries = []
    for node in nodes:
        address = node.address or topology.address(node.site)
        links = node.links_to if node.links_to is not None else [n.id for n in nodes if n.id != node.id]
        entries.append({"id": node.id, "zone": node.zone, "reachable": node.reachable, "bind": address,
                        "advertise": [address], "httpPort": node.http_port, "mediaPort": node.media_port,
                        "url": f"http://{address}:{node.http_port}", "linksTo": links})
    return {"version": 1,
            "control": {"url": f"http://{topology.address(control_site)}:{control_port}"},
            "zones": [{"name": z.name, "cidrs": z.cidrs, **({"fallback": z.fallback} if z.fallback else {})}
                      for z in zones],
            "nodes": entries}


class Cluster:
    """Control plus media nodes of one deployment, each in its site."""

    CONTROL = "control"

    def __init__(self, topology: Topology, nodes: list[MediaNode], zones: list[Zone], control_site: str,
                 artifacts: Path, binary: Path | None = None, control_port: int = 8080, tag: str = "cluster"):
        self.topology = topology
        self.nodes = {node.id: node for node in nodes}
        self.control_site = control_site
        self.artifacts = Path(artifacts)
        self.binary = Path(binary or cascade.cascade_bin())
        self.tag = tag
        self.api_key = "interop-key"
        self.api_secret = secrets.token_hex(24)  # JWTKit wants >= 32 bytes (FIELD-NOTES)
        self.config = deployment(topology, nodes, zones, control_site, control_port)
        self.config_path = self.artifacts / f"{tag}-deployment.json"
        self.processes: dict[str, subprocess.Popen] = {}
        self._logs: dict[str, object] = {}

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()

    def write_config(self) -> Path:
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(json.dumps(self.config, indent=2) + "\n")
        return self.config_path

    @property
    def control_url(self) -> str:
        return self.config["control"]["url"]

    def url(self, name: str) -> str:
        """Base URL of a node id, or of "control"."""
        if name == self.CONTROL:
            return self.control_url
        node = self.nodes[name]
        return f"http://{node.address or self.topology.address(node.site)}:{node.http_port}"

    def token(self, room: str, identity: str, **grants) -> str:
        return cascade.mint_token(self.api_key, self.api_secret, room, identity, binary=self.binary, **grants)

    def start_control(self, ready_timeout: float = 30.0) -> None:
        self._start(self.CONTROL, self.control_site, ["control", "--config", str(self.write_config())], ready_timeout)

    def start_node(self, node_id: str, ready_timeout: float = 30.0) -> None:
        self._start(node_id, self.nodes[node_id].site,
                    ["media", "--config", str(self.write_config()), "--node", node_id], ready_timeout)

    def start_all(self, ready_timeout: float = 30.0) -> "Cluster":
        self.start_control(ready_timeout)
        for node_id in self.nodes:
            self.start_node(node_id, ready_timeout)
        return self

    def _start(self, name: str, site: str, args: list[str], ready_timeout: float) -> None:
        if name in self.processes and self.alive(name):
            raise RuntimeError(f"{name} is already running")
        log_path = self.artifacts / f"{self.tag}-{name}.log"
        log = open(log_path, "ab")
        log.write(("# " + " ".join([str(self.binary), *args]) + f"  (in site {site})\n").encode())
        log.flush()
        self._logs[name] = log
        env = {"CASCADE_API_KEY": self.api_key, "CASCADE_API_SECRET": self.api_secret}
        process = self.topology.popen_in(site, [str(self.binary), *args],
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         env=dict(os.environ, **env))
        self.processes[name] = process
        self._wait_healthy(name, process, log_path, ready_timeout)

    def _wait_healthy(self, name: str, process: subprocess.Popen, log_path: Path, timeout: float) -> None:
        url = f"{self.url(name)}/healthz"
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode} before it was healthy; "
                                   f"log {log_path}:\n{_tail(log_path)}")
            if self._healthy(name, url):
                return
            if time.monotonic() > deadline:
                self.stop(name)
                raise TimeoutError(f"{url} not 200 after {timeout}s; log {log_path}:\n{_tail(log_path)}")
            time.sleep(0.1)

    def _healthy(self, name: str, url: str) -> bool:
        if self.topology.harness_links:  # straight from pytest, around the WAN and firewalls
            try:
                return requests.get(url, timeout=1).status_code == 200
            except requests.RequestException:
                return False
        site = self.control_site if name == self.CONTROL else self.nodes[name].site
        probe = ("import sys, urllib.request\ntry:\n    sys.exit(urllib.request.urlopen(sys.argv[1], timeout=1)"
                 ".status != 200)\nexcept Exception:\n    sys.exit(1)")
        return self.topology.run_in(site, ["python3", "-c", probe, url], timeout=10).returncode == 0

    def alive(self, name: str) -> bool:
        process = self.processes.get(name)
        return process is not None and process.poll() is None

    def kill(self, name: str) -> None:
        """SIGKILL by PID (a node that dies)."""
        process = self.processes[name]
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()

    def stop(self, name: str, grace: float = 5.0) -> int | None:
        """SIGTERM, SIGKILL after `grace` s, by PID. Returns the exit status."""
        process = self.processes.get(name)
        if process is None:
            return None
        status = cascade.stop_process(process, grace)
        log = self._logs.pop(name, None)
        if log:
            log.close()
        return status

    def stop_all(self) -> dict[str, int | None]:
        """Stops media nodes first, then control; returns exit statuses."""
        names = [n for n in self.processes if n != self.CONTROL] + \
                ([self.CONTROL] if self.CONTROL in self.processes else [])
        return {name: self.stop(name) for name in names}


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
