"""The Shipping service: its own streams (`shipment-o1` in `shipment_events`), its inbox.
It hears ShipmentRequested, ships the parcel and answers Shipped through the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from cqrs_lab.services import inbox, tables
from cqrs_lab.services.messages import IntegrationMessage
from cqrs_lab.services.outbox import Outbox, Pending
from cqrs_lab.services.streams import OwnStreams

SERVICE = "shipping"


@dataclass
class Shipping:
    """Ships each requested order exactly once; nothing else reads its tables."""

    engine: Engine
    outbox: Outbox
    name: str = SERVICE
    duplicates: int = 0
    streams: OwnStreams = field(init=False)

    def __post_init__(self) -> None:
        self.streams = OwnStreams(self.engine, tables.shipment_events, "shipment")

    def handle(self, message: IntegrationMessage) -> str:
        """Consume one ShipmentRequested in one transaction: inbox, stream, outbox."""
        with self.engine.begin() as connection:
            if not inbox.first_time(connection, SERVICE, message.message_id):
                self.duplicates += 1
                return "duplicate"
            data = {"order_id": message.order_id}
            self.streams.append(connection, message.order_id, "Shipped", data)
            answer = Pending(SERVICE, f"Shipped:{message.order_id}", "Shipped", "orders", data)
            self.outbox.record(connection, answer)
        return "shipped"

    def counters(self) -> dict[str, int]:
        return self.streams.counts()

    def stream(self, order_id: str) -> list[str]:
        return self.streams.types(order_id)
