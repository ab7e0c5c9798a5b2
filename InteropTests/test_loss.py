"""Media through `cascade serve` survives 5% packet loss, repaired by NACK/RTX.

A LossyUdpRelay sits between one client and the server's media port (the client is pointed at
it by rewriting the candidate in the server's SDP answer). The path connects without loss, then
loses 5% of datagrams in each direction for 8 s.

- Publisher leg lossy: every subscriber still decodes >= 90% of the frames sent (without
  repair a 5% packet loss costs well over 10% of multi-packet VP8 frames), and the server's
  NACK and RTX counters rose (metrics.NACK / metrics.RTX, whichever direction the server
  repairs in).
- One subscriber's leg lossy: that subscriber still decodes >= 90%, the server received its
  NACKs and answered with RTX from its own packet cache.
"""

from __future__ import annotations

import asyncio

import pytest

from harness import metrics
from harness.aiortc_peers import WhepSubscriber, WhipPublisher, measure_coverage, redirect_candidates, udp_candidate_ports
from harness.relay import LossyUdpRelay

pytestmark = pytest.mark.server

LOSS = 0.05


def _via(relay: LossyUdpRelay, media_port: int):
    def rewrite(answer: str) -> str:
        assert media_port in udp_candidate_ports(answer), f"answer does not offer media port {media_port}"
        return redirect_candidates(answer, "127.0.0.1", relay.port)
    return rewrite


def test_loss_between_publisher_and_server(cascade_server):
    server = cascade_server
    room = "loss-publisher-leg"
    relay = LossyUdpRelay(("127.0.0.1", server.media_port), seed=5).start()

    operator = server.service_token()

    async def run():
        publisher = WhipPublisher()
        subscribers = [WhepSubscriber() for _ in range(2)]
        try:
            await publisher.start(server.base_url, room, server.token(room, "publisher", publish=True),
                                  rewrite_answer=_via(relay, server.media_port))
            for index, subscriber in enumerate(subscribers):
                await subscriber.start(server.base_url, room, publisher.resource_id,
                                       server.token(room, f"subscriber-{index}", subscribe=True))
            for subscriber in subscribers:
                await subscriber.wait_first_frame()
            before = metrics.scrape(server.base_url, operator)
            relay.loss = LOSS
            result = await measure_coverage(publisher, subscribers, seconds=8)
            relay.loss = 0.0
            await asyncio.sleep(1)
            return result, before, metrics.scrape(server.base_url, operator)
        finally:
            await asyncio.gather(publisher.close(), *(s.close() for s in subscribers))

    try:
        (start, end, coverages), before, after = asyncio.run(run())
    finally:
        relay.stop()
    assert relay.to_server.dropped > 20, f"relay dropped too little to prove anything: {relay.to_server}"
    for index, coverage in enumerate(coverages):
        assert coverage >= 0.9, f"subscriber {index} decoded {coverage:.0%} of frames {start}..{end} at {LOSS:.0%} loss"
    changed = metrics.changes(before, after)
    assert metrics.increase(before, after, metrics.NACK) > 0, f"no NACK counter {metrics.NACK} rose: {changed}"
    assert metrics.increase(before, after, metrics.RTX) > 0, f"no RTX counter {metrics.RTX} rose: {changed}"


def test_loss_between_server_and_one_subscriber(cascade_server):
    server = cascade_server
    room = "loss-subscriber-leg"
    relay = LossyUdpRelay(("127.0.0.1", server.media_port), seed=6).start()

    operator = server.service_token()

    async def run():
        publisher, subscriber = WhipPublisher(), WhepSubscriber()
        try:
            await publisher.start(server.base_url, room, server.token(room, "publisher", publish=True))
            await subscriber.start(server.base_url, room, publisher.resource_id,
                                   server.token(room, "lossy-subscriber", subscribe=True),
                                   rewrite_answer=_via(relay, server.media_port))
            await subscriber.wait_first_frame()
            before = metrics.scrape(server.base_url, operator)
            relay.loss = LOSS
            result = await measure_coverage(publisher, [subscriber], seconds=8)
            relay.loss = 0.0
            await asyncio.sleep(1)
            return result, before, metrics.scrape(server.base_url, operator)
        finally:
            await asyncio.gather(publisher.close(), subscriber.close())

    try:
        (start, end, [coverage]), before, after = asyncio.run(run())
    finally:
        relay.stop()
    assert relay.to_client.dropped > 20, f"relay dropped too little to prove anything: {relay.to_client}"
    assert coverage >= 0.9, f"subscriber decoded {coverage:.0%} of frames {start}..{end} at {LOSS:.0%} loss"
    changed = metrics.changes(before, after)
    assert metrics.increase(before, after, metrics.NACK_FROM_SUBSCRIBERS) > 0, f"server saw no NACK from the subscriber: {changed}"
    assert metrics.increase(before, after, metrics.RTX_TO_SUBSCRIBERS) > 0, f"server sent no RTX to the subscriber: {changed}"
