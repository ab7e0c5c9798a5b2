"""aiortc peers: a WHIP publisher and a WHEP subscriber, plus the synthetic tracks they use.

The publisher sends VP8 video whose frames carry their frame number (harness.framecode) and an
Opus 440 Hz tone. The subscriber decodes, reads each frame number back and keeps the set, so a
test can say "this subscriber decoded N% of the frames the publisher sent in this window".

Both use max-bundle and one sendonly / recvonly transceiver per kind (RFC 9725 requires
max-bundle; INTEROP-NOTES §1). HTTP goes through `requests` in a worker thread.
"""

from __future__ import annotations

import asyncio
import fractions
import math
import re
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

import aioice.ice
import av
import numpy as np
import requests
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcconfiguration import RTCBundlePolicy

from . import framecode

AnswerRewriter = Callable[[str], str]


def patch_aioice_loopback() -> None:
    """aioice skips 127.0.0.1 when gathering; in a namespace with only `lo` it would then offer
    no candidate at all (FIELD-NOTES "Real peers"). Gather exactly 127.0.0.1 instead."""
    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=False: ["127.0.0.1"]


patch_aioice_loopback()


@contextmanager
def gathering_on(*addresses: str) -> Iterator[None]:
    """aioice gathers exactly `addresses` while the context lasts, e.g. a veth address as well
    as 127.0.0.1: a server that binds and advertises only that address offers a candidate that
    a 127.0.0.1 candidate does not pair with."""
    original = aioice.ice.get_host_addresses
    aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=False: list(addresses)
    try:
        yield
    finally:
        aioice.ice.get_host_addresses = original


# --- synthetic tracks -------------------------------------------------------------------------

class FrameCounterTrack(VideoStreamTrack):
    """30 fps video whose n-th frame shows the number n (see harness.framecode)."""

    def __init__(self, width: int = 640, height: int = 480):
        super().__init__()
        self.width = width
        self.height = height
        self.frames_sent = 0  # frames handed to the encoder so far; the next frame's number

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        number = self.frames_sent
        frame = av.VideoFrame.from_ndarray(
            framecode.make_yuv420p(number, self.width, self.height), format="yuv420p")
        frame.pts = pts
        frame.time_base = time_base
        self.frames_sent += 1
        return frame


class ToneTrack(MediaStreamTrack):
    """48 kHz mono 440 Hz sine in 20 ms frames, paced in real time."""

    kind = "audio"
    SAMPLE_RATE = 48000
    SAMPLES = 960  # 20 ms

    def __init__(self, frequency: float = 440.0, amplitude: float = 0.3):
        super().__init__()
        self._frequency = frequency
        self._amplitude = amplitude
        self._timestamp = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.time()
        else:
            self._timestamp += self.SAMPLES
            wait = self._start + self._timestamp / self.SAMPLE_RATE - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
        t = (self._timestamp + np.arange(self.SAMPLES)) / self.SAMPLE_RATE
        samples = (self._amplitude * 32767 * np.sin(2 * math.pi * self._frequency * t)).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = self.SAMPLE_RATE
        frame.pts = self._timestamp
        frame.time_base = fractions.Fraction(1, self.SAMPLE_RATE)
        return frame


# --- receiving side ---------------------------------------------------------------------------

@dataclass
class VideoSink:
    """Counts decoded video frames and the frame numbers read from them."""

    frames: int = 0
    unreadable: int = 0
    numbers: set[int] = field(default_factory=set)
    first_number: int | None = None
    last_number: int | None = None
    width: int = 0
    height: int = 0

    def add(self, frame: av.VideoFrame) -> None:
        self.frames += 1
        self.width, self.height = frame.width, frame.height
        number = framecode.read_video_frame(frame)
        if number is None:
            self.unreadable += 1
            return
        self.numbers.add(number)
        if self.first_number is None:
            self.first_number = number
        self.last_number = number

    def coverage(self, start: int, end: int) -> float:
        """Share of frame numbers in [start, end) that were decoded (0.0 ... 1.0)."""
        if end <= start:
            return 0.0
        wanted = {n % framecode.MODULUS for n in range(start, end)}
        return len(wanted & self.numbers) / len(wanted)


@dataclass
class AudioSink:
    """Counts decoded audio frames and remembers the loudest one (a tone, not silence)."""

    frames: int = 0
    peak_rms: float = 0.0

    def add(self, frame: av.AudioFrame) -> None:
        self.frames += 1
        samples = frame.to_ndarray().astype(np.float64)
        if samples.size:
            self.peak_rms = max(self.peak_rms, float(np.sqrt(np.mean(samples * samples))))


async def _drain(track: MediaStreamTrack, sink) -> None:
    try:
        while True:
            sink.add(await track.recv())
    except (MediaStreamError, asyncio.CancelledError):
        pass


# --- peer connection helpers ------------------------------------------------------------------

def new_peer_connection() -> RTCPeerConnection:
    return RTCPeerConnection(RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))


def prefer_codecs(transceiver, kind: str) -> None:
    """VP8 (+rtx) for video, Opus for audio: the pair every client and the server share."""
    wanted = {"video": ("video/VP8", "video/rtx"), "audio": ("audio/opus",)}[kind]
    codecs = [c for c in RTCRtpSender.getCapabilities(kind).codecs if c.mimeType in wanted]
    transceiver.setCodecPreferences(codecs)


async def wait_connected(pc: RTCPeerConnection, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while pc.connectionState != "connected":
        if pc.connectionState in ("failed", "closed"):
            raise ConnectionError(f"peer connection {pc.connectionState}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"peer connection still {pc.connectionState} after {timeout}s")
        await asyncio.sleep(0.05)


class HttpError(Exception):
    def __init__(self, method: str, url: str, response: requests.Response):
        self.status = response.status_code
        self.body = response.text
        super().__init__(f"{method} {url} -> {self.status}: {self.body[:300]}")


async def _post_sdp(url: str, token: str | None, sdp: str) -> requests.Response:
    headers = {"Content-Type": "application/sdp"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    response = await asyncio.to_thread(requests.post, url, data=sdp.encode(), headers=headers, timeout=10)
    if response.status_code != 201:
        raise HttpError("POST", url, response)
    return response


def resource_id_from_location(location: str) -> str:
    return urllib.parse.urlparse(location).path.rstrip("/").rsplit("/", 1)[-1]


class _Session:
    """What a successful WHIP/WHEP POST leaves behind: the peer connection and its Location."""

    pc: RTCPeerConnection
    location: str | None = None
    token: str | None = None

    @property
    def resource_id(self) -> str:
        assert self.location, "not started"
        return resource_id_from_location(self.location)

    async def delete(self) -> int:
        """DELETEs the session resource (unpublish / stop playing); returns the HTTP status."""
        assert self.location, "not started"
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await asyncio.to_thread(requests.delete, self.location, headers=headers, timeout=10)
        return response.status_code

    async def close(self) -> None:
        await self.pc.close()


class WhipPublisher(_Session):
    """Publishes a FrameCounterTrack (VP8) and a ToneTrack (Opus) with WHIP."""

    def __init__(self, width: int = 640, height: int = 480):
        self.video = FrameCounterTrack(width, height)
        self.audio = ToneTrack()
        self.pc = new_peer_connection()
        for track in (self.video, self.audio):
            transceiver = self.pc.addTransceiver(track, direction="sendonly")
            prefer_codecs(transceiver, track.kind)

    async def create_offer(self) -> str:
        await self.pc.setLocalDescription(await self.pc.createOffer())  # gathers all candidates
        return self.pc.localDescription.sdp

    async def start(self, base_url: str, room: str, token: str,
                    rewrite_answer: AnswerRewriter | None = None, timeout: float = 15.0) -> None:
        url = f"{base_url}/whip/{room}"
        self.token = token
        response = await _post_sdp(url, token, await self.create_offer())
        self.location = urllib.parse.urljoin(url, response.headers["Location"])
        answer = response.text if rewrite_answer is None else rewrite_answer(response.text)
        await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        await wait_connected(self.pc, timeout)


class WhepSubscriber(_Session):
    """Plays one published resource with WHEP, decoding video and audio as they arrive."""

    def __init__(self):
        self.video = VideoSink()
        self.audio = AudioSink()
        self._tasks: list[asyncio.Task] = []
        self.pc = new_peer_connection()
        for kind in ("video", "audio"):
            prefer_codecs(self.pc.addTransceiver(kind, direction="recvonly"), kind)

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            sink = self.video if track.kind == "video" else self.audio
            self._tasks.append(asyncio.ensure_future(_drain(track, sink)))

    async def start(self, base_url: str, room: str, resource_id: str, token: str,
                    rewrite_answer: AnswerRewriter | None = None, timeout: float = 15.0) -> None:
        url = f"{base_url}/whep/{room}/{resource_id}"
        self.token = token
        await self.pc.setLocalDescription(await self.pc.createOffer())
        response = await _post_sdp(url, token, self.pc.localDescription.sdp)
        self.location = urllib.parse.urljoin(url, response.headers["Location"])
        answer = response.text if rewrite_answer is None else rewrite_answer(response.text)
        await self.pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        await wait_connected(self.pc, timeout)

    async def wait_first_frame(self, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while self.video.first_number is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no readable video frame within {timeout}s "
                                   f"({self.video.frames} frames, {self.video.unreadable} unreadable)")
            await asyncio.sleep(0.05)
        return self.video.first_number

    async def close(self) -> None:
        await self.pc.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


# --- measurement ------------------------------------------------------------------------------

def whip_offer_sdp() -> str:
    """A valid aiortc WHIP offer (VP8 + Opus, max-bundle) whose peer connection is closed again:
    nobody answers its ICE, so sessions made from it never connect."""
    async def make():
        publisher = WhipPublisher()
        try:
            return await publisher.create_offer()
        finally:
            await publisher.close()
    return asyncio.run(make())


async def measure_coverage(publisher: WhipPublisher, subscribers: list[WhepSubscriber],
                           seconds: float, drain: float = 1.5) -> tuple[int, int, list[float]]:
    """Waits until every subscriber decoded a frame, then counts which of the frames the
    publisher sends during `seconds` each subscriber decoded. Returns (start, end, coverages)."""
    for subscriber in subscribers:
        await subscriber.wait_first_frame()
    await asyncio.sleep(0.5)  # let the first (key)frame settle
    start = publisher.video.frames_sent
    await asyncio.sleep(seconds)
    end = publisher.video.frames_sent
    await asyncio.sleep(drain)  # frames in flight, NACK round trips, decoder queue
    return start, end, [s.video.coverage(start, end) for s in subscribers]


# --- SDP edits --------------------------------------------------------------------------------

_CANDIDATE = re.compile(r"^(a=candidate:\S+ \d+ udp \d+ )(\S+) (\d+)( typ host.*)$", re.IGNORECASE | re.MULTILINE)


def redirect_candidates(sdp: str, host: str, port: int) -> str:
    """Points every UDP host candidate of `sdp` at host:port (e.g. a loss relay), and the
    c= lines too, so the client sends all its media there."""
    sdp, count = _CANDIDATE.subn(lambda m: f"{m.group(1)}{host} {port}{m.group(4)}", sdp)
    if count == 0:
        raise ValueError("answer has no UDP host candidate to redirect")
    return sdp


def udp_candidate_ports(sdp: str) -> list[int]:
    return [int(m.group(3)) for m in _CANDIDATE.finditer(sdp)]


async def connect_pair(offerer: RTCPeerConnection, answerer: RTCPeerConnection, timeout: float = 15.0) -> None:
    """Plain in-process offer/answer between two aiortc peers (used by the self-checks)."""
    await offerer.setLocalDescription(await offerer.createOffer())
    await answerer.setRemoteDescription(offerer.localDescription)
    await answerer.setLocalDescription(await answerer.createAnswer())
    await offerer.setRemoteDescription(answerer.localDescription)
    await asyncio.gather(wait_connected(offerer, timeout), wait_connected(answerer, timeout))
