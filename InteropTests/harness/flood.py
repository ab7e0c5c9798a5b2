"""A bounded flood of random datagrams toward a loopback UDP port.

The server demultiplexes its media port by the first byte (RFC 7983 §7): 0-3 STUN, 20-63
DTLS, 128-191 RTP/RTCP. The flood mixes all of these plus fully random bytes, with random
lengths, and half of the STUN-range datagrams carry the STUN magic cookie and a plausible
length so they get past the first checks and exercise the attribute parser. Garbage like this
must be dropped (and counted) without disturbing established sessions.

Only loopback destinations are allowed, and the flood stops at `count` datagrams or `seconds`,
whichever comes first.
"""

from __future__ import annotations

import ipaddress
import random
import socket
import struct
import time
from dataclasses import dataclass, field

STUN_MAGIC_COOKIE = 0x2112A442  # RFC 8489 §5

CLASSES = ("stun", "dtls", "rtp", "random")


@dataclass
class FloodResult:
    sent: int = 0
    seconds: float = 0.0
    by_class: dict[str, int] = field(default_factory=lambda: {c: 0 for c in CLASSES})


def _datagram(rng: random.Random, kind: str) -> bytes:
    length = rng.choice((1, 2, 4, 12, 20, 28, 100, 500, 1200, rng.randint(1, 1500)))
    body = bytearray(rng.randbytes(length))
    if kind == "stun":
        body[0] = rng.randint(0, 3)
        if length >= 20 and rng.random() < 0.5:
            # Valid-looking header: type, length = remaining bytes (sometimes a lie), cookie.
            declared = length - 20 if rng.random() < 0.7 else rng.randint(0, 65535)
            struct.pack_into("!HHI", body, 0, rng.choice((0x0001, 0x0101, 0x0111, rng.randint(0, 0x3FFF))),
                             declared & 0xFFFF, STUN_MAGIC_COOKIE)
    elif kind == "dtls":
        body[0] = rng.randint(20, 63)
    elif kind == "rtp":
        body[0] = rng.randint(128, 191)
        if length >= 2 and rng.random() < 0.3:
            body[1] = rng.randint(192, 223)  # RTCP packet types 200-206 live here (RFC 5761 §4)
    return bytes(body)


def udp_flood(host: str, port: int, count: int = 20000, seconds: float = 5.0,
              seed: int | None = None) -> FloodResult:
    """Sends up to `count` random datagrams to host:port (loopback only) within `seconds`."""
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"refusing to flood non-loopback address {host}")
    rng = random.Random(seed)
    result = FloodResult()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    start = time.monotonic()
    try:
        while result.sent < count and time.monotonic() - start < seconds:
            kind = rng.choice(CLASSES)
            try:
                sock.sendto(_datagram(rng, kind), (host, port))
            except (BlockingIOError, ConnectionRefusedError):
                time.sleep(0.001)  # ICMP port unreachable from an earlier datagram, or full buffer
                continue
            result.sent += 1
            result.by_class[kind] += 1
    finally:
        sock.close()
    result.seconds = time.monotonic() - start
    return result
