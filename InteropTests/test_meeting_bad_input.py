"""The signaling protocol under bad input (docs/signaling.md "Errors" and "Limits").

One joined "sender" sends each bad frame over a raw WebSocket; each gets an `error` frame with
the documented code (and `re` = its `id` where one could be read), and the socket stays open
(ping -> pong after each). A "witness" in the same room must be unaffected: it receives no
error, and the chat sent afterwards. The flood: one client sends pings as fast as it can; it
gets `rate_limited` errors and, after 10 of them within 10 s, close code 1008, while a chat
between two other participants keeps flowing in order, each message within 2 s.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from harness import meeting
from harness.signaling import SignalingClient, join_room

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def base_url(request) -> str:
    return meeting.signaling_base_url(request)


MALFORMED_JSON = [
    "{",
    "not json",
    '{"type": "chat", "text": "unterminated}',
    "{'type': 'ping'}",
    "[]",
    "[1, 2, 3]",
    "42",
    '"a string"',
    "null",
    "",
    "{" * 3000,
    "[" * 20000 + "]" * 20000,  # 40 KB of nesting: must not exhaust the parser's stack
]

UNKNOWN_TYPES = [
    {"type": "explode", "id": 9020},
    {"type": "", "id": 9021},
    {"type": "JOIN", "id": 9022},
    {"type": "host.nuke", "id": 9023},
    {"type": "chat.sent", "id": 9024},  # a server-to-client type
    {"id": 9025, "text": "no type"},
]

WRONG_FIELDS = [
    {"type": 5, "id": 9030},
    {"type": "chat", "id": "c9031", "text": 42},
    {"type": "chat", "id": 9032, "text": None},
    {"type": "chat", "id": 9033},
    {"type": "chat", "id": 9034, "text": ""},
    {"type": "chat", "id": 9035, "text": "x" * 4001},
    {"type": "chat", "id": 9036, "text": ["hi"]},
    {"type": "mute", "id": 9037, "publicationId": "local.x", "kind": "smell", "muted": True},
    {"type": "mute", "id": 9038, "publicationId": "local.x", "kind": "audio", "muted": "yes"},
    {"type": "host.lock", "id": 9039, "locked": "true"},
    {"type": "quality", "id": 9040, "packetLoss": 2},
    {"type": "quality", "id": 9041, "packetLoss": "low"},
    {"type": "publish", "id": 9042, "source": "camera", "offer": 123},
    {"type": "publish", "id": 9043, "source": "webcam", "offer": "v=0\r\n"},
    {"type": "subscribe", "id": 9044, "publicationId": ["a"], "offer": "v=0\r\n"},
    {"type": "pause", "id": 9045, "subscriptionId": "s_x", "kind": "video", "paused": 1},
    {"type": "host.remove", "id": 9046, "participantId": 7},
    {"type": "unpublish", "id": 9047},
]


async def _setup(base_url: str, prefix: str) -> tuple[SignalingClient, SignalingClient, str]:
    room = meeting.new_room_name(prefix)
    witness, _ = await join_room(base_url, room, "Witness")
    sender, _ = await join_room(base_url, room, "Sender")
    return witness, sender, room


async def _expect_error(client: SignalingClient, mark: int, code: str | tuple[str, ...], sent: str,
                        request_id=None) -> dict:
    codes = (code,) if isinstance(code, str) else code
    error = await client.wait_for("error", start=mark, what=f"error for {sent[:80]!r}")
    assert error.get("code") in codes, f"{sent[:80]!r}: expected {codes}, got {error}"
    assert isinstance(error.get("message"), str) and error["message"], f"{sent[:80]!r}: no message: {error}"
    if request_id is not None:
        assert error.get("re") == request_id, f"{sent[:80]!r}: error lacks re={request_id!r}: {error}"
    return error


async def _assert_open(client: SignalingClient, after: str) -> None:
    assert not client.closed, f"socket closed ({client.close_code}) after {after[:80]!r}"
    reply = await client.request("ping")
    assert reply["type"] == "pong", f"after {after[:80]!r}: ping answered with {reply}"


async def _witness_unaffected(witness: SignalingClient, sender: SignalingClient, mark: int) -> None:
    reply = await sender.request("chat", text="still here")
    assert reply["type"] == "chat.sent", reply
    chat = await witness.wait_for("chat", lambda m: m["text"] == "still here", start=mark)
    assert chat["name"] == "Sender"
    assert "error" not in witness.types(mark), f"the witness got errors: {witness.messages('error', mark)}"
    await _assert_open(witness, "the sender's bad input")


def test_malformed_json_gets_bad_json(base_url):
    async def scenario():
        witness, sender, _ = await _setup(base_url, "badjson")
        mark_witness = witness.mark()
        try:
            for frame in MALFORMED_JSON:
                mark = sender.mark()
                await sender.send_raw(frame)
                # "{" * 3000 and deep nesting are not JSON objects either way: bad_json.
                await _expect_error(sender, mark, "bad_json", frame)
                await _assert_open(sender, frame)
            mark = sender.mark()
            await sender.send_raw(b'{"type": "ping", "id": 1}')  # binary frames are an error
            await _expect_error(sender, mark, ("bad_message", "bad_json"), "binary frame")
            await _assert_open(sender, "binary frame")
            await _witness_unaffected(witness, sender, mark_witness)
        finally:
            await witness.leave()
            await sender.leave()

    asyncio.run(scenario())


def test_unknown_types_and_wrong_fields_get_bad_message(base_url):
    async def scenario():
        witness, sender, _ = await _setup(base_url, "badmsg")
        mark_witness = witness.mark()
        try:
            for message in UNKNOWN_TYPES + WRONG_FIELDS:
                mark = sender.mark()
                frame = json.dumps(message)
                await sender.send_raw(frame)
                await _expect_error(sender, mark, "bad_message", frame, request_id=message["id"])
                await _assert_open(sender, frame)
            # An id of the wrong type: bad_message (and no `re` to echo).
            mark = sender.mark()
            await sender.send_raw('{"type": "ping", "id": {"x": 1}}')
            await _expect_error(sender, mark, "bad_message", "object id")
            await _assert_open(sender, "object id")
            await _witness_unaffected(witness, sender, mark_witness)
        finally:
            await witness.leave()
            await sender.leave()

    asyncio.run(scenario())


def test_huge_messages_get_message_too_large(base_url):
    """Frames over 64 KiB: message_too_large, socket open, nothing delivered. A message of
    exactly 64 KiB is still accepted (its chat text is too long, so bad_message)."""
    async def scenario():
        witness, sender, _ = await _setup(base_url, "huge")
        mark_witness = witness.mark()
        try:
            def chat_frame(size: int) -> str:
                head = '{"type": "chat", "id": 9099, "text": "'
                return head + "x" * (size - len(head) - 2) + '"}'

            at_limit = chat_frame(65536)
            assert len(at_limit.encode()) == 65536
            mark = sender.mark()
            await sender.send_raw(at_limit)
            await _expect_error(sender, mark, "bad_message", "64 KiB chat (text over 4000 characters)", 9099)
            await _assert_open(sender, "64 KiB frame")

            for size in (65537, 70 * 1024, 200 * 1024):
                frame = chat_frame(size)
                mark = sender.mark()
                await sender.send_raw(frame)
                await _expect_error(sender, mark, "message_too_large", f"{size}-byte frame")
                await _assert_open(sender, f"{size}-byte frame")

            # The same limit for a message sent in fragments (RFC 6455 §5.4): 8 x 10 KiB.
            mark = sender.mark()
            await sender.websocket.send(iter(["x" * 10240] * 8))
            await _expect_error(sender, mark, ("message_too_large", "bad_json"), "fragmented 80 KiB message")
            await _assert_open(sender, "fragmented 80 KiB message")

            assert not [m for m in witness.messages("chat", mark_witness) if len(m.get("text", "")) > 4000]
            await _witness_unaffected(witness, sender, mark_witness)
        finally:
            await witness.leave()
            await sender.leave()

    asyncio.run(scenario())


def test_burst_over_the_limit_is_rate_limited_but_stays_open(base_url):
    """108 pings at once on a full bucket (bursts of 100, refilled at 50/s): each is answered,
    with pong or rate_limited (a refused ping is dropped: no pong for it); about 8 are refused,
    fewer if the server took a while to read them (the bucket refills meanwhile), never the 10
    that would close the socket."""
    async def scenario():
        witness, sender, _ = await _setup(base_url, "burst")
        try:
            await asyncio.sleep(2.5)  # a full bucket
            mark = sender.mark()
            ids = [sender.next_id() for _ in range(108)]
            for request_id in ids:
                await sender.send({"type": "ping", "id": request_id})
            await sender.wait_for(predicate=lambda m: m.get("re") == ids[-1], start=mark, timeout=15)
            await asyncio.sleep(0.5)
            replies = [r for r in sender.received[mark:] if isinstance(r.message, dict) and r.message.get("re") in set(ids)]
            answered = {r.message["re"]: r.message for r in replies}
            limited = [m for m in answered.values() if m["type"] == "error"]
            assert len(answered) == 108, f"{108 - len(answered)} pings got no answer"
            assert all(m["type"] == "pong" for m in answered.values() if m["type"] != "error")
            assert all(m["code"] == "rate_limited" for m in limited), limited
            assert len(limited) <= 8, f"{len(limited)} of 108 refused: more than the 8 over the burst"
            # The bucket refills at 50/s while the server reads: allow for the time it took.
            took = replies[-1].at - replies[0].at
            expected_at_least = int(8 - 50 * took) - 1
            assert len(limited) >= expected_at_least, (
                f"only {len(limited)} of 108 refused although the server answered them all within "
                f"{took * 1000:.0f} ms: the rate limit is not enforced")
            await asyncio.sleep(1)
            await _assert_open(sender, "a burst of 108")
        finally:
            await witness.leave()
            await sender.leave()

    asyncio.run(scenario())


def test_flood_is_cut_off_and_others_keep_chatting(base_url):
    async def scenario():
        room = meeting.new_room_name("flood")
        talker, _ = await join_room(base_url, room, "Talker")
        listener, _ = await join_room(base_url, room, "Listener")
        flooder, _ = await join_room(base_url, room, "Flooder")
        mark_listener = listener.mark()
        sent_at: dict[str, float] = {}

        async def flood():
            sent = 0
            deadline = time.monotonic() + 8
            while not flooder.closed and time.monotonic() < deadline and sent < 20000:
                try:
                    await flooder.send({"type": "ping", "id": sent})
                except Exception:  # noqa: BLE001 - the server closed the socket
                    break
                sent += 1
                if sent % 200 == 0:
                    await asyncio.sleep(0)  # let the reader and the talker run
            return sent

        async def talk():
            for n in range(30):
                text = f"chat {n}"
                sent_at[text] = time.monotonic()
                reply = await talker.request("chat", text=text)
                assert reply["type"] == "chat.sent", reply
                await asyncio.sleep(0.1)

        try:
            sent, _ = await asyncio.gather(flood(), talk())
            limited = flooder.messages("error")
            try:
                code = await flooder.wait_closed(timeout=15)
            except TimeoutError:
                raise AssertionError(f"the flooder's socket is still open after {sent} pings in 8 s "
                                     f"({len(limited)} errors, {len(flooder.messages('pong'))} pongs)")
            limited = flooder.messages("error")
            assert limited and all(m["code"] == "rate_limited" for m in limited), (
                f"no rate_limited error before the close ({code} {flooder.close_reason!r}) after {sent} pings, "
                f"{len(flooder.messages('pong'))} pongs; errors: {limited[:5]}")
            assert code == 1008, f"flooder closed with {code} after {sent} pings, {len(limited)} rate_limited"

            for n in range(30):
                await listener.wait_for("chat", lambda m, n=n: m["text"] == f"chat {n}", start=mark_listener, timeout=10)
            received = [m["text"] for m in listener.messages("chat", mark_listener) if m["text"].startswith("chat ")]
            assert received == [f"chat {n}" for n in range(30)], "chat out of order or duplicated"
            late = [(r.message["text"], round(r.at - sent_at[r.message["text"]], 2))
                    for r in listener.received[mark_listener:]
                    if isinstance(r.message, dict) and r.message.get("type") == "chat"
                    and r.at - sent_at.get(r.message.get("text"), r.at) > 2]
            assert not late, f"chat delayed more than 2 s during the flood: {late}"
            await _assert_open(listener, "the flood")
            await _assert_open(talker, "the flood")
        finally:
            for client in (talker, listener, flooder):
                await client.leave()

    asyncio.run(scenario())
