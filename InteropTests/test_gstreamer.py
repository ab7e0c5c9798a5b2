"""GStreamer webrtcbin (libnice) as WHIP publisher and WHEP subscriber through `cascade serve`.

webrtcbin sends media but no ICE consent checks (RFC 7675 §5.1) once it is connected, only a
STUN Binding Indication every 25 s (harness/gstreamer_peer.py), and the media node used to
close it after 30 s ("ICE consent expired"); now an SRTP/SRTCP packet that authenticates counts
as proof of life (FIELD-NOTES). Proves:
  1. one GStreamer publisher and three GStreamer subscribers for 150 s (the old cut-off five
     times over): every subscriber decoded video frames and audio in every 10 s window, in all
     at least 80 % of the frames the publisher encoded meanwhile; the publisher's RTP packet
     count grew in every window; the server logged no "ICE consent expired" and no "peer
     transport closed" until the test ended the sessions, which DELETE then ends (2xx);
  2. a GStreamer publisher played by an aiortc WHEP subscriber (20 s): 80 % of the frames, and
     the Opus tone;
  3. an aiortc WHIP publisher played by a GStreamer subscriber (20 s): 80 % of the frames, and
     audio.

Network: libnice gathers no candidate on `lo`, so the GStreamer peers run in their own
namespace (harness.gstreamer.peer_site) and `cascade serve` binds and advertises the suite's
end of its veth pair, which aiortc gathers too. Missing GStreamer (or its Python bindings under
/usr/bin/python3) fails the tests with how to install it.
"""

from __future__ import annotations

import asyncio
import functools
import time

import pytest

from harness import aiortc_peers, gstreamer, meeting, require
from harness.aiortc_peers import WhepSubscriber, WhipPublisher
from harness.gstreamer import growth, window_deltas
from harness.meeting import wait_until

pytestmark = pytest.mark.server

LONG_RUN_SECONDS = 150
WINDOW_SECONDS = 10
SUBSCRIBERS = 3
MIXED_SECONDS = 20
MIN_SHARE = 0.8  # of the frames the publisher sent, decoded by each subscriber
REPORT_LAG = 1.5  # the peers report once a second: wait for a report past the window's end
CUT_OFF_SIGNS = ("ICE consent expired", "peer transport closed")


@functools.cache
def _gstreamer_missing() -> str | None:
    return gstreamer.missing()


def require_gstreamer() -> None:
    reason = _gstreamer_missing()
    if reason:
        pytest.fail(reason)


@pytest.fixture(scope="module")
def network(artifacts):
    """(the GStreamer peers' namespace, `cascade serve` on the suite's end of its veth)."""
    require.root_namespaces("webrtcbin's veth pair", tools=("ip",))
    with gstreamer.peer_site() as site, \
            meeting.running_server(artifacts, "test_gstreamer", bind=site.host_addr) as server:
        yield site, server


def log_size(server) -> int:
    return server.log_path.stat().st_size


def log_since(server, offset: int) -> str:
    with open(server.log_path, "rb") as log:
        log.seek(offset)
        return log.read().decode(errors="replace")


def wait_first_frame(peer: gstreamer.GstPeer, timeout: float = 15.0) -> None:
    wait_until(lambda: peer.stats and peer.stats[-1]["videoFrames"] > 0, timeout,
               "a first decoded video frame at the GStreamer subscriber", describe=peer.describe)


def sleep_watching(peers: list[gstreamer.GstPeer], seconds: float) -> None:
    """Sleeps `seconds`, failing at once if a peer process ends meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for peer in peers:
            assert peer.process.poll() is None, f"GStreamer peer ended during the run: {peer.describe()}"
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def deleted_statuses(peers: list[gstreamer.GstPeer]) -> list:
    return [[event["status"] for event in peer.events("deleted")] for peer in peers]


def test_gstreamer_publisher_and_three_subscribers_past_consent_cut_off(network, artifacts):
    require_gstreamer()
    site, server = network
    room = "gst-long"
    offset = log_size(server)
    token = server.token(room, "gst-publisher", publish=True)
    publisher = gstreamer.publish(site, server.base_url, room, token, artifacts / "gstreamer-long-publisher.log")
    peers = [publisher]
    try:
        publisher.wait_connected()
        subscribers = []
        for index in range(SUBSCRIBERS):
            token = server.token(room, f"gst-subscriber-{index}", subscribe=True)
            subscribers.append(gstreamer.subscribe(site, server.base_url, room, publisher.resource_id, token,
                                                   artifacts / f"gstreamer-long-subscriber-{index}.log"))
        peers += subscribers
        for subscriber in subscribers:
            subscriber.wait_connected()
            wait_first_frame(subscriber)
        start = time.time()
        sleep_watching(peers, LONG_RUN_SECONDS + REPORT_LAG)
        end = start + LONG_RUN_SECONDS
        server_log = log_since(server, offset)
    finally:
        exits = [peer.stop() for peer in reversed(peers)]  # subscribers first

    cut_off = [line for line in server_log.splitlines() if any(sign in line for sign in CUT_OFF_SIGNS)]
    assert not cut_off, "the server closed a session before the test ended it:\n" + "\n".join(cut_off)
    encoded = growth(publisher.stats, "videoFrames", start, end)
    packets = window_deltas(publisher.stats, "packetsSent", start, end, WINDOW_SECONDS)
    frames_sent = window_deltas(publisher.stats, "videoFrames", start, end, WINDOW_SECONDS)
    print(f"publisher: {encoded} frames encoded and {sum(packets)} RTP packets sent in {LONG_RUN_SECONDS} s "
          f"({publisher.stats[-1]['packetsSent']} in all); packets per {WINDOW_SECONDS} s: {packets}")
    assert all(n > 0 for n in packets) and all(n > 0 for n in frames_sent), \
        f"the publisher stopped sending: RTP packets {packets}, frames {frames_sent} per {WINDOW_SECONDS} s"
    for index, subscriber in enumerate(subscribers):
        frames = window_deltas(subscriber.stats, "videoFrames", start, end, WINDOW_SECONDS)
        audio = window_deltas(subscriber.stats, "audioBuffers", start, end, WINDOW_SECONDS)
        print(f"subscriber {index}: {sum(frames)} frames decoded ({sum(frames) / max(encoded, 1):.1%}), "
              f"{sum(audio)} audio buffers; frames per {WINDOW_SECONDS} s: {frames}")
        assert all(n > 0 for n in frames), f"subscriber {index} decoded no video in some {WINDOW_SECONDS} s: {frames}"
        assert all(n > 0 for n in audio), f"subscriber {index} decoded no audio in some {WINDOW_SECONDS} s: {audio}"
        assert sum(frames) >= MIN_SHARE * encoded, \
            f"subscriber {index} decoded {sum(frames)} of the {encoded} frames sent in {LONG_RUN_SECONDS} s"
    statuses = deleted_statuses(peers)
    assert all(len(s) == 1 and s[0] is not None and 200 <= s[0] < 300 for s in statuses), \
        f"DELETE statuses (publisher first) {statuses}"
    assert exits == [0] * len(peers), f"GStreamer peer exit statuses (subscribers first) {exits}"


def test_gstreamer_publisher_played_by_aiortc(network, artifacts):
    require_gstreamer()
    site, server = network
    room = "gst-to-aiortc"
    token = server.token(room, "gst-publisher", publish=True)
    publisher = gstreamer.publish(site, server.base_url, room, token, artifacts / "gstreamer-to-aiortc-publisher.log")

    async def play() -> tuple[float, float, int, int, float]:
        subscriber = WhepSubscriber()
        try:
            await subscriber.start(server.base_url, room, publisher.resource_id,
                                   server.token(room, "aiortc-subscriber", subscribe=True))
            deadline = time.monotonic() + 15
            while subscriber.video.frames == 0:  # test video carries no frame number: count frames
                assert time.monotonic() < deadline, "aiortc decoded no frame of the GStreamer video in 15 s"
                await asyncio.sleep(0.1)
            start, before = time.time(), subscriber.video.frames
            await asyncio.sleep(MIXED_SECONDS)
            end, decoded = time.time(), subscriber.video.frames - before
            await asyncio.sleep(REPORT_LAG)
            return start, end, decoded, subscriber.audio.frames, subscriber.audio.peak_rms
        finally:
            await subscriber.close()

    try:
        publisher.wait_connected()
        with aiortc_peers.gathering_on(site.host_addr):
            start, end, decoded, audio_frames, peak_rms = asyncio.run(play())
    finally:
        publisher.stop()
    encoded = growth(publisher.stats, "videoFrames", start, end)
    print(f"aiortc decoded {decoded} of {encoded} GStreamer frames in {MIXED_SECONDS} s, "
          f"{audio_frames} audio frames (peak RMS {peak_rms:.0f})")
    assert encoded > 0 and decoded >= MIN_SHARE * encoded, \
        f"aiortc decoded {decoded} of the {encoded} frames GStreamer sent in {MIXED_SECONDS} s"
    assert audio_frames > 0 and peak_rms > 1000, f"no Opus tone at aiortc ({audio_frames} frames, RMS {peak_rms:.0f})"


def test_aiortc_publisher_played_by_gstreamer(network, artifacts):
    require_gstreamer()
    site, server = network
    room = "aiortc-to-gst"

    async def run() -> tuple[int, float, float, gstreamer.GstPeer]:
        publisher = WhipPublisher(320, 240)
        subscriber = None
        try:
            await publisher.start(server.base_url, room, server.token(room, "aiortc-publisher", publish=True))
            token = server.token(room, "gst-subscriber", subscribe=True)
            subscriber = gstreamer.subscribe(site, server.base_url, room, publisher.resource_id, token,
                                             artifacts / "aiortc-to-gstreamer-subscriber.log")
            await asyncio.to_thread(subscriber.wait_connected)
            await asyncio.to_thread(wait_first_frame, subscriber)
            start, before = time.time(), publisher.video.frames_sent
            await asyncio.sleep(MIXED_SECONDS)
            end, sent = time.time(), publisher.video.frames_sent - before
            await asyncio.sleep(REPORT_LAG)
            return sent, start, end, subscriber
        finally:
            if subscriber is not None:
                await asyncio.to_thread(subscriber.stop)
            await publisher.close()

    with aiortc_peers.gathering_on(site.host_addr):
        sent, start, end, subscriber = asyncio.run(run())
    decoded = growth(subscriber.stats, "videoFrames", start, end)
    audio = growth(subscriber.stats, "audioBuffers", start, end)
    print(f"GStreamer decoded {decoded} of {sent} aiortc frames in {MIXED_SECONDS} s, {audio} audio buffers")
    assert sent > 0 and decoded >= MIN_SHARE * sent, \
        f"GStreamer decoded {decoded} of the {sent} frames aiortc sent in {MIXED_SECONDS} s"
    assert audio > 0, f"GStreamer decoded no audio from aiortc in {MIXED_SECONDS} s"
