"""A meeting between headless Firefox and headless Chromium in the web app (issue 3: "works in
Chromium and Firefox at desktop and phone widths").

Fiona (firefox-esr, driven over WebDriver BiDi by harness.firefox; fake camera and microphone
by prefs) opens /r/{room}?name=Fiona&autojoin=1 first, so she is the host; Ada (Chromium, red
fake camera clip) joins next. The tests run in order on the same meeting:
  1. both are in the meeting and each sees the other, with a camera tile;
  2. each plays the other's video (frames decoded growing) and audio (bytes growing), by the
     app's counters and, independently, by the recorded PeerConnections' getStats() (audio
     packets and video frames growing);
  3. a chat message typed in Firefox arrives at Chromium, and one from Chromium at Firefox;
  4. screenshots of both at desktop width (artifacts/interop/meeting-firefox-*.png); then
     Firefox at phone width (390x844): the tile grid renders (both tiles laid out inside the
     viewport) and the page does not overflow horizontally; a screenshot of that too.

Network: Firefox gathers no ICE candidate in a namespace that has only `lo` (harness.firefox.
routable_address), so this module gives the suite's namespace a veth address (10.214.0.1) and
a default route while it runs, and `cascade serve` binds and advertises that address; both
browsers treat http://10.214.0.1:PORT as a secure context.
"""

from __future__ import annotations

import time

import pytest

from harness import firefox, meeting, require
from harness.meeting import wait_until

pytestmark = [pytest.mark.server, pytest.mark.chromium]

JOIN_TIMEOUT = 45
MEDIA_TIMEOUT = 45
ADDRESS = "10.214.0.1"
LABEL = "firefox"


class Meeting:
    def __init__(self, firefox_page: meeting.MeetingPage, chromium_page: meeting.MeetingPage, room: str):
        self.firefox = firefox_page
        self.chromium = chromium_page
        self.room = room

    def pairs(self):
        """(page, the other page), both ways."""
        return ((self.firefox, self.chromium), (self.chromium, self.firefox))


@pytest.fixture(scope="module")
def room(artifacts):
    if not firefox.installed():
        require.missing(f"Firefox is not installed at {firefox.FIREFOX} (scripts/install-deps.sh --test: firefox-esr)")
    require.root_namespaces("giving Firefox a routable address", tools=("ip",))
    with firefox.routable_address(ADDRESS), \
            meeting.running_server(artifacts, "meeting-firefox", bind=ADDRESS) as server:
        base_url = server.base_url
        require.signaling(base_url)
        browsers = meeting.Browsers(artifacts, LABEL)
        name = meeting.new_room_name("firefox")
        try:
            driver = firefox.start_firefox(artifacts / f"meeting-{LABEL}-Fiona.firefox.log",
                                           preload=meeting.PC_RECORDER, secure_origins=(base_url,))
            fiona = meeting.MeetingPage(driver, "Fiona")
            browsers.pages.append(fiona)  # close() saves its console and quits it like the others
            fiona.open(base_url, name)
            fiona.participant_id = fiona.wait_phase("meeting", JOIN_TIMEOUT)["participantId"]
            ada = browsers.start("Ada", "red", secure_origins=(base_url,))
            ada.open(base_url, name)
            ada.participant_id = ada.wait_phase("meeting", JOIN_TIMEOUT)["participantId"]
            yield Meeting(fiona, ada, name)
        finally:
            browsers.close()


def test_both_join_and_see_each_other(room):
    assert room.firefox.state()["host"] is True, "Firefox joined first: the host"
    for page, other in room.pairs():
        def sees_other():
            state = page.state()
            seen = {p["id"]: p["name"] for p in state["participants"] if p["state"] == "active"}
            return state if seen == {other.participant_id: other.name} else None

        state = wait_until(sees_other, JOIN_TIMEOUT, f"{page.name} sees {other.name}", describe=page.describe)
        assert state["name"] == page.name and state["room"] == room.room and state["connected"]
        wait_until(lambda: page.tiles(other.participant_id, "camera"), 20,
                   f"{page.name}: a camera tile for {other.name}", describe=page.describe)


def _counters(page: meeting.MeetingPage, other: meeting.MeetingPage) -> tuple[int, int]:
    remote = page.remote(other.participant_id, page.stats()) or {}
    return remote.get("videoFramesDecoded", 0), remote.get("audioBytesReceived", 0)


def _inbound(page: meeting.MeetingPage) -> dict[str, int]:
    """Summed over the recorded PeerConnections: video frames decoded, audio packets received."""
    totals = page.inbound_totals()
    return {"frames": sum((t["video"] or {}).get("frames", 0) for t in totals.values()),
            "audio_packets": sum((t["audio"] or {}).get("packets", 0) for t in totals.values())}


def test_each_plays_the_others_video_and_audio(room):
    for page, other in room.pairs():
        wait_until(lambda: all(n > 0 for n in _counters(page, other)), MEDIA_TIMEOUT,
                   f"{page.name}: first video frames and audio bytes from {other.name}", describe=page.describe)
    before = {page.name: (_counters(page, other), _inbound(page)) for page, other in room.pairs()}
    time.sleep(4)
    for page, other in room.pairs():
        (frames0, audio0), pcs0 = before[page.name]
        frames1, audio1 = _counters(page, other)
        pcs1 = _inbound(page)
        assert frames1 - frames0 >= 20, \
            f"{page.name} decoded only {frames1 - frames0} frames of {other.name}'s video in 4 s"
        assert audio1 - audio0 >= 4000, \
            f"{page.name} received only {audio1 - audio0} audio bytes from {other.name} in 4 s"
        # Independent of the app's counters: getStats() of the PeerConnections the page created.
        assert pcs1["frames"] - pcs0["frames"] >= 20, f"{page.name}: getStats video frames {pcs0} -> {pcs1}"
        assert pcs1["audio_packets"] - pcs0["audio_packets"] >= 100, \
            f"{page.name}: getStats audio packets {pcs0} -> {pcs1} (50 per second expected)"


def _send_chat(page: meeting.MeetingPage, text: str) -> None:
    if not any(e.is_displayed() for e in page.by_testid("chat-input")):
        page.click("btn-chat")
    wait_until(lambda: any(e.is_displayed() for e in page.by_testid("chat-input")), 10,
               f"{page.name}'s chat input", describe=page.describe)
    [field] = [e for e in page.by_testid("chat-input") if e.is_displayed()]
    field.send_keys(text)
    page.click("chat-send")


def test_chat_both_ways(room):
    for page, other in room.pairs():
        text = f"hello from {page.name} {int(time.time())}"
        _send_chat(page, text)
        message = wait_until(lambda: next((c for c in other.state()["chat"] if c["text"] == text), None), 20,
                             f"{other.name} receives {page.name}'s chat", describe=other.describe)
        assert message["from"] == page.participant_id and message["name"] == page.name
        wait_until(lambda: text in other.chat_texts(), 10, f"{other.name}: the message in the chat list",
                   describe=other.describe)
        wait_until(lambda: text in page.chat_texts(), 10, f"{page.name} sees their own message",
                   describe=page.describe)


_LAYOUT = """
const tiles = Array.from(document.querySelectorAll('[data-testid="tile"]')).map(t => {
  const r = t.getBoundingClientRect(), v = t.querySelector('video');
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {id: t.dataset.participantId, source: t.dataset.source, local: t.dataset.local,
          left: r.left, right: r.right, top: r.top, width: r.width, height: r.height,
          shown: getComputedStyle(t).display !== 'none' && r.width > 0 && r.height > 0,
          onTop: !!hit && t.contains(hit),
          video: v ? {width: v.videoWidth, height: v.videoHeight, paused: v.paused} : null};
});
const stage = document.querySelector('[data-testid="stage"]');
return {innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth,
        bodyScrollWidth: document.body.scrollWidth, tiles,
        layout: stage && stage.dataset.layout, count: stage && stage.dataset.count};
"""


def test_grid_at_desktop_and_phone_width(room, artifacts):
    for page, other in room.pairs():
        # The remote tile shows decoded video before the screenshot.
        wait_until(lambda: next((t for t in page.driver.execute_script(_LAYOUT)["tiles"]
                                 if t["id"] == other.participant_id and t["shown"]
                                 and (t["video"] or {}).get("width", 0) > 0), None), 20,
                   f"{page.name}: {other.name}'s tile plays video", describe=page.describe)
        page.screenshot(artifacts / f"meeting-{LABEL}-{page.name}.png")
    fiona = room.firefox
    if any(e.is_displayed() for e in fiona.by_testid("panel-close")):
        fiona.click("panel-close")  # at phone width an open side panel covers the whole grid
        wait_until(lambda: not any(e.is_displayed() for e in fiona.by_testid("chat-input")), 10,
                   "Firefox's chat panel closes", describe=fiona.describe)
    fiona.driver.set_viewport(*firefox.PHONE)
    try:
        def phone_layout():
            layout = fiona.driver.execute_script(_LAYOUT)
            if layout["innerWidth"] != firefox.PHONE[0]:
                return None
            shown = [t for t in layout["tiles"] if t["shown"] and t["onTop"]]
            return layout if {t["id"] for t in shown} >= {fiona.participant_id, room.chromium.participant_id} else None

        layout = wait_until(phone_layout, 10, "Firefox at phone width shows both tiles", describe=fiona.describe)
        time.sleep(1)  # let the grid settle after the resize before measuring and capturing
        layout = wait_until(phone_layout, 10, "Firefox at phone width shows both tiles", describe=fiona.describe)
        assert layout["scrollWidth"] <= layout["innerWidth"], f"horizontal overflow at phone width: {layout}"
        assert layout["bodyScrollWidth"] <= layout["innerWidth"], f"horizontal overflow at phone width: {layout}"
        for tile in layout["tiles"]:
            if tile["shown"]:
                assert tile["top"] >= -1 and tile["top"] + tile["height"] <= firefox.PHONE[1] + 1, \
                    f"tile off screen: {layout}"
                assert tile["left"] >= -1 and tile["right"] <= layout["innerWidth"] + 1, f"tile off screen: {layout}"
                assert tile["width"] >= 100, f"tile too small to see at phone width: {layout}"
        fiona.screenshot(artifacts / f"meeting-{LABEL}-{fiona.name}-phone.png")
    finally:
        fiona.driver.set_viewport(*firefox.DESKTOP)
