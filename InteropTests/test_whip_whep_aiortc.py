"""WHIP publish and WHEP play through `cascade serve`, with aiortc on both ends.

Proves: the server accepts an aiortc WHIP offer (max-bundle, VP8 + Opus, sendonly), lists the
publication, forwards it to three WHEP subscribers at once, each of which decodes >= 90% of the
frames the publisher sent during an 8 s window (frame numbers read back from the pixels, so a
frame counts only if it really decoded) and hears the Opus tone; DELETE ends both kinds of
session and the publication disappears.
"""

from __future__ import annotations

import asyncio

import pytest

from harness.aiortc_peers import WhepSubscriber, WhipPublisher, measure_coverage
from harness.cascade import publications

pytestmark = pytest.mark.server

ROOM = "aiortc-room"


def test_one_publisher_three_subscribers_each_decode_90_percent(cascade_server):
    server = cascade_server

    async def run():
        publisher = WhipPublisher()
        subscribers = [WhepSubscriber() for _ in range(3)]
        try:
            await publisher.start(server.base_url, ROOM, server.token(ROOM, "publisher", publish=True))
            lister = server.token(ROOM, "lister", subscribe=True)
            assert publisher.resource_id in publications(server.base_url, ROOM, lister)
            for index, subscriber in enumerate(subscribers):
                token = server.token(ROOM, f"subscriber-{index}", subscribe=True)
                await subscriber.start(server.base_url, ROOM, publisher.resource_id, token)
            start, end, coverages = await measure_coverage(publisher, subscribers, seconds=8)
            tones = [s.audio.peak_rms for s in subscribers]
            deleted = [await s.delete() for s in subscribers] + [await publisher.delete()]
            await asyncio.sleep(0.5)
            remaining = publications(server.base_url, ROOM, lister)
            return start, end, coverages, tones, deleted, publisher.resource_id, remaining
        finally:
            await asyncio.gather(publisher.close(), *(s.close() for s in subscribers))

    start, end, coverages, tones, deleted, resource_id, remaining = asyncio.run(run())
    assert end - start >= 200, f"publisher sent only {end - start} frames in 8 s"
    for index, coverage in enumerate(coverages):
        assert coverage >= 0.9, f"subscriber {index} decoded {coverage:.0%} of frames {start}..{end}"
    assert all(rms > 1000 for rms in tones), f"Opus tone missing at some subscriber (peak RMS {tones})"
    assert all(200 <= status < 300 for status in deleted), f"DELETE statuses {deleted}"
    assert resource_id not in remaining, "publication still listed after DELETE"
