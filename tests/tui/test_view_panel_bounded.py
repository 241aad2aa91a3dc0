"""At 2,000 products the lab screen starts on a page of the catalog, never the whole table:
what the panel lays out and what its first frames read stay bounded."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from cqrs_lab.lab import Lab
from cqrs_lab.read.catalog_page import PAGE_ROWS
from cqrs_lab.sim.clock import ScaledClock
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.widgets import ViewPanel
from tests.lab_helpers import run
from tests.test_catalog_pages import products
from tests.tui.conftest import FakeWall
from tests.tui.travel_helpers import SIZE, frames, text_of

PRODUCTS = 2_000
_READS_PRODUCTS = re.compile(
    r"^\s*SELECT\b.*\bFROM (catalog_products|crud_products)\b", re.I | re.S
)


@pytest.fixture(scope="module")
def shop() -> Iterator[Lab]:
    lab = Lab.open(":memory:", seed=7, clock=ScaledClock(wall=FakeWall()), password_cost=2)
    run(lab, "latency all zero\n" + products(PRODUCTS) + "\nsettle")
    yield lab
    lab.close()


async def test_the_first_frames_read_and_show_one_page(shop: Lab) -> None:
    reads: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if _READS_PRODUCTS.match(statement):
            reads.append(statement)

    event.listen(shop.store.engine, "before_cursor_execute", seen)
    try:
        app = LabApp(shop)
        async with app.run_test(size=SIZE) as pilot:
            await frames(pilot)
            panel = app.query_one(ViewPanel)
            assert panel.comparison is not None
            shown = text_of(panel)
            assert len(panel.comparison.projection.marks) == PAGE_ROWS
            assert len(panel.comparison.crud.marks) == PAGE_ROWS
            assert "p0000" in shown and f"p{PAGE_ROWS:04}" not in shown
            assert "50 of 2,000 products" in shown
    finally:
        event.remove(shop.store.engine, "before_cursor_execute", seen)
    assert reads  # the panel did read the catalog...
    for statement in reads:  # ...a page (or its count) at a time
        assert "LIMIT" in statement.upper() or "count(" in statement.lower(), statement
