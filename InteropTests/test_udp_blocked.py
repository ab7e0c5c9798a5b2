"""Participants whose network blocks UDP still get media: over ICE-TCP, or relayed by TURN.

Topology (harness.netns): the suite's namespace is the "server" site — `cascade serve` bound to
10.77.0.1 and coturn (TURN REST shared secret) on the same address; a named namespace joined by
a veth pair is the "client" site, 10.77.0.2, whose firewall drops every UDP datagram in and out.
Headless Chromium runs in the client site.

Proves:
(a) Chromium publishes over WHIP and another Chromium plays over WHEP, both UDP-blocked: each
    selects a TCP candidate pair (RFC 6544 passive candidate of the media node) and the player's
    framesDecoded grows — media flowed client → node → client over RFC 4571-framed TCP;
(b) Chromium with only a TURN server (TCP to coturn) and iceTransportPolicy "relay" publishes
    through the relay; an aiortc subscriber on the server site decodes the video;
(c) an aiortc publisher with only the TURN server and relay policy reaches the node through
    coturn, and a subscriber decodes >= 80% of its frames (the relay works for aioice too).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

import aioice.ice
import pytest
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection
from aiortc.rtcconfiguration import RTCBundlePolicy, RTCIceTransportPolicy

from harness import aiortc_peers, cascade, chromium, netns, require, turn
from harness.aiortc_peers import WhepSubscriber, WhipPublisher, measure_coverage

pytestmark = [pytest.mark.server, pytest.mark.chromium]

ROOM = "udp-blocked"

# Wraps RTCPeerConnection so a test can impose iceServers / iceTransportPolicy on the harness's
# webrtc.js without changing it, and reads the selected candidate pair from getStats.
PC_SHIM = """
(() => {
  if (window.__cascadePcs) return;
  const Native = window.RTCPeerConnection;
  window.__cascadePcs = [];
  window.__cascadePcConfig = {};
  window.RTCPeerConnection = class extends Native {
    constructor(config) {
      super(Object.assign({}, config || {}, window.__cascadePcConfig));
      window.__cascadePcs.push(this);
    }
  };
  window.cascadeSelectedPair = async () => {
    const pc = window.__cascadePcs[window.__cascadePcs.length - 1];
    if (!pc) return null;
    const report = await pc.getStats();
    let pairId = null;
    report.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId; });
    if (!pairId) return null;
    const pair = report.get(pairId);
    const local = report.get(pair.localCandidateId) || {};
    const remote = report.get(pair.remoteCandidateId) || {};
    return {state: pair.state, bytesSent: pair.bytesSent, bytesReceived: pair.bytesReceived,
            local: {protocol: local.protocol, candidateType: local.candidateType, relayProtocol: local.relayProtocol || null,
                    address: local.address, port: local.port},
            remote: {protocol: remote.protocol, candidateType: remote.candidateType, address: remote.address,
                     port: remote.port}};
  };
})();
"""


@pytest.fixture(scope="module")
def site(artifacts):
    """Server site (this namespace) + UDP-blocked client site + cascade serve + coturn."""
    require.root_namespaces("a client site whose firewall drops UDP")
    if not turn.turnserver_available():
        require.missing("coturn is not installed (scripts/install-deps.sh --test)")
    binary = require.cascade_binary()
    client = netns.ClientSite("udpblk")
    server = coturn = None
    data_dir = tempfile.TemporaryDirectory(prefix="cascade-interop-")
    try:
        client.create()
        client.block_udp()
        assert not netns.udp_reaches(client, client.server_ip), "the client site's firewall lets UDP through"
        server = cascade.CascadeServer(Path(data_dir.name), artifacts / "server-test_udp_blocked.log", binary)
        server.host = client.server_ip  # bind and advertise on the veth address
        server.start()
        coturn = turn.TurnServer(client.server_ip, artifacts / "turnserver-test_udp_blocked.log").start()
        yield client, server, coturn
    finally:
        died = server is not None and server.process is not None and not server.alive()
        if coturn is not None:
            coturn.stop()
        status = server.stop() if server is not None else None
        client.remove()
        data_dir.cleanup()
        if died:
            pytest.fail(f"cascade serve died (exit {status}); log tail:\n{server.log_tail()}")


@pytest.fixture
def browsers(site, artifacts, request):
    client, server, _ = site
    started: list[netns.NetnsChromium] = []

    def start(label: str, pc_config: dict | None = None):
        name = f"chromium-{request.node.name}-{label}"
        browser = netns.NetnsChromium(client, artifacts / f"{name}.chromedriver.log", insecure_origin_ok=server.base_url)
        started.append(browser)
        driver = browser.start()
        chromium.open_origin(driver, f"{server.base_url}/healthz")
        driver.execute_script(PC_SHIM)
        if pc_config:
            driver.execute_script("window.__cascadePcConfig = arguments[0];", pc_config)
        return driver

    yield start
    for browser in started:
        browser.stop()


def selected_pair(driver) -> dict:
    driver.set_script_timeout(10)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.cascadeSelectedPair().then(done, (e) => done({error: String(e)}));")
    assert result and "error" not in result, f"no selected candidate pair: {result}"
    return result


def test_udp_blocked_chromium_publishes_and_plays_over_ice_tcp(site, browsers):
    client, server, _ = site
    publisher = browsers("publisher")
    player = browsers("player")
    published = chromium.call(publisher, "publish", "pub", server.base_url, ROOM,
                              server.token(ROOM, "tcp-publisher", publish=True), chromium.CAMERA, timeout=40)
    pair = selected_pair(publisher)
    assert pair["local"]["protocol"] == "tcp" and pair["remote"]["protocol"] == "tcp", f"publisher pair {pair}"
    assert pair["remote"]["port"] == server.media_port, f"publisher pair {pair}"

    chromium.call(player, "play", "play", server.base_url, ROOM, published["resourceId"],
                  server.token(ROOM, "tcp-player", subscribe=True), timeout=40)
    pair = selected_pair(player)
    assert pair["local"]["protocol"] == "tcp" and pair["remote"]["protocol"] == "tcp", f"player pair {pair}"
    chromium.wait_decoding(player, "play")

    assert 200 <= chromium.call(player, "stop", "play") < 300
    assert 200 <= chromium.call(publisher, "stop", "pub") < 300


def _server_site_host_only(site_ip: str):
    """aioice gathers exactly the server site's veth address (instead of the suite's 127.0.0.1)."""
    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=False: [site_ip]


def test_udp_blocked_chromium_publishes_through_turn_relay(site, browsers):
    client, server, coturn = site
    allocations = coturn.allocations_logged()
    publisher = browsers("publisher", {"iceServers": [coturn.ice_server("turn-publisher", transport="tcp")],
                                       "iceTransportPolicy": "relay"})
    published = chromium.call(publisher, "publish", "pub", server.base_url, ROOM,
                              server.token(ROOM, "turn-publisher", publish=True), chromium.CAMERA, timeout=40)
    pair = selected_pair(publisher)
    assert pair["local"]["candidateType"] == "relay" and pair["local"]["relayProtocol"] == "tcp", f"pair {pair}"
    assert pair["remote"]["protocol"] == "udp" and pair["remote"]["port"] == server.media_port, f"pair {pair}"

    async def subscribe():
        subscriber = WhepSubscriber()
        try:
            await subscriber.start(server.base_url, ROOM, published["resourceId"],
                                   server.token(ROOM, "turn-watcher", subscribe=True))
            deadline = time.monotonic() + 10
            while subscriber.video.frames < 30 and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            return subscriber.video.frames
        finally:
            await subscriber.close()

    _server_site_host_only(client.server_ip)
    try:
        frames = asyncio.run(subscribe())
    finally:
        aiortc_peers.patch_aioice_loopback()
    assert frames >= 30, f"subscriber decoded only {frames} frames of the relayed publication"
    assert coturn.allocations_logged() > allocations, f"coturn logged no allocation:\n{coturn.log_tail()}"
    assert 200 <= chromium.call(publisher, "stop", "pub") < 300


def test_aiortc_reaches_the_node_through_turn_only(site):
    client, server, coturn = site
    allocations = coturn.allocations_logged()
    username, password = coturn.credentials("aiortc-publisher")
    relay_only = RTCConfiguration(
        iceServers=[RTCIceServer(urls=coturn.url("tcp"), username=username, credential=password)],
        bundlePolicy=RTCBundlePolicy.MAX_BUNDLE, iceTransportPolicy=RTCIceTransportPolicy.RELAY)

    async def run():
        original = aiortc_peers.new_peer_connection
        aiortc_peers.new_peer_connection = lambda: RTCPeerConnection(relay_only)
        try:
            publisher = WhipPublisher()
        finally:
            aiortc_peers.new_peer_connection = original
        subscriber = WhepSubscriber()
        try:
            await publisher.start(server.base_url, ROOM, server.token(ROOM, "aiortc-turn", publish=True), timeout=20)
            offer = publisher.pc.localDescription.sdp
            await subscriber.start(server.base_url, ROOM, publisher.resource_id,
                                   server.token(ROOM, "aiortc-watcher", subscribe=True))
            start, end, coverages = await measure_coverage(publisher, [subscriber], seconds=6)
            return offer, start, end, coverages[0]
        finally:
            await asyncio.gather(publisher.close(), subscriber.close())

    _server_site_host_only(client.server_ip)
    try:
        offer, start, end, coverage = asyncio.run(run())
    finally:
        aiortc_peers.patch_aioice_loopback()
    candidates = [line for line in offer.splitlines() if line.startswith("a=candidate:")]
    assert candidates and all(" typ relay" in line for line in candidates), f"offer candidates {candidates}"
    assert end - start >= 100, f"publisher sent only {end - start} frames in 6 s"
    assert coverage >= 0.8, f"subscriber decoded {coverage:.0%} of frames {start}..{end} relayed by TURN"
    assert coturn.allocations_logged() > allocations, f"coturn logged no allocation:\n{coturn.log_tail()}"
