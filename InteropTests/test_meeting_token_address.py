"""An invitation link with a token (/r/{room}?token=…) on a server that requires tokens: Chromium
joins with it, the token is gone from the address bar (it would stay in the history, bookmarks
and Referer headers), and a reload of the tab joins again with the token the tab kept."""

from __future__ import annotations

import urllib.parse

import pytest

from harness import meeting

pytestmark = [pytest.mark.server, pytest.mark.chromium]


def test_a_token_in_the_address_is_used_and_taken_out_of_it(artifacts):
    room = meeting.new_room_name("invite")
    with meeting.running_server(artifacts, "test_meeting_token_address", ("--require-token",)) as server:
        token = server.token(room, "tia", publish=True, subscribe=True)
        browsers = meeting.Browsers(artifacts, "token-address")
        try:
            page = browsers.start("Tia", "cyan")
            invitation = meeting.room_url(server.base_url, room, "Tia") + "&" + urllib.parse.urlencode({"token": token})
            page.driver.get(invitation)
            first = page.wait_phase("meeting", 60)
            address = page.driver.execute_script("return location.href")
            assert "token" not in urllib.parse.urlparse(address).query, address
            assert "name=Tia" in address and "testing=1" in address, f"the other parameters stay: {address}"
            assert token not in page.driver.execute_script("return JSON.stringify(history.state) + document.referrer")

            page.driver.refresh()
            again = page.wait_phase("meeting", 60)
            assert again["participantId"], again
            assert first["room"] == again["room"] == room
        finally:
            browsers.close()
