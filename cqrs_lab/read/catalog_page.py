"""One page of the catalog, read the same way from the projection's table and the CRUD
twin's: by sku (the primary key, so the index gives the order), `PAGE_ROWS` at a time.

A catalog that fits on one page answers as it always did (its rows, no summary); a longer
one answers its page with the number of products and pages, so a query at 1,650 products
reads 50 rows instead of all of them, and says how to read on (`more`).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cqrs_lab.read.views import CATALOG_COLUMNS, ViewRows

PAGE_ROWS = 50
"""Rows a catalog query answers at most: a page."""
MAX_PAGE = 1_000_000
"""The highest page a script may ask for (50 million products, far beyond any lab's)."""


def read_page(
    connection: Connection, products: sa.Table, columns: tuple[Any, ...], page: int
) -> ViewRows:
    """Page `page` (from 1) of `products` by sku; counts the products only when the page
    does not hold them all (a full first page, or a later one)."""
    offset = (page - 1) * PAGE_ROWS
    query = sa.select(*columns).order_by(products.c.sku).limit(PAGE_ROWS).offset(offset)
    rows = tuple(tuple(row) for row in connection.execute(query))
    if page == 1 and len(rows) < PAGE_ROWS:
        return ViewRows(CATALOG_COLUMNS, rows)
    total = connection.execute(sa.select(sa.func.count()).select_from(products)).scalar_one()
    if page == 1 and total <= PAGE_ROWS:
        return ViewRows(CATALOG_COLUMNS, rows)
    pages = -(-total // PAGE_ROWS)
    return ViewRows(CATALOG_COLUMNS, rows, (("products", total), ("page", page), ("pages", pages)))


def more(rows: ViewRows, crud: bool) -> str | None:
    """What a paged answer says after its rows: how many of how many, and how to read on
    (None: the answer holds the whole catalog)."""
    summary = rows.summary_dict()
    if "pages" not in summary:
        return None
    total, page, pages = summary["products"], summary["page"], summary["pages"]
    where = f" (page {page} of {pages})" if page > 1 else ""
    said = f"{len(rows.rows)} of {total:,} products{where}"
    if page >= pages:
        return said
    option = " --crud" if crud else ""
    return f"{said}; `query catalog page {page + 1}{option}` for more"
