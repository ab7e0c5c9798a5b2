"""RFC 9725 §4.6: a WHIP/WHEP answer names the TURN and STUN servers the client may use, in
`Link: <url>; rel="ice-server"` headers, when `cascade serve` has TURN configured: TURN links
carry a TURN REST login for the token's identity (username `expiry:identity`, credential
base64(HMAC-SHA1(secret, username))), STUN links none. Without TURN there are no such links."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import time

import pytest
import requests

from harness import cascade, meeting
from harness.aiortc_peers import WhipPublisher

pytestmark = pytest.mark.server

ROOM = "ice-servers"
SECRET = "turn-rest-shared-secret-for-the-test"
TURN_URL = "turn:127.0.0.1:3478?transport=udp"
STUN_URL = "stun:127.0.0.1:3478"
LINK = re.compile(r'<(?P<url>[^>]+)>\s*;\s*rel="ice-server"(?P<params>.*)')


def _offer() -> str:
    async def make():
        publisher = WhipPublisher(160, 120)
        try:
            return await publisher.create_offer()
        finally:
            await publisher.close()
    return asyncio.run(make())


def _links(response: requests.Response) -> dict[str, dict[str, str]]:
    # Each Link field as sent (urllib3 keeps repeated fields apart; a URL here has no comma).
    found = {}
    for value in response.raw.headers.getlist("Link"):
        for part in filter(None, (p.strip() for p in value.split(","))):
            match = LINK.match(part)
            assert match, f"not an ice-server link: {part!r}"
            params = dict(re.findall(r';\s*([\w-]+)="([^"]*)"', match.group("params")))
            found[match.group("url")] = params
    return found


def _publish(server, identity: str) -> requests.Response:
    token = server.token(ROOM, identity, publish=True)
    response = requests.post(f"{server.base_url}/whip/{ROOM}", data=_offer().encode(),
                             headers={"Content-Type": "application/sdp", **cascade.bearer(token)}, timeout=10)
    assert response.status_code == 201, f"{response.status_code} {response.text[:300]}"
    requests.delete(requests.compat.urljoin(server.base_url, response.headers["Location"]),
                    headers=cascade.bearer(token), timeout=10)
    return response


def test_answers_name_the_turn_servers_with_a_login_for_the_identity(artifacts):
    with meeting.running_server(artifacts, "test_whip_ice_servers",
                                ("--turn-url", TURN_URL, "--turn-url", STUN_URL, "--turn-secret", SECRET)) as server:
        before = int(time.time())
        links = _links(_publish(server, "ann"))
    assert set(links) == {TURN_URL, STUN_URL}, links
    turn = links[TURN_URL]
    expiry, _, user = turn["username"].partition(":")
    assert user == "ann", turn
    assert int(expiry) > before + 3600, f"the login expires too soon: {turn}"
    expected = base64.b64encode(hmac.new(SECRET.encode(), turn["username"].encode(), hashlib.sha1).digest()).decode()
    assert turn["credential"] == expected, turn
    assert turn["credential-type"] == "password", turn
    assert links[STUN_URL] == {}, f"a STUN server needs no login: {links[STUN_URL]}"


def test_no_ice_server_links_without_turn(cascade_server):
    assert "Link" not in _publish(cascade_server, "bob").headers
