"""Self-checks of the multi-site harness (harness/sites.py, harness/wan_switch.py). No Cascade
server needed; ~20 s.

Delay, loss, firewall, counters and the SSRC breakdown are measured with plain UDP/TCP sockets
living in the sites, so a cascading test that fails on these topologies fails in the server,
not in the WAN.
"""

from __future__ import annotations

import contextlib
import json
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time

import pytest

from harness import require, sites
from harness.cascade import ARTIFACTS


@pytest.fixture(autouse=True, scope="module")
def _sites_can_be_built():
    require.root_namespaces("the sites topology", tools=("ip", "iptables", "ethtool"))


UDP_OVERHEAD = 14 + 20 + 8  # Ethernet + IPv4 + UDP headers: what the WAN counters add to a payload


@contextlib.contextmanager
def udp_echo(topo: sites.Topology, site: str, port: int = 9000):
    """A UDP echo server in `site` on its address (a thread of this process)."""
    sock = topo.socket_in(site)
    sock.bind((topo.address(site), port))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            sock.sendto(data, peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield (topo.address(site), port)
    finally:
        stop.set()
        thread.join(timeout=2)
        sock.close()


def measure_rtt(topo: sites.Topology, site: str, target: tuple[str, int], count: int = 15) -> list[float]:
    """Round-trip times in ms of `count` sequential UDP probes from `site` to `target`."""
    sock = topo.socket_in(site)
    sock.settimeout(1.0)
    rtts = []
    with sock:
        for i in range(count):
            start = time.monotonic()
            sock.sendto(struct.pack("!I", i), target)
            while True:
                data, _ = sock.recvfrom(100)
                if struct.unpack("!I", data)[0] == i:
                    break
            rtts.append((time.monotonic() - start) * 1000)
    return rtts


def udp_arrives(topo: sites.Topology, src: str, dst: str, port: int, wait: float = 0.4) -> bool:
    """Sends one datagram from `src` to `dst`'s address:port; True if it arrived."""
    receiver = topo.socket_in(dst)
    sender = topo.socket_in(src)
    with receiver, sender:
        receiver.bind((topo.address(dst), port))
        receiver.settimeout(wait)
        sender.sendto(b"probe", (topo.address(dst), port))
        try:
            return receiver.recv(100) == b"probe"
        except socket.timeout:
            return False


def tcp_connects(topo: sites.Topology, src: str, dst: str, port: int, wait: float = 0.6) -> bool:
    listener = topo.socket_in(dst, kind=socket.SOCK_STREAM)
    client = topo.socket_in(src, kind=socket.SOCK_STREAM)
    with listener, client:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((topo.address(dst), port))
        listener.listen(1)
        client.settimeout(wait)
        try:
            client.connect((topo.address(dst), port))
            return True
        except (socket.timeout, OSError):
            return False


def rtp_packet(ssrc: int, seq: int, size: int = 160) -> bytes:
    header = struct.pack("!BBHII", 0x80, 96, seq & 0xFFFF, seq * 960, ssrc)  # RFC 3550 §5.1
    return header + bytes(size)


def test_two_sites_delay_reachability_and_runtime_change():
    """A 20 ms one-way delay gives a 40 ms RTT (±8 ms); changed to 5 ms mid-test it gives 10 ms.
    A process in a site reaches its own address and the other site's; pytest reaches both
    over the harness links (uncounted)."""
    with sites.Topology(["office", "cloud"], delay_ms=20, log_dir=ARTIFACTS) as topo:
        assert topo.address("office") == "10.88.1.2" and topo.cidr("cloud") == "10.88.2.0/24"
        with udp_echo(topo, "cloud") as cloud_echo, udp_echo(topo, "office") as office_echo:
            rtts = measure_rtt(topo, "office", cloud_echo)
            print(f"RTT office<->cloud at 20 ms one-way: median {statistics.median(rtts):.2f} ms, "
                  f"min {min(rtts):.2f}, max {max(rtts):.2f}")
            assert 32 <= statistics.median(rtts) <= 48, rtts
            assert min(rtts) >= 39.5, rtts  # the delay is a floor
            own = measure_rtt(topo, "office", office_echo, count=3)
            assert max(own) < 5, own  # own address: loopback, no WAN
            topo.reset_counters()
            harness = measure_rtt(topo, "office", office_echo, count=1)  # from the site, local
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:  # from pytest: harness link
                sock.settimeout(1)
                sock.sendto(struct.pack("!I", 0), cloud_echo)
                assert sock.recvfrom(100)[1] == cloud_echo
            stats = topo.link_stats()
            assert all(s.offered_packets == 0 for s in stats.values()), stats  # neither crossed the WAN
            topo.set_link("office", "cloud", delay_ms=5)
            rtts = measure_rtt(topo, "cloud", office_echo)
            print(f"RTT after set_link(5 ms): median {statistics.median(rtts):.2f} ms")
            assert 9.5 <= statistics.median(rtts) <= 18, rtts
            del harness


def test_loss_three_percent_over_2000_packets():
    """3 % loss set mid-test on one direction: ~3 % of 2000 datagrams go missing (seeded, within
    1.5..4.5 %), the switch's drop counter accounts for every one of them, the other direction
    loses nothing."""
    with sites.Topology(["office", "cloud"], seed=4) as topo:
        receiver = topo.socket_in("cloud")
        sender = topo.socket_in("office")
        with receiver, sender:
            receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            receiver.bind((topo.address("cloud"), 9100))
            receiver.settimeout(0.5)
            assert udp_arrives(topo, "office", "cloud", 9101)
            topo.set_link("office", "cloud", loss=0.03, both_ways=False)
            topo.reset_counters()
            target = (topo.address("cloud"), 9100)
            for i in range(2000):
                sender.sendto(struct.pack("!I", i) + bytes(96), target)
                if i % 100 == 99:
                    time.sleep(0.005)
            got = set()
            with contextlib.suppress(socket.timeout):
                while True:
                    got.add(struct.unpack("!I", receiver.recv(200)[:4])[0])
            lost = 2000 - len(got)
            stats = topo.link_stats("office", "cloud")
            print(f"loss 3 %: {lost}/2000 lost ({lost / 20:.2f} %), switch dropped {stats.dropped_packets}")
            assert 30 <= lost <= 90, lost
            assert stats.dropped_packets == lost and stats.packets == 2000 - lost and stats.send_errors == 0
            assert stats.offered_bytes == 2000 * (100 + UDP_OVERHEAD)
            assert udp_arrives(topo, "cloud", "office", 9102)
            assert topo.link_stats("cloud", "office").dropped_packets == 0


def test_firewall_blocks_inbound_but_not_replies_and_opened_ports():
    """With the office blocked: a datagram and a TCP connect from the cloud to the office fail;
    the office's own UDP request to the cloud gets its reply, its TCP connect works; ports
    opened with allow_inbound work, others stay shut; unblock restores everything."""
    with sites.Topology(["office", "cloud"], delay_ms=1) as topo:
        assert udp_arrives(topo, "cloud", "office", 9200)
        topo.block_inbound("office")
        assert not udp_arrives(topo, "cloud", "office", 9200)
        assert not tcp_connects(topo, "cloud", "office", 9201)
        with udp_echo(topo, "cloud", 9202) as echo:
            assert len(measure_rtt(topo, "office", echo, count=2)) == 2  # replies are established
        assert tcp_connects(topo, "office", "cloud", 9203)
        assert udp_arrives(topo, "office", "cloud", 9204)
        topo.allow_inbound("office", "udp", 9205)
        topo.allow_inbound("office", "tcp", 9206)
        assert udp_arrives(topo, "cloud", "office", 9205)
        assert tcp_connects(topo, "cloud", "office", 9206)
        assert not udp_arrives(topo, "cloud", "office", 9206)
        assert not tcp_connects(topo, "cloud", "office", 9205)
        topo.unblock_inbound("office")
        assert udp_arrives(topo, "cloud", "office", 9207)
        assert tcp_connects(topo, "cloud", "office", 9208)


def test_counters_match_what_was_sent():
    """Per direction, the WAN counters equal the datagrams sent and their size plus 42 header
    bytes; the flow breakdown names the 5-tuple; reset zeroes everything."""
    with sites.Topology(["office", "cloud"], delay_ms=2) as topo:
        a, b = topo.socket_in("office"), topo.socket_in("cloud")
        with a, b:
            a.bind((topo.address("office"), 9300))
            b.bind((topo.address("cloud"), 9301))
            b.settimeout(1)
            a.settimeout(1)
            topo.reset_counters()
            for _ in range(100):
                a.sendto(bytes(200), (topo.address("cloud"), 9301))
            for _ in range(50):
                b.sendto(bytes(1000), (topo.address("office"), 9300))
            for _ in range(100):
                b.recv(2000)
            for _ in range(50):
                a.recv(2000)
            up, down = topo.link_stats("office", "cloud"), topo.link_stats("cloud", "office")
            print(f"counters: office->cloud {up.packets} frames {up.bytes} B; cloud->office {down.packets} frames "
                  f"{down.bytes} B")
            assert (up.packets, up.bytes, up.dropped_packets) == (100, 100 * (200 + UDP_OVERHEAD), 0)
            assert (down.packets, down.bytes, down.dropped_packets) == (50, 50 * (1000 + UDP_OVERHEAD), 0)
            assert topo.wan_bytes("office", "cloud") == up.bytes
            [flow] = topo.flows("office", "cloud")
            assert (flow["proto"], flow["from"], flow["to"], flow["packets"]) == (17, "10.88.1.2:9300",
                                                                                 "10.88.2.2:9301", 100)
            topo.reset_counters()
            assert topo.link_stats("office", "cloud").packets == 0 and topo.flows("office", "cloud") == []
            # A full-MTU datagram is one 1514-byte frame; a 4000-byte one goes as 3 IP fragments.
            a.sendto(bytes(1472), (topo.address("cloud"), 9301))
            a.sendto(bytes(4000), (topo.address("cloud"), 9301))
            assert [len(b.recv(8000)) for _ in range(2)] == [1472, 4000]
            up = topo.link_stats("office", "cloud")
            assert (up.packets, up.bytes) == (4, 1514 + 4008 + 3 * (14 + 20)), up
        # TCP bulk data crosses as frames <= MTU (segmentation offloads are off on the veths).
        listener = topo.socket_in("cloud", kind=socket.SOCK_STREAM)
        client = topo.socket_in("office", kind=socket.SOCK_STREAM)
        with listener, client:
            listener.bind((topo.address("cloud"), 9302))
            listener.listen(1)
            client.connect((topo.address("cloud"), 9302))
            server, _ = listener.accept()
            received = []

            def drain():
                with server:
                    server.settimeout(10)
                    while chunk := server.recv(1 << 16):
                        received.append(len(chunk))

            topo.reset_counters()
            reader = threading.Thread(target=drain, daemon=True)
            reader.start()
            client.settimeout(10)
            client.sendall(bytes(1 << 20))
            client.shutdown(socket.SHUT_WR)
            reader.join(timeout=10)
            assert sum(received) == 1 << 20
            up = topo.link_stats("office", "cloud")
            assert up.packets >= (1 << 20) // 1448 and up.bytes <= up.packets * 1514, up


def test_ssrc_counts_fake_rtp():
    """ssrc_counts counts RTP-looking UDP payloads per SSRC and direction; RTCP, STUN, DTLS and
    short payloads are not counted; with loss, include_dropped=False counts what arrived."""
    with sites.Topology(["office", "cloud"], seed=7) as topo:
        a, b = topo.socket_in("office"), topo.socket_in("cloud")
        with a, b:
            b.bind((topo.address("cloud"), 9400))
            b.settimeout(0.5)
            target = (topo.address("cloud"), 9400)
            sent = {0x11111111: 30, 0xDEADBEEF: 12, 0x00000001: 5}
            for ssrc, count in sent.items():
                for seq in range(count):
                    a.sendto(rtp_packet(ssrc, seq), target)
            a.sendto(struct.pack("!BBHI", 0x81, 200, 6, 0x11111111) + bytes(20), target)  # RTCP SR
            a.sendto(struct.pack("!BBHI", 0x80, 205, 3, 0x11111111) + bytes(8), target)  # RTCP RTPFB (NACK)
            a.sendto(b"\x00\x01\x00\x00\x21\x12\xa4\x42" + bytes(12), target)  # STUN binding request
            a.sendto(b"\x16\xfe\xfd" + bytes(30), target)  # DTLS record
            a.sendto(b"\x80\x60" + bytes(6), target)  # too short for an RTP header
            with contextlib.suppress(socket.timeout):
                while True:
                    b.recv(2000)
            assert topo.ssrc_counts("office", "cloud") == sent
            assert topo.ssrc_counts("cloud", "office") == {}
            topo.reset_counters()
            topo.set_link("office", "cloud", loss=0.5, both_ways=False)
            received = 0
            for seq in range(100):
                a.sendto(rtp_packet(0xCAFE, seq), target)
            with contextlib.suppress(socket.timeout):
                while True:
                    b.recv(2000)
                    received += 1
            assert topo.ssrc_counts("office", "cloud") == {0xCAFE: 100}
            assert topo.ssrc_counts("office", "cloud", include_dropped=False) == {0xCAFE: received}
            assert 20 < received < 80


def test_three_sites_delays_reachability_and_per_link_ssrcs():
    """office, cloud, office2 with 20, 10 and 5 ms between the pairs: every site reaches every
    other (RTT = 2 x that pair's delay) and itself; a stream sent office -> cloud -> office2 by a
    relay in the cloud is counted once on each link it crosses and on no other."""
    delays = {("office", "cloud"): 20, ("cloud", "office2"): 10, ("office", "office2"): 5}
    with sites.Topology(["office", "cloud", "office2"]) as topo:
        for (x, y), delay in delays.items():
            topo.set_link(x, y, delay_ms=delay)
        with udp_echo(topo, "office") as e1, udp_echo(topo, "cloud") as e2, udp_echo(topo, "office2") as e3:
            echoes = {"office": e1, "cloud": e2, "office2": e3}
            for (x, y), delay in delays.items():
                for src, dst in ((x, y), (y, x)):
                    rtt = statistics.median(measure_rtt(topo, src, echoes[dst], count=5))
                    print(f"RTT {src}->{dst}: {rtt:.2f} ms (configured one-way {delay} ms)")
                    assert 2 * delay - 0.5 <= rtt <= 2 * delay + 8, (src, dst, rtt)
            for site in echoes:
                assert max(measure_rtt(topo, site, echoes[site], count=2)) < 5
        topo.reset_counters()
        relay_in = topo.socket_in("cloud")
        sink = topo.socket_in("office2")
        source = topo.socket_in("office")
        with relay_in, sink, source:
            relay_in.bind((topo.address("cloud"), 9500))
            sink.bind((topo.address("office2"), 9501))
            relay_in.settimeout(1)
            sink.settimeout(1)
            for seq in range(40):
                source.sendto(rtp_packet(0xA, seq), (topo.address("cloud"), 9500))
                relay_in.sendto(relay_in.recv(2000), (topo.address("office2"), 9501))
            source.sendto(rtp_packet(0xB, 0), (topo.address("office2"), 9501))
            for _ in range(41):
                sink.recv(2000)
        assert topo.ssrc_counts("office", "cloud") == {0xA: 40}
        assert topo.ssrc_counts("cloud", "office2") == {0xA: 40}
        assert topo.ssrc_counts("office", "office2") == {0xB: 1}
        for src, dst in (("cloud", "office"), ("office2", "cloud"), ("office2", "office")):
            assert topo.ssrc_counts(src, dst) == {}


_BLASTER = r"""
import json, socket, struct, sys, time
mode, host, port, count, rate = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if mode == "recv":
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((host, port))
    print("ready", flush=True)
    sock.settimeout(5)
    latencies, first = [], None
    try:
        while len(latencies) < count:
            data = sock.recv(2048)
            now = time.monotonic_ns()
            latencies.append((now - struct.unpack("!Q", data[:8])[0]) / 1e6)
            first = first or now
            sock.settimeout(1)
    except socket.timeout:
        pass
    latencies.sort()
    n = len(latencies)
    print(json.dumps({"received": n, "p50": latencies[n // 2] if n else None,
                      "p99": latencies[int(n * 0.99)] if n else None, "max": latencies[-1] if n else None}))
else:
    padding = bytes(192)
    start = time.monotonic()
    burst = max(1, int(rate / 1000))
    for i in range(0, count, burst):
        due = start + i / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        for _ in range(min(burst, count - i)):
            sock.sendto(struct.pack("!Q", time.monotonic_ns()) + padding, (host, port))
    print(json.dumps({"sent": count, "seconds": time.monotonic() - start}))
"""


def _blast(topo: sites.Topology, count: int, rate: float) -> list[str]:
    """One run of `count` datagrams at `rate`/s each way between office and cloud; returns the
    failed checks (empty: passed) after printing the measurements."""
    receivers = {site: topo.popen_in(site, [sys.executable, "-c", _BLASTER, "recv", topo.address(site), "9600",
                                            str(count), "0"], stdout=subprocess.PIPE, text=True)
                 for site in ("office", "cloud")}
    for process in receivers.values():
        assert process.stdout.readline().strip() == "ready"
    topo.reset_counters()
    senders = {site: topo.popen_in(site, [sys.executable, "-c", _BLASTER, "send", topo.address(peer), "9600",
                                          str(count), str(rate)], stdout=subprocess.PIPE, text=True)
               for site, peer in (("office", "cloud"), ("cloud", "office"))}
    sent = {site: json.loads(p.communicate(timeout=20)[0]) for site, p in senders.items()}
    results = {site: json.loads(p.communicate(timeout=20)[0]) for site, p in receivers.items()}
    switch = topo.switch_stats()
    switch_p99 = topo.switch_lateness_ms(0.99)
    failures = []
    for site, peer in (("office", "cloud"), ("cloud", "office")):
        result, out = results[peer], sent[site]
        print(f"{site}->{peer}: {count / out['seconds']:.0f} frames/s sent, {result['received']} received, "
              f"one-way p50 {result['p50']:.2f} ms p99 {result['p99']:.2f} ms max {result['max']:.2f} ms")
        if out["seconds"] > 1.3 * count / rate:
            failures.append(f"{site} sender too slow: {out}")
        if result["received"] < 0.995 * count:
            failures.append(f"{site}->{peer} lost frames: {result}")
        if not 20 <= result["p50"] <= 22.5 or result["p99"] >= 50:
            failures.append(f"{site}->{peer} latency: {result}")
    print(f"switch: late mean {switch['late_mean_ms']:.3f} ms, p99 <= {switch_p99} ms, "
          f"max {switch['late_max_ms']:.3f} ms, max held {switch['max_held']} frames, "
          + ", ".join(f"{l['src']}->{l['dst']} {l['packets']} fwd/{l['send_errors']} err" for l in switch["links"]))
    if switch["late_mean_ms"] >= 2.0 or switch_p99 > 10:
        failures.append(f"switch late: mean {switch['late_mean_ms']} ms, p99 <= {switch_p99} ms")
    return failures


def test_switch_forwards_5000_frames_per_second_each_way():
    """5,000 datagrams/s in each direction for 2 s across a 20 ms link: >= 99.5 % arrive, the
    one-way latency's median is within 20..22.5 ms, and the switch sends held frames on average
    < 2 ms and at p99 <= 10 ms after they are due. The end-to-end tail is only loosely bounded
    (p99 < 50 ms): this VM alone oversleeps a 1 ms sleep by up to ~6-9 ms now and then (steal
    time), and the senders and receivers measuring here are Python processes on the same 2
    cores, shared with whatever else runs. Hence best of three runs. Typical run: p50 20.3 ms,
    p99 22-26 ms, switch lateness mean 0.1-0.5 ms, p99 <= 0.5-2 ms, switch at ~45 % of one core."""
    with sites.Topology(["office", "cloud"], delay_ms=20) as topo:
        failures = _blast(topo, 10000, 5000.0)
        for attempt in (2, 3):
            if not failures:
                break
            print(f"run {attempt - 1} failed ({failures}); once more")
            failures = _blast(topo, 10000, 5000.0)
        assert not failures, failures


def test_close_removes_namespaces_and_switch_even_after_failure():
    """An exception inside the with block still deletes every namespace and stops the switch
    and the processes started in the sites."""
    with pytest.raises(RuntimeError, match="boom"):
        with sites.Topology(["office", "cloud"]) as topo:
            names = [topo.netns(s) for s in ("office", "cloud")] + [topo.wan_netns]
            sleeper = topo.popen_in("office", ["sleep", "60"])
            switch = topo.switch
            raise RuntimeError("boom")
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert not any(name in listing for name in names), listing
    assert switch.poll() is not None and sleeper.poll() is not None
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert [line.split(":")[1].strip() for line in links.splitlines()] == ["lo"], links
    routes = subprocess.run(["ip", "route"], capture_output=True, text=True).stdout
    assert "10.88." not in routes, routes


def test_cluster_deployment_file_matches_the_format(tmp_path):
    """harness/cluster.py writes the deployment file of dev/CASCADING.md for a topology (no
    binary is started here)."""
    from harness import cluster

    topo = sites.Topology(["office", "cloud"])  # not started: addresses only
    nodes = [cluster.MediaNode("office-1", "office", "office", reachable=False),
             cluster.MediaNode("cloud-1", "cloud", "cloud")]
    zones = [cluster.site_zone(topo, "office", fallback=["cloud"]), cluster.Zone("cloud", ["0.0.0.0/0", "::/0"])]
    deployment = cluster.Cluster(topo, nodes, zones, "cloud", tmp_path)
    written = json.loads(deployment.write_config().read_text())
    assert written == {
        "version": 1,
        "control": {"url": "http://10.88.2.2:8080"},
        "zones": [{"name": "office", "cidrs": ["10.88.1.0/24"], "fallback": ["cloud"]},
                  {"name": "cloud", "cidrs": ["0.0.0.0/0", "::/0"]}],
        "nodes": [{"id": "office-1", "zone": "office", "reachable": False, "bind": "10.88.1.2",
                   "advertise": ["10.88.1.2"], "httpPort": 8081, "mediaPort": 7882,
                   "url": "http://10.88.1.2:8081", "linksTo": ["cloud-1"]},
                  {"id": "cloud-1", "zone": "cloud", "reachable": True, "bind": "10.88.2.2",
                   "advertise": ["10.88.2.2"], "httpPort": 8081, "mediaPort": 7882,
                   "url": "http://10.88.2.2:8081", "linksTo": ["office-1"]}]}
    assert deployment.url("office-1") == "http://10.88.1.2:8081"
    assert deployment.url("control") == "http://10.88.2.2:8080"


_FAKE_CASCADE = r"""#!/usr/bin/env python3
# Stands in for `cascade control|media --config F [--node ID]`: serves 200 on /healthz at the
# URL the deployment file gives it; checks the secrets arrived in the environment.
import http.server, json, os, sys, urllib.parse
args = sys.argv[1:]
config = json.load(open(args[args.index("--config") + 1]))
assert os.environ["CASCADE_API_KEY"] and len(os.environ["CASCADE_API_SECRET"]) >= 32
if args[0] == "control":
    url = config["control"]["url"]
else:
    url = next(n["url"] for n in config["nodes"] if n["id"] == args[args.index("--node") + 1])
parsed = urllib.parse.urlparse(url)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

print(f"{args[0]} on {url}", flush=True)
http.server.HTTPServer((parsed.hostname, parsed.port), Handler).serve_forever()
"""


def test_cluster_starts_checks_health_and_stops_processes_in_sites(tmp_path):
    """Cluster runs control and media nodes inside their sites (a stand-in binary here), waits
    for /healthz over the harness link, and stops or kills them by PID."""
    from harness import cluster

    fake = tmp_path / "cascade"
    fake.write_text(_FAKE_CASCADE)
    fake.chmod(0o755)
    with sites.Topology(["office", "cloud"]) as topo:
        topo.block_inbound("office")  # the harness link is not behind the site's firewall
        nodes = [cluster.MediaNode("office-1", "office", "office", reachable=False),
                 cluster.MediaNode("cloud-1", "cloud", "cloud")]
        zones = [cluster.site_zone(topo, "office", fallback=["cloud"]), cluster.site_zone(topo, "cloud")]
        with cluster.Cluster(topo, nodes, zones, "cloud", tmp_path, binary=fake, tag="selfcheck") as deployment:
            deployment.start_all(ready_timeout=10)
            assert all(deployment.alive(name) for name in ("control", "office-1", "cloud-1"))
            deployment.kill("cloud-1")
            assert not deployment.alive("cloud-1")
            statuses = deployment.stop_all()
        assert statuses == {"office-1": -15, "cloud-1": -9, "control": -15}, statuses
        assert "media on http://10.88.1.2:8081" in (tmp_path / "selfcheck-office-1.log").read_text()
