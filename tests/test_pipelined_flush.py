"""Two labs flushing one set of read tables: a flush sent in one round trip (PostgreSQL's
pipeline) that finds the checkpoint moved by the other lab is rolled back and written again
the careful way, so neither lab's events are lost or applied twice (issue 13.2)."""

from __future__ import annotations

import pytest

from cqrs_lab.lab import Lab
from cqrs_lab.lab.flushing import Flushes
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.read.projection import CheckpointMoved, Projection


def tea(lab: Lab, *, crud: bool = False) -> int:
    rows = lab.query("catalog", crud=crud).rows.as_dicts()
    return {row["sku"]: row["available"] for row in rows}["tea"]


def settled(lab: Lab) -> Lab:
    lab.poll_store()
    lab.bus.run_until_idle()
    lab.flush()
    return lab


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The projections whose pipelined flush was refused (CheckpointMoved, raised by the
    COMMIT's pipeline and rolled back), in order."""
    refused: list[str] = []
    pipelined = Flushes._pipelined

    def watched(flushes: Flushes, dirty: list[Projection]) -> None:
        try:
            pipelined(flushes, dirty)
        except CheckpointMoved as error:
            refused.append(str(error))
            raise

    monkeypatch.setattr(Flushes, "_pipelined", watched)
    return refused


def test_a_flush_behind_the_other_labs_is_written_again(db: str, moved: list[str]) -> None:
    first = Lab.open(db, seed=1, password_cost=2**4)
    second = Lab.open(db, seed=2, password_cost=2**4)
    try:
        for lab in (first, second):
            assert execute(lab, "latency all zero").ok
        assert execute(first, 'add-product tea "Green tea" 4.50 30').ok
        start = tea(settled(first))
        settled(second)
        assert execute(first, "restock tea 5").ok
        settled(first)
        assert execute(second, "restock tea 7").ok
        settled(second)  # its catalog checkpoint is behind the one the first lab stored
        for lab in (first, second):
            assert tea(settled(lab)) == tea(lab, crud=True) == start + 12
    finally:
        first.close()
        second.close()
    assert ("catalog" in moved) == db.startswith("postgresql")


def test_a_first_flush_stores_the_checkpoints_in_one_go(db: str, moved: list[str]) -> None:
    lab = Lab.open(db, seed=1, password_cost=2**4)
    try:
        assert execute(lab, "latency all zero").ok
        assert execute(lab, 'add-product tea "Green tea" 4.50 30').ok
        settled(lab)
        assert moved == []  # no checkpoint stored yet: each is born, not refused
        catalog = lab.projections["catalog"]
        with lab.store.engine.connect() as connection:
            assert catalog.stored_checkpoint(connection) == catalog.checkpoint > 0
        assert tea(lab) == tea(lab, crud=True) == 30
    finally:
        lab.close()
