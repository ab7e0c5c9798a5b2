"""Bad input to `cascade serve`: every HTTP error the contract names, and a UDP flood.

HTTP: each case sends one wrong request and expects the named status with a JSON body
{"error": ..., "reason": ...} (both non-empty strings):
  400 malformed SDP (and SDP that is not UTF-8), 406 no common codec, 422 a WHIP offer that
  only receives, 401 missing / forged / wrongly signed / expired token, 403 token for another
  room or without the needed grant, 404 unknown resource.
Spoofed: DTLS records that do not decrypt and SRTP/SRTCP that does not authenticate, sent with
the publisher's and the subscriber's own source addresses, end neither session.
UDP: while a WHIP->WHEP session runs, ~20k random datagrams (STUN/DTLS/RTP-looking and random)
hit the media port; the server stays up, counts the garbage as dropped, and the subscriber
still decodes >= 90% of the frames sent meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time

import pytest
import requests

from harness import cascade, flood, metrics
from harness.aiortc_peers import WhepSubscriber, WhipPublisher, measure_coverage, whip_offer_sdp

pytestmark = pytest.mark.server

ROOM = "bad-input-room"


@pytest.fixture(scope="module")
def offer_sdp() -> str:
    return whip_offer_sdp()


@pytest.fixture(scope="module")
def whep_offer_sdp() -> str:
    """A valid aiortc WHEP offer (recvonly VP8 + Opus, max-bundle)."""
    async def make():
        subscriber = WhepSubscriber()
        try:
            await subscriber.pc.setLocalDescription(await subscriber.pc.createOffer())
            return subscriber.pc.localDescription.sdp
        finally:
            await subscriber.close()
    return asyncio.run(make())


@pytest.fixture(scope="module")
def live_resource(cascade_server):
    """A real publication in ROOM (a running aiortc publisher in a background loop), for the
    WHEP cases that need an existing resource. Yields its resource id."""
    import threading

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    token = cascade_server.token(ROOM, "live-publisher", publish=True)

    async def start() -> WhipPublisher:
        publisher = WhipPublisher(320, 240)  # aiortc wants its loop running when constructed
        await publisher.start(cascade_server.base_url, ROOM, token)
        return publisher

    publisher = asyncio.run_coroutine_threadsafe(start(), loop).result(30)
    yield publisher.resource_id
    asyncio.run_coroutine_threadsafe(publisher.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


def _post(url: str, token: str | None, body: str) -> requests.Response:
    headers = {"Content-Type": "application/sdp", **cascade.bearer(token)}
    return requests.post(url, data=body.encode(), headers=headers, timeout=10)


def _expect(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text[:300]}"
    body = cascade.error_body(response)
    print(f"{status}: {body}")
    return body


def _no_common_codec(offer: str) -> str:
    """Renames every non-RTX codec in the offer to one nobody implements."""
    return re.sub(r"^(a=rtpmap:\d+ )(?!rtx/)[^/\s]+/", r"\1X-CASCADE-NONE/", offer, flags=re.MULTILINE)


def _expired_token(server) -> str:
    token = server.token(ROOM, "expired", publish=True)
    resigned = cascade.expired_copy(token, server.api_secret)
    if resigned is not None:
        return resigned
    token = server.token(ROOM, "expired", publish=True, ttl=1)
    time.sleep(2.5)
    return token


# --- 400 / 406 --------------------------------------------------------------------------------

def test_malformed_sdp_is_400(cascade_server):
    token = cascade_server.token(ROOM, "p", publish=True)
    _expect(_post(f"{cascade_server.base_url}/whip/{ROOM}", token, "this is not SDP\r\n"), 400)


def test_truncated_offer_is_400(cascade_server, offer_sdp):
    token = cascade_server.token(ROOM, "p", publish=True)
    _expect(_post(f"{cascade_server.base_url}/whip/{ROOM}", token, offer_sdp[: len(offer_sdp) // 3]), 400)


def test_no_common_codec_is_406(cascade_server, offer_sdp):
    token = cascade_server.token(ROOM, "p", publish=True)
    _expect(_post(f"{cascade_server.base_url}/whip/{ROOM}", token, _no_common_codec(offer_sdp)), 406)


# --- 401 --------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["missing", "garbage", "forged-signature", "wrong-secret", "alg-none", "expired"])
def test_bad_token_is_401(cascade_server, offer_sdp, case):
    server = cascade_server
    valid = server.token(ROOM, "p", publish=True)
    if case == "missing":
        token = None
    elif case == "garbage":
        token = "not-a-jwt"
    elif case == "forged-signature":
        token = cascade.forge_signature(valid)
    elif case == "wrong-secret":
        header, payload = cascade.jwt_parts(valid)
        token = cascade.jwt_sign_hs256(header, payload, "x" * 48)
    elif case == "alg-none":  # RFC 7518 §3.6: an unsecured JWT, which must never be accepted
        header, payload = cascade.jwt_parts(valid)
        token = cascade.unsecured_jwt(dict(header, alg="none"), payload)
    else:
        token = _expired_token(server)
    _expect(_post(f"{server.base_url}/whip/{ROOM}", token, offer_sdp), 401)


# --- 403 --------------------------------------------------------------------------------------

def test_token_for_another_room_is_403(cascade_server, offer_sdp):
    token = cascade_server.token("some-other-room", "p", publish=True, subscribe=True)
    _expect(_post(f"{cascade_server.base_url}/whip/{ROOM}", token, offer_sdp), 403)


def test_whip_without_publish_grant_is_403(cascade_server, offer_sdp):
    token = cascade_server.token(ROOM, "viewer", subscribe=True)
    _expect(_post(f"{cascade_server.base_url}/whip/{ROOM}", token, offer_sdp), 403)


def test_whep_without_subscribe_grant_is_403(cascade_server, live_resource, whep_offer_sdp):
    token = cascade_server.token(ROOM, "publisher-only", publish=True)
    _expect(_post(f"{cascade_server.base_url}/whep/{ROOM}/{live_resource}", token, whep_offer_sdp), 403)


# --- 404 --------------------------------------------------------------------------------------

def test_sdp_that_is_not_utf8_is_400(cascade_server, offer_sdp):
    """RFC 8866 §5: SDP is UTF-8; bytes that are not are refused, not repaired."""
    token = cascade_server.token(ROOM, "p", publish=True)
    body = offer_sdp.encode().replace(b"\r\ns=", b"\r\ns=\xff\xfe", 1)
    assert b"\xff\xfe" in body
    response = requests.post(f"{cascade_server.base_url}/whip/{ROOM}", data=body,
                             headers={"Content-Type": "application/sdp", **cascade.bearer(token)}, timeout=10)
    assert _expect(response, 400)["error"] == "malformed_sdp"


def test_recvonly_whip_offer_is_422(cascade_server, whep_offer_sdp):
    """A WHIP offer that only receives would make a publication that never carries media."""
    token = cascade_server.token(ROOM, "p", publish=True)
    body = _expect(_post(f"{cascade_server.base_url}/whip/{ROOM}", token, whep_offer_sdp), 422)
    assert body["error"] == "unacceptable_sdp", body


def test_whep_unknown_resource_is_404(cascade_server, whep_offer_sdp):
    token = cascade_server.token(ROOM, "viewer", subscribe=True)
    _expect(_post(f"{cascade_server.base_url}/whep/{ROOM}/no-such-resource", token, whep_offer_sdp), 404)


def test_delete_unknown_whip_resource_is_404(cascade_server):
    token = cascade_server.token(ROOM, "p", publish=True)
    response = requests.delete(f"{cascade_server.base_url}/whip/{ROOM}/no-such-resource",
                               headers=cascade.bearer(token), timeout=10)
    _expect(response, 404)


# --- media under attack ------------------------------------------------------------------------

@contextlib.asynccontextmanager
async def _call(server, room: str):
    """An aiortc WHIP publisher and a WHEP subscriber in `room`, once the first frame decoded."""
    publisher, subscriber = WhipPublisher(), WhepSubscriber()
    try:
        await publisher.start(server.base_url, room, server.token(room, "publisher", publish=True))
        await subscriber.start(server.base_url, room, publisher.resource_id,
                               server.token(room, "subscriber", subscribe=True))
        await subscriber.wait_first_frame()
        yield publisher, subscriber
    finally:
        await asyncio.gather(publisher.close(), subscriber.close())


SPOOFED_DTLS = [
    bytes([23, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 9, 0, 1, 0x42]),  # epoch 1, 14 bytes of nothing
    bytes([21, 0xFE, 0xFD, 0, 1, 0, 0, 0, 0, 0, 10, 0, 26]) + b"\x5a" * 26,  # a garbage "alert"
    bytes([22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 50, 0, 12, 1] + [0] * 11),  # a new "ClientHello"
]
SPOOFED_SRTP = [bytes([0x80, 96, 0x12, 0x34]) + b"\xab" * 60, bytes([0x80, 200, 0, 6]) + b"\xcd" * 40]


def test_spoofed_dtls_and_srtp_from_the_peers_address_end_nothing(cascade_server):
    """RFC 6347 §4.1.2.7: records that do not decrypt are discarded; SRTP/SRTCP that fails
    authentication is counted and dropped. Sent with the publisher's and the subscriber's own
    source addresses, they end neither session: frames keep decoding."""
    from harness.spoof import selected_path, send_spoofed_udp

    server = cascade_server
    room = "spoof-room"

    async def run():
        async with _call(server, room) as (publisher, subscriber):
            for peer in (publisher, subscriber):
                local, remote = selected_path(peer.pc)
                for payload in SPOOFED_DTLS + SPOOFED_SRTP:
                    send_spoofed_udp(local, remote, payload)
            result = await measure_coverage(publisher, [subscriber], seconds=4)
            return result, publisher.pc.connectionState, subscriber.pc.connectionState

    (start, end, [coverage]), published, played = asyncio.run(run())
    assert server.alive(), f"server died; log tail:\n{server.log_tail()}"
    assert (published, played) == ("connected", "connected"), f"publisher {published}, subscriber {played}"
    assert coverage >= 0.9, f"subscriber decoded {coverage:.0%} of frames {start}..{end} after the spoofed datagrams"
    assert "DTLS failed" not in server.log_tail(200), server.log_tail(60)


def test_udp_flood_while_session_runs(cascade_server):
    server = cascade_server
    room = "flood-room"
    operator = server.service_token()

    async def run():
        async with _call(server, room) as (publisher, subscriber):
            before = metrics.scrape(server.base_url, operator)
            flooding = asyncio.create_task(asyncio.to_thread(
                flood.udp_flood, "127.0.0.1", server.media_port, count=20000, seconds=6, seed=99))
            result = await measure_coverage(publisher, [subscriber], seconds=6)
            sent = await flooding
            return result, sent, before, metrics.scrape(server.base_url, operator), subscriber.pc.connectionState

    (start, end, [coverage]), sent, before, after, state = asyncio.run(run())
    assert server.alive(), f"server died under the flood; log tail:\n{server.log_tail()}"
    assert sent.sent > 1000, f"flood sent only {sent.sent} datagrams"
    assert state == "connected", f"subscriber {state} after the flood"
    assert coverage >= 0.9, f"subscriber decoded {coverage:.0%} of frames {start}..{end} during the flood"
    assert metrics.increase(before, after, metrics.UDP_DROPPED) > 0, f"{metrics.UDP_DROPPED} did not rise"
    requests.get(f"{server.base_url}/healthz", timeout=5).raise_for_status()
