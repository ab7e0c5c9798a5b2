"""Cascading media nodes across sites (issue 4), on topologies of network namespaces joined by a
WAN with delay and loss (harness/sites.py) and real `cascade control` / `cascade media`
processes (harness/cluster.py). Participants are aiortc processes inside the sites
(harness/participant.py) that join through signaling, publish frame-numbered video and a tone,
and subscribe to everyone else.

- Hybrid: an office behind a firewall that drops every inbound packet (its node dials out) and
  a cloud, 20 ms apart. Everyone sees and hears everyone; the bytes crossing the WAN are
  compared with two single-node layouts of the same meeting (everyone on the office node, the
  outside participants coming in through an opened port; everyone on the cloud node), with 2
  and with 4 outside participants. The table goes to artifacts/interop/cascade-wan-bytes.json.
- Three sites linked to each other: every stream crosses each link at most once (RTP packets
  counted per SSRC in the WAN switch) and everyone receives everyone.
- 3 % loss on the WAN: remote video stays smooth and NACKs are answered hop by hop.
- The cloud node is killed mid-meeting: its participants resume on the other cloud node within
  10 s; office participants never lose the office's streams.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from harness import framecode, require, sites
from harness.cascade import ARTIFACTS
from harness.cluster import Cluster, MediaNode, Zone, site_zone


@pytest.fixture(autouse=True, scope="module")
def _sites_can_be_built():
    require.root_namespaces("sites joined by a WAN", tools=("ip", "iptables", "ethtool"))


pytestmark = pytest.mark.server

PARTICIPANT = Path(__file__).parent / "harness" / "participant.py"
MEDIA_PORT = 7882


class Participants:
    """Participant processes in their sites; their progress is read from their stats files."""

    def __init__(self, topology: sites.Topology, control_url: str, room: str, tag: str):
        self.topology = topology
        self.control_url = control_url
        self.room = room
        self.tag = tag
        self.processes: dict[str, subprocess.Popen] = {}
        self.sites: dict[str, str] = {}
        self.logs: list = []

    def path(self, name: str) -> Path:
        return ARTIFACTS / f"{self.tag}-{name}.json"

    def start(self, site: str, name: str) -> None:
        self.path(name).unlink(missing_ok=True)
        log = open(ARTIFACTS / f"{self.tag}-{name}.log", "wb")
        self.logs.append(log)
        self.processes[name] = self.topology.popen_in(
            site, [sys.executable, str(PARTICIPANT), "--control", self.control_url, "--room", self.room,
                   "--name", name, "--out", str(self.path(name)), "--address", self.topology.address(site)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self.sites[name] = site

    def stats(self) -> dict[str, dict]:
        result = {}
        for name in self.processes:
            try:
                result[name] = json.loads(self.path(name).read_text())
            except (OSError, ValueError):
                pass
        return result

    def received(self, stats: dict[str, dict]) -> dict[tuple[str, str], dict]:
        """(receiver, sender) -> what the receiver got from the sender, by name."""
        ids = {s["participantId"]: name for name, s in stats.items() if s.get("participantId")}
        pairs = {}
        for receiver, s in stats.items():
            for sender_id, got in s.get("received", {}).items():
                if sender_id in ids:
                    pairs[(receiver, ids[sender_id])] = got
        return pairs

    def missing(self, min_frames: int, min_audio: int = 10, senders: set[str] | None = None,
                receivers: set[str] | None = None, baseline: dict | None = None) -> list[str]:
        """Receiver/sender pairs that got fewer than `min_frames` video frames (and audio) since
        `baseline` (a `received()` snapshot)."""
        stats = self.stats()
        pairs = self.received(stats)
        problems = []
        for receiver in receivers or set(self.processes):
            for sender in senders or set(self.processes):
                if sender == receiver:
                    continue
                got = pairs.get((receiver, sender), {})
                before = (baseline or {}).get((receiver, sender), {})
                frames = got.get("frames", 0) - before.get("frames", 0)
                audio = got.get("audioFrames", 0) - before.get("audioFrames", 0)
                if frames < min_frames or audio < min_audio:
                    problems.append(f"{receiver}<-{sender}: {frames} frames, {audio} audio frames")
        return problems

    def wait_all_see_all(self, timeout: float = 60, min_frames: int = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            problems = self.missing(min_frames)
            if not problems:
                return
            if time.monotonic() > deadline:
                errors = {name: s.get("errors") for name, s in self.stats().items() if s.get("errors")}
                raise AssertionError(f"not everyone sees everyone after {timeout}s: {problems}; errors {errors}")
            time.sleep(0.5)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.logs:
            log.close()


def metric(url: str, name: str, token: str) -> float:
    """The sum of a Prometheus counter's samples at `url`/metrics (0 when absent), read with a
    service token."""
    total = 0.0
    response = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    response.raise_for_status()
    for line in response.text.splitlines():
        if line.startswith(name) and (len(line) == len(name) or line[len(name)] in " {"):
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.fixture
def hybrid():
    """An office (its firewall drops every inbound packet) and a cloud, 20 ms apart."""
    topology = sites.Topology(["office", "cloud"], delay_ms=20, log_dir=ARTIFACTS)
    with topology:
        yield topology


def hybrid_zones(topology: sites.Topology) -> list[Zone]:
    return [site_zone(topology, "office", fallback=["cloud"]), site_zone(topology, "cloud", fallback=["office"])]


def office_node() -> MediaNode:
    """The hybrid layout's office node: behind the office firewall, so it dials out."""
    return MediaNode("office-1", "office", "office", reachable=False, media_port=MEDIA_PORT)


def cloud_node() -> MediaNode:
    """The hybrid layout's (first) cloud node: reachable from everywhere."""
    return MediaNode("cloud-1", "cloud", "cloud", reachable=True, media_port=MEDIA_PORT)


def run_layout(topology: sites.Topology, layout: str, outside: int) -> dict:
    """One meeting (3 office participants + `outside` in the cloud) in one layout; returns the
    bytes that crossed the WAN each way over a 10 s window once everyone saw everyone."""
    topology.unblock_inbound("office")
    topology.block_inbound("office")
    if layout == "cascaded":
        nodes = [office_node(), cloud_node()]
    elif layout == "office-node":
        nodes = [office_node()]
        # A fully private deployment: outside participants reach the office node through an
        # opened media port (control still reaches it over the node's uplink).
        topology.allow_inbound("office", "udp", MEDIA_PORT)
    else:
        nodes = [cloud_node()]
    tag = f"hybrid-{layout}-{outside}"
    with Cluster(topology, nodes, hybrid_zones(topology), "cloud", ARTIFACTS, tag=tag) as cluster:
        cluster.start_all()
        participants = Participants(topology, cluster.control_url, f"{layout}-{outside}", tag)
        try:
            for index in range(3):
                participants.start("office", f"office{index + 1}")
            for index in range(outside):
                participants.start("cloud", f"cloud{index + 1}")
            participants.wait_all_see_all(timeout=90)
            time.sleep(3)  # past the encoders' start-up ramp
            before = participants.stats()
            baseline = participants.received(before)
            topology.reset_counters()
            time.sleep(10)
            result = {"layout": layout, "outside": outside,
                      "officeOutBytes": topology.wan_bytes("office", "cloud"),
                      "officeInBytes": topology.wan_bytes("cloud", "office"), "seconds": 10,
                      "published": {name: round(10 * rate) for name, rate in published_rates(before, participants.stats()).items()}}
            result["publishedBytes"] = sum(result["published"].values())
            # Every stream kept flowing through the window (CPU-starved aiortc encoders slow down,
            # so this asks for a steady trickle, not a frame rate).
            assert not participants.missing(50, 50, baseline=baseline), participants.missing(50, 50, baseline=baseline)
            if layout == "cascaded":
                pairs = participants.received(participants.stats())
                quiet = {pair: got["peakRms"] for pair, got in pairs.items() if got.get("peakRms", 0) < 1000}
                assert not quiet, f"no tone heard: {quiet}"
            return result
        finally:
            participants.stop()


def published_rates(before: dict[str, dict], after: dict[str, dict]) -> dict[str, float]:
    """Bytes per second each participant published between two stats snapshots (each
    participant's own clock: its stats file is rewritten every second)."""
    rates = {}
    for name, end in after.items():
        start = before.get(name, {})
        seconds = end.get("time", 0) - start.get("time", 0)
        if seconds > 0:
            rates[name] = (end.get("bytesSent", 0) - start.get("bytesSent", 0)) / seconds
    return rates


def crossings(layout: str, direction: str, outside: int) -> dict[str, int]:
    """How often, by design, each stream of an office / cloud participant crosses the WAN in
    `direction` ("officeOutBytes" or "officeInBytes"): once in the cascaded layout (toward the
    other site's node), once per receiver on the far side when everyone is on one node."""
    if layout == "cascaded":
        return {"office": 1, "cloud": 0} if direction == "officeOutBytes" else {"office": 0, "cloud": 1}
    if layout == "office-node":  # to each outside participant: every other participant's stream
        return {"office": outside, "cloud": outside - 1} if direction == "officeOutBytes" else {"office": 0, "cloud": 1}
    # cloud-node: each of the 3 office participants receives every other participant's stream
    return {"office": 0, "cloud": 0} if direction == "officeOutBytes" else {"office": 2, "cloud": 3}


def wan_ratio(results: dict[str, dict], layout: str, direction: str, outside: int) -> tuple[float, float]:
    """(raw, same-meeting) ratio of `layout`'s WAN bytes in `direction` to the cascaded layout's.

    The layouts run one after another, and on two busy cores the aiortc publishers do not send
    at the same rate in each (one participant's 10 s ranges from 130 to 290 kB: frame rate,
    key frames on request). Same-meeting scales each layout's bytes to every participant
    publishing at its mean rate over the three runs, weighting each participant's rate by how
    often its streams cross in that direction (`crossings`). Only rates are rescaled: a layout
    that sent a stream more often than designed still shows it, in full, in its bytes."""
    names = list(results["cascaded"]["published"])
    reference = {name: sum(r["published"].get(name, 0) for r in results.values()) / len(results) for name in names}

    def at_reference_rates(name_of_layout: str) -> float:
        weights = crossings(name_of_layout, direction, outside)
        measured = results[name_of_layout]
        sent = sum(weights[site_of(name)] * measured["published"].get(name, 0) for name in names)
        wanted = sum(weights[site_of(name)] * reference[name] for name in names)
        return measured[direction] * wanted / sent if sent else 0.0

    raw = results[layout][direction] / results["cascaded"][direction]
    return raw, at_reference_rates(layout) / at_reference_rates("cascaded")


def site_of(participant: str) -> str:
    return "office" if participant.startswith("office") else "cloud"


@pytest.mark.parametrize("outside", [2, 4])
def test_hybrid_office_and_cloud_carry_each_stream_once_over_the_wan(hybrid, outside):
    results = {layout: run_layout(hybrid, layout, outside) for layout in ("cascaded", "office-node", "cloud-node")}
    raw_out, out_ratio = wan_ratio(results, "office-node", "officeOutBytes", outside)
    raw_in, in_ratio = wan_ratio(results, "cloud-node", "officeInBytes", outside)
    table_path = ARTIFACTS / "cascade-wan-bytes.json"
    table = json.loads(table_path.read_text()) if table_path.exists() else {}
    table[str(outside)] = {"layouts": results, "officeOutRatio": out_ratio, "officeInRatio": in_ratio,
                           "officeOutRawRatio": raw_out, "officeInRawRatio": raw_in}
    table_path.write_text(json.dumps(table, indent=2) + "\n")
    wanted = 1.9 if outside == 2 else 3.8
    assert out_ratio >= wanted, f"office outbound: office-node layout / cascaded = {out_ratio:.2f} < {wanted} ({results})"
    assert in_ratio >= wanted, f"office inbound: cloud-node layout / cascaded = {in_ratio:.2f} < {wanted} ({results})"


def test_three_sites_each_stream_crosses_each_link_at_most_once():
    """Two offices and a cloud, linked to each other (office A is firewalled and dials out; office
    B and the cloud accept links). Every participant receives every stream; on every WAN link
    (each direction) the RTP streams are exactly those that originate at the sending site, each
    once: no stream is relayed through a third site or sent twice."""
    names = ["officea", "officeb", "cloud"]
    with sites.Topology(names, delay_ms=15, log_dir=ARTIFACTS) as topology:
        topology.set_link("officea", "officeb", delay_ms=8)
        topology.block_inbound("officea")
        nodes = [MediaNode("node-a", "officea", "officea", reachable=False, media_port=MEDIA_PORT),
                 MediaNode("node-b", "officeb", "officeb", reachable=True, media_port=MEDIA_PORT),
                 MediaNode("node-c", "cloud", "cloud", reachable=True, media_port=MEDIA_PORT)]
        zones = [site_zone(topology, name, fallback=["cloud"] if name != "cloud" else []) for name in names]
        with Cluster(topology, nodes, zones, "cloud", ARTIFACTS, tag="three-sites") as cluster:
            cluster.start_all()
            participants = Participants(topology, cluster.control_url, "three-sites", "three-sites")
            try:
                for site in names:
                    for index in range(2):
                        participants.start(site, f"{site}{index + 1}")
                participants.wait_all_see_all(timeout=90)
                time.sleep(2)
                topology.reset_counters()
                time.sleep(8)
                streams = {}
                for source in names:
                    for target in names:
                        if source == target:
                            continue
                        counts = topology.ssrc_counts(source, target)
                        # Media streams (RTX would be a handful of packets without loss).
                        streams[(source, target)] = {ssrc: n for ssrc, n in counts.items() if n >= 50}
                (ARTIFACTS / "three-sites-ssrcs.json").write_text(json.dumps(
                    {f"{s}->{t}": {str(k): v for k, v in c.items()} for (s, t), c in streams.items()}, indent=2))
                for (source, target), counts in streams.items():
                    # 2 participants at the source, each one audio and one video stream.
                    assert len(counts) == 4, (f"{source}->{target} carries {len(counts)} RTP streams, expected the "
                                              f"4 that originate at {source}: {counts}")
                # The same SSRC never appears on two links out of one site toward different
                # sites... and never on a link it did not originate next to.
                seen: dict[int, tuple[str, str]] = {}
                for pair, counts in streams.items():
                    for ssrc in counts:
                        assert ssrc not in seen, f"SSRC {ssrc} crosses both {seen[ssrc]} and {pair}"
                        seen[ssrc] = pair
                assert not participants.missing(60, 60), participants.missing(60, 60)
            finally:
                participants.stop()


def test_wan_loss_is_repaired_hop_by_hop(hybrid):
    """3 % loss each way on the WAN: remote participants' video stays smooth (≥ 90 % of the frames
    sent in the window are decoded), and the repair happens on the link: the cloud node NACKs
    the office node, which answers from its own history, and the other way round."""
    hybrid.block_inbound("office")
    nodes = [office_node(), cloud_node()]
    with Cluster(hybrid, nodes, hybrid_zones(hybrid), "cloud", ARTIFACTS, tag="wan-loss") as cluster:
        cluster.start_all()
        participants = Participants(hybrid, cluster.control_url, "wan-loss", "wan-loss")
        try:
            for index in range(2):
                participants.start("office", f"office{index + 1}")
                participants.start("cloud", f"cloud{index + 1}")
            participants.wait_all_see_all(timeout=90)
            hybrid.set_link("office", "cloud", loss=0.03)
            time.sleep(2)
            before_stats = participants.stats()
            before = participants.received(before_stats)
            operator = cluster.token("*", "interop-operator", admin=True)
            counters = {node: {name: metric(cluster.url(node), name, operator) for name in
                               ("cascade_nack_received_total", "cascade_nack_sent_total", "cascade_rtx_sent_total")}
                        for node in ("office-1", "cloud-1")}
            time.sleep(10)
            after_stats = participants.stats()
            after = participants.received(after_stats)
            dropped = hybrid.link_stats("office", "cloud").dropped_packets + hybrid.link_stats("cloud", "office").dropped_packets
            assert dropped > 50, f"the WAN dropped only {dropped} packets"
            # Decoded frames against the frames the sender produced meanwhile, both read from the
            # receiver's own snapshots (frame numbers are painted into the video by the sender),
            # so the two counts cover exactly the same stretch of the stream.
            smooth = {}
            for (receiver, sender), got in after.items():
                if participants.sites[receiver] == participants.sites[sender]:
                    continue
                earlier = before.get((receiver, sender), {})
                produced = (got["lastFrameNumber"] - earlier["lastFrameNumber"]) % framecode.MODULUS
                decoded = got["frames"] - earlier["frames"]
                smooth[f"{receiver}<-{sender}"] = decoded / max(produced, 1)
            (ARTIFACTS / "wan-loss-smoothness.json").write_text(json.dumps(smooth, indent=2))
            assert len(smooth) == 8, smooth
            assert all(share >= 0.9 for share in smooth.values()), f"decoded share of sent frames over the lossy WAN: {smooth}"
            delta = {node: {name: metric(cluster.url(node), name, operator) - value for name, value in values.items()}
                     for node, values in counters.items()}
            for node in ("office-1", "cloud-1"):
                assert delta[node]["cascade_nack_sent_total"] > 0, f"{node} NACKed nothing over the link: {delta}"
                assert delta[node]["cascade_nack_received_total"] > 0, f"{node} was asked to repair nothing: {delta}"
                assert delta[node]["cascade_rtx_sent_total"] > 0, f"{node} retransmitted nothing: {delta}"
        finally:
            participants.stop()


def test_killed_cloud_node_participants_resume_and_office_media_never_stops(hybrid):
    """Two cloud nodes; the one hosting the meeting's cloud participants is killed (SIGKILL).
    Its participants are moved to the other cloud node and receive and are received again within
    10 s; the office participants' media between themselves never pauses."""
    hybrid.block_inbound("office")
    second = hybrid.add_address("cloud")
    nodes = [office_node(), cloud_node(),
             MediaNode("cloud-2", "cloud", "cloud", reachable=True, media_port=MEDIA_PORT, address=second)]
    room = "failover"
    with Cluster(hybrid, nodes, hybrid_zones(hybrid), "cloud", ARTIFACTS, tag="failover") as cluster:
        cluster.start_all()
        participants = Participants(hybrid, cluster.control_url, room, "failover")
        try:
            for index in range(2):
                participants.start("office", f"office{index + 1}")
                participants.start("cloud", f"cloud{index + 1}")
            participants.wait_all_see_all(timeout=90)
            selection = requests.get(f"{cluster.control_url}/v1/nodes/select",
                                     params={"room": room, "address": hybrid.address("cloud")}, timeout=5).json()
            victim = selection["node"]
            assert victim in ("cloud-1", "cloud-2"), selection
            office = {"office1", "office2"}
            cloud = {"cloud1", "cloud2"}

            cluster.kill(victim)
            killed_at = time.monotonic()
            # Office-to-office media is sampled every 0.5 s: it must never stall for 2 s.
            last_growth = {pair: killed_at for pair in (("office1", "office2"), ("office2", "office1"))}
            last_frames = {pair: participants.received(participants.stats()).get(pair, {}).get("frames", 0)
                           for pair in last_growth}
            baseline = participants.received(participants.stats())
            resumed_after = None
            while time.monotonic() - killed_at < 20:
                time.sleep(0.5)
                now = time.monotonic()
                pairs = participants.received(participants.stats())
                for pair in last_growth:
                    frames = pairs.get(pair, {}).get("frames", 0)
                    if frames > last_frames[pair]:
                        last_frames[pair] = frames
                        last_growth[pair] = now
                    assert now - last_growth[pair] < 2.0, f"office media {pair} stalled after the cloud node died"
                if resumed_after is None and not participants.missing(10, 10, receivers=cloud, baseline=baseline) \
                        and not participants.missing(10, 10, senders=cloud, baseline=baseline):
                    resumed_after = now - killed_at
                    if now - killed_at > 6:
                        break
            stats = participants.stats()
            assert all(stats[name]["moves"] for name in cloud), {name: stats[name]["moves"] for name in cloud}
            assert not any(stats[name]["moves"] for name in office), "office participants were moved"
            assert resumed_after is not None and resumed_after <= 10, (
                f"moved participants did not resume within 10 s: {participants.missing(10, 10, receivers=cloud, baseline=baseline)} "
                f"{participants.missing(10, 10, senders=cloud, baseline=baseline)}")
            (ARTIFACTS / "failover.json").write_text(json.dumps({"killed": victim, "resumedAfterSeconds": resumed_after}))
        finally:
            participants.stop()


def test_adding_a_media_node_is_an_entry_in_the_deployment_file(hybrid):
    """A meeting runs on the cloud node alone (the office zone falls back to it). The office node
    is then added to the deployment file and started — nothing else changes: control and the
    cloud node pick the file up, new office participants are placed on the office node, and
    they see and are seen by everyone through the new cascade link."""
    from harness import cluster as cluster_module

    hybrid.block_inbound("office")
    zones = hybrid_zones(hybrid)
    office = office_node()
    room = "grows"
    with Cluster(hybrid, [cloud_node()], zones, "cloud", ARTIFACTS, tag="add-node") as cluster:
        cluster.start_all()
        participants = Participants(hybrid, cluster.control_url, room, "add-node")

        def placed(site: str) -> str:
            return requests.get(f"{cluster.control_url}/v1/nodes/select",
                                params={"room": room, "address": hybrid.address(site)}, timeout=5).json()["node"]

        try:
            participants.start("office", "office1")
            participants.start("cloud", "cloud1")
            participants.wait_all_see_all(timeout=60)
            assert placed("office") == "cloud-1"

            cluster.nodes[office.id] = office
            cluster.config = cluster_module.deployment(hybrid, list(cluster.nodes.values()), zones, "cloud")
            cluster.start_node(office.id)  # rewrites the file, then starts the node
            deadline = time.monotonic() + 15
            while placed("office") != "office-1":
                assert time.monotonic() < deadline, "control did not place the office zone on the new node"
                time.sleep(0.5)

            participants.start("office", "office2")
            participants.wait_all_see_all(timeout=60)
            log = (ARTIFACTS / "add-node-control.log").read_text()
            assert "deployment updated" in log
        finally:
            participants.stop()


def test_two_firewalled_offices_reach_each_other_through_the_cloud():
    """Both offices drop every inbound packet, so they cannot link to each other: each pulls the
    other's streams through the cloud node, which relays them onward. Every participant still
    receives every stream, each stream crosses each WAN link at most once, and nothing flows
    between the offices directly."""
    names = ["officea", "officeb", "cloud"]
    with sites.Topology(names, delay_ms=15, log_dir=ARTIFACTS) as topology:
        topology.block_inbound("officea")
        topology.block_inbound("officeb")
        nodes = [MediaNode("node-a", "officea", "officea", reachable=False, media_port=MEDIA_PORT, links_to=["node-c"]),
                 MediaNode("node-b", "officeb", "officeb", reachable=False, media_port=MEDIA_PORT, links_to=["node-c"]),
                 MediaNode("node-c", "cloud", "cloud", reachable=True, media_port=MEDIA_PORT, links_to=["node-a", "node-b"])]
        zones = [site_zone(topology, name, fallback=["cloud"] if name != "cloud" else []) for name in names]
        with Cluster(topology, nodes, zones, "cloud", ARTIFACTS, tag="two-offices") as cluster:
            cluster.start_all()
            participants = Participants(topology, cluster.control_url, "two-offices", "two-offices")
            try:
                for site in names:
                    for index in range(2):
                        participants.start(site, f"{site}{index + 1}")
                participants.wait_all_see_all(timeout=90)
                time.sleep(2)
                topology.reset_counters()
                time.sleep(8)
                streams = {(s, t): {ssrc: n for ssrc, n in topology.ssrc_counts(s, t).items() if n >= 50}
                           for s in names for t in names if s != t}
                (ARTIFACTS / "two-offices-ssrcs.json").write_text(json.dumps(
                    {f"{s}->{t}": {str(k): v for k, v in c.items()} for (s, t), c in streams.items()}, indent=2))
                expected = {("officea", "cloud"): 4, ("officeb", "cloud"): 4,   # each office's own streams
                            ("cloud", "officea"): 8, ("cloud", "officeb"): 8,   # the cloud's + the other office's
                            ("officea", "officeb"): 0, ("officeb", "officea"): 0}
                for pair, count in expected.items():
                    assert len(streams[pair]) == count, f"{pair[0]}->{pair[1]} carries {len(streams[pair])} RTP streams, expected {count}"
                assert not participants.missing(60, 60), participants.missing(60, 60)
            finally:
                participants.stop()


def test_media_across_the_link_comes_back_after_a_wan_outage(hybrid):
    """The WAN drops everything for 8 s, then comes back: media between the office and the cloud
    flows again within 5 s (about 1 s here: the nodes close up the gap and ask for a key frame at
    once), with nobody rejoining."""
    hybrid.block_inbound("office")
    nodes = [office_node(), cloud_node()]
    with Cluster(hybrid, nodes, hybrid_zones(hybrid), "cloud", ARTIFACTS, tag="wan-outage") as cluster:
        cluster.start_all()
        participants = Participants(hybrid, cluster.control_url, "wan-outage", "wan-outage")
        try:
            participants.start("office", "office1")
            participants.start("cloud", "cloud1")
            participants.wait_all_see_all(timeout=60)
            hybrid.set_link("office", "cloud", loss=1.0)
            time.sleep(8)
            hybrid.set_link("office", "cloud", loss=0.0)
            restored = time.monotonic()
            baseline = participants.received(participants.stats())
            back: dict[str, float] = {}
            while True:
                now = time.monotonic() - restored
                for receiver, sender in (("office1", "cloud1"), ("cloud1", "office1")):
                    if f"{receiver}<-{sender}" not in back and not participants.missing(
                            5, 20, senders={sender}, receivers={receiver}, baseline=baseline):
                        back[f"{receiver}<-{sender}"] = now
                if len(back) == 2:
                    break
                assert now < 5, f"media did not come back after the outage: {participants.missing(5, 20, baseline=baseline)}"
                time.sleep(0.25)
            (ARTIFACTS / "wan-outage.json").write_text(json.dumps({"backAfterSeconds": back}))
        finally:
            participants.stop()
