"""Self-checks of the meeting-test harness. No Cascade server needed (~20 s).

If these pass and a meeting test fails, the fault is in the server or the web app, not in the
browser flags, the namespaces, the cut/restore mechanism or the signaling client.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import socket
import threading
import time

import pytest
from websockets.asyncio.server import serve

from harness import meeting, require
from harness.signaling import SignalingClient, SignalingError

# --- Chromium: screen capture, several browsers, browser in another namespace ---------------

_CAPTURE_PAGE = b"""<!doctype html><title>capture</title><body><video id=v autoplay muted></video><script>
window.capture = async () => {
  const cam = await navigator.mediaDevices.getUserMedia({video: true, audio: true});
  const screen = await navigator.mediaDevices.getDisplayMedia({video: true});
  document.getElementById('v').srcObject = screen;
  // Loop the screen and the camera through a PeerConnection pair so the recorder sees stats.
  const a = new RTCPeerConnection(), b = new RTCPeerConnection();
  a.onicecandidate = e => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = e => e.candidate && a.addIceCandidate(e.candidate);
  for (const t of [...cam.getTracks(), ...screen.getTracks()]) a.addTrack(t);
  await a.setLocalDescription(); await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(); await a.setRemoteDescription(b.localDescription);
  const s = screen.getVideoTracks()[0], c = cam.getVideoTracks()[0];
  return {screen: {label: s.label, settings: s.getSettings()}, camera: c.getSettings()};
};
</script></body>"""


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(_CAPTURE_PAGE)

    def log_message(self, *args):
        pass


def _serve_page(address: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer((address, 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _capture(page: meeting.MeetingPage) -> dict:
    return page.driver.execute_async_script(
        "const done = arguments[0]; window.capture().then(done, e => done({error: String(e)}));")


@pytest.mark.chromium
def test_headless_screen_capture_and_three_browsers(artifacts):
    """Three headless Chromiums at once (the meeting test's load), each with its own small
    colour clip as camera: getDisplayMedia returns a fake screen without prompt or gesture, and
    camera + microphone + screen loop through a PeerConnection pair (frames decoded grow)."""
    server = _serve_page()
    pages = []
    try:
        for colour in ("red", "green", "blue"):
            clip = meeting.write_camera_y4m(artifacts / f"meeting-camera-{colour}.y4m", colour)
            driver = meeting.start_chromium(artifacts / f"selfcheck-capture-{colour}.chromedriver.log", camera=clip)
            pages.append(meeting.MeetingPage(driver, colour))
        for page in pages:
            page.driver.get(f"http://127.0.0.1:{server.server_address[1]}/")
            info = _capture(page)
            assert "error" not in info, info
            assert info["screen"]["settings"]["displaySurface"] == "monitor", info
            assert (info["camera"]["width"], info["camera"]["height"]) == (320, 240), info
        for page in pages:
            growth = meeting.wait_until(
                lambda: _video_growth(page), timeout=20, what=f"{page.name}: looped frames decoded",
                describe=page.pc_stats)
            assert growth >= 2, growth
    finally:
        server.shutdown()
        for page in pages:
            page.driver.quit()


def _video_growth(page: meeting.MeetingPage) -> int | None:
    """How many inbound video streams decoded frames over 2 s (camera + screen: 2)."""
    def frames() -> dict:
        return {(entry["index"], stream["ssrc"]): stream["frames"] for entry in page.pc_stats()
                for stream in entry["streams"] if stream["direction"] == "in" and stream["kind"] == "video"}
    before = frames()
    time.sleep(2)
    after = frames()
    return sum(1 for key, count in after.items() if count > before.get(key, 0)) or None


# --- network namespaces: cut and restore ---------------------------------------------------

_ECHO_CLIENT = r"""
import socket, sys, time
host, udp_port, tcp_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(1)
t = socket.create_connection((host, tcp_port), timeout=5); t.settimeout(0.2)
pending = b""
for line in sys.stdin:
    word = line.strip().encode()
    result = []
    try:
        u.sendto(word, (host, udp_port)); result.append("udp" if u.recv(100) == word else "udp-wrong")
    except OSError:
        result.append("udp-lost")
    t.sendall(word + b"\n")
    deadline, echoed = time.monotonic() + 1, False
    while not echoed and time.monotonic() < deadline:  # late echoes of earlier words are skipped
        try:
            pending += t.recv(100)
        except socket.timeout:
            continue
        lines = pending.split(b"\n"); pending = lines.pop()
        echoed = word in lines
    result.append("tcp" if echoed else "tcp-lost")
    print(" ".join(result), flush=True)
"""


def _echo_servers(address: str) -> tuple[socket.socket, socket.socket]:
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((address, 0))
    tcp = socket.socket()
    tcp.bind((address, 0))
    tcp.listen()

    def serve_udp():
        while True:
            try:
                data, peer = udp.recvfrom(100)
                udp.sendto(data, peer)
            except OSError:
                return

    def serve_tcp():
        try:
            connection, _ = tcp.accept()
        except OSError:
            return
        with connection:
            buffered = b""
            while True:
                try:
                    data = connection.recv(100)
                except OSError:
                    return
                if not data:
                    return
                buffered += data
                while b"\n" in buffered:
                    line, buffered = buffered.split(b"\n", 1)
                    connection.sendall(line + b"\n")

    threading.Thread(target=serve_udp, daemon=True).start()
    threading.Thread(target=serve_tcp, daemon=True).start()
    return udp, tcp


@pytest.mark.parametrize("mode", ["link", "host-link", "drop"])
def test_veth_namespace_cut_and_restore(mode):
    """A process in its own namespace (veth to ours) echoes UDP and TCP through our servers:
    both work before the cut, neither during it (its link down, our link down, or iptables
    DROP inside), both again after restore, on the same TCP connection (as a 10 s network cut
    leaves it)."""
    require.root_namespaces("a cut of a veth pair", tools=("ip", "iptables") if mode == "drop" else ("ip",))
    with meeting.VethNamespace("selfcheck") as netns:
        udp, tcp = _echo_servers(netns.host_addr)
        client = None
        try:
            import subprocess
            client = subprocess.Popen(
                [*netns.exec_prefix(), "python3", "-c", _ECHO_CLIENT, netns.host_addr,
                 str(udp.getsockname()[1]), str(tcp.getsockname()[1])],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

            def probe(word: str) -> str:
                client.stdin.write(word + "\n")
                client.stdin.flush()
                return client.stdout.readline().strip()

            assert probe("before") == "udp tcp"
            netns.cut(mode)
            assert probe("during") == "udp-lost tcp-lost"
            netns.restore()
            # TCP retransmits "during" once the link is back; "after" queues behind it.
            answers = [probe("after")]
            deadline = time.monotonic() + 15
            while answers[-1] != "udp tcp" and time.monotonic() < deadline:
                answers.append(probe("after"))
            assert answers[-1] == "udp tcp", answers
        finally:
            if client:
                client.kill()
                client.wait()
            udp.close()
            tcp.close()


@pytest.mark.chromium
def test_chromium_in_other_namespace_sees_offline_and_back(artifacts):
    """Chromium runs in its own namespace (wrapper binary + --remote-debugging-pipe): it loads a
    page served on the veth address, the PeerConnection recorder is installed, and a link cut
    shows in the page as offline, the restore as online."""
    require.root_namespaces("Chromium in a namespace of its own", tools=("ip",))
    with meeting.VethNamespace("selfcheck", index=1) as netns:
        server = _serve_page(netns.host_addr)
        driver = None
        try:
            driver = meeting.start_chromium(artifacts / "selfcheck-netns.chromedriver.log", netns=netns)
            driver.get(f"http://{netns.host_addr}:{server.server_address[1]}/")
            assert driver.title == "capture"
            driver.execute_script("window.events = []; addEventListener('offline', () => events.push('offline'));"
                                  "addEventListener('online', () => events.push('online'));")
            assert driver.execute_script("return Array.isArray(window.__interopPCs) && navigator.onLine")
            netns.cut("link")
            meeting.wait_until(lambda: driver.execute_script("return !navigator.onLine"), 10, "offline")
            netns.restore()
            meeting.wait_until(lambda: driver.execute_script("return navigator.onLine"), 10, "online")
            assert driver.execute_script("return window.events") == ["offline", "online"]
        finally:
            if driver:
                driver.quit()
            server.shutdown()


# --- the signaling client against a fake server --------------------------------------------


async def _fake_signaling(websocket):
    """A tiny stand-in for /rtc: enough of docs/signaling.md to exercise the client."""
    joined = False
    async for frame in websocket:
        if isinstance(frame, bytes):
            await websocket.send(json.dumps({"type": "error", "code": "bad_message", "message": "binary"}))
            continue
        try:
            message = json.loads(frame)
        except ValueError:
            await websocket.send(json.dumps({"type": "error", "code": "bad_json", "message": "not JSON"}))
            continue
        reply_to = {"re": message["id"]} if "id" in message else {}
        kind = message.get("type")
        if kind == "join":
            if message.get("token") != "good":
                await websocket.send(json.dumps({"type": "error", "code": "unauthorized", **reply_to}))
                await websocket.close(4401, "unauthorized")
                return
            joined = True
            await websocket.send(json.dumps({"type": "joined", "participantId": "p_1", "resumeToken": "r",
                                             "room": {"name": "x", "participants": []}, **reply_to}))
        elif not joined:
            await websocket.send(json.dumps({"type": "error", "code": "not_joined", **reply_to}))
        elif kind == "chat":
            await websocket.send(json.dumps({"type": "chat", "from": "p_1", "text": message["text"]}))
            await websocket.send(json.dumps({"type": "chat.sent", "messageId": "m1", **reply_to}))
        elif kind == "leave":
            await websocket.close(1000)
            return
        else:
            await websocket.send(json.dumps({"type": "error", "code": "bad_message", **reply_to}))


def test_signaling_client_against_fake_server():
    """Requests get their own reply by id (not an event sent in between), events are kept in
    order, errors come back as frames or SignalingError, close codes are reported."""

    async def run():
        async with serve(_fake_signaling, "127.0.0.1", 0) as server:
            url = f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/rtc"
            client = await SignalingClient.open(url, "a")
            early = await client.request("chat", text="too early")
            assert early["type"] == "error" and early["code"] == "not_joined"
            joined = await client.join("good", "Ada")
            assert joined["participantId"] == "p_1"
            mark = client.mark()
            reply = await client.request("chat", text="hello")
            assert reply["type"] == "chat.sent", reply  # the chat event came first but has no `re`
            event = await client.wait_for("chat", start=mark)
            assert event["text"] == "hello"
            assert client.types(mark) == ["chat", "chat.sent"]
            await client.send_raw("{not json")
            assert (await client.wait_for("error", start=mark))["code"] == "bad_json"
            await client.send_raw(b"\x00binary")
            await client.wait_for("error", lambda m: m["code"] == "bad_message", start=mark)
            with pytest.raises(TimeoutError):
                await client.wait_for("never", timeout=0.3)
            await client.send({"type": "leave"})
            assert await client.wait_closed() == 1000

            intruder = await SignalingClient.open(url, "b")
            with pytest.raises(SignalingError) as error:
                await intruder.join("forged", "Eve")
            assert error.value.code == "unauthorized"
            assert await intruder.wait_closed() == 4401
            with pytest.raises(TimeoutError):  # closed: fails at once, not after the timeout
                started = time.monotonic()
                await intruder.wait_for("anything", timeout=30)
            assert time.monotonic() - started < 5

    asyncio.run(run())
