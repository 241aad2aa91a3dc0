"""A service's own streams in its own table (`payment-o1` in `payment_events`): append,
read one order's stream, count by type. Only the service that owns the table uses it;
the append's statements are built once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Insert, Select, Table, bindparam, func, select
from sqlalchemy.engine import Connection, Engine


@dataclass
class OwnStreams:
    """The streams of one service, in its own table."""

    engine: Engine
    table: Table
    prefix: str
    """Streams are named PREFIX-ORDER (`payment-o1`)."""
    _length: Select[tuple[int]] = field(init=False)
    _insert: Insert = field(init=False)

    def __post_init__(self) -> None:
        column = self.table.c
        self._length = select(func.count()).where(column.stream_id == bindparam("stream"))
        self._insert = self.table.insert()

    def stream_id(self, order_id: str) -> str:
        return f"{self.prefix}-{order_id}"

    def append(
        self, connection: Connection, order_id: str, kind: str, data: dict[str, Any]
    ) -> None:
        """In the caller's transaction: one event at the end of the order's stream."""
        stream_id = self.stream_id(order_id)
        version = connection.execute(self._length, {"stream": stream_id}).scalar_one()
        values = {"stream_id": stream_id, "version": version + 1, "type": kind, "data": data}
        connection.execute(self._insert, values)

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
