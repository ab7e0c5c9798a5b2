"""The signaling protocol (docs/signaling.md) with Python clients only, no browsers.

Against `cascade serve` in its default configuration (anyone with the link may join: tokens
from POST /v1/rooms/{room}/join). Each test uses its own room. Covers: join/leave events and
the room state in `joined`, chat, ping, the host (first joiner) and its controls — lock
(room_locked for a new joiner), remove, mute (with a real aiortc publication), end — the
errors a non-host gets (forbidden, socket stays open), not_joined / unauthorized /
unsupported_protocol, a publication negotiated over the socket with media flowing, and a
dropped socket resumed: reconnecting/reconnected, never left + joined.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from harness import meeting
from harness.cascade import forge_signature
from harness.signaling import (SignalingClient, SignalingError, join_room, link_token, publish_aiortc,
                               subscribe_aiortc, ws_url)

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def base_url(request) -> str:
    return meeting.signaling_base_url(request)


class Room:
    """Clients of one room, closed at the end of the test."""

    def __init__(self, base_url: str, prefix: str):
        self.base_url = base_url
        self.name = meeting.new_room_name(prefix)
        self.clients: list[SignalingClient] = []
        self.closers: list = []

    async def join(self, name: str) -> tuple[SignalingClient, dict]:
        """Joins, then waits until everyone already in the room saw participant.joined for
        the newcomer, so later marks (client.mark()) see only what follows."""
        client, joined = await join_room(self.base_url, self.name, name)
        for other in self.clients:
            if not other.closed and other.token is not None:
                await other.wait_for("participant.joined",
                                     lambda m: m["participant"]["id"] == joined["participantId"])
        self.clients.append(client)
        return client, joined

    async def open(self, label: str) -> SignalingClient:
        client = await SignalingClient.open(ws_url(self.base_url), label=label)
        self.clients.append(client)
        return client

    async def token(self, name: str) -> str:
        return await asyncio.to_thread(link_token, self.base_url, self.name, name)

    async def close(self) -> None:
        for closer in self.closers:
            with contextlib.suppress(Exception):
                await closer()
        for client in self.clients:
            with contextlib.suppress(Exception):
                await client.leave()


def run(base_url: str, prefix: str, scenario) -> None:
    async def main():
        room = Room(base_url, prefix)
        try:
            await scenario(room)
        finally:
            await room.close()
    asyncio.run(main())


async def assert_open(client: SignalingClient) -> None:
    """The socket is still usable: ping gets pong."""
    reply = await client.request("ping")
    assert reply["type"] == "pong", f"{client.label}: ping answered with {reply}"


def test_join_state_events_and_leave(base_url):
    async def scenario(room: Room):
        ada, ada_joined = await room.join("Ada")
        assert ada_joined["room"]["name"] == room.name
        assert ada_joined["room"]["participants"] == []
        assert ada_joined["room"]["locked"] is False
        assert ada_joined["room"]["hostIds"] == [ada_joined["participantId"]], "the first joiner is the host"
        assert isinstance(ada_joined["resumeToken"], str) and ada_joined["resumeToken"]
        assert ada_joined["limits"]["maxMessageBytes"] == 65536
        assert isinstance(ada_joined["iceServers"], list)

        grace, grace_joined = await room.join("Grace")
        [seen] = grace_joined["room"]["participants"]
        assert seen["id"] == ada_joined["participantId"] and seen["name"] == "Ada"
        assert seen["host"] is True and seen["state"] == "active" and seen["publications"] == []
        assert grace_joined["room"]["hostIds"] == [ada_joined["participantId"]], "a link joiner is no host"
        event = await ada.wait_for("participant.joined")
        assert event["participant"]["id"] == grace_joined["participantId"]
        assert event["participant"]["name"] == "Grace" and event["participant"]["host"] is False

        mark = ada.mark()
        await grace.send({"type": "leave"})
        assert await grace.wait_closed() == 1000
        left = await ada.wait_for("participant.left", start=mark)
        assert left == {**left, "participantId": grace_joined["participantId"], "reason": "left"}

        # A new joiner sees only who is still there.
        _, linus_joined = await room.join("Linus")
        assert [p["id"] for p in linus_joined["room"]["participants"]] == [ada_joined["participantId"]]

    run(base_url, "join", scenario)


def test_chat_reaches_everyone_including_sender(base_url):
    async def scenario(room: Room):
        clients = [await room.join(name) for name in ("Ada", "Grace", "Linus")]
        (ada, _), (grace, grace_joined), (linus, _) = clients
        marks = [c.mark() for c, _ in clients]
        reply = await grace.request("chat", text="hello, room ✓")
        assert reply["type"] == "chat.sent" and reply["messageId"], reply
        for (client, _), mark in zip(clients, marks):
            chat = await client.wait_for("chat", start=mark)
            assert chat["from"] == grace_joined["participantId"] and chat["name"] == "Grace"
            assert chat["text"] == "hello, room ✓" and chat["messageId"] == reply["messageId"]
            assert isinstance(chat["ts"], int) and chat["ts"] > 1_600_000_000_000
        await assert_open(ada)
        await assert_open(linus)

    run(base_url, "chat", scenario)


def test_host_lock_refuses_new_joiners_until_unlocked(base_url):
    async def scenario(room: Room):
        (host, host_joined), (guest, _) = await room.join("Host"), await room.join("Guest")
        mark = guest.mark()
        reply = await host.request("host.lock", locked=True)
        assert reply["type"] == "ok", reply
        for client in (host, guest):
            locked = await client.wait_for("room.locked", start=mark if client is guest else 0)
            assert locked["locked"] is True and locked["by"] == host_joined["participantId"]

        late = await room.open("Late")
        with pytest.raises(SignalingError) as refused:
            await late.join(await room.token("Late"), "Late")
        assert refused.value.code == "room_locked"
        assert await late.wait_closed() == 4403

        assert (await host.request("host.lock", locked=False))["type"] == "ok"
        await guest.wait_for("room.locked", lambda m: m["locked"] is False)
        _, joined = await room.join("Later")
        assert len(joined["room"]["participants"]) == 2

    run(base_url, "lock", scenario)


def test_host_removes_a_participant(base_url):
    async def scenario(room: Room):
        (host, host_joined), (victim, victim_joined), (witness, _) = [
            await room.join(n) for n in ("Host", "Victim", "Witness")]
        mark = witness.mark()
        reply = await host.request("host.remove", participantId=victim_joined["participantId"], reason="test")
        assert reply["type"] == "ok", reply
        removed = await victim.wait_for("removed")
        assert removed["by"] == host_joined["participantId"]
        await victim.wait_closed()
        left = await witness.wait_for("participant.left", start=mark)
        assert left["participantId"] == victim_joined["participantId"] and left["reason"] == "removed"
        missing = await host.request("host.remove", participantId="p_nobody")
        assert missing["type"] == "error" and missing["code"] == "not_found", missing
        await assert_open(host)

    run(base_url, "remove", scenario)


def test_non_host_gets_forbidden_and_stays_connected(base_url):
    async def scenario(room: Room):
        (host, host_joined), (guest, _) = await room.join("Host"), await room.join("Guest")
        target = host_joined["participantId"]
        attempts = [("host.mute", {"participantId": target, "kind": "audio"}),
                    ("host.remove", {"participantId": target}),
                    ("host.lock", {"locked": True}),
                    ("host.end", {})]
        for type_, fields in attempts:
            reply = await guest.request(type_, **fields)
            assert reply["type"] == "error" and reply["code"] == "forbidden", f"{type_}: {reply}"
            assert isinstance(reply.get("message"), str) and reply["message"]
            await assert_open(guest)
        # Nothing happened: the host was not removed, the room not locked or ended.
        assert "removed" not in host.types() and "room.ended" not in host.types()
        assert "room.locked" not in guest.types()
        await assert_open(host)

    run(base_url, "forbidden", scenario)


def test_host_ends_the_meeting_for_everyone(base_url):
    async def scenario(room: Room):
        clients = [await room.join(n) for n in ("Host", "A", "B")]
        host, host_joined = clients[0]
        await host.send({"type": "host.end", "id": "end-1", "reason": "done"})
        for client, _ in clients:
            ended = await client.wait_for("room.ended")
            assert ended["by"] == host_joined["participantId"], ended
            await client.wait_closed()
        # The host may or may not see its `ok` before the socket closes; nothing else is promised.

    run(base_url, "end", scenario)


def test_errors_before_and_at_join(base_url):
    async def scenario(room: Room):
        early = await room.open("Early")
        reply = await early.request("chat", text="hi")
        assert reply["type"] == "error" and reply["code"] == "not_joined", reply
        await assert_open_before_join(early)

        forged = await room.open("Forged")
        with pytest.raises(SignalingError) as error:
            await forged.join(forge_signature(await room.token("Forged")), "Forged")  # a JWT with its signature flipped
        assert error.value.code == "unauthorized"
        assert await forged.wait_closed() == 4401

        garbage = await room.open("Garbage")
        with pytest.raises(SignalingError) as error:
            await garbage.join("not-a-jwt", "Garbage")
        assert error.value.code == "unauthorized"
        assert await garbage.wait_closed() == 4401

        future = await room.open("Future")
        with pytest.raises(SignalingError) as error:
            await future.join(await room.token("Future"), "Future", protocol=99)
        assert error.value.code == "unsupported_protocol"
        await future.wait_closed()

    run(base_url, "errors", scenario)


async def assert_open_before_join(client: SignalingClient) -> None:
    """Before join every message is not_joined, but the socket stays open: a second one is
    answered too."""
    reply = await client.request("ping")
    assert reply["type"] == "error" and reply["code"] == "not_joined", reply
    assert not client.closed


def test_publish_subscribe_mute_over_signaling(base_url):
    """An aiortc participant publishes through the socket; another subscribes and decodes its
    frames; the others see track.published; the host mutes its audio (track.muted, by the host)."""
    async def scenario(room: Room):
        (host, host_joined), (speaker, speaker_joined) = await room.join("Host"), await room.join("Speaker")
        mark = host.mark()
        publisher, publication_id = await publish_aiortc(speaker)
        room.closers.append(publisher.close)
        published = await host.wait_for("track.published", start=mark)
        assert published["participantId"] == speaker_joined["participantId"]
        assert published["publication"]["id"] == publication_id
        assert published["publication"]["source"] == "camera"
        assert sorted(published["publication"]["kinds"]) == ["audio", "video"]

        subscriber, _ = await subscribe_aiortc(host, publication_id)
        room.closers.append(subscriber.close)
        await subscriber.wait_first_frame(timeout=15)
        frames = subscriber.video.frames
        await asyncio.sleep(2)
        assert subscriber.video.frames - frames >= 15, "video through the subscription stalled"
        assert subscriber.audio.frames > 0

        already = await speaker.request("publish", source="camera", offer=await publisher.create_offer())
        assert already["type"] == "error" and already["code"] == "already_published", already
        nowhere = await host.request("subscribe", publicationId="local.nothing", offer="v=0\r\n")
        assert nowhere["type"] == "error" and nowhere["code"] in ("not_found", "bad_sdp"), nowhere

        mark_speaker, mark_host = speaker.mark(), host.mark()
        reply = await host.request("host.mute", participantId=speaker_joined["participantId"], kind="audio")
        assert reply["type"] == "ok", reply
        for client, mark in ((speaker, mark_speaker), (host, mark_host)):
            muted = await client.wait_for("track.muted", start=mark)
            assert muted["participantId"] == speaker_joined["participantId"]
            assert muted["publicationId"] == publication_id
            assert muted["kind"] == "audio" and muted["muted"] is True
            assert muted["by"] == host_joined["participantId"]

        # Self unmute: the reply `muted`, the others `track.muted` by "self".
        mark_host = host.mark()
        reply = await speaker.request("mute", publicationId=publication_id, kind="audio", muted=False)
        assert reply["type"] == "muted" and reply["muted"] is False, reply
        unmuted = await host.wait_for("track.muted", start=mark_host)
        assert unmuted["muted"] is False and unmuted["by"] == "self"

        mark_host = host.mark()
        reply = await speaker.request("unpublish", publicationId=publication_id)
        assert reply["type"] == "unpublished", reply
        gone = await host.wait_for("track.unpublished", start=mark_host)
        assert gone["publicationId"] == publication_id

    run(base_url, "media", scenario)


def test_dropped_socket_resumes_without_leave_join(base_url):
    """A participant's TCP connection drops (no close frame); it comes back with `resume`:
    same participantId, a new resumeToken; the other saw reconnecting then reconnected, and
    no participant.left / participant.joined for it."""
    async def scenario(room: Room):
        (watcher, _), (mover, mover_joined) = await room.join("Watcher"), await room.join("Mover")
        mark = watcher.mark()
        await mover.abort()
        event = await watcher.wait_for("participant.reconnecting", start=mark, timeout=40)
        assert event["participantId"] == mover_joined["participantId"]

        again = await room.open("Mover again")
        joined = await again.join(mover.token, "Mover",
                                  resume={"participantId": mover_joined["participantId"],
                                          "resumeToken": mover_joined["resumeToken"]})
        assert joined["participantId"] == mover_joined["participantId"]
        assert joined["resumeToken"] != mover_joined["resumeToken"]
        back = await watcher.wait_for("participant.reconnected", start=mark)
        assert back["participantId"] == mover_joined["participantId"]
        await assert_open(again)
        types = watcher.types(mark)
        assert "participant.left" not in types and "participant.joined" not in types, types

    run(base_url, "resume", scenario)
