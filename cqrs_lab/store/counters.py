"""Counts kept in `lab_meta` beside the events they count, moved in the same transaction.

A lab numbers the orders it places o1, o2, ... by the orders accepted so far. Counting the
order streams at every open costs more the longer the history; the count stored here costs
one row. A database written before the count existed is counted once, on first use.
In a PostgreSQL unit the count moves with the unit's COMMIT, in its pipeline (`at_commit`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Integer, Text, bindparam, cast, func, insert, select, update

from cqrs_lab.store.event_types import RecordedEvent
from cqrs_lab.store.pg_unit import at_commit
from cqrs_lab.store.records import EVENTS, LAB_META

ORDERS_PLACED = "orders_placed"
ORDER_PLACED_TYPE = "OrderPlaced"
ORDER_STREAM_PREFIX = "order-"

_MOVE = (
    update(LAB_META)
    .where(LAB_META.c.key == bindparam("meta_key"))  # "key" is the column's own name
    .values(value=cast(cast(LAB_META.c.value, Integer) + bindparam("placed"), Text))
)
"""Built once: a statement made per order cost SQLAlchemy more than the UPDATE itself."""
_MOVE_SQL = "UPDATE lab_meta SET value = CAST(CAST(value AS INTEGER) + ? AS TEXT) WHERE key = ?"
_MOVE_PG_SQL = _MOVE_SQL.replace("?", "%s")
_COUNT_IF_MISSING_PG_SQL = (
    "INSERT INTO lab_meta (key, value) SELECT %(key)s, counted.n FROM (SELECT"
    " CAST(COUNT(DISTINCT stream_id) AS TEXT) AS n FROM events WHERE stream_id LIKE %(like)s)"
    " AS counted WHERE NOT EXISTS (SELECT 1 FROM lab_meta WHERE key = %(key)s)"
)
"""The first count, when there was none to move (the unit's own events included: they
were inserted before it); a one-time filter, so no scan once the count is stored."""


def stored_orders_placed(connection: Connection) -> int | None:
    """The stored count of orders accepted (None: never counted yet); a read only."""
    value = connection.execute(
        select(LAB_META.c.value).where(LAB_META.c.key == ORDERS_PLACED)
    ).scalar()
    return None if value is None else int(value)


def orders_placed(connection: Connection) -> int:
    """The orders accepted so far (counted from the streams, and stored, the first time)."""
    if (stored := stored_orders_placed(connection)) is not None:
        return stored
    count = (
        connection.execute(
            select(func.count(func.distinct(EVENTS.c.stream_id))).where(
                EVENTS.c.stream_id.startswith(ORDER_STREAM_PREFIX, autoescape=True)
            )
        ).scalar()
        or 0
    )
    connection.execute(insert(LAB_META).values(key=ORDERS_PLACED, value=str(count)))
    return count


def count_orders_placed(connection: Connection, events: Sequence[RecordedEvent]) -> None:
    """Move the count by the orders `events` place, in the transaction that appends them."""
    placed = [event.type for event in events].count(ORDER_PLACED_TYPE)
    if not placed:
        return
    if at_commit(connection, lambda cursor: _move_pg(cursor, placed)):
        return
    dialect = connection.dialect
    if dialect.name == "sqlite" and dialect.driver == "pysqlite":  # as the store's appends do
        driver = connection.connection.driver_connection
        moved = driver.execute(_MOVE_SQL, (placed, ORDERS_PLACED)).rowcount  # type: ignore[union-attr]
    else:
        moved = connection.execute(_MOVE, {"placed": placed, "meta_key": ORDERS_PLACED}).rowcount
    if moved == 0:  # never counted: count them all, these included
        orders_placed(connection)


def _move_pg(cursor: Any, placed: int) -> None:
    """The count moved, or made if missing, sent in a pipeline (no answer read)."""
    cursor.execute(_MOVE_PG_SQL, (placed, ORDERS_PLACED))
    like = ORDER_STREAM_PREFIX + "%"  # the prefix holds no LIKE wildcard
    cursor.execute(_COUNT_IF_MISSING_PG_SQL, {"key": ORDERS_PLACED, "like": like})


def set_orders_placed(connection: Connection, count: int) -> None:
    """Store the count (0 when the events are cleared)."""
    moved = connection.execute(
        update(LAB_META).where(LAB_META.c.key == ORDERS_PLACED).values(value=str(count))
    )
    if moved.rowcount == 0:
        connection.execute(insert(LAB_META).values(key=ORDERS_PLACED, value=str(count)))
