"""Room and server limits: `cascade serve --max-participants 2 --max-rooms 2` (this module's own
server). A third joiner gets room_full, a third room too_many_rooms, both closing the socket
with 4403 (docs/signaling.md "Errors"); a place freed by a leave can be taken again.
"""

from __future__ import annotations

import asyncio

import pytest

from harness import meeting, require
from harness.signaling import SignalingClient, SignalingError, join_room, link_token, ws_url

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def base_url(artifacts):
    if meeting.external_base_url():
        pytest.skip("starts its own server with limits (CASCADE_MEETING_BASE_URL is set)")
    with meeting.running_server(artifacts, "test_meeting_limits",
                                ("--max-participants", "2", "--max-rooms", "2")) as server:
        require.signaling(server.base_url)
        yield server.base_url


async def _refused(base_url: str, room: str, name: str) -> tuple[str, int]:
    token = await asyncio.to_thread(link_token, base_url, room, name)
    client = await SignalingClient.open(ws_url(base_url), label=name)
    try:
        joined = await client.join(token, name)
    except SignalingError as error:
        return error.code, await client.wait_closed()
    await client.leave()
    raise AssertionError(f"{name} joined {room} but should have been refused: {joined}")


def test_room_full_then_a_place_frees_up(base_url):
    async def scenario():
        room = meeting.new_room_name("full")
        ada, ada_joined = await join_room(base_url, room, "Ada")
        grace, _ = await join_room(base_url, room, "Grace")
        try:
            assert ada_joined["limits"]["maxParticipants"] == 2
            await ada.wait_for("participant.joined")  # Grace
            mark = ada.mark()
            assert await _refused(base_url, room, "Linus") == ("room_full", 4403)
            assert not ada.closed and not grace.closed
            assert "participant.joined" not in ada.types(mark), "a refused joiner was announced"
            await grace.send({"type": "leave"})
            await grace.wait_closed()
            await ada.wait_for("participant.left")
            linus, _ = await join_room(base_url, room, "Linus")
            await linus.leave()
        finally:
            await ada.leave()
            await grace.leave()

    asyncio.run(scenario())


def test_too_many_rooms_then_a_room_closes(base_url):
    async def scenario():
        first, second, third = (meeting.new_room_name(p) for p in ("one", "two", "three"))
        a, _ = await join_room(base_url, first, "A")
        b, _ = await join_room(base_url, second, "B")
        try:
            assert await _refused(base_url, third, "C") == ("too_many_rooms", 4403)
            assert not a.closed and not b.closed
            await b.send({"type": "leave"})
            await b.wait_closed()

            async def join_third():
                c, _ = await join_room(base_url, third, "C")
                await c.leave()
                return True

            meeting_deadline = asyncio.get_running_loop().time() + 10
            while True:  # the empty room closes once its last participant left
                try:
                    await join_third()
                    break
                except SignalingError as error:
                    assert error.code == "too_many_rooms", error
                    if asyncio.get_running_loop().time() > meeting_deadline:
                        raise AssertionError("the second room never closed after its last participant left")
                    await asyncio.sleep(0.5)
        finally:
            await a.leave()
            await b.leave()

    asyncio.run(scenario())


def test_a_socket_that_never_joins_is_closed(base_url):
    """A WebSocket that opens /rtc and never sends `join` holds no slot for long: after 10 s the
    server says `not_joined` and closes it with 1008. A ping meanwhile does not count as joining."""
    async def scenario():
        client = await SignalingClient.open(ws_url(base_url), label="idle")
        started = asyncio.get_running_loop().time()
        await client.send({"type": "ping", "id": 1})
        code = await client.wait_closed(timeout=20)
        waited = asyncio.get_running_loop().time() - started
        errors = [m for m in client.messages("error") if m.get("code") == "not_joined"]
        return code, waited, errors

    code, waited, errors = asyncio.run(scenario())
    assert code == 1008, f"closed with {code}"
    assert waited >= 9, f"closed after {waited:.1f} s, before the 10 s join deadline"
    assert len(errors) == 2, f"expected not_joined for the ping and at the deadline: {errors}"
