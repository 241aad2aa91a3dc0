"""Integration messages: what one service tells another, and the lanes they travel on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LANE = "payments"
"""The lane between Orders and Payments (both ways)."""
SHIPPING_LANE = "shipping"
"""The lane between Orders and Shipping (both ways)."""
LANE_ENDS: dict[str, tuple[str, str]] = {
    LANE: ("orders", "payments"),
    SHIPPING_LANE: ("orders", "shipping"),
}
"""Each inter-service lane and the two services it joins (the parser's `SERVICE_LANES`)."""
SERVICES = ("orders", "payments", "shipping")
"""The services a lab line may name (`crash SERVICE after-commit`)."""
HOME_LANES = {"orders": LANE, "payments": LANE, "shipping": SHIPPING_LANE}
"""Where a service's own timers (a restart, a saga's deadline) wait."""
RESTART = "RelayRestart"
"""A crashed service's restart, a bus retry on its home lane."""
TIMEOUT = "PaymentTimeout"
"""A checkout's payment deadline, a bus retry on Orders' home lane."""
WAKE = "RelayWake"
"""The relay's turn right after a shop command gave the outbox work (a load sends commands
without lab lines), a bus retry due at once on Orders' home lane."""
WAKE_UPS = frozenset({TIMEOUT, WAKE})
"""A service's own wake-ups, never on the wire: the picture leaves them out."""


def order_of(data: Mapping[str, Any]) -> str:
    """The order a message or an event is about ('' for none): whose journey it is part of."""
    return str(data.get("order_id", ""))


def lane_between(source: str, destination: str) -> str:
    """The lane a message from `source` to `destination` travels on."""
    ends = {source, destination}
    return next(lane for lane, pair in LANE_ENDS.items() if ends == set(pair))


@dataclass(frozen=True, slots=True)
class IntegrationMessage:
    """One message from `source` to `destination`. `position` is its sequence number on the
    bus (the bus orders and counts by it); `message_id` is what an inbox remembers."""

    position: int
    message_id: str
    type: str
    source: str
    destination: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def stream_id(self) -> str:
        return f"{self.destination}-inbox"

    @property
    def order_id(self) -> str:
        return order_of(self.data)
