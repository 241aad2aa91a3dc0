"""Each fact of an event's metadata stored once, and stores written before still read alike."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from cqrs_lab.lab import Lab
from cqrs_lab.lab.audit import audit
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.shop.commands import Restock
from cqrs_lab.store import EventMetadata, NewEvent, StreamAppend, open_store
from cqrs_lab.store.meta_format import read_meta, stored_meta

from .lab_helpers import SHOP_SETUP, run

ids = st.text(min_size=1, max_size=64)


@given(command_id=ids, correlation_id=ids, causation_id=ids, at=st.floats(0, 1e9))
def test_stored_meta_reads_back_as_the_same_metadata(
    command_id: str, correlation_id: str, causation_id: str, at: float
) -> None:
    for metadata in (
        EventMetadata(command_id, correlation_id, causation_id, at),
        EventMetadata(command_id, command_id, command_id, at),
        EventMetadata(command_id, correlation_id, command_id, at),
    ):
        assert read_meta(command_id, at, stored_meta(metadata)) == metadata


def test_a_command_of_its_own_stores_no_meta_and_a_correlated_one_only_what_differs() -> None:
    assert stored_meta(EventMetadata("c1", "c1", "c1", 2.5)) == ""
    assert json.loads(stored_meta(EventMetadata("c1", "saga-9", "c1", 2.5))) == {
        "correlation_id": "saga-9"
    }


def test_rows_written_before_read_as_they_did(tmp_path: Path) -> None:
    """A store whose rows carry the old meta (all four facts as JSON) reads the same events,
    the same metadata, through every read."""
    store = open_store(str(tmp_path / "old.db"))
    try:
        metadata = EventMetadata("cmd-1", "corr-1", "cause-1", 1.5)
        appends = [StreamAppend("product-mug", 0, [NewEvent("A", {"n": 1}), NewEvent("B", {})])]
        written = store.append_many(appends, metadata)
        _to_old_format(tmp_path / "old.db")
        assert store.read_all() == written
        assert store.read_stream("product-mug") == written
        assert store.find_by_command_id("cmd-1") == written
    finally:
        store.engine.dispose()


def test_a_lab_written_in_the_old_format_opens_replays_and_goes_on(tmp_path: Path) -> None:
    db = tmp_path / "old-lab.db"
    lab = Lab.open(str(db), seed=3, password_cost=2**4)
    run(lab, SHOP_SETUP + "add-to-cart alice mug 2\nplace-order alice\nsettle")
    before = [(event.position, event.metadata) for event in lab.store.read_all()]
    lab.close()
    assert _to_old_format(db) == len(before)
    lab = Lab.open(str(db), seed=3, password_cost=2**4)
    try:
        assert [(event.position, event.metadata) for event in lab.store.read_all()] == before
        assert audit(lab.store).ok
        lab.handler.aggregates.forget_states()  # every stream replayed from its old rows
        restocked = lab.send(Restock(sku="mug", quantity=5))
        assert restocked.ok and restocked.events[0].version == 3  # added, reserved, restocked
        outcome = execute(lab, "settle")
        assert outcome.ok
        stock = {row["sku"]: row["available"] for row in lab.query("catalog").rows.as_dicts()}
        assert stock["mug"] == 10 - 2 + 5
        assert audit(lab.store).ok
    finally:
        lab.close()


def test_new_rows_take_a_third_of_the_old_bytes_or_less(tmp_path: Path) -> None:
    db = tmp_path / "lab.db"
    lab = Lab.open(str(db), seed=3, password_cost=2**4)
    run(lab, SHOP_SETUP + "add-to-cart alice mug 2\nplace-order alice")
    lab.close()
    new = _meta_bytes(db)
    _to_old_format(db)
    assert new * 3 <= _meta_bytes(db)


def _to_old_format(db: Path) -> int:
    """Rewrite every row's meta the way the store wrote it before (the full JSON); return
    how many rows."""
    connection = sqlite3.connect(db)
    try:
        rows = connection.execute("SELECT position, command_id, recorded_at, meta FROM events")
        updates = []
        for position, command_id, recorded_at, meta in rows.fetchall():
            metadata = read_meta(command_id, recorded_at, meta)
            old = json.dumps(metadata.to_dict(), separators=(",", ":"))
            updates.append((old, position))
        with connection:
            connection.executemany("UPDATE events SET meta = ? WHERE position = ?", updates)
        return len(updates)
    finally:
        connection.close()


def _meta_bytes(db: Path) -> int:
    connection = sqlite3.connect(db)
    try:
        return int(connection.execute("SELECT SUM(LENGTH(meta)) FROM events").fetchone()[0])
    finally:
        connection.close()
