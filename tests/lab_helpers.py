"""Helpers for tests that drive a whole headless Lab."""

from __future__ import annotations

from collections.abc import Iterator

from cqrs_lab.lab import Lab, Outcome
from cqrs_lab.lab.interpreter import execute

SHOP_SETUP = """
register alice alice@example.com s3cret-pass
register bob bob@example.com bob-secret-1
add-product mug "Blue mug" 12.50 10
add-product tea "Green tea" 4.00 50
"""
ORDER_MOVES = (
    "remove-from-cart alice mug",
    "place-order alice",
    "place-order bob",
    "pay last",
    "cancel last",
    "ship last",
)
"""Lines that take SHOP_SETUP's carts and orders on (or are refused), for property tests to
draw from."""


def new_lab(seed: int = 1, db: str = ":memory:") -> Lab:
    return Lab.open(db, seed=seed, password_cost=2**4)


def lab_after(script: str) -> Iterator[Lab]:
    """A lab that has run `script`, closed after the test: `yield from` it in a fixture."""
    lab = new_lab()
    run(lab, script)
    yield lab
    lab.close()


def settled_shop() -> Iterator[Lab]:
    """A lab with SHOP_SETUP run and settled (see `lab_after`)."""
    yield from lab_after(SHOP_SETUP + "settle")


def run(lab: Lab, script: str) -> list[Outcome]:
    """Run every line; fail the test on the first line that does not parse."""
    outcomes = []
    for line in script.strip().splitlines():
        outcome = execute(lab, line)
        assert outcome.code != "parse_error", outcome.message
        outcomes.append(outcome)
    return outcomes
