"""The naive CRUD model: the same shop in normalized tables, updated in place, always current.

It sits beside the projections so a learner can compare: no lag, but every read is a join.
"""

from __future__ import annotations

from cqrs_lab.crud.queries import query_cart, query_catalog, query_orders, query_sales
from cqrs_lab.crud.twin import CrudTwin

__all__ = ["CrudTwin", "query_cart", "query_catalog", "query_orders", "query_sales"]
