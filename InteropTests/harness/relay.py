"""A UDP relay that drops a fraction of datagrams at random in each direction.

There is no netem on this kernel (FIELD-NOTES), so loss is injected in userspace: the client is
told (by rewriting the candidate in the server's SDP answer, see
aiortc_peers.redirect_candidates) that the server lives at the relay's port. The relay forwards
each client's datagrams to the real server from a dedicated upstream socket per client address
and sends replies back from the listening socket, so both sides see a consistent, symmetric
5-tuple and ICE / consent checks work through it (RFC 8445 §7.2.5.2.1 wants symmetric paths).

Loss can be changed while running (`relay.loss = 0.05`), so a test can connect without loss and
then degrade the path. Runs in its own thread; independent of any asyncio loop.
"""

from __future__ import annotations

import random
import selectors
import socket
import threading
from dataclasses import dataclass


@dataclass
class DirectionStats:
    forwarded: int = 0
    dropped: int = 0


class LossyUdpRelay:
    def __init__(self, server: tuple[str, int], loss: float = 0.0, seed: int | None = None,
                 listen_host: str = "127.0.0.1"):
        self.server = server
        self.loss = loss  # fraction dropped, applied independently to each datagram, both ways
        self._random = random.Random(seed)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._listener.bind((listen_host, 0))
        self._listener.setblocking(False)
        self.address: tuple[str, int] = self._listener.getsockname()
        self.to_server = DirectionStats()
        self.to_client = DirectionStats()
        self._upstream_by_client: dict[tuple[str, int], socket.socket] = {}
        self._client_by_upstream: dict[socket.socket, tuple[str, int]] = {}
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="udp-loss-relay", daemon=True)

    @property
    def port(self) -> int:
        return self.address[1]

    def start(self) -> "LossyUdpRelay":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for sock in [self._listener, *self._upstream_by_client.values()]:
            sock.close()
        self._selector.close()

    def __enter__(self) -> "LossyUdpRelay":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _drop(self, stats: DirectionStats) -> bool:
        if self.loss > 0 and self._random.random() < self.loss:
            stats.dropped += 1
            return True
        stats.forwarded += 1
        return False

    def _upstream_for(self, client: tuple[str, int]) -> socket.socket:
        sock = self._upstream_by_client.get(client)
        if sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((self.address[0], 0))
            sock.connect(self.server)
            sock.setblocking(False)
            self._upstream_by_client[client] = sock
            self._client_by_upstream[sock] = client
            self._selector.register(sock, selectors.EVENT_READ)
        return sock

    def _run(self) -> None:
        while not self._stop.is_set():
            for key, _ in self._selector.select(timeout=0.1):
                sock = key.fileobj
                while True:
                    try:
                        if sock is self._listener:
                            data, client = sock.recvfrom(65535)
                        else:
                            data = sock.recv(65535)
                    except (BlockingIOError, InterruptedError):
                        break
                    except ConnectionRefusedError:  # ICMP from a closed server port; keep going
                        continue
                    try:
                        if sock is self._listener:
                            if not self._drop(self.to_server):
                                self._upstream_for(client).send(data)
                        elif not self._drop(self.to_client):
                            self._listener.sendto(data, self._client_by_upstream[sock])
                    except OSError:
                        pass  # a full socket buffer is loss too
