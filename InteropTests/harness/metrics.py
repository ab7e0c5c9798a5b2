"""Prometheus text parsing and the metric names the interop tests watch.

Adjust the names here if the server names its counters differently. Each group is a tuple: the
tests treat a group as "increased" when the sum over every name in it (and every label set)
went up, so one server design (NACK the publisher itself) or another (relay subscribers'
NACKs upstream) both satisfy the loss test.
"""

from __future__ import annotations

import re

import requests

# Datagrams the media port threw away (garbage, unknown 5-tuple, failed auth...).
UDP_DROPPED = ("cascade_udp_dropped_packets_total",)
# NACKs (RTPFB FMT=1, RFC 4585 §6.2.1) the server received from subscribers or sent to publishers.
NACK = ("cascade_nack_received_total", "cascade_nack_sent_total")
# Retransmissions (RFC 4588) the server sent to subscribers or received from publishers.
RTX = ("cascade_rtx_sent_total", "cascade_rtx_received_total")

# The subscriber-facing halves alone (a subscriber's NACK answered from the server's cache).
NACK_FROM_SUBSCRIBERS = ("cascade_nack_received_total",)
RTX_TO_SUBSCRIBERS = ("cascade_rtx_sent_total",)

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)")


def parse(text: str) -> dict[str, float]:
    """Sums every sample of each metric name over its label sets. Comments are skipped."""
    totals: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        if not match:
            continue
        try:
            value = float(match.group(3))
        except ValueError:
            continue
        totals[match.group(1)] = totals.get(match.group(1), 0.0) + value
    return totals


def scrape(base_url: str, token: str) -> dict[str, float]:
    """/metrics with a service token (`cascade token --room '*' --admin`): only an operator
    may read them."""
    response = requests.get(f"{base_url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=5)
    response.raise_for_status()
    return parse(response.text)


def total(metrics: dict[str, float], names: tuple[str, ...]) -> float:
    return sum(metrics.get(name, 0.0) for name in names)


def increase(before: dict[str, float], after: dict[str, float], names: tuple[str, ...]) -> float:
    return total(after, names) - total(before, names)


def changes(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Every metric whose value changed, with its delta (for failure messages)."""
    return {name: after.get(name, 0.0) - before.get(name, 0.0)
            for name in sorted(set(before) | set(after)) if after.get(name, 0.0) != before.get(name, 0.0)}
