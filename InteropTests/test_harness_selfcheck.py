"""Self-checks of the interop harness itself. No Cascade server needed; ~25 s.

If these pass and a server test fails, the fault is in the server (or in an assumption about its
contract that the failing test names), not in the namespace, the peers, the relay or the flood.
"""

from __future__ import annotations

import asyncio
import http.server
import os
import socket
import subprocess
import threading
import time

import pytest

from harness import aiortc_peers, chromium, flood, framecode, metrics, require
from harness.cascade import expired_copy, forge_signature, jwt_parts, jwt_sign_hs256
from harness.relay import LossyUdpRelay

def test_runs_in_private_network_namespace():
    """pytest re-executed itself under `unshare -n`: only `lo` exists, it is up, and this is not
    the host's namespace, so no test traffic can leave it."""
    require.private_namespace("this check")
    assert os.environ.get("CASCADE_INTEROP_NETNS") == "inside"
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    names = [line.split(":")[1].strip() for line in links.splitlines()]
    assert names == ["lo"], links
    assert "UP" in links.split("<", 1)[1].split(">", 1)[0]
    # The process that launched pytest stayed in the host namespace; this one did not.
    assert os.readlink("/proc/self/ns/net") != os.readlink(f"/proc/{os.getppid()}/ns/net")

def test_framecode_roundtrip_and_damage_detection():
    """Every frame number reads back exactly, at the sent size and scaled; a damaged code reads
    as None, never as a wrong number."""
    for number in (0, 1, 2, 255, 256, 12345, framecode.MODULUS - 1):
        y = framecode.draw_luma(number, 640, 480)
        assert framecode.read_luma(y) == number
        assert framecode.read_luma(y[::2, ::2]) == number  # a receiver may get a downscaled frame
    y = framecode.draw_luma(77, 640, 480)
    y[0:60, 0:80] = 128  # one cell grey: unreadable
    assert framecode.read_luma(y) is None
    y = framecode.draw_luma(77, 640, 480)
    y[0:60, 0:80] = 255 - y[30, 40]  # one bit flipped: the complement check rejects it
    assert framecode.read_luma(y) is None

def test_aiortc_loopback_call_decodes_frame_numbers():
    """The aiortc publisher and subscriber classes, connected directly (no server), with
    max-bundle, VP8 + Opus: the subscriber reads back >= 90% of the frame numbers sent and
    hears the tone."""

    async def run():
        publisher, subscriber = aiortc_peers.WhipPublisher(), aiortc_peers.WhepSubscriber()
        try:
            await aiortc_peers.connect_pair(publisher.pc, subscriber.pc)
            start, end, [coverage] = await aiortc_peers.measure_coverage(publisher, [subscriber], seconds=3)
            return start, end, coverage, subscriber
        finally:
            await publisher.close()
            await subscriber.close()

    start, end, coverage, subscriber = asyncio.run(run())
    assert end - start >= 60, "publisher should send ~30 fps"
    assert coverage >= 0.9, f"decoded {coverage:.0%} of frames {start}..{end}"
    assert subscriber.video.width == 640
    assert subscriber.audio.frames > 50 and subscriber.audio.peak_rms > 1000, "tone not received"

def _udp_echo_server() -> tuple[socket.socket, threading.Thread]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)

    def serve():
        while True:
            try:
                data, peer = sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            sock.sendto(data, peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return sock, thread

def test_loss_relay_drops_the_configured_fraction_each_way():
    """The relay forwards both ways and drops about the configured fraction in each direction."""
    echo, _ = _udp_echo_server()
    try:
        with LossyUdpRelay(echo.getsockname(), loss=0.0, seed=7) as relay:
            client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            client.settimeout(1)
            client.sendto(b"ping", relay.address)
            assert client.recvfrom(100)[0] == b"ping"  # lossless path works, replies come from the relay port
            relay.loss = 0.2
            client.setblocking(False)
            received = 0

            def drain():
                nonlocal received
                while True:
                    try:
                        client.recvfrom(100)
                    except BlockingIOError:
                        return
                    received += 1

            for i in range(2000):
                client.sendto(i.to_bytes(4, "big"), relay.address)
                if i % 50 == 49:
                    time.sleep(0.005)  # don't overrun socket buffers: only the relay may lose packets
                    drain()
            time.sleep(0.3)
            drain()
            client.close()
            up, down = relay.to_server, relay.to_client
            assert 0.15 < up.dropped / (up.dropped + up.forwarded - 1) < 0.25, up
            assert 0.15 < down.dropped / (down.dropped + down.forwarded - 1) < 0.25, down
            assert received == down.forwarded - 1
    finally:
        echo.close()

def test_aiortc_call_through_lossy_relay_keeps_90_percent():
    """The loss-test set-up without a server: every packet between two aiortc peers crosses the
    relay, as test_loss.py sets it up: the candidate in the answer is rewritten to the relay's
    port (aiortc_peers.redirect_candidates) and the publisher's candidate is made unreachable,
    so the answering side, like an ICE-lite server, only learns the relay's address), 5% loss
    each way once connected. aiortc's NACK/RTX keeps >= 90% of frames decodable, so the 90%
    bar of test_loss.py is fair."""

    async def run():
        publisher, subscriber = aiortc_peers.WhipPublisher(), aiortc_peers.WhepSubscriber()
        relay = None
        try:
            # The subscriber gets a dead candidate for the publisher (port 9, discard), so like
            # an ICE-lite server it can only learn the publisher from checks via the relay; the
            # publisher is pointed at the relay.
            offer = aiortc_peers.redirect_candidates(await publisher.create_offer(), "127.0.0.1", 9)
            await subscriber.pc.setRemoteDescription(aiortc_peers.RTCSessionDescription(offer, "offer"))
            await subscriber.pc.setLocalDescription(await subscriber.pc.createAnswer())
            answer = subscriber.pc.localDescription.sdp
            [port] = set(aiortc_peers.udp_candidate_ports(answer))
            relay = LossyUdpRelay(("127.0.0.1", port), loss=0.0, seed=11).start()
            redirected = aiortc_peers.redirect_candidates(answer, "127.0.0.1", relay.port)
            await publisher.pc.setRemoteDescription(aiortc_peers.RTCSessionDescription(redirected, "answer"))
            await asyncio.gather(aiortc_peers.wait_connected(publisher.pc), aiortc_peers.wait_connected(subscriber.pc))
            relay.loss = 0.05
            start, end, [coverage] = await aiortc_peers.measure_coverage(publisher, [subscriber], seconds=5)
            return coverage, relay.to_server, relay.to_client
        finally:
            await publisher.close()
            await subscriber.close()
            if relay:
                relay.stop()

    # A calibration check ("the bar is reachable"), not a measurement of Cascade: random loss on a
    # 5 s window of a peer-to-peer aiortc call varies, so the best of three attempts counts.
    attempts = []
    for _ in range(3):
        coverage, to_subscriber, to_publisher = asyncio.run(run())
        assert to_subscriber.forwarded > 500 and to_subscriber.dropped > 10, f"media did not cross the relay: {to_subscriber}"
        attempts.append(coverage)
        if coverage >= 0.9:
            break
    assert max(attempts) >= 0.9, f"decoded {[f'{c:.0%}' for c in attempts]} at 5% loss (last relay {to_subscriber}, {to_publisher})"


def test_udp_flood_is_bounded_mixed_and_loopback_only():
    """The flood stops at its count, covers every first-byte class, and refuses non-loopback."""
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sink.settimeout(0.2)
    try:
        result = flood.udp_flood(*sink.getsockname(), count=3000, seconds=5, seed=3)
        assert result.sent == 3000 and result.seconds < 5
        assert all(n > 500 for n in result.by_class.values()), result.by_class
        first_bytes = set()
        try:
            while True:
                first_bytes.add(sink.recv(65535)[0])
        except socket.timeout:
            pass
        assert first_bytes & set(range(0, 4)) and first_bytes & set(range(20, 64)) and first_bytes & set(range(128, 192))
        result = flood.udp_flood(*sink.getsockname(), count=10**9, seconds=0.3, seed=3)
        assert result.seconds < 1.0, "time bound not honoured"
    finally:
        sink.close()
    with pytest.raises(ValueError):
        flood.udp_flood("192.0.2.1", 9, count=1)

def test_metrics_parser_sums_label_sets():
    text = """# HELP cascade_nack_received_total NACKs
# TYPE cascade_nack_received_total counter
cascade_nack_received_total{kind="video"} 3
cascade_nack_received_total{kind="audio"} 1.5
cascade_rtx_sent_total 7
"""
    parsed = metrics.parse(text)
    assert parsed["cascade_nack_received_total"] == 4.5
    assert metrics.increase({}, parsed, metrics.NACK) == 4.5
    assert metrics.total(parsed, metrics.RTX) == 7

def test_jwt_edits():
    """The auth tests' token surgery: forged signature differs, expired copy is validly signed."""
    token = jwt_sign_hs256({"alg": "HS256", "typ": "JWT"}, {"sub": "a", "exp": int(time.time()) + 60}, "s" * 48)
    forged = forge_signature(token)
    assert forged != token and forged.rsplit(".", 1)[0] == token.rsplit(".", 1)[0]
    expired = expired_copy(token, "s" * 48)
    assert jwt_parts(expired)[1]["exp"] < time.time()
    header, payload = jwt_parts(expired)
    assert jwt_sign_hs256(header, payload, "s" * 48) == expired

class _BlankPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<!doctype html><title>interop</title><body></body>")

    def log_message(self, *args):
        pass

@pytest.mark.chromium
def test_chromium_fake_camera_call_in_namespace(chromium_factory, camera_clip):
    """Headless Chromium starts in the namespace, getUserMedia gets the fake camera (our
    640x480 textured clip) and microphone, and the injected JS (same code paths as WHIP/WHEP,
    two peers in one page) connects over 127.0.0.1: framesDecoded grows and the sender's
    outbound video passes 1 Mbps, so the bitrate bar in test_chromium.py is reachable."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _BlankPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        driver = chromium_factory("loopback", video_file=camera_clip)
        chromium.open_origin(driver, f"http://127.0.0.1:{server.server_address[1]}/")
        info = chromium.call(driver, "loopback", chromium.CAMERA)
        assert any("127.0.0.1" in c for c in info["candidates"]), info["candidates"]
        video = next(t for t in info["tracks"] if t["kind"] == "video")
        assert (video["settings"]["width"], video["settings"]["height"]) == (640, 480)
        samples = chromium.sample_outbound_bitrate(driver, "loop-sender", seconds=10, stop_above=1e6)
        decoded = chromium.call(driver, "stats", "loop-receiver")["inboundVideo"]["framesDecoded"]
    finally:
        server.shutdown()
    assert decoded > 30, f"only {decoded} frames decoded"
    assert chromium.passed_sustained(samples, 1e6), f"outbound video never held > 1 Mbps: {samples}"
