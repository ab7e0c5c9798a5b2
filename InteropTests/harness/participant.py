"""A meeting participant in its own process, for the multi-site tests (issue 4).

Run inside a site's network namespace (sites.Topology.popen_in) so that its media really
crosses the WAN:

    python3 participant.py --control http://10.88.2.2:8080 --room R --name office-1 --out stats.json

It joins through `cascade control`'s signaling (docs/signaling.md) with a link token, publishes
a frame-numbered VP8 video and an Opus tone (aiortc), subscribes to every other publication as
it appears, drops subscriptions whose publication ends, and on `media.moved` (its media node
died) publishes and subscribes again. Every second it rewrites --out with what it received per
remote participant, so the test reads progress without talking to it; SIGTERM leaves cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.signaling import join_room, publish_aiortc, subscribe_aiortc  # noqa: E402


class Participant:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.client = None
        self.participant_id = None
        self.publisher = None
        self.publication_id = None
        self.subs: dict[str, dict] = {}  # publicationId -> {"sub", "owner", "id"}
        self.owners: dict[str, str] = {}  # publicationId -> participantId (every known publication)
        self.names: dict[str, str] = {}
        self.moves: list[float] = []
        self.events: list[str] = []
        self.errors: list[str] = []
        self.started = time.time()
        self.history: dict[str, dict] = {}  # participantId -> frames/rms summed over subscriptions ended
        self.media_epoch = 0
        self.bytes_sent = 0  # RTP payload bytes of every publisher this process had
        self.bytes_sent_before = 0  # ... of the publishers already closed

    # --- media -------------------------------------------------------------------------------

    async def publish(self) -> None:
        for attempt in range(5):
            try:
                self.publisher, self.publication_id = await publish_aiortc(
                    self.client, width=self.args.width, height=self.args.height, timeout=20)
                return
            except Exception as error:  # noqa: BLE001 - reported in the stats
                self.errors.append(f"publish: {error!r}")
                await asyncio.sleep(0.5 + attempt)

    async def subscribe(self, publication_id: str, epoch: int) -> None:
        if publication_id in self.subs or publication_id == self.publication_id:
            return
        self.subs[publication_id] = {"sub": None, "owner": self.owners.get(publication_id)}
        for attempt in range(5):
            try:
                subscriber, subscription_id = await subscribe_aiortc(self.client, publication_id, timeout=20)
            except Exception as error:  # noqa: BLE001
                self.errors.append(f"subscribe {publication_id}: {error!r}")
                if publication_id not in self.owners or epoch != self.media_epoch:
                    break
                await asyncio.sleep(0.5 + attempt)
                continue
            entry = self.subs.get(publication_id)
            if entry is None or epoch != self.media_epoch:
                await subscriber.close()  # ended or moved meanwhile
                return
            entry.update(sub=subscriber, id=subscription_id)
            return
        self.subs.pop(publication_id, None)

    async def drop(self, publication_id: str) -> None:
        entry = self.subs.pop(publication_id, None)
        if entry and entry.get("sub"):
            self.remember(entry)
            await entry["sub"].close()

    def remember(self, entry: dict) -> None:
        owner = entry.get("owner")
        sub = entry.get("sub")
        if not owner or not sub:
            return
        total = self.history.setdefault(owner, {"frames": 0, "audioFrames": 0, "peakRms": 0.0})
        total["frames"] += sub.video.frames
        total["audioFrames"] += sub.audio.frames
        total["peakRms"] = max(total["peakRms"], sub.audio.peak_rms)

    async def restart_media(self) -> None:
        """media.moved: everything we had is gone; publish and subscribe again."""
        self.media_epoch += 1
        self.moves.append(time.time())
        old = list(self.subs)
        for publication_id in old:
            await self.drop(publication_id)
        if self.publisher:
            await self.count_sent()
            self.bytes_sent_before = self.bytes_sent
            await self.publisher.close()
            self.publisher = None
        await self.publish()
        for publication_id, owner in list(self.owners.items()):
            if owner != self.participant_id:
                asyncio.create_task(self.subscribe(publication_id, self.media_epoch))

    # --- signaling ---------------------------------------------------------------------------

    async def run(self) -> None:
        self.client, joined = await join_room(self.args.control, self.args.room, self.args.name)
        self.participant_id = joined["participantId"]
        for participant in joined["room"]["participants"]:
            self.names[participant["id"]] = participant["name"]
            for publication in participant.get("publications", []):
                self.owners[publication["id"]] = participant["id"]
        await self.publish()
        for publication_id in list(self.owners):
            asyncio.create_task(self.subscribe(publication_id, self.media_epoch))
        seen = 0
        next_write = 0.0
        while not self.client.closed:
            while seen < len(self.client.received):
                message = self.client.received[seen].message
                seen += 1
                if isinstance(message, dict):
                    await self.on_message(message)
            if time.monotonic() >= next_write:
                await self.count_sent()
                self.write()
                next_write = time.monotonic() + 1.0
            await asyncio.sleep(0.05)

    async def on_message(self, message: dict) -> None:
        kind = message.get("type")
        if kind == "participant.joined":
            participant = message["participant"]
            self.names[participant["id"]] = participant["name"]
        elif kind == "track.published":
            publication_id = message["publication"]["id"]
            self.owners[publication_id] = message["participantId"]
            asyncio.create_task(self.subscribe(publication_id, self.media_epoch))
        elif kind == "track.unpublished":
            self.owners.pop(message["publicationId"], None)
            await self.drop(message["publicationId"])
        elif kind == "media.moved":
            self.events.append(kind)
            asyncio.create_task(self.restart_media())
        elif kind in ("participant.left", "participant.reconnecting", "participant.reconnected", "room.ended"):
            self.events.append(kind)

    def write(self) -> None:
        received: dict[str, dict] = {}
        for owner, total in self.history.items():
            received[owner] = dict(total)
        for entry in self.subs.values():
            owner, sub = entry.get("owner"), entry.get("sub")
            if not owner or not sub:
                continue
            total = received.setdefault(owner, {"frames": 0, "audioFrames": 0, "peakRms": 0.0})
            total["frames"] += sub.video.frames
            total["audioFrames"] += sub.audio.frames
            total["peakRms"] = max(total["peakRms"], sub.audio.peak_rms)
            total["lastFrameNumber"] = sub.video.last_number
        stats = {
            "name": self.args.name, "participantId": self.participant_id, "publicationId": self.publication_id,
            "framesSent": self.publisher.video.frames_sent if self.publisher else 0,
            "bytesSent": self.bytes_sent,
            "names": self.names, "received": received, "moves": self.moves, "events": self.events,
            "errors": self.errors[-20:], "time": time.time(),
        }
        temporary = Path(self.args.out).with_suffix(".tmp")
        temporary.write_text(json.dumps(stats))
        os.replace(temporary, self.args.out)

    async def count_sent(self) -> None:
        """What this participant published so far (aiortc's outbound-rtp bytesSent, audio and
        video), so a test can scale what it measured on a link by what was sent meanwhile."""
        total = 0
        if self.publisher:
            for sender in self.publisher.pc.getSenders():
                report = await sender.getStats()
                total += sum(s.bytesSent for s in report.values() if getattr(s, "type", "") == "outbound-rtp")
        self.bytes_sent = self.bytes_sent_before + total

    async def close(self) -> None:
        await self.count_sent()
        self.write()
        for publication_id in list(self.subs):
            await self.drop(publication_id)
        if self.publisher:
            await self.publisher.close()
        if self.client and not self.client.closed:
            await self.client.leave()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--control", required=True)
    parser.add_argument("--room", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--height", type=int, default=120)
    parser.add_argument("--address", help="the one local address to gather ICE candidates on (the site's WAN "
                                           "address; default: aiortc_peers' loopback-only gathering)")
    parser.add_argument("--video-bitrate", type=int, default=150_000,
                        help="the VP8 encoder's fixed target (bits/s; 0: aiortc's own, adapted to REMB)")
    args = parser.parse_args()
    if args.video_bitrate:
        # A fixed target keeps the encoders from chasing REMB, and aiortc from recreating its
        # encoder (with a key frame) whenever the estimate moves by more than 10 %. What they
        # send still varies with CPU starvation; the WAN-bytes test scales for that (bytesSent).
        import aiortc.codecs.vpx as vpx

        vpx.DEFAULT_BITRATE = vpx.MIN_BITRATE = vpx.MAX_BITRATE = args.video_bitrate
    if args.address:
        import aioice.ice

        from harness import aiortc_peers  # noqa: F401 - its import-time loopback patch must come first
        aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=False: [args.address]
    participant = Participant(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    runner = asyncio.create_task(participant.run())
    await asyncio.wait([runner, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
    if runner.done() and runner.exception():
        participant.errors.append(f"run: {runner.exception()!r}")
    runner.cancel()
    try:
        await asyncio.wait_for(participant.close(), 10)
    except Exception as error:  # noqa: BLE001
        participant.errors.append(f"close: {error!r}")
    participant.write()


if __name__ == "__main__":
    asyncio.run(main())
