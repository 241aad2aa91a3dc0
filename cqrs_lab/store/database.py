"""Where the lab database lives, how engines are made, and opening a store safely.

`open_store` refuses what it must not touch: a damaged file is moved aside (never
overwritten or deleted), another program's database and a newer lab's schema are left
alone, and lock or permission problems become errors that say what to do.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, insert, inspect, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from cqrs_lab.environment import DATA_DIR_ENV
from cqrs_lab.store import pg_errors, pg_unit
from cqrs_lab.store.errors import (
    CorruptDatabase,
    DatabaseError,
    DatabaseUnwritable,
    ForeignDatabase,
    FutureSchema,
)
from cqrs_lab.store.event_store import (
    BEGIN_MODE_OPTION,
    BUSY_TIMEOUT_OPTION,
    DEFAULT_BUSY_TIMEOUT_MS,
    EventStore,
    Upcaster,
    describe_location,
    sqlite_file,
)
from cqrs_lab.store.records import LAB_META, STORE_TABLES
from cqrs_lab.store.schema import prepare
from cqrs_lab.store.sqlite_unit import in_driver_unit
from cqrs_lab.store.upcasters import UPCASTERS

APP_NAME = "cqrs-lab"
SCHEMA_VERSION = 1
_BEGIN_MODES = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})
_SQLITE_HEADER = b"SQLite format 3\x00"


def data_dir() -> Path:
    """The user data directory ($CQRS_LAB_DATA_DIR wins): the lab file, progress, exports."""
    return Path(os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir(APP_NAME)).expanduser()


def default_db_path() -> Path:
    """`lab.db` in the user data directory, which is created."""
    directory = data_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseUnwritable(str(directory), f"cannot create the directory: {error}") from error
    return directory / "lab.db"


def make_engine(db: str | None = None, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Engine:
    """An engine for `db`: None (default file), ':memory:', a file path, or any SQLAlchemy URL.

    ':memory:' is one database shared by every connection of the engine. SQLite connections
    get WAL (files only), synchronous=NORMAL, foreign keys and the busy timeout.
    """
    options: dict[str, Any] = {BUSY_TIMEOUT_OPTION: busy_timeout_ms}
    if db == ":memory:":
        # One connection for everyone: no rollback when one user hands it back, or a nested
        # checkout (a read inside a transaction) would undo its caller's open transaction.
        # SQLAlchemy connections still roll back their own unfinished transactions on close.
        engine = create_engine(
            "sqlite://",
            poolclass=StaticPool,
            pool_reset_on_return=None,
            connect_args={"check_same_thread": False},
            execution_options=options,
        )
    else:
        if db is None:
            url: URL = URL.create("sqlite", database=str(default_db_path()))
        elif "://" in db:
            url = make_url(db)
        else:
            url = URL.create("sqlite", database=str(Path(db).expanduser()))
        engine = create_engine(
            url, execution_options=options, **_server_options(url, busy_timeout_ms)
        )
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, busy_timeout_ms, wal=sqlite_file(engine) is not None)
    elif engine.dialect.name == "postgresql":
        pg_errors.install(engine, describe_location(engine), busy_timeout_ms)
        pg_unit.install(engine)
    return engine


def _server_options(url: URL, busy_timeout_ms: int) -> dict[str, Any]:
    """PostgreSQL: ping a pooled connection before use (a restarted server or a dropped
    connection is replaced, not reported), and wait for the writers' lock no longer than
    the busy timeout, as SQLite does."""
    if url.get_backend_name() != "postgresql":
        return {}
    connect_args: dict[str, Any] = {"connect_timeout": 5}
    if url.get_driver_name() in ("psycopg", "psycopg2"):
        connect_args["options"] = f"-c lock_timeout={int(busy_timeout_ms)}"
    return {"pool_pre_ping": True, "connect_args": connect_args}


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, *, wal: bool) -> None:
    """Pragmas on every connection; BEGIN emitted by us so IMMEDIATE can be asked for.

    The driver's own implicit transactions are turned off (isolation_level None): it would
    begin DEFERRED, lazily, and could not take the write lock up front.
    """

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            if wal and _may_switch_to_wal(cursor):
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    def on_begin(connection: Any) -> None:
        if in_driver_unit(connection):  # the store's unit sent BEGIN IMMEDIATE already
            return
        mode = connection.get_execution_options().get(BEGIN_MODE_OPTION, "DEFERRED")
        if mode not in _BEGIN_MODES:
            raise ValueError(f"unknown SQLite BEGIN mode {mode!r}")
        # On the DB-API cursor: exec_driver_sql would cost more than the BEGIN itself.
        connection.connection.cursor().execute(f"BEGIN {mode}")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)


def _may_switch_to_wal(cursor: Any) -> bool:
    """WAL is a lasting property of the file: set it on empty or lab databases only.

    Another program's database must stay exactly as it was (see ForeignDatabase).
    """
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return False
    tables = {
        name
        for (name,) in cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%' "
            "ESCAPE '~'"
        )
    }
    return not tables or LAB_META.name in tables


def open_store(
    db: str | None = None,
    *,
    busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    upcasters: dict[tuple[str, int], Upcaster] | None = None,
) -> EventStore:
    """Open (or create) the lab database `db` and return its event store.

    The store upcasts old event shapes as it reads them: with the lab's own `UPCASTERS`
    unless `upcasters` is given (`{}` reads every event as it was stored).
    Raises a DatabaseError subclass when the database cannot or must not be used.
    """
    try:
        engine = make_engine(db, busy_timeout_ms=busy_timeout_ms)
    except (sa_exc.ArgumentError, ImportError) as error:
        where = redacted(db or "")
        raise DatabaseError(
            where,
            f"Cannot use the database {where} ({error}). Fix the URL or install its driver, "
            "or use --db to pick another database.",
        ) from error
    store = EventStore(engine, upcasters=UPCASTERS if upcasters is None else upcasters)
    path = sqlite_file(engine)
    try:
        if path is not None:
            _check_file(path)
        _prepare(store)
    except CorruptDatabase as error:
        engine.dispose()
        if path is None or not path.is_file():
            raise
        raise _moved_aside(error, path) from error
    except sa_exc.DBAPIError as error:
        engine.dispose()
        raise DatabaseError(
            store.where,
            f"Cannot use the lab database {store.where} ({error.orig}). Check the URL and "
            "that the server is running, or use --db to pick another database.",
        ) from error
    except BaseException:
        engine.dispose()
        raise
    return store


def redacted(db: str) -> str:
    """`db` as it may be shown or printed: a URL's password masked."""
    try:
        return make_url(db).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        return db


def _check_file(path: Path) -> None:
    """Catch the usual mistakes before SQLite opens the file and gives vaguer messages.

    A file that is not SQLite at all is caught here, before SQLite opens it: on closing,
    SQLite would delete a -wal file lying next to it, and that may be the user's data.
    """
    where = str(path)
    directory = path.parent
    if path.is_dir():
        raise DatabaseUnwritable(where, "it is a directory, not a file")
    if not directory.is_dir():
        raise DatabaseUnwritable(where, f"its directory {directory} does not exist")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise DatabaseUnwritable(where, "the file is read-only")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise DatabaseUnwritable(where, f"its directory {directory} is read-only")
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as file:
            header = file.read(len(_SQLITE_HEADER))
        if header != _SQLITE_HEADER:
            raise CorruptDatabase(where, "it is not a SQLite file: the header is wrong")


def _prepare(store: EventStore) -> None:
    """Check the database is ours and current, creating the schema when it is new.

    Looked at without a lock first (`store/schema.py`): a current lab database needs no
    writers' lock to open. Else one IMMEDIATE transaction (the writers' lock on PostgreSQL),
    so two labs opening a new file at once cannot both create it.
    """
    prepare(lambda: _ready(store), lambda: _create(store))


def _ready(store: EventStore) -> bool:
    """True when `store` is a current lab database with all its tables (no lock taken).
    A foreign or newer database raises here already."""
    with store.reading() as conn:
        tables = set(inspect(conn).get_table_names())
        if LAB_META.name not in tables:
            return False
        _check_meta(store, conn, sorted(tables))
        if any(table.name not in tables for table in STORE_TABLES) or _narrow_positions(conn):
            return False
    store.schema_found()
    return True


def _check_meta(store: EventStore, conn: Connection, tables: list[str]) -> None:
    meta = dict(conn.execute(select(LAB_META.c.key, LAB_META.c.value)).all())
    version = meta.get("schema_version", "")
    if meta.get("app") != APP_NAME or not version.isdigit():
        raise ForeignDatabase(store.where, tables)
    if int(version) > SCHEMA_VERSION:
        raise FutureSchema(store.where, int(version), SCHEMA_VERSION)


def _create(store: EventStore) -> None:
    with store.transaction() as conn:
        tables = sorted(inspect(conn).get_table_names())
        if LAB_META.name in tables:
            _check_meta(store, conn, tables)
            store.create_schema(connection=conn)
            _widen_positions(conn)
        elif tables:
            raise ForeignDatabase(store.where, tables)
        else:
            store.create_schema(connection=conn)
            conn.execute(
                insert(LAB_META),
                [
                    {"key": "app", "value": APP_NAME},
                    {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                ],
            )


_WIDEN = (("events", "position"), ("projection_checkpoints", "position"))


def _widen_positions(conn: Connection) -> None:
    """PostgreSQL databases made before positions were BIGINT get them widened (once)."""
    for table, column in _narrow_positions(conn):
        conn.exec_driver_sql(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE BIGINT")


def _narrow_positions(conn: Connection) -> list[tuple[str, str]]:
    """The position columns still INTEGER on PostgreSQL (none on SQLite), in one query."""
    if conn.dialect.name != "postgresql":
        return []
    wanted = " OR ".join(f"(table_name = '{t}' AND column_name = '{c}')" for t, c in _WIDEN)
    rows = conn.exec_driver_sql(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema ="
        f" current_schema() AND data_type = 'integer' AND ({wanted})"
    ).all()
    return [(row[0], row[1]) for row in rows]


def _moved_aside(error: CorruptDatabase, path: Path) -> CorruptDatabase:
    """Move the damaged file aside; the error to raise says where it went (or why not)."""
    try:
        moved_to = _move_aside(path)
    except OSError as move_error:
        return CorruptDatabase(error.where, f"{error.reason}; moving it aside failed: {move_error}")
    return CorruptDatabase(error.where, error.reason, str(moved_to))


def _move_aside(path: Path) -> Path:
    """Rename `path` (and its -wal/-shm companions) to the first free `<name>.corrupt-<n>`.

    The companions move too: a stale -wal next to a new file would be replayed into it.
    """
    n = 1
    while True:
        target = path.with_name(f"{path.name}.corrupt-{n}")
        pairs = [(path, target)] + [
            (path.with_name(path.name + suffix), target.with_name(target.name + suffix))
            for suffix in ("-wal", "-shm")
        ]
        if not any(os.path.lexists(new) for _, new in pairs):
            break
        n += 1
    for old, new in pairs:
        if os.path.lexists(old):
            old.rename(new)
    return target
