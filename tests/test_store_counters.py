"""The orders count kept beside the events moves in each order's transaction, on every
backend (sqlite3's raw UPDATE and the Core statement elsewhere), and a reopened lab numbers on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.backends import BACKENDS, database_for
from tests.lab_helpers import SHOP_SETUP, new_lab, run


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from database_for(request.param, tmp_path)


def test_the_orders_count_moves_with_each_order_and_survives_a_reopen(db: str) -> None:
    lab = new_lab(db=db)
    orders = "add-to-cart alice mug 1\nplace-order alice\nadd-to-cart bob tea 1\nplace-order bob"
    outcomes = run(lab, SHOP_SETUP + orders)
    assert all(outcome.ok for outcome in outcomes), [o.message for o in outcomes if not o.ok]
    assert lab.last_order_id == "o2"
    lab.close()
    lab = new_lab(db=db)
    try:
        assert lab.new_order_id() == "o3"
    finally:
        lab.close()
