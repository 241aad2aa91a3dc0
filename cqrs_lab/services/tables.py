"""The services' own tables, beside the event store: the outbox, the inboxes, the Payments
and Shipping services' streams and the checkout sagas. No other part of the lab reads them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    inspect,
)
from sqlalchemy.engine import Connection, Engine

METADATA = MetaData()

outbox = Table(
    "outbox",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("service", String(32), nullable=False),
    Column("message_id", String(128), nullable=False, unique=True),
    Column("type", String(64), nullable=False),
    Column("destination", String(32), nullable=False),
    Column("data", JSON, nullable=False),
    Column("published", Boolean, nullable=False, default=False),
)
"""Integration messages recorded in the same transaction as their service's own writes."""

inbox = Table(
    "inbox",
    METADATA,
    Column("service", String(32), primary_key=True),
    Column("message_id", String(128), primary_key=True),
)
"""The message ids each service has handled: a second delivery of one applies nothing."""



def _streams(name: str) -> Table:
    return Table(
        name,
        METADATA,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("stream_id", String(128), nullable=False),
        Column("version", Integer, nullable=False),
        Column("type", String(64), nullable=False),
        Column("data", JSON, nullable=False),
        UniqueConstraint("stream_id", "version"),
    )


payment_events = _streams("payment_events")
"""The Payments service's streams (`payment-o1`), in its own table."""
shipment_events = _streams("shipment_events")
"""The Shipping service's streams (`shipment-o1`), in its own table."""

checkouts = Table(
    "checkouts",
    METADATA,
    Column("order_id", String(64), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("step", String(32), nullable=False),
    Column("deadline", Float, nullable=True),
    Column("refunded", Boolean, nullable=False, default=False),
)
"""The checkout sagas (the Orders service's process manager): one row an order."""


def create(engine: Engine) -> None:
    METADATA.create_all(engine)


def clear(connection: Connection) -> None:
    for table in (outbox, inbox, payment_events, shipment_events, checkouts):
        connection.execute(table.delete())


def clear_stored(engine: Engine) -> None:
    """Empty the tables a lab has made (a lab that never had services has none)."""
    if not inspect(engine).has_table(outbox.name):
        return
    with engine.begin() as connection:
        clear(connection)
