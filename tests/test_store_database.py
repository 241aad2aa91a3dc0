"""Opening the lab database: locations, engines, and every way a database can be unusable."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.pool import StaticPool

from cqrs_lab.store import (
    CorruptDatabase,
    DatabaseError,
    DatabaseLocked,
    DatabaseUnwritable,
    EventMetadata,
    EventStore,
    ForeignDatabase,
    FutureSchema,
    NewEvent,
    default_db_path,
    make_engine,
    open_store,
)

META = EventMetadata("cmd-1", "cmd-1", "cmd-1", 0.0)


def append_one(store: EventStore, stream_id: str = "s") -> None:
    store.append(stream_id, store.stream_version(stream_id), [NewEvent("Happened", {})], META)


def lab_meta(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT key, value FROM lab_meta").fetchall())


def test_default_path_honours_the_data_dir_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data" / "cqrs-lab"
    monkeypatch.setenv("CQRS_LAB_DATA_DIR", str(data_dir))

    assert default_db_path() == data_dir / "lab.db"
    assert data_dir.is_dir()

    store = open_store()
    append_one(store)
    store.engine.dispose()
    assert lab_meta(data_dir / "lab.db") == {"app": "cqrs-lab", "schema_version": "1"}


def test_file_engines_get_wal_and_the_pragmas(tmp_path: Path) -> None:
    engine = make_engine(str(tmp_path / "lab.db"))
    with engine.connect() as conn:
        pragmas = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    engine.dispose()
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "busy_timeout": 5000,
    }


def test_memory_engine_is_one_database_for_all_its_connections() -> None:
    engine = make_engine(":memory:")
    assert isinstance(engine.pool, StaticPool)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT x FROM t")).scalar() == 1


def test_urls_are_used_as_given(tmp_path: Path) -> None:
    path = tmp_path / "by-url.db"
    engine = make_engine(f"sqlite:///{path}")
    assert engine.url.database == str(path)
    engine.dispose()


def test_reopening_keeps_the_events(tmp_path: Path) -> None:
    path = str(tmp_path / "lab.db")
    first = open_store(path)
    append_one(first)
    first.engine.dispose()

    again = open_store(path)
    assert again.head() == 1
    again.engine.dispose()
    assert lab_meta(Path(path)) == {"app": "cqrs-lab", "schema_version": "1"}


def test_a_corrupt_file_is_moved_aside_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "lab.db"
    garbage = bytes(range(256)) * 40
    path.write_bytes(garbage)
    (tmp_path / "lab.db-wal").write_bytes(b"stale wal")

    with pytest.raises(CorruptDatabase) as caught:
        open_store(str(path))

    moved = tmp_path / "lab.db.corrupt-1"
    assert moved.read_bytes() == garbage
    assert (tmp_path / "lab.db.corrupt-1-wal").read_bytes() == b"stale wal"
    assert not path.exists()
    assert caught.value.moved_to == str(moved)
    assert str(path) in str(caught.value) and str(moved) in str(caught.value)

    path.write_bytes(b"more garbage")
    with pytest.raises(CorruptDatabase):
        open_store(str(path))
    assert moved.read_bytes() == garbage
    assert (tmp_path / "lab.db.corrupt-2").read_bytes() == b"more garbage"

    fresh = open_store(str(path))
    assert fresh.head() == 0
    fresh.engine.dispose()


def test_damage_found_by_sqlite_behind_a_good_header_is_moved_aside_too(tmp_path: Path) -> None:
    path = tmp_path / "lab.db"
    damaged = b"SQLite format 3\x00" + b"\xff" * 4080
    path.write_bytes(damaged)

    with pytest.raises(CorruptDatabase) as caught:
        open_store(str(path))

    assert (tmp_path / "lab.db.corrupt-1").read_bytes() == damaged
    assert caught.value.moved_to == str(tmp_path / "lab.db.corrupt-1")


def test_unusable_urls_say_so_without_the_password() -> None:
    with pytest.raises(DatabaseError) as caught:
        open_store("nosuchdb://lab:hunter2@localhost/lab")
    assert "hunter2" not in str(caught.value)
    assert "nosuchdb://lab:***@localhost/lab" in str(caught.value)


def test_a_foreign_database_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    before = path.read_bytes()

    with pytest.raises(ForeignDatabase) as caught:
        open_store(str(path))

    assert path.read_bytes() == before
    assert str(path) in str(caught.value) and "notes" in str(caught.value)


def test_another_apps_lab_meta_is_foreign(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE lab_meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO lab_meta VALUES ('app', 'other-lab')")
    with pytest.raises(ForeignDatabase):
        open_store(str(path))


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lab.db"
    open_store(str(path)).engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE lab_meta SET value = '2' WHERE key = 'schema_version'")

    with pytest.raises(FutureSchema) as caught:
        open_store(str(path))

    assert (caught.value.found, caught.value.supported) == (2, 1)
    assert str(caught.value) == (
        f"The lab database {path} was written by a newer CQRS Lab (schema 2, this one reads "
        "up to 1): upgrade, or use --db to pick another file."
    )
    assert lab_meta(path)["schema_version"] == "2"


def test_a_read_only_directory_is_unwritable(tmp_path: Path) -> None:
    directory = tmp_path / "locked-down"
    directory.mkdir()
    directory.chmod(0o500)
    try:
        if os.access(directory, os.W_OK):
            pytest.skip("permissions are not enforced for this user (root); see the URI test")
        with pytest.raises(DatabaseUnwritable) as caught:
            open_store(str(directory / "lab.db"))
        assert str(directory / "lab.db") in str(caught.value)
    finally:
        directory.chmod(0o700)


def test_a_read_only_connection_is_unwritable_even_for_root(tmp_path: Path) -> None:
    """SQLite's read-only open mode refuses writes whatever the user's privileges."""
    new = tmp_path / "new.db"
    new.touch()
    with pytest.raises(DatabaseUnwritable) as caught:
        open_store(f"sqlite:///file:{new}?mode=ro&uri=true")
    assert str(new) in str(caught.value)

    existing = tmp_path / "lab.db"
    writer = open_store(str(existing))
    append_one(writer)
    writer.engine.dispose()
    reader = open_store(f"sqlite:///file:{existing}?mode=ro&uri=true")
    assert reader.head() == 1
    with pytest.raises(DatabaseUnwritable, match="readonly"):
        append_one(reader, "other")
    reader.engine.dispose()


def test_a_missing_directory_or_a_directory_path_is_unwritable(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnwritable, match="does not exist"):
        open_store(str(tmp_path / "missing" / "lab.db"))
    with pytest.raises(DatabaseUnwritable, match="is a directory"):
        open_store(str(tmp_path))


def test_a_database_locked_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "lab.db"
    open_store(str(path)).engine.dispose()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:  # a prepared database opens without the writers' lock; the write waits for it
        store = open_store(str(path), busy_timeout_ms=20)
        with pytest.raises(DatabaseLocked) as caught:
            append_one(store)
        assert str(path) in str(caught.value) and "0.02 s" in str(caught.value)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.head() == 0
    append_one(store)
    assert store.head() == 1
    store.engine.dispose()
