"""The Payments service: its own streams (`payment-o1` in `payment_events`), its command
handler, its inbox. It hears PaymentRequested and answers PaymentAccepted, or
PaymentDeclined after `payments decline next`, through the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from cqrs_lab.services import inbox, tables
from cqrs_lab.services.messages import IntegrationMessage
from cqrs_lab.services.outbox import Outbox, Pending

SERVICE = "payments"


def payment_stream(order_id: str) -> str:
    return f"payment-{order_id}"


@dataclass
class Payments:
    """Handles payment requests exactly once each; nothing else reads its tables."""

    engine: Engine
    outbox: Outbox
    name: str = SERVICE
    decline_next: bool = False
    duplicates: int = 0
    """Deliveries its inbox had seen already: applied nothing."""
    notes: list[str] = field(default_factory=list)

    def handle(self, message: IntegrationMessage) -> str:
        """Consume one PaymentRequested in one transaction: inbox, stream, outbox. Says what
        it did: 'accepted', 'declined' or 'duplicate'."""
        with self.engine.begin() as connection:
            if inbox.seen(connection, SERVICE, message.message_id):
                self.duplicates += 1
                self.notes.append(f"payments: {message.message_id} seen before: ignored")
                return "duplicate"
            inbox.remember(connection, SERVICE, message.message_id)
            declined, self.decline_next = self.decline_next, False
            kind = "PaymentDeclined" if declined else "PaymentAccepted"
            data: dict[str, Any] = {
                "order_id": message.order_id,
                "amount_cents": message.data.get("amount_cents", 0),
            }
            self._append(connection, payment_stream(message.order_id), kind, data)
            self.outbox.record(
                connection, Pending(SERVICE, f"{kind}:{message.order_id}", kind, "orders", data)
            )
        self.notes.append(f"payments: {kind} for order {message.order_id}")
        return "declined" if declined else "accepted"

    def _append(
        self, connection: Connection, stream_id: str, kind: str, data: dict[str, Any]
    ) -> None:
        column = tables.payment_events.c
        version = connection.execute(
            select(func.count()).where(column.stream_id == stream_id)
        ).scalar_one()
        connection.execute(
            tables.payment_events.insert().values(
                stream_id=stream_id, version=version + 1, type=kind, data=data
            )
        )

    def counters(self) -> dict[str, int]:
        """Its own data: the events on its payment streams, by type."""
        column = tables.payment_events.c
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(column.type, func.count()).group_by(column.type)
            ).all()
        return {str(kind): int(count) for kind, count in rows}

    def stream(self, order_id: str) -> list[str]:
        """The event types on one order's payment stream (the service's own data)."""
        column = tables.payment_events.c
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(column.type)
                .where(column.stream_id == payment_stream(order_id))
                .order_by(column.version)
            ).all()
        return [row.type for row in rows]
