"""Multi-site network topologies for the cascading tests (issue 4): sites joined by a WAN with
per-direction delay and loss, byte counters on the WAN, and a firewall per site.

Layout (N sites, site i = 1..N; `k` numbers the topologies of this process, PID = pytest's):

    suite namespace (pytest)                 site namespace csite<k>-<site>-<PID>
    h<i>x<k>x<PID> 10.89.i.1/24  <-veth->    hl0 10.89.i.2/24          (harness link, uncounted)
    route 10.88.i.0/24 via 10.89.i.2         wan0 10.88.i.2/16  MAC 02:88:00:00:<i>:02
                                               |  veth, offloads off, IPv6 off, static ARP
    wan namespace csite<k>-wan-<PID>          |
    w-<site> ... one port per site  <---------+
    python3 wan_switch.py (AF_PACKET L2 switch: delay + loss per direction, counters)

- Every site sits in one L2 segment, 10.88.0.0/16; site i's addresses are 10.88.i.2 (and
  10.88.i.3+ from `add_address`), so a zone CIDR for site i is `cidr(site)` = 10.88.i.0/24.
  Each site has permanent neighbour entries for every other site's addresses (no ARP on the
  WAN) and IPv6 off on its WAN interface (no RS/MLD chatter), so the WAN carries only the
  traffic the test causes and the counters add up exactly.
- Why a userspace switch: the kernel has no netem (FIELD-NOTES). wan_switch.py reads whole
  frames from one AF_PACKET socket per port (veth TSO/GSO/GRO and checksum offloads are off, so
  frames are <= MTU with real checksums), holds each in a heap until `now + delay(src, dst)`,
  drops `loss(src, dst)` of them at random, and sends the rest out of the destination port.
  One thread around select(2), nice -10. Measured here (test_sites_selfcheck): 20 ms set ->
  RTT 40.8-41.2 ms; 5,000 frames/s each way at ~45 % of one core, held frames sent 0.1-0.5 ms
  late on average (p99 <= 1-5 ms; the VM itself has multi-ms scheduling hiccups now and then).
- Where counters are taken: in the switch, when a frame from site A is switched toward site B:
  forwarded frames/bytes (Ethernet frames, 14-byte header included; a UDP datagram of P payload
  bytes is P + 42), dropped frames/bytes, plus per-flow and per-SSRC breakdowns. This is "the
  bytes that cross the WAN link". Read them with `link_stats` / `ssrc_counts` / `flows`; reset
  with `reset_counters`. The switch answers on a unix socket (one JSON request per connection).
- The harness link lets pytest (suite namespace) reach every site directly, bypassing the WAN,
  its counters and the sites' firewalls: use it for HTTP health checks and test control only.
  Participants whose traffic must cross the WAN have to run inside a site (`popen_in`,
  `socket_in`, or a thread in `entered(site)`). Sites do not forward, so no site reaches
  another one over the harness links. A WebRTC peer in a site that gathers every interface
  also offers 10.89.i.2 (hl0) as a host candidate; no other site can reach it, so ICE drops it.
  Pass harness_links=False for sites with only wan0 (then reach them with `run_in`).
- Firewall: `block_inbound(site)` drops, on the site's WAN interface, every packet that is not
  part of a connection the site opened (conntrack ESTABLISHED,RELATED; UDP replies count);
  `allow_inbound(site, proto, port)` opens one port.
- Cleanup: `close()` (context manager, and an atexit hook) kills processes started with
  `popen_in`, stops the switch and deletes the namespaces; the switch also exits by itself when
  pytest dies. A pytest killed by a signal runs no atexit hook: the next Topology.start()
  calls `remove_stale()`, which kills what is left in namespaces of dead runs and deletes them.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

WAN_PREFIX = 16
CLONE_NEWNET = 0x40000000
_SWITCH = Path(__file__).with_name("wan_switch.py")
_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")
_STALE = re.compile(r"^csite\d+-[a-z0-9]+-(\d+)$")
_counter = itertools.count()
_live: list["Topology"] = []


def _run(argv: list[str], check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("timeout", 30)
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


def unavailable_reason() -> str | None:
    """Why a Topology cannot be built here, or None."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return "needs root on Linux (ip netns add, veth, iptables)"
    import shutil
    for tool in ("ip", "iptables", "ethtool"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/install-deps.sh --test)"
    return None


def remove_stale() -> list[str]:
    """Deletes csite* namespaces whose creating process is gone (a run killed with SIGKILL)."""
    removed = []
    listing = _run(["ip", "netns", "list"], check=False).stdout
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        match = _STALE.match(name)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            # Processes a killed run started in its sites (its switch exits by itself).
            for pid in _run(["ip", "netns", "pids", name], check=False).stdout.split():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            _run(["ip", "netns", "del", name], check=False)
            removed.append(name)
    return removed


@dataclass
class Site:
    name: str
    index: int  # 1-based
    netns: str
    addresses: list[str]  # first one is the site's address; all in cidr
    mac: str
    harness_ip: str  # the suite namespace's end of the harness link
    wan_port: str  # the switch's interface for this site (in the wan namespace)

    @property
    def address(self) -> str:
        return self.addresses[0]

    @property
    def cidr(self) -> str:
        return f"10.88.{self.index}.0/24"


@dataclass
class LinkStats:
    """What the WAN switch saw going from `src` to `dst` since the last reset."""
    src: str
    dst: str
    delay_ms: float
    loss: float
    packets: int  # frames forwarded
    bytes: int  # their Ethernet frame bytes (IP length + 14)
    dropped_packets: int  # frames dropped by the loss setting
    dropped_bytes: int
    send_errors: int  # frames the switch could not send (full queue): lost as well

    @property
    def offered_packets(self) -> int:
        return self.packets + self.dropped_packets

    @property
    def offered_bytes(self) -> int:
        return self.bytes + self.dropped_bytes


class Topology:
    """Named sites joined by a WAN. Use as a context manager:

        with Topology(["office", "cloud"], delay_ms=20) as topo:
            topo.set_link("office", "cloud", loss=0.03)
            topo.popen_in("office", ["python3", "-c", "..."])
    """

    def __init__(self, sites: list[str], *, delay_ms: float = 0.0, loss: float = 0.0, seed: int | None = None,
                 harness_links: bool = True, log_dir: Path | None = None):
        if len(set(sites)) != len(sites) or not 1 <= len(sites) <= 200:
            raise ValueError(f"site names must be distinct, 1..200 of them: {sites}")
        for name in sites:
            if not _NAME.match(name) or name == "wan":
                raise ValueError(f"bad site name {name!r} ([a-z][a-z0-9]{{0,11}}, not 'wan')")
        self.number = next(_counter)
        pid = os.getpid()
        self.seed = seed
        self.harness_links = harness_links
        self.log_dir = Path(log_dir) if log_dir else None
        self.wan_netns = f"csite{self.number}-wan-{pid}"
        self.sites: dict[str, Site] = {}
        for index, name in enumerate(sites, start=1):
            self.sites[name] = Site(
                name=name, index=index, netns=f"csite{self.number}-{name}-{pid}",
                addresses=[f"10.88.{index}.2"], mac=f"02:88:00:00:{index:02x}:02",
                harness_ip=f"10.89.{index}.1", wan_port=f"w-{name}" if len(name) <= 13 else f"w{index}")
        self._initial = (delay_ms, loss)
        self._namespaces: list[str] = []
        self._harness_ifs: list[str] = []
        self._routes: list[str] = []
        self._processes: list[subprocess.Popen] = []
        self._blocked: set[str] = set()
        self._allowed: dict[str, list[tuple[str, int]]] = {name: [] for name in sites}
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.control_path = ""
        self.switch: subprocess.Popen | None = None
        self._switch_log = None
        self.closed = False

    # --- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> "Topology":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> "Topology":
        reason = unavailable_reason()
        if reason:
            raise RuntimeError(reason)
        if self.harness_links and any(t.harness_links for t in _live):
            raise RuntimeError("only one Topology with harness links at a time (their routes would clash)")
        _live.append(self)
        try:
            remove_stale()
            self._tmp = tempfile.TemporaryDirectory(prefix="cascade-sites-")
            self.control_path = os.path.join(self._tmp.name, "wan.sock")
            self._build()
            self._start_switch()
            delay_ms, loss = self._initial
            if delay_ms or loss:
                for a in self.sites:
                    for b in self.sites:
                        if a != b:
                            self.set_link(a, b, delay_ms=delay_ms, loss=loss, both_ways=False)
        except BaseException:
            self.close()
            raise
        return self

    def _add_netns(self, name: str) -> None:
        _run(["ip", "netns", "add", name])
        self._namespaces.append(name)
        _run(["ip", "-n", name, "link", "set", "lo", "up"])

    def _build(self) -> None:
        self._add_netns(self.wan_netns)
        _run(["ip", "netns", "exec", self.wan_netns, "sysctl", "-q", "-w",
              "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"])
        for site in self.sites.values():
            self._add_netns(site.netns)
            _run(["ip", "link", "add", "name", site.wan_port, "netns", self.wan_netns, "type", "veth",
                  "peer", "name", "wan0", "netns", site.netns, "address", site.mac])
            commands = [["sysctl", "-q", "-w", "net.ipv6.conf.wan0.disable_ipv6=1"],
                        ["ethtool", "-K", "wan0", "rx", "off", "tx", "off", "tso", "off", "gso", "off", "gro", "off"],
                        ["ip", "addr", "add", f"{site.address}/{WAN_PREFIX}", "dev", "wan0"],
                        ["ip", "link", "set", "wan0", "up"]]
            for argv in commands:
                self.run_in(site.name, argv, check=True)
            _run(["ip", "netns", "exec", self.wan_netns, "ethtool", "-K", site.wan_port,
                  "rx", "off", "tx", "off", "tso", "off", "gso", "off", "gro", "off"])
            _run(["ip", "-n", self.wan_netns, "link", "set", site.wan_port, "up"])
            if self.harness_links:
                host_if = f"h{site.index}x{self.number}x{os.getpid() % 100000}"[:15]
                _run(["ip", "link", "add", "name", host_if, "type", "veth", "peer", "name", "hl0", "netns", site.netns])
                self._harness_ifs.append(host_if)
                self.run_in(site.name, ["sysctl", "-q", "-w", "net.ipv6.conf.hl0.disable_ipv6=1"], check=True)
                _run(["ip", "addr", "add", f"{site.harness_ip}/24", "dev", host_if])
                _run(["ip", "link", "set", host_if, "up"])
                _run(["ip", "-n", site.netns, "addr", "add", f"10.89.{site.index}.2/24", "dev", "hl0"])
                _run(["ip", "-n", site.netns, "link", "set", "hl0", "up"])
                _run(["ip", "route", "replace", site.cidr, "via", f"10.89.{site.index}.2"])
                self._routes.append(site.cidr)
        for site in self.sites.values():
            for other in self.sites.values():
                if other is not site:
                    for address in other.addresses:
                        self._neighbour(site, address, other.mac)

    def _neighbour(self, site: Site, address: str, mac: str) -> None:
        _run(["ip", "-n", site.netns, "neigh", "replace", address, "lladdr", mac, "dev", "wan0", "nud", "permanent"])

    def _start_switch(self) -> None:
        config = {"control": self.control_path, "seed": self.seed, "parent": os.getpid(),
                  "ports": [{"site": s.name, "ifname": s.wan_port, "macs": [s.mac]} for s in self.sites.values()]}
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            self._switch_log = open(self.log_dir / f"wan-switch-{self.number}.log", "wb")
            output = self._switch_log
        else:
            output = subprocess.DEVNULL
        self.switch = subprocess.Popen(["ip", "netns", "exec", self.wan_netns, sys.executable, str(_SWITCH),
                                        json.dumps(config)],
                                       stdin=subprocess.DEVNULL, stdout=output, stderr=output)
        deadline = time.monotonic() + 10
        while True:
            if self.switch.poll() is not None:
                raise RuntimeError(f"wan_switch exited with {self.switch.returncode} at start")
            try:
                self._control({"op": "ping"})
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("wan_switch did not answer on its control socket within 10 s")
                time.sleep(0.02)

    def close(self) -> None:
        """Kills processes started in the sites, stops the switch, deletes the namespaces.
        Safe to call twice and after a failed start."""
        if self.closed:
            return
        self.closed = True
        for process in self._processes:
            _stop_process(process)
        if self.switch is not None:
            with contextlib.suppress(OSError, RuntimeError):
                self._control({"op": "stop"})
            _stop_process(self.switch, grace=2.0)
        if self._switch_log:
            self._switch_log.close()
        for cidr in self._routes:
            _run(["ip", "route", "del", cidr], check=False)
        self._routes.clear()
        for host_if in self._harness_ifs:
            _run(["ip", "link", "del", host_if], check=False)
        for name in reversed(self._namespaces):
            _run(["ip", "-n", name, "link", "del", "wan0"], check=False)  # veth goes even if a process lingers
            _run(["ip", "netns", "del", name], check=False)
        self._namespaces.clear()
        if self._tmp:
            self._tmp.cleanup()
        if self in _live:
            _live.remove(self)

    # --- addresses ------------------------------------------------------------------------

    def site(self, name: str) -> Site:
        return self.sites[name]

    def address(self, site: str) -> str:
        """The site's (first) address on the WAN, e.g. 10.88.1.2 for the first site."""
        return self.sites[site].address

    def cidr(self, site: str) -> str:
        """The /24 holding every address of the site (for zone rules), e.g. 10.88.1.0/24."""
        return self.sites[site].cidr

    def netns(self, site: str) -> str:
        return self.sites[site].netns

    def add_address(self, site: str) -> str:
        """One more address for the site (10.88.i.3, .4, ...), reachable from every site."""
        entry = self.sites[site]
        address = f"10.88.{entry.index}.{len(entry.addresses) + 2}"
        self.run_in(site, ["ip", "addr", "add", f"{address}/{WAN_PREFIX}", "dev", "wan0"], check=True)
        entry.addresses.append(address)
        for other in self.sites.values():
            if other is not entry:
                self._neighbour(other, address, entry.mac)
        return address

    # --- processes ------------------------------------------------------------------------

    def exec_prefix(self, site: str) -> list[str]:
        return ["ip", "netns", "exec", self.sites[site].netns]

    def run_in(self, site: str, argv: list[str], check: bool = False, timeout: float = 30,
               **kwargs) -> subprocess.CompletedProcess:
        """Runs argv inside the site to completion (text output captured unless overridden)."""
        if "stdout" not in kwargs and "stderr" not in kwargs and "capture_output" not in kwargs:
            kwargs["capture_output"] = True
        kwargs.setdefault("text", True)
        result = subprocess.run([*self.exec_prefix(site), *argv], timeout=timeout, **kwargs)
        if check and result.returncode != 0:
            raise RuntimeError(f"{argv} in {site} failed ({result.returncode}): {result.stderr}")
        return result

    def popen_in(self, site: str, argv: list[str], **kwargs) -> subprocess.Popen:
        """Starts argv inside the site; the Popen PID is argv's own (ip netns exec execs it).
        Killed by PID at close() unless it ended before."""
        process = subprocess.Popen([*self.exec_prefix(site), *argv], **kwargs)
        self._processes.append(process)
        return process

    @contextlib.contextmanager
    def entered(self, site: str):
        """Moves the *calling thread* into the site's namespace for the block: sockets created
        inside stay there. For a whole asyncio loop (aiortc) run it in a thread that enters
        once. Network namespaces are per thread (setns(2) CLONE_NEWNET)."""
        libc = ctypes.CDLL(None, use_errno=True)
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/run/netns/{self.sites[site].netns}", os.O_RDONLY)
        try:
            if libc.setns(target, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), f"setns into {site}")
            try:
                yield
            finally:
                if libc.setns(own, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns back to the suite namespace")
        finally:
            os.close(own)
            os.close(target)

    def socket_in(self, site: str, family: int = socket.AF_INET, kind: int = socket.SOCK_DGRAM) -> socket.socket:
        """A socket that lives in the site's namespace (usable from any thread)."""
        with self.entered(site):
            return socket.socket(family, kind)

    # --- WAN settings and counters -------------------------------------------------------

    def _control(self, request: dict) -> dict:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(self.control_path)
            sock.sendall(json.dumps(request).encode() + b"\n")
            data = b""
            while not data.endswith(b"\n"):
                chunk = sock.recv(1 << 20)
                if not chunk:
                    break
                data += chunk
        reply = json.loads(data)
        if not reply.get("ok"):
            raise RuntimeError(f"wan_switch refused {request}: {reply.get('error')}")
        return reply

    def set_link(self, a: str, b: str, delay_ms: float | None = None, loss: float | None = None,
                 both_ways: bool = True) -> None:
        """One-way delay (ms) and loss share (0..1) from a to b (and b to a unless both_ways is
        False); None keeps the current value. Takes effect for the next frame."""
        for src, dst in ((a, b), (b, a)) if both_ways else ((a, b),):
            self.sites[src], self.sites[dst]  # KeyError for unknown names
            self._control({"op": "set", "src": src, "dst": dst, "delay_ms": delay_ms, "loss": loss})

    def switch_stats(self) -> dict:
        """The switch's raw counters (links, flows, ssrcs, held frames, lateness)."""
        return self._control({"op": "stats"})

    def switch_lateness_ms(self, quantile: float = 0.99) -> float | None:
        """How late (ms) the switch sent held frames, at `quantile`, as the upper bound of the
        histogram bucket holding it (None: no frame was held, inf: beyond 50 ms)."""
        histogram = self.switch_stats()["late_histogram"]
        total = sum(b["frames"] for b in histogram)
        if not total:
            return None
        seen = 0
        for entry in histogram:
            seen += entry["frames"]
            if seen >= quantile * total:
                return entry["le_ms"] if entry["le_ms"] is not None else float("inf")
        return float("inf")

    def link_stats(self, src: str | None = None, dst: str | None = None):
        """LinkStats for src -> dst, or a dict {(src, dst): LinkStats} when no pair is given."""
        links = {(l["src"], l["dst"]): LinkStats(**l) for l in self.switch_stats()["links"]}
        if src is None and dst is None:
            return links
        return links[(src, dst)]

    def wan_bytes(self, src: str, dst: str) -> int:
        """Bytes the source site put on the WAN toward dst (forwarded + dropped)."""
        return self.link_stats(src, dst).offered_bytes

    def ssrc_counts(self, src: str, dst: str, include_dropped: bool = True) -> dict[int, int]:
        """RTP packets per SSRC that went from src toward dst (UDP payloads with an RTP v2 header,
        RTCP excluded). By default counts what src sent on the link, dropped frames included."""
        counts = {}
        for entry in self.switch_stats()["ssrcs"]:
            if entry["src"] == src and entry["dst"] == dst:
                counts[entry["ssrc"]] = entry["packets"] - (0 if include_dropped else entry["dropped"])
        return counts

    def flows(self, src: str, dst: str) -> list[dict]:
        """Per-flow counts src -> dst: {"proto": 17, "from": "ip:port", "to": "ip:port",
        "packets", "bytes", "dropped"} (offered; bytes are Ethernet frame bytes)."""
        return [f for f in self.switch_stats()["flows"] if f["src"] == src and f["dst"] == dst]

    def reset_counters(self) -> None:
        self._control({"op": "reset"})

    # --- firewall -------------------------------------------------------------------------

    def block_inbound(self, site: str) -> None:
        """The site drops every packet arriving from the WAN that is not part of a connection
        it opened (conntrack ESTABLISHED,RELATED is accepted; UDP replies count)."""
        if site in self._blocked:
            return
        for argv in (["iptables", "-N", "CASCADE-WAN-IN"],
                     ["iptables", "-A", "CASCADE-WAN-IN", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED",
                      "-j", "ACCEPT"],
                     ["iptables", "-A", "CASCADE-WAN-IN", "-j", "DROP"],
                     ["iptables", "-A", "INPUT", "-i", "wan0", "-j", "CASCADE-WAN-IN"]):
            self.run_in(site, argv, check=True)
        self._blocked.add(site)
        for proto, port in self._allowed[site]:
            self._accept(site, proto, port)

    def allow_inbound(self, site: str, proto: str, port: int) -> None:
        """Opens one port ("udp" or "tcp") to inbound packets from the WAN, now or (before
        block_inbound) once the site is blocked."""
        if proto not in ("udp", "tcp"):
            raise ValueError(proto)
        self._allowed[site].append((proto, int(port)))
        if site in self._blocked:
            self._accept(site, proto, int(port))

    def _accept(self, site: str, proto: str, port: int) -> None:
        self.run_in(site, ["iptables", "-I", "CASCADE-WAN-IN", "2", "-p", proto, "--dport", str(port),
                           "-j", "ACCEPT"], check=True)

    def unblock_inbound(self, site: str) -> None:
        if site not in self._blocked:
            return
        self.run_in(site, ["iptables", "-D", "INPUT", "-i", "wan0", "-j", "CASCADE-WAN-IN"], check=True)
        self.run_in(site, ["iptables", "-F", "CASCADE-WAN-IN"], check=True)
        self.run_in(site, ["iptables", "-X", "CASCADE-WAN-IN"], check=True)
        self._blocked.discard(site)
        self._allowed[site] = []  # a later block_inbound starts closed again
        self._allowed[site].clear()


def _stop_process(process: subprocess.Popen, grace: float = 3.0) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait()


@atexit.register
def _close_all() -> None:
    for topology in list(_live):
        with contextlib.suppress(Exception):
            topology.close()
