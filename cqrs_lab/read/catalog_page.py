"""One page of the catalog, read the same way from the projection's table and the CRUD
twin's: by sku (the primary key, so the index gives the order), `PAGE_ROWS` at a time.

A catalog that fits on one page answers as it always did (its rows, no summary); a longer
one answers its page with the number of products and pages, so a query at 1,650 products
reads 50 rows instead of all of them, and says how to read on (`more`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cqrs_lab.read.views import CATALOG_COLUMNS, ViewRows

PAGE_ROWS = 50
"""Rows a catalog query answers at most: a page."""
MAX_PAGE = 1_000_000
"""The highest page a script may ask for (50 million products, far beyond any lab's)."""


class CatalogPages:
    """The two statements that page one products table, built once (a statement built per
    query costs more than the query on an empty table)."""

    def __init__(self, products: sa.Table, columns: tuple[Any, ...]) -> None:
        self._page = (
            sa.select(*columns)
            .order_by(products.c.sku)
            .limit(sa.bindparam("rows", PAGE_ROWS, type_=sa.Integer))
            .offset(sa.bindparam("skip", type_=sa.Integer))
        )
        self._count = sa.select(sa.func.count()).select_from(products)

    def read(self, connection: Connection, page: int) -> ViewRows:
        """Page `page` (from 1) by sku; counts the products only when the page does not
        hold them all (a full first page, or a later one)."""
        found = connection.execute(self._page, {"skip": (page - 1) * PAGE_ROWS})
        rows = tuple(tuple(row) for row in found)
        return paged(rows, page, lambda: connection.execute(self._count).scalar_one())


def paged(rows: tuple[tuple[Any, ...], ...], page: int, count: Callable[[], int]) -> ViewRows:
    """Page `page`'s `rows`, with the summary when the page does not hold every product
    (`count()`: how many there are, asked only then)."""
    if page == 1 and len(rows) < PAGE_ROWS:
        return ViewRows(CATALOG_COLUMNS, rows)
    total = count()
    if page == 1 and total <= PAGE_ROWS:
        return ViewRows(CATALOG_COLUMNS, rows)
    summary = (("products", total), ("page", page), ("pages", -(-total // PAGE_ROWS)))
    return ViewRows(CATALOG_COLUMNS, rows, summary)


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
