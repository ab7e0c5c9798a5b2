"""The WAN between the sites of a `harness.sites.Topology`: a userspace Ethernet switch.

Runs inside the topology's "wan" network namespace, which holds one veth end per site. For
each frame that arrives from site A and goes to site B it applies the (A -> B) link settings:
drops it with probability `loss`, otherwise holds it for `delay_ms` and sends it on. Why in
userspace: this kernel has no netem (FIELD-NOTES), so delay and random loss cannot be done by
tc; an AF_PACKET socket per port sees whole Ethernet frames (the veth offloads are turned off
by the topology, so every frame is <= MTU and carries real checksums) and can send them on
unchanged, so the sites see a plain L2 segment with one-way delay and loss per direction.

Counters are taken here, at the moment a frame is switched, per (source site, destination
site): frames and bytes forwarded (whole Ethernet frames, 14-byte header included), frames and
bytes dropped by the loss setting, and send errors. Per-flow (IPv4 protocol, addresses, ports)
and per-SSRC (UDP payloads that look like RTP, RFC 3711 §3.1 leaves the header in the clear)
breakdowns are kept too. A frame flooded to several sites (broadcast, unknown MAC) is counted
once per destination.

Usage (started by sites.Topology; not meant to be run by hand):
    python3 wan_switch.py CONFIG_JSON
CONFIG_JSON: {"control": "/path/to/unix.sock", "seed": 1 | null, "parent": PID,
              "ports": [{"site": "office", "ifname": "w-office", "macs": ["02:88:..."]}, ...],
              "links": [{"src": "office", "dst": "cloud", "delay_ms": 20, "loss": 0.0}, ...]}

Control: connect to the unix socket, send one JSON line, read one JSON line back, e.g.
    {"op": "ping"} {"op": "stats"} {"op": "reset"} {"op": "stop"}
    {"op": "set", "src": "office", "dst": "cloud", "delay_ms": 20, "loss": 0.03}
Everything runs on one thread around select(2), so counters read by "stats" are consistent.
select rather than epoll: its timeout has microsecond resolution (Python rounds epoll's up to a
whole millisecond, which would add up to 1 ms to every held frame); with one fd per site the
cost is the same. The process raises its priority (nice -10) so that busy test processes on
this 2-core machine delay the WAN less.
"""

from __future__ import annotations

import errno
import gc
import heapq
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
PACKET_IGNORE_OUTGOING = 23  # Linux 4.20+; not in Python's socket module
SOL_PACKET = 263
MAX_FLOWS = 20000  # bound the per-flow table against port floods
MAX_SSRCS = 20000
# Upper bounds (s) of the buckets counting how late held frames were sent (last: the rest).
LATE_BOUNDS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, float("inf"))
BATCH = 32  # frames read from one port before due frames get a chance to go out


class Switch:
    def __init__(self, config: dict):
        self.names: list[str] = [port["site"] for port in config["ports"]]
        self.index = {name: i for i, name in enumerate(self.names)}
        count = len(self.names)
        self.random = random.Random(config.get("seed"))
        self.parent = int(config.get("parent") or 0)
        # links[src][dst] = [delay seconds, loss]
        self.links = [[[0.0, 0.0] for _ in range(count)] for _ in range(count)]
        for link in config.get("links", []):
            self.configure(link)
        self.mac_to_port: dict[bytes, int] = {}
        self.sockets: list[socket.socket] = []
        self.fd_to_port: dict[int, int] = {}
        for i, port in enumerate(config["ports"]):
            for mac in port.get("macs", []):
                self.mac_to_port[bytes.fromhex(mac.replace(":", ""))] = i
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            sock.bind((port["ifname"], ETH_P_ALL))
            try:
                sock.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
            except OSError:
                pass  # pkttype is checked as well
            for option, size in ((33, 8 << 20), (32, 8 << 20)):  # SO_RCVBUFFORCE, SO_SNDBUFFORCE
                try:
                    sock.setsockopt(socket.SOL_SOCKET, option, size)
                except OSError:
                    pass
            sock.setblocking(False)
            self.sockets.append(sock)
            self.fd_to_port[sock.fileno()] = i
        self.control_path = config["control"]
        try:
            os.unlink(self.control_path)
        except FileNotFoundError:
            pass
        self.control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.control.bind(self.control_path)
        self.control.listen(16)
        self.control.setblocking(False)
        self.heap: list[tuple[float, int, int, bytes]] = []
        self.sequence = 0
        self.running = True
        self.reset()

    def configure(self, link: dict) -> None:
        entry = self.links[self.index[link["src"]]][self.index[link["dst"]]]
        if link.get("delay_ms") is not None:
            entry[0] = max(0.0, float(link["delay_ms"])) / 1000.0
        if link.get("loss") is not None:
            entry[1] = min(1.0, max(0.0, float(link["loss"])))

    def reset(self) -> None:
        count = len(self.names)
        # counters[src][dst] = [packets, bytes, dropped packets, dropped bytes, send errors]
        self.counters = [[[0, 0, 0, 0, 0] for _ in range(count)] for _ in range(count)]
        self.flows: dict[tuple, list[int]] = {}  # (src, dst, proto, sip, sport, dip, dport) -> [pk, bytes, dropped]
        self.ssrcs: dict[tuple[int, int, int], list[int]] = {}  # (src, dst, ssrc) -> [packets, dropped]
        self.late_max = 0.0
        self.late_sum = 0.0
        self.late_count = 0
        self.late_histogram = [0] * len(LATE_BOUNDS)
        self.max_held = 0
        self.started = time.monotonic()

    # --- forwarding -------------------------------------------------------------------------

    def receive(self, port: int) -> None:
        sock = self.sockets[port]
        for _ in range(BATCH):
            try:
                frame, address = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            if address[2] == PACKET_OUTGOING or len(frame) < 14:
                continue
            self.switch(port, frame)

    def switch(self, port: int, frame: bytes) -> None:
        source_mac = frame[6:12]
        if not source_mac[0] & 1:
            self.mac_to_port[source_mac] = port
        destination_mac = frame[0:6]
        if destination_mac[0] & 1:
            targets = [p for p in range(len(self.sockets)) if p != port]
        else:
            target = self.mac_to_port.get(destination_mac)
            if target is None:
                targets = [p for p in range(len(self.sockets)) if p != port]
            elif target == port:
                return
            else:
                targets = [target]
        flow, ssrc = self.classify(frame)
        size = len(frame)
        now = time.monotonic()
        for target in targets:
            delay, loss = self.links[port][target]
            counter = self.counters[port][target]
            dropped = loss > 0.0 and self.random.random() < loss
            if dropped:
                counter[2] += 1
                counter[3] += size
            else:
                counter[0] += 1
                counter[1] += size
            if flow is not None:
                key = (port, target, *flow)
                entry = self.flows.get(key)
                if entry is None and len(self.flows) < MAX_FLOWS:
                    entry = self.flows[key] = [0, 0, 0]
                if entry is not None:
                    entry[0] += 1
                    entry[1] += size
                    entry[2] += dropped
            if ssrc is not None:
                key = (port, target, ssrc)
                entry = self.ssrcs.get(key)
                if entry is None and len(self.ssrcs) < MAX_SSRCS:
                    entry = self.ssrcs[key] = [0, 0]
                if entry is not None:
                    entry[0] += 1
                    entry[1] += dropped
            if dropped:
                continue
            if delay <= 0.0:
                self.send(port, target, frame, 0.0)
            else:
                self.sequence += 1
                heapq.heappush(self.heap, (now + delay, self.sequence, port * 256 + target, frame))
        if len(self.heap) > self.max_held:
            self.max_held = len(self.heap)

    @staticmethod
    def classify(frame: bytes):
        """(proto, src ip, src port, dst ip, dst port) for IPv4 and, for RTP-looking UDP
        payloads, the SSRC; (None, None) otherwise."""
        if len(frame) < 34 or frame[12] != 0x08 or frame[13] != 0x00:
            return None, None
        header_length = (frame[14] & 0x0F) * 4
        proto = frame[23]
        source_ip = frame[26:30]
        destination_ip = frame[30:34]
        fragment = struct.unpack_from("!H", frame, 20)[0] & 0x1FFF
        l4 = 14 + header_length
        if proto not in (6, 17) or fragment or len(frame) < l4 + 8:
            return (proto, source_ip, 0, destination_ip, 0), None
        source_port, destination_port = struct.unpack_from("!HH", frame, l4)
        ssrc = None
        if proto == 17:
            payload = l4 + 8
            # RTP v2 (first byte 0x80-0xBF), not RTCP (PT 192-223 share the byte, RFC 5761 §4).
            if len(frame) >= payload + 12 and 0x80 <= frame[payload] <= 0xBF \
                    and not 192 <= frame[payload + 1] <= 223:
                ssrc = struct.unpack_from("!I", frame, payload + 8)[0]
        return (proto, source_ip, source_port, destination_ip, destination_port), ssrc

    def send(self, source: int, target: int, frame: bytes, due: float) -> None:
        try:
            self.sockets[target].send(frame)
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ENOBUFS, errno.ENETDOWN, errno.ENXIO, errno.EMSGSIZE):
                raise
            self.counters[source][target][4] += 1
        if due:
            late = time.monotonic() - due
            self.late_sum += late
            self.late_count += 1
            if late > self.late_max:
                self.late_max = late
            for bucket, bound in enumerate(LATE_BOUNDS):
                if late <= bound:
                    self.late_histogram[bucket] += 1
                    break

    def flush_due(self) -> None:
        heap = self.heap
        now = time.monotonic()
        while heap and heap[0][0] <= now:
            due, _, pair, frame = heapq.heappop(heap)
            self.send(pair >> 8, pair & 0xFF, frame, due)
            if not heap or heap[0][0] > now:
                now = time.monotonic()

    # --- control ----------------------------------------------------------------------------

    def stats(self) -> dict:
        names = self.names
        links = []
        for s, row in enumerate(self.counters):
            for d, counter in enumerate(row):
                if s == d:
                    continue
                delay, loss = self.links[s][d]
                links.append({"src": names[s], "dst": names[d], "delay_ms": delay * 1000.0, "loss": loss,
                              "packets": counter[0], "bytes": counter[1], "dropped_packets": counter[2],
                              "dropped_bytes": counter[3], "send_errors": counter[4]})
        flows = [{"src": names[k[0]], "dst": names[k[1]], "proto": k[2],
                  "from": f"{socket.inet_ntoa(k[3])}:{k[4]}", "to": f"{socket.inet_ntoa(k[5])}:{k[6]}",
                  "packets": v[0], "bytes": v[1], "dropped": v[2]} for k, v in self.flows.items()]
        ssrcs = [{"src": names[k[0]], "dst": names[k[1]], "ssrc": k[2], "packets": v[0], "dropped": v[1]}
                 for k, v in self.ssrcs.items()]
        return {"links": links, "flows": flows, "ssrcs": ssrcs, "held": len(self.heap), "max_held": self.max_held,
                "late_max_ms": self.late_max * 1000.0,
                "late_mean_ms": (self.late_sum / self.late_count * 1000.0) if self.late_count else 0.0,
                "delayed_frames": self.late_count,
                "late_histogram": [{"le_ms": bound * 1000.0, "frames": frames}
                                   for bound, frames in zip(LATE_BOUNDS[:-1], self.late_histogram)]
                + [{"le_ms": None, "frames": self.late_histogram[-1]}], "seconds": time.monotonic() - self.started}

    def handle_control(self) -> None:
        while True:
            try:
                connection, _ = self.control.accept()
            except (BlockingIOError, InterruptedError):
                return
            with connection:
                connection.settimeout(2.0)
                try:
                    request = b""
                    while not request.endswith(b"\n"):
                        chunk = connection.recv(65536)
                        if not chunk:
                            break
                        request += chunk
                    reply = self.execute(json.loads(request or b"{}"))
                except (OSError, ValueError, KeyError, TypeError) as error:
                    reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
                try:
                    connection.sendall(json.dumps(reply).encode() + b"\n")
                except OSError:
                    pass

    def execute(self, request: dict) -> dict:
        op = request.get("op")
        if op == "ping":
            return {"ok": True}
        if op == "stats":
            return {"ok": True, **self.stats()}
        if op == "reset":
            self.reset()
            return {"ok": True}
        if op == "set":
            self.configure(request)
            return {"ok": True}
        if op == "stop":
            self.running = False
            return {"ok": True}
        return {"ok": False, "error": f"unknown op {op!r}"}

    def run(self) -> None:
        control_fd = self.control.fileno()
        fds = [control_fd, *self.fd_to_port]
        next_parent_check = time.monotonic() + 1.0
        while self.running:
            if self.heap:
                timeout = max(0.0, self.heap[0][0] - time.monotonic())
            else:
                timeout = 0.5
            try:
                readable, _, _ = select.select(fds, [], [], timeout)
            except InterruptedError:
                readable = []
            for fd in readable:
                if fd == control_fd:
                    self.handle_control()
                else:
                    self.receive(self.fd_to_port[fd])
                self.flush_due()
            self.flush_due()
            now = time.monotonic()
            if now > next_parent_check:
                next_parent_check = now + 1.0
                if self.parent and os.getppid() != self.parent:
                    break  # the harness died without stopping us
        try:
            os.unlink(self.control_path)
        except OSError:
            pass


def main() -> None:
    config = json.loads(sys.argv[1])
    # No PR_SET_PDEATHSIG: it fires when the parent *thread* ends. The loop checks getppid().
    if config.get("parent") and os.getppid() != int(config["parent"]):
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        os.setpriority(os.PRIO_PROCESS, 0, -10)
    except OSError:
        pass
    gc.disable()  # the loop makes no reference cycles; a collection pause would be jitter
    switch = Switch(config)
    switch.run()


if __name__ == "__main__":
    main()
