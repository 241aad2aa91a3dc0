"""The CRUD twin's queries: the joins and GROUP BYs a CRUD app runs on every read.

They read the twin's tables (`crud/tables.py`) and answer in a view's shape (`views.py`),
so they sit on the read side, above the twin.

Each takes what its projection's `query` takes (`username`: the asker, for a per-user view;
unused otherwise) and answers in exactly the shape, order and values of the projection it
sits beside, so the screen can put them side by side and highlight what differs (only ever
lag).
Money sums are cast to BIGINT: on PostgreSQL an integer product would overflow and a
bigint SUM would come back as a Decimal.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Result,
    bindparam,
    cast,
    func,
    select,
)

from cqrs_lab.crud.tables import CART_LINES, ORDER_LINES, ORDERS, PRODUCTS
from cqrs_lab.read.catalog_page import CatalogPages
from cqrs_lab.read.views import (
    CART_COLUMNS,
    CATALOG_COLUMNS,
    ORDERS_COLUMNS,
    SALES_COLUMNS,
    SALES_SUMMARY_KEYS,
    TOP_PRODUCTS,
    ViewRows,
)
from cqrs_lab.shop.state import OrderStatus


def _big(expression: ColumnElement[Any]) -> ColumnElement[int]:
    return cast(expression, BigInteger)


_p, _cl, _o, _ol = PRODUCTS.c, CART_LINES.c, ORDERS.c, ORDER_LINES.c
_line_total = _big(_ol.quantity) * _ol.unit_price_cents

_CATALOG = (_p.sku, _p.name, _p.price_cents, _p.stock.label("available"))
_CATALOG_PAGES = CatalogPages(PRODUCTS, _CATALOG)
_EVERY_PRODUCT = select(*_CATALOG).order_by(_p.sku)

_CART = (
    select(
        _cl.sku,
        _cl.quantity,
        _p.price_cents.label("unit_price_cents"),
        (_big(_cl.quantity) * _p.price_cents).label("subtotal_cents"),
    )
    .join_from(CART_LINES, PRODUCTS, _cl.sku == _p.sku)
    .where(_cl.username == bindparam("username"))
    .order_by(_cl.sku)
)

_ORDERS = (
    select(_o.order_id, _o.status, _big(func.sum(_line_total)).label("total_cents"), _o.placed_at)
    .join_from(ORDERS, ORDER_LINES, _ol.order_id == _o.order_id)
    .where(_o.username == bindparam("username"))
    .group_by(_o.order_id, _o.status, _o.placed_at)
    .order_by(_o.placed_at, _o.order_id)
)

_ORDERS_BY_STATUS = select(
    _o.status, func.count().label("orders"), _big(func.sum(_o.paid_cents)).label("paid_cents")
).group_by(_o.status)

_units = _big(func.sum(_ol.quantity))
_TOP_PRODUCTS = (
    select(_ol.sku, _units.label("units"))
    .join_from(ORDER_LINES, ORDERS, _ol.order_id == _o.order_id)
    .where(_o.status != OrderStatus.CANCELLED.value)
    .group_by(_ol.sku)
    .having(_units > 0)
    .order_by(_units.desc(), _ol.sku)
    .limit(TOP_PRODUCTS)
)

#: Orders whose money the shop keeps: a cancelled order was refunded, a placed one not paid.
_EARNING = (OrderStatus.PAID.value, OrderStatus.SHIPPED.value)


def _rows(result: Result[Any]) -> tuple[tuple[Any, ...], ...]:
    """Plain tuples, so answers compare, hash and print like the projections' own."""
    return tuple(tuple(row) for row in result)


def query_catalog(
    connection: Connection, username: str | None = None, page: int | None = 1
) -> ViewRows:
    """Products with what is available now, by sku: page `page` (see `catalog_page.py`),
    or every product (None: what a load's shoppers choose from)."""
    if page is None:
        return ViewRows(CATALOG_COLUMNS, _rows(connection.execute(_EVERY_PRODUCT)))
    return _CATALOG_PAGES.read(connection, page)


def query_cart(connection: Connection, username: str | None = None) -> ViewRows:
    """The user's cart lines priced by joining the products, by sku, with their totals."""
    rows = _rows(connection.execute(_CART, {"username": username or ""}))
    summary = (
        ("total_cents", sum(row[3] for row in rows)),
        ("items", sum(row[1] for row in rows)),
    )
    return ViewRows(CART_COLUMNS, rows, summary)


def query_orders(connection: Connection, username: str | None = None) -> ViewRows:
    """The user's orders, oldest first, each totalled over its lines."""
    rows = _rows(connection.execute(_ORDERS, {"username": username or ""}))
    return ViewRows(ORDERS_COLUMNS, rows, (("count", len(rows)),))


def query_sales(connection: Connection, username: str | None = None) -> ViewRows:
    """Revenue and orders per status from one GROUP BY; top products by units sold."""
    counts = dict.fromkeys(SALES_SUMMARY_KEYS[1:], 0)
    revenue = 0
    for status, orders, paid_cents in connection.execute(_ORDERS_BY_STATUS):
        counts[status] = orders
        if status in _EARNING:
            revenue += paid_cents
    summary = (("revenue_cents", revenue), *((key, counts[key]) for key in SALES_SUMMARY_KEYS[1:]))
    return ViewRows(SALES_COLUMNS, _rows(connection.execute(_TOP_PRODUCTS)), summary)
