"""Two labs on one database, defined: what `reset`, `rebuild` and `mode … inline` in one lab
mean for the other (README "Reliability").

- `reset` applies to both: the other lab notices the store's head went back, forgets what
  the database no longer holds (keeping its own lane settings) and says so in `notices`.
- `rebuild` of a shared projection: the other lab's next flush sees the checkpoint moved,
  reloads the rebuilt rows and re-applies its own newer events.
- `mode … inline` in one lab and async in the other: both write the shared read tables,
  each under the store's write lock, and both end equal to a rebuild.

Each lab has its own engine and connections, as a second process would (the two-process
tests in test_robust_concurrent.py run real processes).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cqrs_lab.lab import Lab
from cqrs_lab.lab.audit import audit
from cqrs_lab.lab.interpreter import execute
from tests.lab_helpers import run

SHOP = """
register alice alice@example.com s3cret-pass
add-product mug "Blue mug" 12.50 10
add-to-cart alice mug 2
place-order alice
settle
"""


@pytest.fixture
def labs(tmp_path: Path) -> Iterator[tuple[Lab, Lab]]:
    """Ada's lab and Bob's, on one database file; both closed after the test."""
    db = str(tmp_path / "shared.db")
    ada = Lab.open(db, seed=1, password_cost=2**4)
    bob = Lab.open(db, seed=2, password_cost=2**4)
    yield ada, bob
    ada.close()
    bob.close()


def rows(lab: Lab, view: str, user: str | None = None) -> list[dict[str, object]]:
    return lab.query(view, user, wait=True, record=False).rows.as_dicts()


def test_a_reset_in_one_lab_is_followed_by_the_other(labs: tuple[Lab, Lab]) -> None:
    ada, bob = labs
    run(ada, SHOP)
    run(bob, "settle")
    assert [row["order_id"] for row in rows(bob, "orders", "alice")] == ["o1"]
    execute(bob, "latency orders fixed:2s")  # its own setting: kept through the reset
    execute(ada, "reset")
    run(ada, 'add-product tea "Green tea" 4.00 5\nsettle')
    assert [row["sku"] for row in rows(bob, "catalog")] == ["tea"]  # a query looks first
    assert bob.notices == ["another lab reset the shared database: this lab starts over too"]
    assert rows(bob, "orders", "alice") == []
    assert str(bob.latencies["orders"]) == "fixed:2s"
    assert bob.head == ada.head == 1
    assert execute(bob, "restock tea 3").ok  # and it writes on from there
    ada.poll_store()  # the screen does this every frame
    run(ada, "settle")
    assert [row["available"] for row in rows(ada, "catalog")] == [8]
    assert audit(ada.store).ok


def test_a_rebuild_in_one_lab_leaves_the_other_consistent(labs: tuple[Lab, Lab]) -> None:
    ada, bob = labs
    run(ada, SHOP)
    run(bob, "settle\nrestock mug 4\nlatency catalog fixed:1s\nrestock mug 1")
    execute(ada, "rebuild catalog")
    run(bob, "settle")
    run(ada, "settle")
    assert rows(ada, "catalog") == rows(bob, "catalog") == rows(bob, "catalog", None)
    assert [row["available"] for row in rows(bob, "catalog")] == [13]
    assert audit(bob.store).ok


def test_inline_in_one_lab_async_in_the_other(labs: tuple[Lab, Lab]) -> None:
    ada, bob = labs
    run(ada, "mode orders inline\nmode catalog inline")
    run(ada, SHOP)
    run(bob, "settle\nadd-to-cart alice mug 1\nplace-order alice\nsettle")
    run(ada, "add-to-cart alice mug 1\nplace-order alice\nsettle")
    run(bob, "settle")
    expected = ["o1", "o2", "o3"]
    assert [row["order_id"] for row in rows(ada, "orders", "alice")] == expected
    assert [row["order_id"] for row in rows(bob, "orders", "alice")] == expected
    assert audit(ada.store).ok
