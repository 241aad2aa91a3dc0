"""Every projection the lab runs, in display order, and each view's CRUD twin query: what
answers a view named in `view_specs.py`, on either side."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection

from cqrs_lab.read.carts import CartsProjection
from cqrs_lab.read.catalog import CatalogProjection
from cqrs_lab.read.crud_queries import query_cart, query_catalog, query_orders, query_sales
from cqrs_lab.read.orders import OrdersProjection
from cqrs_lab.read.projection import Projection
from cqrs_lab.read.sales import SalesProjection
from cqrs_lab.read.views import ViewRows

CrudQuery = Callable[[Connection, str | None], ViewRows]
"""(connection, username) -> the view's rows from the CRUD twin, as `Projection.query`."""

PROJECTION_TYPES: dict[str, type[Projection]] = {
    projection.name: projection
    for projection in (CatalogProjection, CartsProjection, OrdersProjection, SalesProjection)
}
CRUD_QUERIES: dict[str, CrudQuery] = {
    "catalog": query_catalog,
    "cart": query_cart,
    "orders": query_orders,
    "sales": query_sales,
}
"""Each view's CRUD twin query, by view name."""


def create_projections() -> dict[str, Projection]:
    """A fresh, empty instance of every projection, keyed by name."""
    return {name: projection_type() for name, projection_type in PROJECTION_TYPES.items()}


def query_crud(connection: Connection, view: str, username: str | None = None) -> ViewRows:
    """The view's rows as the CRUD twin answers them (`username`: for a per-user view)."""
    return CRUD_QUERIES[view](connection, username)
