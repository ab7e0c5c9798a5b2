"""Chromium publishes with WHIP, another Chromium plays with WHEP, through `cascade serve`.

Proves: the server's answers satisfy Chromium (BUNDLE, rtcp-mux, ICE-lite, DTLS, codecs,
msid/ssrc signalling), media reaches a Chromium player (framesDecoded keeps growing), and the
server gives the publisher enough bandwidth-estimation feedback (TWCC/REMB) that its outbound
video holds above 1 Mbps within 15 s (Chromium starts at 300 kbps and only climbs on feedback;
the harness self-check shows the same clip passes 1 Mbps within ~3 s peer to peer).
"""

from __future__ import annotations

import time

import pytest

from harness import chromium

pytestmark = [pytest.mark.server, pytest.mark.chromium]

ROOM = "chromium-room"


def test_chromium_publishes_chromium_plays_and_bitrate_climbs(cascade_server, chromium_factory, camera_clip):
    server = cascade_server
    publisher = chromium_factory("publisher", video_file=camera_clip)
    player = chromium_factory("player")
    # Any page on the server's origin will do: same-origin fetch, secure context (127.0.0.1).
    for driver in (publisher, player):
        chromium.open_origin(driver, f"{server.base_url}/healthz")

    published = chromium.call(publisher, "publish", "pub", server.base_url, ROOM,
                              server.token(ROOM, "chromium-publisher", publish=True), chromium.CAMERA)
    connected_at = time.monotonic()
    chromium.call(player, "play", "play", server.base_url, ROOM, published["resourceId"],
                  server.token(ROOM, "chromium-player", subscribe=True))

    remaining = 15 - (time.monotonic() - connected_at)
    samples = chromium.sample_outbound_bitrate(publisher, "pub", seconds=remaining, stop_above=1e6)

    chromium.wait_decoding(player, "play")

    outbound = chromium.call(publisher, "stats", "pub")
    assert chromium.passed_sustained(samples, 1e6), (
        f"publisher outbound video never held > 1 Mbps within 15 s: "
        f"{[(round(t, 1), round(r / 1e3)) for t, r in samples]} kbps; last stats {outbound}")

    assert 200 <= chromium.call(player, "stop", "play") < 300
    assert 200 <= chromium.call(publisher, "stop", "pub") < 300
