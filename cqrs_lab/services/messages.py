"""Integration messages: what one service tells another, on the bus's `payments` lane."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LANE = "payments"
"""The bus lane integration messages travel on, both ways between Orders and Payments."""
SERVICES = ("orders", "payments")
"""The services a lab line may name (`crash SERVICE after-commit`)."""


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
        return str(self.data.get("order_id", ""))
