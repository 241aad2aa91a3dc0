"""The orders projection: each user's orders with their status and total."""

from __future__ import annotations

from operator import itemgetter
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from cqrs_lab.read.projection import Projection
from cqrs_lab.read.views import ORDERS_COLUMNS, ViewRows
from cqrs_lab.shop import events as ev
from cqrs_lab.shop.state import OrderStatus
from cqrs_lab.store.event_store import RecordedEvent


class OrderByUser(SQLModel, table=True):
    """One order; the (username, placed_at, order_id) index answers a user's list in order."""

    __tablename__ = "orders_by_user"
    __table_args__ = (
        sa.Index("ix_orders_by_user_user_placed", "username", "placed_at", "order_id"),
    )

    order_id: str = Field(primary_key=True)
    username: str
    status: str
    total_cents: int = Field(sa_type=sa.BigInteger)
    placed_at: float


_ORDERS = cast(sa.Table, OrderByUser.__table__)
_QUERY = (
    sa.select(*(_ORDERS.c[name] for name in ORDERS_COLUMNS))
    .where(_ORDERS.c.username == sa.bindparam("username"))
    .order_by(_ORDERS.c.placed_at, _ORDERS.c.order_id)
)
_PLACED = itemgetter("placed_at", "order_id")

_STATUS_AFTER: dict[type[ev.Event], str] = {
    ev.OrderPaid: OrderStatus.PAID.value,
    ev.OrderCancelled: OrderStatus.CANCELLED.value,
    ev.OrderShipped: OrderStatus.SHIPPED.value,
}


class OrdersProjection(Projection):
    name = "orders"
    tables = (OrderByUser,)
    handles = frozenset(t.type_name() for t in (ev.OrderPlaced, *_STATUS_AFTER))

    def __init__(self) -> None:
        super().__init__()
        self._orders = self.mirror(OrderByUser)
        self._orders.index_by("username")

    def handle(self, event: ev.Event, recorded: RecordedEvent) -> None:
        orders = self._orders
        match event:
            case ev.OrderPlaced():
                orders.put(
                    {
                        "order_id": event.order_id,
                        "username": event.username,
                        "status": OrderStatus.PLACED.value,
                        "total_cents": event.total_cents,
                        "placed_at": recorded.metadata.recorded_at,
                    }
                )
            case ev.OrderPaid() | ev.OrderCancelled() | ev.OrderShipped():
                row = orders.get(event.order_id)
                if row is not None:
                    row["status"] = _STATUS_AFTER[type(event)]
                    orders.put(row)

    def query(self, connection: Connection, username: str | None = None) -> ViewRows:
        rows = connection.execute(_QUERY, {"username": username or ""}).all()
        return _orders(tuple(map(tuple, rows)))

    def remembered(self, username: str | None = None, page: int = 1) -> ViewRows:
        found = sorted(self._orders.where("username", username or ""), key=_PLACED)
        return _orders(tuple(tuple(row[name] for name in ORDERS_COLUMNS) for row in found))


def _orders(rows: tuple[tuple[Any, ...], ...]) -> ViewRows:
    """A user's orders, by when they were placed, and how many."""
    return ViewRows(ORDERS_COLUMNS, rows, (("count", len(rows)),))
