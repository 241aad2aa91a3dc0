"""The Payments service: its own streams (`payment-o1` in `payment_events`), its inbox. It
hears PaymentRequested and answers PaymentAccepted, or PaymentDeclined (after `payments
decline next`, or at the seeded `payments decline rate P`), through the outbox; it hears
RefundRequested (a payment the saga no longer wants) and gives the money back."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from cqrs_lab.services import inbox, tables
from cqrs_lab.services.messages import IntegrationMessage
from cqrs_lab.services.outbox import Outbox, Pending
from cqrs_lab.services.streams import OwnStreams

SERVICE = "payments"


@dataclass
class Payments:
    """Handles each payment request and refund exactly once; nothing else reads its tables."""

    engine: Engine
    outbox: Outbox
    rng: random.Random
    """Draws the seeded declines (`decline_rate`), apart from the lab's main RNG."""
    name: str = SERVICE
    decline_next: bool = False
    decline_rate: float = 0.0
    duplicates: int = 0
    """Deliveries its inbox had seen already: applied nothing."""
    streams: OwnStreams = field(init=False)

    def __post_init__(self) -> None:
        self.streams = OwnStreams(self.engine, tables.payment_events, "payment")

    def handle(self, message: IntegrationMessage) -> str:
        """Consume one message in one transaction: inbox, stream, outbox. Says what it did:
        'accepted', 'declined', 'refunded' or 'duplicate'."""
        with self.engine.begin() as connection:
            if not inbox.first_time(connection, SERVICE, message.message_id):
                self.duplicates += 1
                return "duplicate"
            data: dict[str, Any] = {
                "order_id": message.order_id,
                "amount_cents": message.data.get("amount_cents", 0),
            }
            if message.type == "RefundRequested":
                self.streams.append(connection, message.order_id, "PaymentRefunded", data)
                return "refunded"
            kind = "PaymentDeclined" if self._declines() else "PaymentAccepted"
            self.streams.append(connection, message.order_id, kind, data)
            answer = Pending(SERVICE, f"{kind}:{message.order_id}", kind, "orders", data)
            self.outbox.record(connection, answer)
        return "accepted" if kind == "PaymentAccepted" else "declined"

    def _declines(self) -> bool:
        if self.decline_next:
            self.decline_next = False
            return True
        return self.decline_rate > 0 and self.rng.random() < self.decline_rate

    def counters(self) -> dict[str, int]:
        """Its own data: the events on its payment streams, by type."""
        return self.streams.counts()

    def stream(self, order_id: str) -> list[str]:
        """The event types on one order's payment stream (the service's own data)."""
        return self.streams.types(order_id)
