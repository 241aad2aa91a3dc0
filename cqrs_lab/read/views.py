"""What a query answers: the same shape from a projection and from its CRUD twin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ViewRows:
    """Rows of one view, in a stable order, with an optional summary (totals)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    summary: tuple[tuple[str, Any], ...] = ()

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def summary_dict(self) -> dict[str, Any]:
        return dict(self.summary)


CATALOG_COLUMNS = ("sku", "name", "price_cents", "available")
CART_COLUMNS = ("sku", "quantity", "unit_price_cents", "subtotal_cents")
ORDERS_COLUMNS = ("order_id", "status", "total_cents", "placed_at")
SALES_COLUMNS = ("sku", "units")
SALES_SUMMARY_KEYS = ("revenue_cents", "placed", "paid", "cancelled", "shipped")
TOP_PRODUCTS = 5
