"""Session limits of a media node (docs/security.md, "Limits"): per identity and per address a
429, for the whole node a 503, both with Retry-After; sessions that never complete ICE give
their place back at the connect timeout; and memory comes back after 5,000 sessions come and go.
"""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import time

import pytest
import requests

from harness import meeting
from harness.aiortc_peers import whip_offer_sdp

pytestmark = pytest.mark.server

ROOM = "limits-room"


@pytest.fixture(scope="module")
def offer_sdp() -> str:
    return whip_offer_sdp()


def _publish(server, token: str, offer: str, source: str = "127.0.0.1") -> tuple[int, dict, str | None, str | None]:
    """POST /whip from `source` (any 127/8 address reaches the loopback server): status, JSON
    error body (or {}), Retry-After, Location."""
    connection = http.client.HTTPConnection(server.host, server.http_port, timeout=10, source_address=(source, 0))
    try:
        connection.request("POST", f"/whip/{ROOM}", body=offer.encode(),
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "application/sdp"})
        response = connection.getresponse()
        body = response.read()
        error = json.loads(body) if response.getheader("Content-Type", "").startswith("application/json") else {}
        return response.status, error, response.getheader("Retry-After"), response.getheader("Location")
    finally:
        connection.close()


def _delete(server, token: str, location: str) -> None:
    response = requests.delete(f"{server.base_url}{location}", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200, f"DELETE {location}: {response.status_code} {response.text[:200]}"


def test_limits_per_identity_address_and_node_then_unconnected_sessions_expire(artifacts, offer_sdp):
    with meeting.running_server(artifacts, "test_session_limits", (
            "--max-sessions", "8", "--max-sessions-per-identity", "3", "--max-sessions-per-address", "5")) as server:
        tokens = {name: server.token(ROOM, name, publish=True) for name in ("ann", "bob", "cy", "dee")}

        ann = [_publish(server, tokens["ann"], offer_sdp) for _ in range(3)]
        assert [status for status, *_ in ann] == [201, 201, 201], ann
        status, error, retry_after, _ = _publish(server, tokens["ann"], offer_sdp, source="127.0.0.2")
        assert (status, error.get("error"), retry_after) == (429, "too_many_sessions", "10"), \
            "the identity's limit holds from any address"
        assert "identity" in error["reason"], error

        # Ending one of its sessions gives the identity its place back.
        _delete(server, tokens["ann"], ann[0][3])
        assert _publish(server, tokens["ann"], offer_sdp)[0] == 201

        bob = [_publish(server, tokens["bob"], offer_sdp)[0] for _ in range(2)]
        assert bob == [201, 201], bob
        status, error, retry_after, _ = _publish(server, tokens["cy"], offer_sdp)
        assert (status, error.get("error"), retry_after) == (429, "too_many_sessions", "10"), \
            "five sessions from 127.0.0.1 is its address's limit"
        assert "address" in error["reason"], error

        cy = [_publish(server, tokens["cy"], offer_sdp, source="127.0.0.2")[0] for _ in range(3)]
        assert cy == [201, 201, 201], cy
        status, error, retry_after, _ = _publish(server, tokens["dee"], offer_sdp, source="127.0.0.3")
        assert (status, error.get("error"), retry_after) == (503, "over_capacity", "30"), \
            "eight sessions fill the node, for everyone"

        # None of these sessions ever completes ICE: at the connect timeout (10 s) they end and
        # give their places back.
        deadline = time.monotonic() + 20
        while _publish(server, tokens["dee"], offer_sdp, source="127.0.0.3")[0] != 201:
            assert time.monotonic() < deadline, "sessions that never connected still hold the node after 20 s"
            time.sleep(1)


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _churn(server, offer: str, identity: str, sessions: int) -> None:
    """`sessions` WHIP sessions of one identity at once (8 in flight), then all of them ended."""
    token = server.token(ROOM, identity, publish=True)

    def create(_):
        status, error, _, location = _publish(server, token, offer)
        assert status == 201, f"{identity}: {status} {error}"
        return location

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        locations = list(pool.map(create, range(sessions)))
        list(pool.map(lambda location: _delete(server, token, location), locations))


def test_memory_returns_after_5000_sessions_come_and_go(artifacts, offer_sdp):
    with meeting.running_server(artifacts, "test_session_limits_churn") as server:
        pid = server.process.pid
        _churn(server, offer_sdp, "warm-up", 200)  # code, caches and the allocator's first arenas
        time.sleep(5)
        baseline = _rss_kib(pid)
        peak = baseline
        started = time.monotonic()
        for batch in range(25):  # 25 × 200 = 5,000 sessions, at most 200 at a time (the identity limit is 256)
            _churn(server, offer_sdp, f"churn-{batch}", 200)
            peak = max(peak, _rss_kib(pid))
        churn_seconds = time.monotonic() - started
        deadline = time.monotonic() + 30
        while (rss := _rss_kib(pid)) > baseline * 1.2 and time.monotonic() < deadline:
            time.sleep(1)
        summary = (f"RSS {baseline} KiB before, {peak} KiB at the most, {rss} KiB after 5,000 sessions "
                   f"({churn_seconds:.1f} s of churn)")
        (artifacts / "session-churn-rss.txt").write_text(summary + "\n")
        print(summary)
        assert rss <= baseline * 1.2, summary
