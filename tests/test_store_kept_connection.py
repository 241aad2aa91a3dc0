"""A pysqlite store keeps one connection for its units of work: when it is reused, and not;
the units are begun on its driver (Core joins them), and positions restart after a reset."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert, select

from cqrs_lab.store import ConcurrencyError, DatabaseLocked, EventStore, open_store
from cqrs_lab.store.event_store import EventMetadata, NewEvent
from cqrs_lab.store.records import LAB_META
from cqrs_lab.store.sqlite_unit import DRIVER_UNITS


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


def stored_keys(store: EventStore) -> list[str]:
    with store.reading() as conn:
        return [row[0] for row in conn.execute(select(LAB_META.c.key).order_by(LAB_META.c.key))]


def test_core_statements_join_the_unit_and_commit_with_it(store: EventStore) -> None:
    with store.transaction() as conn:
        store.append("s", 0, [event()], meta("c1"), connection=conn)
        conn.execute(insert(LAB_META).values(key="joined", value="1"))  # Core: autobegins
        assert conn in DRIVER_UNITS
    assert conn not in DRIVER_UNITS and not conn.in_transaction()
    assert store.head() == 1
    assert "joined" in stored_keys(store)
    with store.transaction() as again:  # kept: it ended cleanly through SQLAlchemy
        pass
    assert again is conn


def test_a_failed_unit_undoes_driver_and_core_writes_alike(store: EventStore) -> None:
    with pytest.raises(RuntimeError), store.transaction() as conn:
        store.append("s", 0, [event()], meta("c1"), connection=conn)
        conn.execute(insert(LAB_META).values(key="undone", value="1"))
        raise RuntimeError("the handler failed")
    assert conn.closed and not DRIVER_UNITS
    assert store.head() == 0
    assert "undone" not in stored_keys(store)


def test_a_unit_without_core_commits_on_the_driver(store: EventStore) -> None:
    with store.transaction() as conn:
        store.append("s", 0, [event()], meta("c1"), connection=conn)
        assert not conn.in_transaction()  # SQLAlchemy never began: the driver did
        assert conn.connection.driver_connection.in_transaction
    assert not conn.connection.driver_connection.in_transaction
    assert [e.version for e in store.read_stream("s")] == [1]


def test_a_database_locked_by_another_process_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "lab.db"
    store = open_store(str(path), busy_timeout_ms=20)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock past the timeout
    try:
        with pytest.raises(DatabaseLocked, match="is locked"), store.transaction():
            pass
        with pytest.raises(DatabaseLocked):
            store.append("s", 0, [event()], meta("c1"))
        assert not DRIVER_UNITS
    finally:
        other.rollback()
        other.close()
    assert [e.version for e in store.append("s", 0, [event()], meta("c1"))] == [1]
    store.engine.dispose()


def test_new_files_number_events_without_autoincrement(store: EventStore) -> None:
    with store.reading() as conn:
        ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'events'").scalar()
    assert "AUTOINCREMENT" not in str(ddl)
    store.append("s", 0, [event(), event()], meta("c1"))
    with store.transaction() as conn:
        store.clear(connection=conn)
    assert [e.position for e in store.append("s", 0, [event()], meta("c2"))] == [1]


def test_a_file_made_with_autoincrement_still_restarts_positions(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = open_store(str(path))
    with store.transaction() as conn:  # the events table as files made before had it
        conn.exec_driver_sql("DROP TABLE events")
        conn.exec_driver_sql(
            "CREATE TABLE events (position INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,"
            " stream_id TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL,"
            " schema_version INTEGER NOT NULL, data TEXT NOT NULL, meta TEXT NOT NULL,"
            " command_id TEXT NOT NULL, recorded_at FLOAT NOT NULL,"
            " CONSTRAINT uq_events_stream_version UNIQUE (stream_id, version))"
        )
    store.append("s", 0, [event(), event(), event()], meta("c1"))
    with store.transaction() as conn:
        store.clear(connection=conn)
    assert [e.position for e in store.append("s", 0, [event()], meta("c2"))] == [1]
    store.engine.dispose()
