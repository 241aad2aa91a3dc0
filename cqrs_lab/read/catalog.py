"""The catalog projection: every product with its price and the stock still available."""

from __future__ import annotations

from operator import itemgetter
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from cqrs_lab.read.catalog_page import PAGE_ROWS, CatalogPages, paged
from cqrs_lab.read.projection import Projection
from cqrs_lab.read.views import CATALOG_COLUMNS, ViewRows
from cqrs_lab.shop import events as ev
from cqrs_lab.store.event_store import RecordedEvent


class CatalogProduct(SQLModel, table=True):
    """One product; the primary key on `sku` also serves the query's order."""

    __tablename__ = "catalog_products"

    sku: str = Field(primary_key=True)
    name: str
    price_cents: int
    available: int


_PRODUCTS = cast(sa.Table, CatalogProduct.__table__)
_BY_SKU = itemgetter("sku")
_PAGES = CatalogPages(_PRODUCTS, tuple(_PRODUCTS.c[name] for name in CATALOG_COLUMNS))


class CatalogProjection(Projection):
    name = "catalog"
    tables = (CatalogProduct,)
    handles = frozenset(
        t.type_name()
        for t in (ev.ProductAdded, ev.ProductRestocked, ev.StockReserved, ev.StockReleased)
    )

    def __init__(self) -> None:
        super().__init__()
        self._products = self.mirror(CatalogProduct)

    def handle(self, event: ev.Event, recorded: RecordedEvent) -> None:
        match event:
            case ev.ProductAdded():
                self._products.put(
                    {
                        "sku": event.sku,
                        "name": event.name,
                        "price_cents": event.price_cents,
                        "available": event.stock,
                    }
                )
            case ev.ProductRestocked() | ev.StockReleased():
                self._change_stock(event.sku, event.quantity)
            case ev.StockReserved():
                self._change_stock(event.sku, -event.quantity)

    def _change_stock(self, sku: str, delta: int) -> None:
        products = self._products
        row = products.get(sku)
        if row is None:  # a product this projection never saw added: nothing to adjust
            return
        row["available"] += delta
        products.put(row)

    def query(self, connection: Connection, username: str | None = None) -> ViewRows:
        return query_page(connection, 1)

    def remembered(self, username: str | None = None, page: int = 1) -> ViewRows:
        ordered = sorted(self._products.rows.values(), key=_BY_SKU)
        start = (page - 1) * PAGE_ROWS
        shown = ordered[start : start + PAGE_ROWS]
        rows = tuple(tuple(row[name] for name in CATALOG_COLUMNS) for row in shown)
        return paged(rows, page, lambda: len(ordered))


def query_page(connection: Connection, page: int) -> ViewRows:
    """Page `page` of the catalog from this projection's table (see `catalog_page.py`)."""
    return _PAGES.read(connection, page)
