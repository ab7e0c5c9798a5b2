"""A Python client of the Cascade signaling protocol (docs/signaling.md), for tests.

It speaks raw frames over one WebSocket (`websockets` PyPI package, asyncio) and records
everything the server sends, in order, with the time it arrived, so a test can ask both
"what did the server answer to this request" and "which events did this observer see, in
which order" (e.g. reconnecting/reconnected but never left+joined).

    client = await SignalingClient.open(f"{server.ws_url}/rtc", label="observer")
    joined = await client.join(token, "Ada")                 # raises SignalingError on `error`
    reply = await client.request("chat", text="hi")           # the frame whose `re` is our id
    event = await client.wait_for("chat", lambda m: m["text"] == "hi")
    code = await client.wait_closed()                          # close code from the server

Compression is off, so a frame's size on the wire is its payload's size (the 64 KiB limit).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import requests
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PROTOCOL = 1
Predicate = Callable[[dict], bool]


class SignalingError(Exception):
    """The server answered a request with {"type": "error", ...}."""

    def __init__(self, frame: dict):
        super().__init__(f"{frame.get('code')}: {frame.get('message')} ({frame})")
        self.frame = frame
        self.code = frame.get("code")


@dataclass
class Received:
    at: float  # time.monotonic() on arrival
    message: Any  # the parsed JSON value, or the raw text/bytes when it did not parse


@dataclass(eq=False)  # compared and hashed by identity
class SignalingClient:
    websocket: ClientConnection
    label: str = ""
    received: list[Received] = field(default_factory=list)
    close_code: int | None = None
    close_reason: str = ""
    token: str | None = None  # the token of the last `join` (a resume must present the same identity)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _reader: asyncio.Task | None = None
    _closed: asyncio.Event = field(default_factory=asyncio.Event)

    # --- connection -----------------------------------------------------------------------

    @classmethod
    async def open(cls, url: str, label: str = "", timeout: float = 10.0) -> "SignalingClient":
        websocket = await connect(url, compression=None, proxy=None, open_timeout=timeout,
                                  max_size=None, ping_interval=None, close_timeout=2)
        client = cls(websocket, label)
        client._reader = asyncio.get_running_loop().create_task(client._read())
        return client

    async def _read(self) -> None:
        try:
            async for frame in self.websocket:
                try:
                    message = json.loads(frame)
                except (TypeError, ValueError):
                    message = frame
                async with self._changed:
                    self.received.append(Received(time.monotonic(), message))
                    self._changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            received = self.websocket.protocol.close_rcvd  # None: closed without a close frame
            self.close_code = received.code if received else 1006
            self.close_reason = received.reason if received else ""
            self._closed.set()
            async with self._changed:
                self._changed.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    async def wait_closed(self, timeout: float = 10.0) -> int:
        """Waits until the server closes the socket; returns the close code."""
        await asyncio.wait_for(self._closed.wait(), timeout)
        return self.close_code

    async def leave(self, timeout: float = 5.0) -> None:
        """Leaves for good (`leave`, the server closes the socket); falls back to close()."""
        if not self.closed:
            try:
                await self.send({"type": "leave"})
                await self.wait_closed(timeout)
            except Exception:  # noqa: BLE001 - already closed, or the server never closed it
                pass
        if not self.closed:
            await self.close()

    async def close(self) -> None:
        """Closes the socket abruptly from our side (no `leave`): a dropped connection."""
        await self.websocket.close()
        if self._reader:
            await asyncio.wait([self._reader], timeout=5)

    async def abort(self) -> None:
        """Drops the TCP connection without a close handshake (like a cut network)."""
        self.websocket.transport.abort()
        if self._reader:
            await asyncio.wait([self._reader], timeout=5)

    # --- sending --------------------------------------------------------------------------

    def next_id(self) -> int:
        return next(self._ids)

    async def send(self, message: dict) -> None:
        await self.websocket.send(json.dumps(message))

    async def send_raw(self, frame: str | bytes) -> None:
        """Sends one frame as is: text (str) or binary (bytes)."""
        await self.websocket.send(frame)

    async def request(self, type_: str, timeout: float = 10.0, **fields) -> dict:
        """Sends {"type": type_, "id": n, **fields} and returns the frame with "re": n (the reply
        or an `error`; it does not raise, so tests can check error codes)."""
        request_id = self.next_id()
        await self.send({"type": type_, "id": request_id, **fields})
        return await self.reply_to(request_id, timeout)

    async def reply_to(self, request_id: Any, timeout: float = 10.0) -> dict:
        return await self.wait_for(predicate=lambda m: m.get("re") == request_id, timeout=timeout,
                                   what=f"reply to id {request_id!r}")

    async def join(self, token: str, name: str | None = None, resume: dict | None = None,
                   protocol: int = PROTOCOL, timeout: float = 15.0) -> dict:
        """Sends `join`; returns `joined`, raises SignalingError on `error`."""
        self.token = token
        fields: dict[str, Any] = {"protocol": protocol, "token": token}
        if name is not None:
            fields["name"] = name
        if resume is not None:
            fields["resume"] = resume
        reply = await self.request("join", timeout=timeout, **fields)
        if reply.get("type") == "error":
            raise SignalingError(reply)
        assert reply.get("type") == "joined", f"{self.label}: join answered with {reply}"
        return reply

    # --- what arrived ---------------------------------------------------------------------

    def messages(self, type_: str | None = None, start: int = 0) -> list[dict]:
        """The JSON objects received so far (from index `start`), optionally of one type."""
        return [r.message for r in self.received[start:]
                if isinstance(r.message, dict) and (type_ is None or r.message.get("type") == type_)]

    def types(self, start: int = 0) -> list[str]:
        return [m.get("type") for m in self.messages(start=start)]

    def mark(self) -> int:
        """An index into `received`: pass it as `start` to look only at what arrives later."""
        return len(self.received)

    async def wait_for(self, type_: str | None = None, predicate: Predicate | None = None,
                       timeout: float = 10.0, start: int = 0, what: str | None = None) -> dict:
        """The first JSON object received at or after index `start` that has type `type_` and
        satisfies `predicate`; waits up to `timeout` seconds for it to arrive."""

        def find() -> dict | None:
            for received in self.received[start:]:
                message = received.message
                if not isinstance(message, dict):
                    continue
                if type_ is not None and message.get("type") != type_:
                    continue
                if predicate is not None and not predicate(message):
                    continue
                return message
            return None

        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                found = find()
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.closed and find() is None):
                    description = what or f"type={type_!r}"
                    state = f"closed ({self.close_code} {self.close_reason!r})" if self.closed else "open"
                    raise TimeoutError(f"{self.label}: no {description} within {timeout}s (socket {state}); "
                                       f"received types: {self.types(start)[-30:]}")
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except asyncio.TimeoutError:
                    pass

    async def quiet(self, seconds: float) -> None:
        """Lets the reader run for `seconds` (to collect events that should NOT arrive)."""
        await asyncio.sleep(seconds)


# --- tokens --------------------------------------------------------------------------------

def link_token(base_url: str, room: str, name: str) -> str:
    """A token as the web app gets one: POST /v1/rooms/{room}/join {"name"} -> {"token"}
    (publish + subscribe for that room; only on a server without --require-token)."""
    response = requests.post(f"{base_url}/v1/rooms/{room}/join", json={"name": name}, timeout=10)
    response.raise_for_status()
    return response.json()["token"]


def ws_url(base_url: str) -> str:
    """http://host:port -> ws://host:port/rtc"""
    return base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + "/rtc"


async def join_room(base_url: str, room: str, name: str, token: str | None = None) -> tuple[SignalingClient, dict]:
    """Opens a socket and joins `room` as `name` (a link token unless `token` is given)."""
    if token is None:
        token = await asyncio.to_thread(link_token, base_url, room, name)
    client = await SignalingClient.open(ws_url(base_url), label=name)
    try:
        joined = await client.join(token, name)
    except BaseException:
        await client.close()
        raise
    return client, joined


async def require_signaling(base_url: str) -> str | None:
    """None when the server speaks /rtc, else why not (a server from before issue 3)."""
    try:
        client = await SignalingClient.open(ws_url(base_url), label="probe", timeout=5)
    except Exception as error:  # noqa: BLE001 - reported as the reason
        return f"no signaling WebSocket at {ws_url(base_url)}: {error}"
    await client.close()
    return None


# --- aiortc media over signaling (docs/signaling.md "Media negotiation") ---------------------


async def publish_aiortc(client: SignalingClient, source: str = "camera", width: int = 320, height: int = 240,
                         timeout: float = 20.0):
    """Publishes an aiortc WhipPublisher (frame-numbered VP8 + Opus tone) through `publish`.
    Returns (publisher, publicationId); raises SignalingError on `error`."""
    from . import aiortc_peers

    publisher = aiortc_peers.WhipPublisher(width, height)
    try:
        offer = await publisher.create_offer()
        reply = await client.request("publish", timeout=timeout, source=source, offer=offer,
                                     muted={"audio": False, "video": False})
        if reply.get("type") == "error":
            raise SignalingError(reply)
        assert reply.get("type") == "published", reply
        await publisher.pc.setRemoteDescription(aiortc_peers.RTCSessionDescription(reply["answer"], "answer"))
        await aiortc_peers.wait_connected(publisher.pc, timeout)
    except BaseException:
        await publisher.close()
        raise
    return publisher, reply["publicationId"]


async def subscribe_aiortc(client: SignalingClient, publication_id: str, timeout: float = 20.0):
    """Subscribes to a publication with an aiortc WhepSubscriber (recvonly VP8 + Opus) through
    `subscribe`. Returns (subscriber, subscriptionId); raises SignalingError on `error`."""
    from . import aiortc_peers

    subscriber = aiortc_peers.WhepSubscriber()
    try:
        await subscriber.pc.setLocalDescription(await subscriber.pc.createOffer())
        reply = await client.request("subscribe", timeout=timeout, publicationId=publication_id,
                                     offer=subscriber.pc.localDescription.sdp)
        if reply.get("type") == "error":
            raise SignalingError(reply)
        assert reply.get("type") == "subscribed", reply
        await subscriber.pc.setRemoteDescription(aiortc_peers.RTCSessionDescription(reply["answer"], "answer"))
        await aiortc_peers.wait_connected(subscriber.pc, timeout)
    except BaseException:
        await subscriber.close()
        raise
    return subscriber, reply["subscriptionId"]
