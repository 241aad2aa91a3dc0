"""The count of orders placed, kept in lab_meta: order ids survive refusals, reopens,
resets and other labs without counting streams at open."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from sqlalchemy import delete

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.store.counters import ORDERS_PLACED, orders_placed
from cqrs_lab.store.records import LAB_META

SHOP = (
    "latency all zero",
    "register alice alice@example.com s3cret-pass",
    'add-product mug "Blue mug" 12.50 10',
)


def _order(lab: Lab) -> str:
    assert execute(lab, "add-to-cart alice mug 1").ok
    outcome = execute(lab, "place-order alice")
    assert outcome.ok, outcome.message
    return str(outcome.data["order_id"])


def _count(lab: Lab) -> int:
    with lab.store.transaction() as connection:
        return orders_placed(connection)


def set_up_shop(lab: Lab) -> None:
    for line in SHOP:
        assert execute(lab, line).ok


def test_ids_count_accepted_orders_across_refusals_and_reopens(tmp_path: Path) -> None:
    db = str(tmp_path / "lab.db")
    with closing(Lab.open(db)) as lab:
        set_up_shop(lab)
        assert [_order(lab), _order(lab)] == ["o1", "o2"]
        assert not execute(lab, "place-order alice").ok  # an empty cart: refused, no id used

    with closing(Lab.open(db)) as reopened:
        assert _count(reopened) == 2
        assert _order(reopened) == "o3"


def test_a_database_from_before_the_count_is_counted_once(tmp_path: Path) -> None:
    db = str(tmp_path / "lab.db")
    with closing(Lab.open(db)) as lab:
        set_up_shop(lab)
        _order(lab)
        _order(lab)
        with lab.store.transaction() as connection:
            connection.execute(delete(LAB_META).where(LAB_META.c.key == ORDERS_PLACED))

    with closing(Lab.open(db)) as reopened:
        assert _order(reopened) == "o3"
        assert _count(reopened) == 3


def test_reset_starts_the_numbering_again() -> None:
    with closing(Lab.open(":memory:")) as lab:
        set_up_shop(lab)
        _order(lab)
        assert execute(lab, "reset").ok
        set_up_shop(lab)
        assert _count(lab) == 0
        assert _order(lab) == "o1"


def test_a_second_lab_numbers_on_from_the_stored_count(tmp_path: Path) -> None:
    db = str(tmp_path / "lab.db")
    with closing(Lab.open(db)) as first, closing(Lab.open(db)) as second:
        set_up_shop(first)
        assert execute(second, "latency all zero").ok
        for _ in range(5):
            _order(first)
        assert execute(second, "add-to-cart alice mug 1").ok
        outcome = execute(second, "place-order alice")
        assert outcome.ok and outcome.data["order_id"] == "o6"
        assert second.metrics.retries <= 1  # one collision, then the stored count: no walk
