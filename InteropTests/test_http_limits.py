"""Slow, oversized and non-HTTP requests get an answer and a closed socket, never a held one
(docs/security.md, "Limits"): this module's own `cascade serve --http-read-timeout 2
--http-idle-timeout 3`, spoken to over raw TCP the way an attacker would."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
import requests

from harness import meeting, require
from harness.signaling import SignalingClient, link_token, ws_url

pytestmark = pytest.mark.server

READ_TIMEOUT = 2
IDLE_TIMEOUT = 3


@pytest.fixture(scope="module")
def server(artifacts):
    with meeting.running_server(artifacts, "test_http_limits", (
            "--http-read-timeout", str(READ_TIMEOUT), "--http-idle-timeout", str(IDLE_TIMEOUT))) as server:
        require.signaling(server.base_url)
        yield server


def _exchange(server, payload: bytes, wait: float) -> tuple[bytes, float]:
    """Sends payload (as fast as the socket takes it), then reads until the server closes the
    connection: what it answered, and how long after the last byte sent it closed. Fails if it
    is still open after `wait` seconds."""
    with socket.create_connection((server.host, server.http_port), timeout=wait) as connection:
        try:
            connection.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed while we were still sending: what it said is read below
        sent = time.monotonic()
        answer = b""
        while True:
            try:
                chunk = connection.recv(65536)
            except ConnectionResetError:
                break
            except socket.timeout:
                pytest.fail(f"the connection was still open {wait} s later; answer so far {answer[:120]!r}")
            if not chunk:
                break
            answer += chunk
        return answer, time.monotonic() - sent


def _status(answer: bytes) -> int:
    assert answer.startswith(b"HTTP/1.1 "), f"no HTTP answer: {answer[:120]!r}"
    return int(answer.split(b" ", 2)[1])


def test_a_half_sent_head_gets_408_at_the_head_deadline(server):
    answer, after = _exchange(server, b"GET /healthz HTTP/1.1\r\nHost: cascade\r\nX-Slow: ", READ_TIMEOUT + 5)
    assert _status(answer) == 408, answer
    assert READ_TIMEOUT - 0.5 <= after, f"closed after {after:.1f} s, before the deadline"


@pytest.mark.parametrize("route", ["join", "whip"])
def test_a_trickled_body_gets_408_at_the_read_deadline(server, route):
    """The head arrives, the body never does: no timer of the HTTP server's own runs while a
    request is in progress, so the handler's body read has its own deadline."""
    if route == "join":
        head = b"POST /v1/rooms/slow-body/join HTTP/1.1\r\nHost: cascade\r\nContent-Type: application/json\r\n"
    else:
        token = server.token("slow-body", "slow", publish=True)
        head = (b"POST /whip/slow-body HTTP/1.1\r\nHost: cascade\r\nContent-Type: application/sdp\r\n"
                b"Authorization: Bearer " + token.encode() + b"\r\n")
    answer, after = _exchange(server, head + b"Content-Length: 1000\r\n\r\n{\"na", READ_TIMEOUT + 5)
    assert _status(answer) == 408, answer
    assert b"body_timeout" in answer, answer
    assert READ_TIMEOUT - 0.5 <= after, f"answered after {after:.1f} s, before the deadline"


def test_a_connection_that_sends_nothing_is_closed_at_the_head_deadline(server):
    answer, after = _exchange(server, b"", READ_TIMEOUT + 5)
    assert _status(answer) == 408, answer
    assert after >= READ_TIMEOUT - 0.5


def test_a_kept_alive_connection_is_closed_when_idle(server):
    answer, after = _exchange(server, b"GET /healthz HTTP/1.1\r\nHost: cascade\r\n\r\n", IDLE_TIMEOUT + 5)
    assert _status(answer) == 200, answer
    assert after >= IDLE_TIMEOUT - 0.5, f"closed after {after:.1f} s, before the idle timeout"


@pytest.mark.parametrize("label, payload, status", [
    ("a 100 KB URL", b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: cascade\r\n\r\n", 414),
    ("10,000 header fields", b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(10_000)) + b"\r\n", 431),
    ("a 1 MB header field", b"GET / HTTP/1.1\r\nX-Big: " + b"b" * 1_000_000 + b"\r\n\r\n", 431),
    # The start of a TLS 1.2 ClientHello (handshake record, version 3.1), as a browser sends to https://.
    ("a TLS ClientHello", bytes.fromhex("160301020001000200") + b"\x03\x03" + bytes(32), 400),
])
def test_oversized_or_non_http_requests_are_answered_and_closed(server, label, payload, status):
    answer, _ = _exchange(server, payload, 10)
    assert _status(answer) == status, f"{label}: {answer[:200]!r}"
    assert b"\r\nconnection: close\r\n" in answer.lower(), answer[:200]
    # The server is unharmed: the next request is served.
    assert requests.get(f"{server.base_url}/healthz", timeout=5).status_code == 200


def test_a_websocket_outlives_the_http_idle_timeout(server):
    """The idle timeout is for HTTP between requests; a joined signaling socket that is quiet
    longer than it stays open (WebSockets have their own pings and the join deadline)."""
    async def scenario():
        token = await asyncio.to_thread(link_token, server.base_url, "http-limits-ws", "Quiet")
        client = await SignalingClient.open(ws_url(server.base_url), label="Quiet")
        try:
            await client.join(token, "Quiet")
            await asyncio.sleep(IDLE_TIMEOUT + 2)
            assert (await client.request("ping"))["type"] == "pong"
        finally:
            await client.leave()
    asyncio.run(scenario())
