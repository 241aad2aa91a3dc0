"""Appends whose versions were read in the caller's unit: UNIQUE is the only check."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Connection

from cqrs_lab.shop.commands import Restock
from cqrs_lab.store import ConcurrencyError, EventMetadata, NewEvent, StreamAppend, open_store
from cqrs_lab.store import statements as statements_module
from cqrs_lab.store.sqlite_unit import unit_driver
from cqrs_lab.write.aggregates import AggregateCache, Loaded
from cqrs_lab.write.results import Accepted
from tests.lab_helpers import SHOP_SETUP, new_lab, run


def meta(command_id: str) -> EventMetadata:
    return EventMetadata(command_id, f"corr-{command_id}", f"cause-{command_id}", 2.5)


def no_version_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: object, stream_id: str) -> int:
        raise AssertionError(f"read the version of {stream_id!r}")

    monkeypatch.setattr(statements_module.SqliteSql, "version", refuse)


def test_a_one_event_append_records_what_a_checked_one_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(str(tmp_path / "lab.db"))
    checked = store.append("s", 0, [NewEvent("Added", {"n": 1}, 2)], meta("one"))
    no_version_reads(monkeypatch)
    with store.transaction() as conn:
        fast = store.append_many(
            [StreamAppend("s", 1, [NewEvent("Added", {"n": 2}, 2)])],
            meta("two"),
            connection=conn,
            read_in_unit=True,
        )
    assert [(e.position, e.version, e.data, e.schema_version) for e in checked + fast] == [
        (1, 1, {"n": 1}, 2),
        (2, 2, {"n": 2}, 2),
    ]
    assert store.read_stream("s") == checked + fast
    store.engine.dispose()


@pytest.mark.parametrize("events", [1, 2])
def test_a_stale_version_is_refused_by_unique_and_the_unit_rolls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, events: int
) -> None:
    """The fresh stream's rows went in before the stale one's clashed: none are kept."""
    store = open_store(str(tmp_path / "lab.db"))
    store.append("s", 0, [NewEvent("Added", {"n": 1})], meta("first"))
    no_version_reads(monkeypatch)
    stale = StreamAppend("s", 0, [NewEvent("Added", {"n": 2})] * events)
    with pytest.raises(ConcurrencyError) as caught, store.transaction() as conn:
        store.append_many(
            [StreamAppend("fresh", 0, [NewEvent("Made", {})]), stale],
            meta("second"),
            connection=conn,
            read_in_unit=True,
        )
    assert (caught.value.stream_id, caught.value.actual_version) == ("s", None)
    assert [(e.stream_id, e.data) for e in store.read_all()] == [("s", {"n": 1})]
    store.engine.dispose()


def test_a_one_event_append_after_the_units_own_write_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Version 1 written earlier in the same unit: a second append expecting 0 clashes."""
    store = open_store(str(tmp_path / "lab.db"))
    no_version_reads(monkeypatch)
    first = StreamAppend("s", 0, [NewEvent("Added", {"n": 1})])
    with pytest.raises(ConcurrencyError) as caught, store.transaction() as conn:
        for command_id in ("first", "second"):
            store.append_many([first], meta(command_id), connection=conn, read_in_unit=True)
    assert (caught.value.expected_version, caught.value.actual_version) == (0, None)
    assert store.read_all() == []
    store.engine.dispose()


def test_the_handler_retries_a_command_that_unique_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stream loaded one version behind (once) clashes on insert; the retry records it."""
    lab = new_lab(db=str(tmp_path / "lab.db"))
    run(lab, SHOP_SETUP)
    load = AggregateCache.load
    behind = [True]

    def load_once_behind(self: AggregateCache, stream_id: str, conn: Connection) -> Loaded:
        loaded = load(self, stream_id, conn)
        if behind and loaded.version:
            behind.clear()
            return replace(loaded, version=loaded.version - 1)
        return loaded

    monkeypatch.setattr(AggregateCache, "load", load_once_behind)
    result = lab.handler.handle(Restock(command_id="c-restock", sku="mug", quantity=1))
    assert isinstance(result, Accepted) and result.conflicts == 1
    assert [e.type for e in lab.store.find_by_command_id("c-restock")] == ["ProductRestocked"]
    assert not behind  # the first attempt did load one version behind


def test_a_units_first_look_up_is_read_with_the_head(tmp_path: Path) -> None:
    """One statement for both; what the unit inserts afterwards is not hidden by it."""
    store = open_store(str(tmp_path / "lab.db"))
    store.append("s", 0, [NewEvent("Added", {"n": 1})], meta("done"))
    statements: list[str] = []
    store.look_up_first("done")
    with store.transaction() as conn:
        unit_driver(conn).set_trace_callback(statements.append)  # type: ignore[union-attr]
        assert store.head(connection=conn) == 1
        found = store.find_by_command_id("done", connection=conn)
        assert [(e.stream_id, e.metadata.command_id) for e in found] == [("s", "done")]
        store.append("s", 1, [NewEvent("Added", {"n": 2})], meta("done"), connection=conn)
        again = store.find_by_command_id("done", connection=conn)
        assert [e.data for e in again] == [{"n": 1}, {"n": 2}]
    # the head with the look-up, the append's version check, its insert, the look-up again
    assert [s.split()[0] for s in statements] == ["SELECT", "SELECT", "INSERT", "SELECT", "COMMIT"]
    assert "h.head" in statements[0] and "MAX(version)" in statements[1]
    store.engine.dispose()
