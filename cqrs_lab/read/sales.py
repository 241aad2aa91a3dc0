"""The sales dashboard: denormalized revenue, order counts per status and units per product.

Reading it is one one-row table plus the top of an index, however many orders there are.
Order transitions are derived from the events alone (the shop only allows placed -> paid or
cancelled, paid -> shipped or cancelled); a cancelled order was paid exactly when it carries
a refund, since every order total is positive.
"""

from __future__ import annotations

import heapq
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from cqrs_lab.read.projection import Projection
from cqrs_lab.read.views import SALES_COLUMNS, SALES_SUMMARY_KEYS, TOP_PRODUCTS, ViewRows
from cqrs_lab.shop import events as ev
from cqrs_lab.store.event_store import RecordedEvent

_TOTALS_ID = 1


class SalesTotals(SQLModel, table=True):
    """The dashboard's single row of totals."""

    __tablename__ = "sales_totals"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    revenue_cents: int = Field(default=0, sa_type=sa.BigInteger)
    placed: int = 0
    paid: int = 0
    cancelled: int = 0
    shipped: int = 0


class SalesProduct(SQLModel, table=True):
    """Units of one product in orders not cancelled; only products with units have a row."""

    __tablename__ = "sales_products"
    __table_args__ = (sa.Index("ix_sales_products_top", sa.text("units DESC"), "sku"),)

    sku: str = Field(primary_key=True)
    units: int = Field(sa_type=sa.BigInteger)


_TOTALS = cast(sa.Table, SalesTotals.__table__)
_PRODUCTS = cast(sa.Table, SalesProduct.__table__)
_QUERY_TOTALS = sa.select(*(_TOTALS.c[key] for key in SALES_SUMMARY_KEYS)).where(
    _TOTALS.c.id == _TOTALS_ID
)
_QUERY_TOP = (
    sa.select(*(_PRODUCTS.c[name] for name in SALES_COLUMNS))
    .where(_PRODUCTS.c.units > 0)
    .order_by(_PRODUCTS.c.units.desc(), _PRODUCTS.c.sku)
    .limit(TOP_PRODUCTS)
)


class SalesProjection(Projection):
    name = "sales"
    tables = (SalesTotals, SalesProduct)
    handles = frozenset(
        t.type_name() for t in (ev.OrderPlaced, ev.OrderPaid, ev.OrderShipped, ev.OrderCancelled)
    )

    def __init__(self) -> None:
        super().__init__()
        self._totals = self.mirror(SalesTotals)
        self._products = self.mirror(SalesProduct)

    def handle(self, event: ev.Event, recorded: RecordedEvent) -> None:
        match event:
            case ev.OrderPlaced():
                self._change_totals(placed=1)
                self._change_units(event.lines, 1)
            case ev.OrderPaid():
                self._change_totals(revenue_cents=event.amount_cents, placed=-1, paid=1)
            case ev.OrderShipped():
                self._change_totals(paid=-1, shipped=1)
            case ev.OrderCancelled():
                was = "paid" if event.refunded_cents else "placed"
                self._change_totals(revenue_cents=-event.refunded_cents, cancelled=1, **{was: -1})
                self._change_units(event.lines, -1)

    def _change_totals(self, **deltas: int) -> None:
        totals = self._totals
        row = totals.get(_TOTALS_ID) or {"id": _TOTALS_ID, **dict.fromkeys(SALES_SUMMARY_KEYS, 0)}
        for key, delta in deltas.items():
            row[key] += delta
        totals.put(row)

    def _change_units(self, lines: tuple[ev.OrderLine, ...], sign: int) -> None:
        products = self._products
        for line in lines:
            row = products.get(line.sku)
            units = (0 if row is None else row["units"]) + sign * line.quantity
            if units > 0:
                products.put({"sku": line.sku, "units": units})
            else:
                products.delete(line.sku)

    def query(self, connection: Connection, username: str | None = None) -> ViewRows:
        totals = connection.execute(_QUERY_TOTALS).first()
        top = connection.execute(_QUERY_TOP).all()
        return _dashboard(None if totals is None else tuple(totals), tuple(map(tuple, top)))

    def remembered(self, username: str | None = None, page: int = 1) -> ViewRows:
        held = self._totals.get(_TOTALS_ID)
        totals = None if held is None else tuple(held[key] for key in SALES_SUMMARY_KEYS)
        selling = (row for row in self._products if row["units"] > 0)
        top = heapq.nsmallest(TOP_PRODUCTS, selling, key=_top_order)
        return _dashboard(totals, tuple(tuple(row[name] for name in SALES_COLUMNS) for row in top))


def _top_order(row: dict[str, Any]) -> tuple[int, str]:
    """The order of the top products: most units first, then by sku."""
    return -row["units"], row["sku"]


def _dashboard(totals: tuple[Any, ...] | None, top: tuple[tuple[Any, ...], ...]) -> ViewRows:
    """The dashboard: the top products' rows, the totals (zeros before any order) as summary."""
    values = (0,) * len(SALES_SUMMARY_KEYS) if totals is None else totals
    return ViewRows(SALES_COLUMNS, top, tuple(zip(SALES_SUMMARY_KEYS, values, strict=True)))
