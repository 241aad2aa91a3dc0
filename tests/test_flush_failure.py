"""A read model never lies: a flush that another program's lock refuses loses nothing.

The issue's reproduction: an order is applied to the orders projection in memory while
another connection holds SQLite's write lock, so its flush is refused. Before, the
projection dropped what it had applied and its lane moved on: o1 was missing for good
while the answer said "caught up". Now the projection goes back to its committed
checkpoint, applies the events again from the store, says on its lane that the flush
failed, and commits everything on the next flush once the lock is gone.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.read.view_specs import LANES
from cqrs_lab.sim.clock import VirtualClock
from cqrs_lab.store.database import open_store
from tests.lab_helpers import run

SETUP = """
register alice alice@example.com s3cret-pass
add-product mug "Blue mug" 12.50 50
latency orders fixed:1s
add-to-cart alice mug 1
place-order alice
"""


def open_lab(db: Path) -> Lab:
    """A lab that gives up on a lock after 50 ms (the default waits 5 s) and tries a failed
    flush again at once (the screen waits a wall second between tries)."""
    store = open_store(str(db), busy_timeout_ms=50)
    lab = Lab(store, seed=1, clock=VirtualClock(), password_cost=2**4)
    lab.flush_retry_seconds = 0.0
    return lab


def ordered(db: Path) -> Lab:
    """A lab on `db` with SETUP run: o1 placed, on its way to the orders projection."""
    lab = open_lab(db)
    run(lab, SETUP)
    return lab


@contextmanager
def write_lock(db: Path) -> Iterator[None]:
    """Another program holding the database's write lock."""
    other = sqlite3.connect(db, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("COMMIT")
    finally:
        other.close()


def order_ids(lab: Lab, *, crud: bool = False) -> list[str]:
    answer = lab.query("orders", "alice", crud=crud, record=False)
    return [row["order_id"] for row in answer.rows.as_dicts()]


def test_an_order_whose_flush_is_refused_reaches_the_read_model(tmp_path: Path) -> None:
    db = tmp_path / "lab.db"
    lab = ordered(db)
    with write_lock(db):
        outcome = execute(lab, "advance 2s")  # o1 reaches the projection; its flush is refused
        assert outcome.ok, outcome.message  # the lab went on; the lane says what failed
        lane = lab.snapshot().lane("orders")
        assert lane.problem is not None and "flush failed" in lane.problem
        assert "locked" in lane.problem
        answer = lab.query("orders", "alice", record=False)
        assert not answer.stale or answer.checkpoint < lab.head  # never "caught up" without o1
    run(lab, "add-to-cart alice mug 1\nplace-order alice\nadvance 2s")
    assert lab.snapshot().lane("orders").problem is None
    answer = lab.query("orders", "alice", wait=True)
    assert [row["order_id"] for row in answer.rows.as_dicts()] == ["o1", "o2"]
    assert answer.checkpoint == lab.head and not answer.stale
    assert order_ids(lab) == order_ids(lab, crud=True)
    lab.close()
    again = open_lab(db)
    assert order_ids(again) == ["o1", "o2"]  # and it survives a restart
    again.close()


def test_no_answer_says_caught_up_while_a_write_is_missing(tmp_path: Path) -> None:
    db = tmp_path / "lab.db"
    lab = ordered(db)
    with write_lock(db):
        execute(lab, "advance 2s")  # o1 is applied in memory, but its table does not have it
        answer = lab.query("orders", "alice", record=False)
        assert answer.rows.as_dicts() == []
        assert answer.stale  # so the answer says it is behind the asker's write
        assert answer.checkpoint < lab.last_write["alice"]
    lab.close()


def test_every_lane_retries_on_its_own_once_the_lock_is_gone(tmp_path: Path) -> None:
    db = tmp_path / "lab.db"
    lab = ordered(db)
    with write_lock(db):
        execute(lab, "advance 2s")
        assert set(lab.flush_problems) == set(LANES)
    lab.tick()  # a frame of the screen, with nothing due
    assert lab.flush_problems == {}
    assert not any(projection.dirty for projection in lab.projections.values())
    lab.close()
