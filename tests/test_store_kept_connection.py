"""A pysqlite store keeps one connection for its units of work: when it is reused, and not."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection

from cqrs_lab.store import ConcurrencyError, DatabaseLocked, EventStore, open_store
from cqrs_lab.store.event_store import EventMetadata, NewEvent


def meta(command_id: str = "cmd-1") -> EventMetadata:
    return EventMetadata(command_id, command_id, command_id, 1.0)


def event() -> NewEvent:
    return NewEvent("Happened", {"n": 1})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    opened = open_store(str(tmp_path / "lab.db"), busy_timeout_ms=20)
    yield opened
    opened.engine.dispose()


def test_units_and_appends_reuse_one_connection(store: EventStore) -> None:
    with store.transaction() as first:
        driver = first.connection.driver_connection
    store.append("s", 0, [event()], meta())
    with store.transaction() as second:
        assert store.stream_version("s", connection=second) == 1
    assert second is first
    assert second.connection.driver_connection is driver


def test_a_failed_unit_closes_its_connection_and_writes_nothing(store: EventStore) -> None:
    with pytest.raises(RuntimeError), store.transaction() as failed:
        store.append("s", 0, [event()], meta(), connection=failed)
        raise RuntimeError("the handler failed after appending")
    assert failed.closed
    assert store.head() == 0

    with store.transaction() as kept:
        pass
    with pytest.raises(ConcurrencyError):
        store.append("s", 1, [event()], meta())
    with store.transaction() as after_refusal:
        assert store.head(connection=after_refusal) == 0
    assert kept.closed and after_refusal is not kept


def test_a_nested_unit_gets_its_own_connection_and_waits_for_the_lock(store: EventStore) -> None:
    with store.transaction() as outer:
        store.append("s", 0, [event()], meta(), connection=outer)
        with pytest.raises(DatabaseLocked), store.transaction():
            pass
    with store.transaction() as next_unit:
        assert next_unit is outer
    assert store.head() == 1


def test_a_unit_on_another_thread_takes_it_when_it_is_free(store: EventStore) -> None:
    with store.transaction() as mine:
        pass
    theirs: list[Connection] = []

    def write() -> None:
        with store.transaction() as conn:
            theirs.append(conn)
            store.append("t", 0, [event()], meta("theirs"), connection=conn)

    thread = threading.Thread(target=write)
    thread.start()
    thread.join()
    assert theirs == [mine]
    assert store.head() == 1


def test_a_connection_whose_options_were_changed_is_not_kept(store: EventStore) -> None:
    with store.transaction() as changed:
        changed.execution_options(stream_results=True)
    with store.transaction() as next_unit:
        pass
    assert next_unit is not changed and changed.closed


def test_disposing_of_the_engine_closes_the_kept_connection(store: EventStore) -> None:
    with store.transaction() as conn:
        driver = conn.connection.driver_connection
    store.engine.dispose()
    with pytest.raises(sqlite3.ProgrammingError):
        driver.execute("SELECT 1")
    store.append("s", 0, [event()], meta())
    assert store.head() == 1


def test_the_in_memory_database_survives_reuse_until_disposed() -> None:
    memory = open_store(":memory:")
    memory.append("s", 0, [event()], meta())
    with memory.transaction() as conn:
        memory.append("s", 1, [event()], meta("cmd-2"), connection=conn)
    assert [e.version for e in memory.read_stream("s")] == [1, 2]
    memory.engine.dispose()


def test_the_core_path_keeps_no_connection(store: EventStore) -> None:
    store._pysqlite = False
    with store.transaction() as first:
        pass
    with store.transaction() as second:
        pass
    assert first is not second and first.closed
