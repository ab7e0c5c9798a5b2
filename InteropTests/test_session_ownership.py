"""Who may end or change a WHIP/WHEP session: the identity whose token created it, or a token
with the admin grant. A guest token of the room — which anyone gets by default from the meeting
app — is refused (403) for another identity's publication and playback session, DELETE and
PATCH alike, and the host's camera keeps flowing to its viewer meanwhile."""

from __future__ import annotations

import asyncio

import requests

from harness import cascade
from harness.aiortc_peers import WhepSubscriber, WhipPublisher, measure_coverage

ROOM = "ownership-room"
SDPFRAG = "a=ice-ufrag:gst1\r\na=ice-pwd:guestpasswordguestpassword\r\n"


def _request(method: str, url: str, token: str, etag: str | None = None) -> requests.Response:
    headers = cascade.bearer(token)
    if method == "PATCH":
        headers |= {"Content-Type": "application/trickle-ice-sdpfrag", "If-Match": etag or "*"}
        return requests.patch(url, data=SDPFRAG.encode(), headers=headers, timeout=10)
    return requests.delete(url, headers=headers, timeout=10)


def test_a_guest_cannot_end_or_patch_another_identitys_sessions(cascade_server):
    server = cascade_server
    guest = server.token(ROOM, "guest", publish=True, subscribe=True)

    async def run():
        publisher, viewer = WhipPublisher(320, 240), WhepSubscriber()
        try:
            await publisher.start(server.base_url, ROOM, server.token(ROOM, "host", publish=True))
            await viewer.start(server.base_url, ROOM, publisher.resource_id, server.token(ROOM, "viewer", subscribe=True))
            await viewer.wait_first_frame()
            refused = {}
            for what, url in (("publication", publisher.location), ("playback", viewer.location)):
                for method in ("DELETE", "PATCH"):
                    response = await asyncio.to_thread(_request, method, url, guest)
                    refused[f"{method} {what}"] = response
            # Media goes on: nothing was ended.
            start, end, [coverage] = await measure_coverage(publisher, [viewer], seconds=3)
            state = viewer.pc.connectionState
            # The owners themselves may end their sessions.
            owned = (await viewer.delete(), await publisher.delete())
            return refused, coverage, state, owned
        finally:
            await asyncio.gather(publisher.close(), viewer.close())

    refused, coverage, state, owned = asyncio.run(run())
    for what, response in refused.items():
        assert response.status_code == 403, f"a guest's {what}: {response.status_code} {response.text[:300]}"
        assert cascade.error_body(response)["error"] == "not_owner", f"a guest's {what}: {response.text[:300]}"
    assert state == "connected" and coverage >= 0.9, \
        f"the viewer decoded {coverage:.0%} of the host's frames after the guest's attempts ({state})"
    assert owned == (200, 200), f"the owners' own DELETEs answered {owned}"


def test_an_admin_token_may_end_any_session(cascade_server):
    server = cascade_server
    admin = server.token(ROOM, "moderator", publish=True, subscribe=True, admin=True)

    async def run():
        publisher = WhipPublisher(320, 240)
        try:
            await publisher.start(server.base_url, ROOM, server.token(ROOM, "speaker", publish=True))
            response = await asyncio.to_thread(_request, "DELETE", publisher.location, admin)
            listed = await asyncio.to_thread(cascade.publications, server.base_url, ROOM, admin)
            return response.status_code, listed, publisher.resource_id
        finally:
            await publisher.close()

    status, publications, resource = asyncio.run(run())
    assert status == 200
    assert resource not in publications, f"still listed after the admin's DELETE: {publications}"
