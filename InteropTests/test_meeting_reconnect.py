"""A participant's network cut for 10 s and restored: it is back in the room with media, and the
others saw it reconnecting, never leaving and joining again (issue 3; docs/signaling.md
"Reconnection").

Topology (inside the suite's private namespace):

    suite namespace: cascade serve (--bind 0.0.0.0 --advertise 10.213.0.1),
                     "Watcher" (Python signaling client: records every event),
                     "Echo" (Python signaling client + aiortc: publishes frame-numbered video and a
                             tone, subscribes to Cut's camera)
        | veth 10.213.0.1 <-> 10.213.0.2
    namespace "cut": "Cut", headless Chromium in the web app (/r/{room}?name=Cut&autojoin=1)

The cut takes the veth link down for 10 s (Chromium sees its link go: offline), then up again.
Afterwards, within 45 s: Cut's page is in the meeting with the same participant id, decodes
Echo's video again (frames growing), Echo decodes Cut's video again (whichever publication Cut
has now: the same one if its PeerConnection recovered, a new one if it republished), and both
observers saw participant.reconnecting then participant.reconnected for Cut, and no
participant.left or participant.joined for it.

Second test (aiortc only, no signaling needed): the *server's* route to that namespace goes
away for 5 s (our end of the veth down, so the media node's sends there fail with ENETUNREACH);
media between two participants in the suite's namespace must keep flowing.
"""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from harness import aiortc_peers, meeting, require
from harness.meeting import wait_until
from harness.signaling import SignalingClient, join_room, publish_aiortc, subscribe_aiortc

pytestmark = [pytest.mark.server, pytest.mark.chromium]

CUT_SECONDS = 10
RECOVERY_TIMEOUT = 45


class BackgroundLoop:
    """An asyncio loop in a thread, for the Python participants while selenium blocks."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class Echo:
    """A Python participant with media: publishes, and follows Cut's camera publication (it
    subscribes again when Cut publishes anew)."""

    def __init__(self, client: SignalingClient):
        self.client = client
        self.publisher = None
        self.subscriptions: dict[str, aiortc_peers.WhepSubscriber] = {}  # publicationId -> subscriber

    async def follow(self, participant_id: str) -> None:
        """Subscribes to every camera publication of `participant_id` seen so far."""
        for event in self.client.messages("track.published"):
            publication = event["publication"]
            if (event["participantId"] == participant_id and publication.get("source") == "camera"
                    and publication["id"] not in self.subscriptions):
                subscriber, _ = await subscribe_aiortc(self.client, publication["id"])
                self.subscriptions[publication["id"]] = subscriber

    def frames(self) -> int:
        return sum(s.video.frames for s in self.subscriptions.values())

    async def close(self) -> None:
        for subscriber in self.subscriptions.values():
            await subscriber.close()
        if self.publisher:
            await self.publisher.close()
        await self.client.leave()


def _netns_url(base_url: str, address: str) -> str:
    parts = urllib.parse.urlsplit(base_url)
    return parts._replace(netloc=f"{address}:{parts.port}").geturl()


_SERVERS: dict[str, meeting.MeetingServer] = {}


@pytest.fixture(scope="module")
def topology(artifacts):
    """(namespace of the cut participant, server base URL). The server binds 0.0.0.0 and
    advertises the veth address, so both namespaces reach its HTTP port and media port."""
    require.root_namespaces("a network cut", tools=("ip",))
    # aiortc (Echo) gathers the veth address too (aiortc_peers.gathering_on says why).
    with meeting.VethNamespace("cut") as netns, aiortc_peers.gathering_on("127.0.0.1", netns.host_addr):
        if meeting.external_base_url():
            yield netns, meeting.external_base_url()
            return
        with meeting.running_server(artifacts, "test_meeting_reconnect", bind="0.0.0.0",
                                    advertise=netns.host_addr) as server:
            _SERVERS[server.base_url] = server
            yield netns, server.base_url


def _require_signaling(base_url: str) -> None:
    require.signaling(base_url)


def test_network_cut_for_10s_recovers_without_leave_join(topology, artifacts):
    netns, base_url = topology
    _require_signaling(base_url)
    room = meeting.new_room_name("cut")
    loop = BackgroundLoop()
    browsers = meeting.Browsers(artifacts, "reconnect")
    watcher = echo = None
    try:
        watcher, _ = loop.run(join_room(base_url, room, "Watcher"))
        echo_client, _ = loop.run(join_room(base_url, room, "Echo"))
        echo = Echo(echo_client)

        async def publish():
            echo.publisher, _ = await publish_aiortc(echo.client)
        loop.run(publish())

        url = _netns_url(base_url, netns.host_addr)
        cut = browsers.start("Cut", "purple", netns=netns, secure_origins=(url,))
        cut.open(url, room)
        state = cut.wait_phase("meeting", 60)
        cut_id = cut.participant_id = state["participantId"]
        echo_id = echo.client.messages("joined")[0]["participantId"]

        def cut_receives_echo() -> int:
            return (cut.remote(echo_id, cut.stats()) or {}).get("videoFramesDecoded", 0)

        def echo_receives_cut() -> int:
            loop.run(echo.follow(cut_id))
            return echo.frames()

        def growing(counter, frames: int, seconds: float = 3.0):
            """Frames decoded grow by `frames` within `seconds` (a counter may restart at 0 when
            the app replaced a subscription, so only growth between two samples counts)."""
            first = counter()
            time.sleep(seconds)
            return counter() - first >= frames

        wait_until(lambda: growing(cut_receives_echo, 15), 60, "Cut decodes Echo's video", describe=cut.describe)
        wait_until(lambda: growing(echo_receives_cut, 15), 60, "Echo decodes Cut's video", describe=cut.describe)

        marks = {watcher: watcher.mark(), echo.client: echo.client.mark()}
        netns.cut("link")
        cut_at = time.monotonic()
        during = []
        while time.monotonic() - cut_at < CUT_SECONDS:
            try:
                during.append((round(time.monotonic() - cut_at, 1), (cut.state() or {}).get("phase")))
            except Exception as error:  # noqa: BLE001 - diagnostics only
                during.append((round(time.monotonic() - cut_at, 1), f"state error: {error}"))
            time.sleep(1)
        netns.restore()
        restored_at = time.monotonic()

        # Back in the room, the same participant, media both ways again.
        wait_until(lambda: (lambda s: s and s["phase"] == "meeting" and s["connected"])(cut.state()),
                   RECOVERY_TIMEOUT, "Cut back in the meeting", describe=cut.describe)
        assert cut.state()["participantId"] == cut_id, "Cut came back as a new participant"
        wait_until(lambda: growing(cut_receives_echo, 15), RECOVERY_TIMEOUT,
                   "Cut decodes Echo's video again (15 frames in 3 s)", describe=cut.describe)
        wait_until(lambda: growing(echo_receives_cut, 15), RECOVERY_TIMEOUT,
                   "Echo decodes Cut's video again (15 frames in 3 s)", describe=cut.describe)
        recovered_after = time.monotonic() - restored_at

        own_events = [e.get("type") for e in cut.events() if e.get("type") not in ("speakers", "quality", "pong")]
        for observer in (watcher, echo.client):
            def about_cut() -> list[str]:
                return [m["type"] for m in observer.messages(start=marks[observer])
                        if m.get("participantId") == cut_id or (m.get("participant") or {}).get("id") == cut_id]

            try:
                loop.run(observer.wait_for("participant.reconnected", lambda m: m.get("participantId") == cut_id,
                                           start=marks[observer], timeout=RECOVERY_TIMEOUT))
            except TimeoutError:
                raise AssertionError(
                    f"{observer.label} never saw Cut reconnecting/reconnected (events about Cut: {about_cut()}). "
                    f"If the socket survived the cut, nobody noticed the drop: the server must find a dead "
                    f"socket within the 10 s (WebSocket ping) or the client give up on it sooner. "
                    f"Cut's page during the cut: {during}; its events: {own_events[-20:]}") from None
            seen = about_cut()
            assert "participant.left" not in seen and "participant.joined" not in seen, (
                f"{observer.label} saw Cut leave/join: {seen}")
            assert "participant.reconnecting" in seen, f"{observer.label}: {seen}"
            assert seen.index("participant.reconnecting") < seen.index("participant.reconnected"), seen
        cut.screenshot(artifacts / "meeting-reconnect-Cut.png")
        print(f"cut {CUT_SECONDS} s; media back both ways {recovered_after:.1f} s after restore; "
              f"page phases during the cut: {during}")
    finally:
        browsers.close()
        for client in (watcher,):
            if client:
                loop.run(client.leave(), timeout=10)
        if echo:
            loop.run(echo.close(), timeout=20)
        loop.stop()


_NETNS_PEER = r"""
import asyncio, sys
sys.path.insert(0, sys.argv[1])
import aioice.ice
from harness import aiortc_peers
aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=False: [sys.argv[2]]
base, room, token = sys.argv[3:6]

async def main():
    publisher = aiortc_peers.WhipPublisher(320, 240)
    await publisher.start(base, room, token)
    subscriber = aiortc_peers.WhepSubscriber()
    await subscriber.start(base, room, publisher.resource_id, token)
    await subscriber.wait_first_frame()
    print("playing", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


def test_losing_the_route_to_one_participant_does_not_stop_the_others(topology, artifacts):
    """The server's route to one participant's network disappears for 5 s (our end of its veth
    goes down: every packet the media node sends there fails with ENETUNREACH). Media between
    participants on other networks must keep flowing during and after. (A multi-homed node
    whose LAN interface flaps; SwiftNIO rethrows ENETUNREACH from a datagram write, only
    EHOSTUNREACH and EMSGSIZE are treated as recoverable, so the worker's socket must survive it.)"""
    netns, base_url = topology
    if meeting.external_base_url():
        pytest.skip("needs this module's own cascade serve (WHIP/WHEP tokens)")
    server = _SERVERS[base_url]
    room = meeting.new_room_name("route")
    token = server.token(room, "route", publish=True, subscribe=True)
    import subprocess
    peer = subprocess.Popen(
        [*netns.exec_prefix(), "python3", "-c", _NETNS_PEER, str(Path(__file__).parent), netns.peer_addr,
         base_url, room, token], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    async def scenario():
        publisher, subscriber = aiortc_peers.WhipPublisher(320, 240), aiortc_peers.WhepSubscriber()
        try:
            await publisher.start(base_url, room, token)
            await subscriber.start(base_url, room, publisher.resource_id, token)
            await subscriber.wait_first_frame()
            line = await asyncio.wait_for(asyncio.to_thread(peer.stdout.readline), 60)
            assert line.strip() == "playing", f"the peer in the other namespace failed: {line}"
            before = subscriber.video.frames
            await asyncio.sleep(2)
            assert subscriber.video.frames - before >= 20, "media not flowing before the cut"
            netns.cut("host-link")
            try:
                start = subscriber.video.frames
                await asyncio.sleep(5)
                during = subscriber.video.frames - start
            finally:
                netns.restore()
            start = subscriber.video.frames
            await asyncio.sleep(3)
            after = subscriber.video.frames - start
            return during, after
        finally:
            await publisher.close()
            await subscriber.close()

    try:
        during, after = asyncio.run(scenario())
    finally:
        peer.kill()
        peer.wait()
    assert during >= 50 and after >= 30, (
        f"media between two other participants stalled when the route to a third one went away: "
        f"{during} frames in the 5 s cut, {after} in the 3 s after (30 fps sent)")
