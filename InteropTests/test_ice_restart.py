"""ICE restart over WHIP/WHEP PATCH (RFC 9725 §4.4.2) with Chromium, through `cascade serve`.

Proves: a publisher and a player that restart ICE (new credentials both ways, as a laptop does
when it moves from Wi-Fi to cable) keep their sessions — same resource, no new POST — and media
keeps flowing; the PATCH rules hold (428 without If-Match, 412 for another version, 204 for a
trickle naming the current version, 404 for an unknown session).
"""

from __future__ import annotations

import time

import pytest

from harness import chromium

pytestmark = [pytest.mark.server, pytest.mark.chromium]

ROOM = "restart-room"


def _bytes_sent(driver, name) -> int:
    outbound = chromium.call(driver, "stats", name)["outboundVideo"] or {}
    return outbound.get("bytesSent") or 0


def test_chromium_restarts_ice_over_patch_and_media_carries_on(cascade_server, chromium_factory):
    server = cascade_server
    publisher = chromium_factory("publisher")
    player = chromium_factory("player")
    for driver in (publisher, player):
        chromium.open_origin(driver, f"{server.base_url}/healthz")

    published = chromium.call(publisher, "publish", "pub", server.base_url, ROOM,
                              server.token(ROOM, "restart-publisher", publish=True), chromium.CAMERA)
    chromium.call(player, "play", "play", server.base_url, ROOM, published["resourceId"],
                  server.token(ROOM, "restart-player", subscribe=True))
    chromium.wait_decoding(player, "play")

    # The protocol's rules before any restart (RFC 9725 §4.4).
    trickle = "a=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n"
    assert chromium.call(publisher, "patch", "pub", None, trickle) == 428
    assert chromium.call(publisher, "patch", "pub", '"not-this-one"', trickle) == 412
    assert chromium.call(publisher, "patch", "pub", "current", trickle) == 204

    # The publisher restarts ICE; so does the player. Neither publishes or subscribes again.
    sent_before = _bytes_sent(publisher, "pub")
    restarted = chromium.call(publisher, "restartIce", "pub")
    assert restarted["status"] == 200
    assert restarted["contentType"].startswith("application/trickle-ice-sdpfrag")
    assert restarted["etag"] and restarted["etag"] != restarted["previousTag"]
    assert "a=ice-ufrag:" in restarted["fragment"] and "a=end-of-candidates" in restarted["fragment"]
    played = chromium.call(player, "restartIce", "play")
    assert played["status"] == 200

    # A trickle naming the tag from before the restart is refused now; the new one works.
    assert chromium.call(publisher, "patch", "pub", restarted["previousTag"], trickle) == 412
    assert chromium.call(publisher, "patch", "pub", "current", trickle) == 204

    chromium.wait_decoding(player, "play")
    time.sleep(1)
    assert _bytes_sent(publisher, "pub") > sent_before, "the publisher kept sending after its restart"
    log = server.log_path.read_text(errors="replace")
    assert log.count("ICE restart completed") >= 2, "both sessions completed their restarts on the node"
    assert "consent expired" not in log

    assert 200 <= chromium.call(player, "stop", "play") < 300
    assert 200 <= chromium.call(publisher, "stop", "pub") < 300


def test_patch_of_an_unknown_session_is_404(cascade_server):
    import requests

    server = cascade_server
    token = server.token(ROOM, "someone", publish=True)
    response = requests.patch(f"{server.base_url}/whip/{ROOM}/local.doesnotexist",
                              headers={"Authorization": f"Bearer {token}", "If-Match": '"*"',
                                       "Content-Type": "application/trickle-ice-sdpfrag"},
                              data="a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n", timeout=10)
    assert response.status_code == 404
