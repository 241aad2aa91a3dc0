"""A service's own streams in its own table (`payment-o1` in `payment_events`): append,
read one order's stream, count by type. Only the service that owns the table uses it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection, Engine


@dataclass(frozen=True)
class OwnStreams:
    engine: Engine
    table: Table
    prefix: str
    """Streams are named PREFIX-ORDER (`payment-o1`)."""

    def stream_id(self, order_id: str) -> str:
        return f"{self.prefix}-{order_id}"

    def append(
        self, connection: Connection, order_id: str, kind: str, data: dict[str, Any]
    ) -> None:
        """In the caller's transaction: one event at the end of the order's stream."""
        column = self.table.c
        stream_id = self.stream_id(order_id)
        version = connection.execute(
            select(func.count()).where(column.stream_id == stream_id)
        ).scalar_one()
        connection.execute(
            self.table.insert().values(
                stream_id=stream_id, version=version + 1, type=kind, data=data
            )
        )

    def types(self, order_id: str) -> list[str]:
        """The event types on one order's stream, oldest first."""
        column = self.table.c
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(column.type)
                .where(column.stream_id == self.stream_id(order_id))
                .order_by(column.version)
            ).all()
        return [row.type for row in rows]

    def counts(self) -> dict[str, int]:
        """How many events of each type the service has recorded."""
        column = self.table.c
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(column.type, func.count()).group_by(column.type)
            ).all()
        return {str(kind): int(count) for kind, count in rows}
