"""Helpers for the services' tests (issue 18): a small shop, lines that must pass, and
what the orders and catalog views say."""

from __future__ import annotations

from collections.abc import Iterator

from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.outcome import Outcome
from cqrs_lab.lab.service_performers import services_of
from cqrs_lab.services.runtime import Services

SHOP = (
    "register alice alice@example.com s3cret-pass",
    "add-product sku-1 Mug 12.50 10",
    "add-to-cart alice sku-1 2",
)
"""alice, ten mugs, two of them in her cart."""


def a_lab() -> Iterator[Lab]:
    """A fresh seeded lab, closed after the test: `yield from` it in a fixture."""
    lab = Lab.open(":memory:", seed=7, password_cost=2)
    yield lab
    lab.close()


def run(lab: Lab, *lines: str) -> list[Outcome]:
    """Run the lines; fail the test on the first one refused."""
    outcomes = []
    for line in lines:
        outcome = execute(lab, line)
        assert outcome.ok, f"{line}: {outcome.message}"
        outcomes.append(outcome)
    return outcomes


def services(lab: Lab) -> Services:
    found = services_of(lab)
    assert found is not None
    return found


def order_status(lab: Lab, order_id: str = "o1") -> str:
    rows = lab.query("orders", "alice").rows.as_dicts()
    return next(str(row["status"]) for row in rows if row["order_id"] == order_id)


def stock(lab: Lab) -> int:
    (row,) = lab.query("catalog").rows.as_dicts()
    return int(row["available"])
