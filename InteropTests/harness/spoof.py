"""UDP datagrams with a forged source address (a raw IPv4 socket, IP_HDRINCL; root, which the
suite's namespace has): what anyone on a peer's path can send in its name."""

from __future__ import annotations

import socket
import struct


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def send_spoofed_udp(source: tuple[str, int], destination: tuple[str, int], payload: bytes) -> None:
    """Sends `payload` to `destination` as if from `source` (IPv4)."""
    src, dst = socket.inet_aton(source[0]), socket.inet_aton(destination[0])
    length = 8 + len(payload)
    pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_UDP, length)
    header = struct.pack("!HHHH", source[1], destination[1], length, 0)
    checksum = _checksum(pseudo + header + payload) or 0xFFFF
    udp = struct.pack("!HHHH", source[1], destination[1], length, checksum) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, socket.IPPROTO_UDP, 0, src, dst)
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as raw:
        raw.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
        raw.sendto(ip + udp, (destination[0], 0))


def selected_path(pc) -> tuple[tuple[str, int], tuple[str, int]]:
    """An aiortc RTCPeerConnection's (local, remote) UDP addresses of its nominated ICE pair."""
    for transceiver in pc.getTransceivers():
        transport = transceiver.receiver.transport or transceiver.sender.transport
        if transport is None:
            continue
        connection = transport.transport._connection  # aioice.Connection
        for pair in connection._nominated.values():
            return pair.local_addr, pair.remote_addr
    raise AssertionError("no nominated ICE pair yet")
