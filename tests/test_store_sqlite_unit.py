"""SQLite units begun on the driver: Core joins them, errors undo all of it, positions restart."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from cqrs_lab.store import DatabaseLocked, EventStore, open_store
from cqrs_lab.store.event_store import EventMetadata, NewEvent
from cqrs_lab.store.records import LAB_META
from cqrs_lab.store.sqlite_unit import DRIVER_UNITS


def meta(command_id: str) -> EventMetadata:
    return EventMetadata(command_id, command_id, command_id, 1.0)


def event() -> NewEvent:
    return NewEvent("Happened", {"n": 1})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EventStore]:
    opened = open_store(str(tmp_path / "lab.db"), busy_timeout_ms=20)
    yield opened
    opened.engine.dispose()


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
