"""The carts projection: each user's cart lines, with denormalized totals per user.

`CartCheckedOut` does not list the cart's lines, so the projection keeps an in-memory index
of the skus in each user's cart next to its mirrors: rebuilt on `load`, reset on `clear`,
and on `open` filled user by user from the table as users are met.
"""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from cqrs_lab.read.mirror import Reader
from cqrs_lab.read.projection import Projection
from cqrs_lab.read.views import CART_COLUMNS, ViewRows
from cqrs_lab.shop import events as ev
from cqrs_lab.store.event_store import RecordedEvent


class CartLine(SQLModel, table=True):
    """One product in one cart; the (username, sku) key serves the per-user sorted read.

    Sums of cents are BIGINT: a 32-bit INTEGER (PostgreSQL) overflows at 21 million.
    """

    __tablename__ = "carts_lines"

    username: str = Field(primary_key=True)
    sku: str = Field(primary_key=True)
    quantity: int
    unit_price_cents: int
    subtotal_cents: int = Field(sa_type=sa.BigInteger)


class CartTotal(SQLModel, table=True):
    """A cart's total and item count, kept up to date so reads never sum the lines."""

    __tablename__ = "carts_totals"

    username: str = Field(primary_key=True)
    total_cents: int = Field(sa_type=sa.BigInteger)
    items: int


_LINES = cast(sa.Table, CartLine.__table__)
_TOTALS = cast(sa.Table, CartTotal.__table__)
_ASKER = sa.select(sa.bindparam("username", type_=sa.String).label("username")).subquery()
_QUERY = (
    sa.select(*(_LINES.c[name] for name in CART_COLUMNS), _TOTALS.c.total_cents, _TOTALS.c["items"])
    .select_from(
        _ASKER.outerjoin(_TOTALS, _TOTALS.c.username == _ASKER.c.username).outerjoin(
            _LINES, _LINES.c.username == _ASKER.c.username
        )
    )
    .order_by(_LINES.c.sku)
)
"""A cart's lines by sku, each with its total (one row of NULL lines for a cart with none):
one statement, so one round trip and one snapshot on a server."""
_LINE_WIDTH = len(CART_COLUMNS)


class CartsProjection(Projection):
    name = "carts"
    tables = (CartLine, CartTotal)
    handles = frozenset(
        t.type_name() for t in (ev.ItemAddedToCart, ev.ItemRemovedFromCart, ev.CartCheckedOut)
    )

    def __init__(self) -> None:
        super().__init__()
        self._lines = self.mirror(CartLine)
        self._totals = self.mirror(CartTotal)
        self._skus: dict[str, set[str]] = {}

    def handle(self, event: ev.Event, recorded: RecordedEvent) -> None:
        match event:
            case ev.ItemAddedToCart():
                self._add(event)
            case ev.ItemRemovedFromCart():
                self._skus_of(event.username).discard(event.sku)
                self._remove(event.username, event.sku)
            case ev.CartCheckedOut():
                for sku in self._skus_of(event.username):
                    self._remove(event.username, sku)
                self._skus[event.username] = set()

    def _skus_of(self, username: str) -> set[str]:
        """The skus in `username`'s cart: known once seen (read from the table the first
        time when the lines are read on demand)."""
        skus = self._skus.get(username)
        if skus is None:
            lines = self._lines
            found = () if lines.complete else lines.where("username", username)
            skus = self._skus[username] = {line["sku"] for line in found}
        return skus

    def _add(self, event: ev.ItemAddedToCart) -> None:
        lines = self._lines
        line = lines.get(event.username, event.sku)
        old_quantity = 0 if line is None else line["quantity"]
        old_subtotal = 0 if line is None else line["subtotal_cents"]
        quantity = old_quantity + event.quantity
        subtotal = quantity * event.unit_price_cents
        lines.put(
            {
                "username": event.username,
                "sku": event.sku,
                "quantity": quantity,
                "unit_price_cents": event.unit_price_cents,
                "subtotal_cents": subtotal,
            }
        )
        self._skus_of(event.username).add(event.sku)
        self._change_total(event.username, subtotal - old_subtotal, event.quantity)

    def _remove(self, username: str, sku: str) -> None:
        lines = self._lines
        line = lines.get(username, sku)
        if line is None:
            return
        lines.delete(username, sku)
        self._change_total(username, -line["subtotal_cents"], -line["quantity"])

    def _change_total(self, username: str, cents: int, items: int) -> None:
        totals = self._totals
        row = totals.get(username) or {"username": username, "total_cents": 0, "items": 0}
        row["total_cents"] += cents
        row["items"] += items
        if row["items"]:
            totals.put(row)
        else:
            totals.delete(username)

    def load(self, connection: Connection) -> None:
        super().load(connection)
        self._skus = {}
        for username, sku in self._lines.rows:
            self._skus.setdefault(username, set()).add(sku)

    def open(self, connection: Connection, reader: Reader) -> None:
        super().open(connection, reader)
        self._skus = {}

    def clear(self, connection: Connection) -> None:
        super().clear(connection)
        self._skus = {}

    def remembered(self, username: str | None = None, page: int = 1) -> ViewRows:
        user = username or ""
        found = (self._lines.get(user, sku) for sku in sorted(self._skus.get(user, ())))
        rows = tuple(tuple(line[name] for name in CART_COLUMNS) for line in found if line)
        total = self._totals.get(user)
        summary = (0, 0) if total is None else (total["total_cents"], total["items"])
        return _cart(rows, summary)

    def query(self, connection: Connection, username: str | None = None) -> ViewRows:
        found = connection.execute(_QUERY, {"username": username or ""}).all()
        lines = tuple(tuple(row[:_LINE_WIDTH]) for row in found if row[0] is not None)
        total = tuple(found[0][_LINE_WIDTH:])
        return _cart(lines, (0, 0) if total[0] is None else total)


def _cart(lines: tuple[tuple[Any, ...], ...], total: tuple[Any, ...]) -> ViewRows:
    """A cart's view: its lines by sku, and its (total_cents, items)."""
    total_cents, items = total
    return ViewRows(CART_COLUMNS, lines, (("total_cents", total_cents), ("items", items)))
