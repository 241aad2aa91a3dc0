"""Every projection the lab runs, in display order."""

from __future__ import annotations

from cqrs_lab.read.carts import CartsProjection
from cqrs_lab.read.catalog import CatalogProjection
from cqrs_lab.read.orders import OrdersProjection
from cqrs_lab.read.projection import Projection
from cqrs_lab.read.sales import SalesProjection

PROJECTION_TYPES: dict[str, type[Projection]] = {
    projection.name: projection
    for projection in (CatalogProjection, CartsProjection, OrdersProjection, SalesProjection)
}


def create_projections() -> dict[str, Projection]:
    """A fresh, empty instance of every projection, keyed by name."""
    return {name: projection_type() for name, projection_type in PROJECTION_TYPES.items()}
