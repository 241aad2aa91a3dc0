"""The append-only event store: streams of versioned events with one global order.

It stores event data as JSON objects and knows nothing of the shop. No ORM sessions:
statements are SQLAlchemy Core built once, and on SQLite (pysqlite) the hot ones run on
the DB-API connection itself, where SQLAlchemy's per-statement work would cost several
times SQLite's own; there the store also keeps one connection for its units of work
instead of making one per command. Inside `transaction()`, pass its connection to every
call: another connection would not see the transaction's writes yet, and could not write
until it ends.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, bindparam, event, func, insert, select
from sqlalchemy import exc as sa_exc
from sqlmodel import SQLModel

from cqrs_lab.store.errors import ConcurrencyError, StoreError, is_write_conflict, translate
from cqrs_lab.store.pg_unit import (
    APPEND_LOCK_KEY as APPEND_LOCK_KEY,
)
from cqrs_lab.store.pg_unit import (
    LOCK_SQL,
    BeginFailed,
    Unit,
    begin_locked,
    begins_in_one_trip,
)
from cqrs_lab.store.records import EVENTS, STORE_TABLES

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
_T = TypeVar("_T")

#: Execution option read by the SQLite "begin" hook that `make_engine` installs.
BEGIN_MODE_OPTION = "cqrs_lab_begin"
#: Engine execution option holding the busy timeout, for error messages.
BUSY_TIMEOUT_OPTION = "cqrs_lab_busy_timeout_ms"
DEFAULT_BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append: its type, its JSON-ready data and the version of that data's shape."""

    type: str
    data: dict[str, Any]
    schema_version: int = 1


@dataclass(frozen=True, slots=True)
class EventMetadata:
    """Where an event came from; `recorded_at` is in lab seconds (the Lab's clock)."""

    command_id: str
    correlation_id: str
    causation_id: str
    recorded_at: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "command_id": self.command_id,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "recorded_at": self.recorded_at,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EventMetadata:
        return cls(
            command_id=data["command_id"],
            correlation_id=data["correlation_id"],
            causation_id=data["causation_id"],
            recorded_at=float(data["recorded_at"]),
        )


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored: `position` is global, `version` counts within its stream from 1."""

    position: int
    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    metadata: EventMetadata
    schema_version: int = 1


@dataclass(frozen=True, slots=True)
class StreamAppend:
    """Events for one stream, valid only if the stream is at `expected_version` (0: new)."""

    stream_id: str
    expected_version: int
    events: Sequence[NewEvent]


_Row = Sequence[Any]
"""position, stream_id, version, type, schema_version, data, meta: what reads return."""
_NewRow = tuple[str, int, str, int, str, str, str, float]
"""stream_id, version, type, schema_version, data, meta, command_id, recorded_at."""
_NEW_ROW_KEYS = (
    "stream_id",
    "version",
    "type",
    "schema_version",
    "data",
    "meta",
    "command_id",
    "recorded_at",
)

_c = EVENTS.c
_COLUMNS = (_c.position, _c.stream_id, _c.version, _c.type, _c.schema_version, _c.data, _c.meta)
_STREAM_VERSION = select(func.max(_c.version)).where(_c.stream_id == bindparam("stream_id"))
_STREAM_VERSIONS = (
    select(_c.stream_id, func.max(_c.version))
    .where(_c.stream_id.in_(bindparam("stream_ids", expanding=True)))
    .group_by(_c.stream_id)
)
_STREAMS_BETWEEN = (
    select(_c.stream_id)
    .where(_c.position > bindparam("after"), _c.position <= bindparam("up_to"))
    .distinct()
)
_READ_STREAM = (
    select(*_COLUMNS)
    .where(_c.stream_id == bindparam("stream_id"), _c.version > bindparam("after"))
    .order_by(_c.version)
)
_READ_ALL = select(*_COLUMNS).where(_c.position > bindparam("after")).order_by(_c.position)
_BY_COMMAND = (
    select(*_COLUMNS).where(_c.command_id == bindparam("command_id")).order_by(_c.position)
)
_HEAD = select(func.max(_c.position))
_INSERT = insert(EVENTS).returning(_c.position, sort_by_parameter_order=True)
_INSERT_AT = insert(EVENTS)


class _CoreSql:
    """The store's statements on a SQLAlchemy connection, for any database it speaks.

    `explicit`: positions are assigned here as head + 1 (PostgreSQL, under the writers'
    lock), not by the database, so a rolled-back append leaves no hole. `unit`: the locked
    unit the connection is in, whose head is read once and then kept up to date.
    """

    __slots__ = ("conn", "explicit", "unit")

    def __init__(
        self, conn: Connection, *, explicit: bool = False, unit: Unit | None = None
    ) -> None:
        self.conn = conn
        self.explicit = explicit
        self.unit = unit

    def version(self, stream_id: str) -> int:
        return self.conn.execute(_STREAM_VERSION, {"stream_id": stream_id}).scalar() or 0

    def versions(self, stream_ids: list[str]) -> dict[str, int]:
        if len(stream_ids) == 1:
            return {stream_ids[0]: self.version(stream_ids[0])}
        found = dict(self.conn.execute(_STREAM_VERSIONS, {"stream_ids": stream_ids}).all())
        return {stream_id: found.get(stream_id) or 0 for stream_id in stream_ids}

    def insert(self, rows: list[_NewRow]) -> list[int]:
        params = [dict(zip(_NEW_ROW_KEYS, row, strict=True)) for row in rows]
        if not self.explicit:
            return list(self.conn.execute(_INSERT, params).scalars())
        first = self.head() + 1
        positions = list(range(first, first + len(params)))
        for position, row in zip(positions, params, strict=True):
            row["position"] = position
        self.conn.execute(_INSERT_AT, params)
        if self.unit is not None:
            self.unit.head = positions[-1]
            self.unit.by_command.clear()  # what was read with the BEGIN is out of date
        return positions

    def read_stream(self, stream_id: str, after: int) -> Iterable[_Row]:
        return self.conn.execute(_READ_STREAM, {"stream_id": stream_id, "after": after})

    def read_all(self, after: int, limit: int | None) -> Iterable[_Row]:
        statement = _READ_ALL if limit is None else _READ_ALL.limit(limit)
        return self.conn.execute(statement, {"after": after})

    def by_command(self, command_id: str) -> Iterable[_Row]:
        return self.conn.execute(_BY_COMMAND, {"command_id": command_id})

    def head(self) -> int:
        unit = self.unit
        if unit is not None and unit.head is not None:
            return unit.head
        head: int = self.conn.execute(_HEAD).scalar() or 0
        if unit is not None:
            unit.head = head
        return head

    def streams_between(self, after: int, up_to: int) -> set[str]:
        return set(self.conn.execute(_STREAMS_BETWEEN, {"after": after, "up_to": up_to}).scalars())


_SELECT_SQL = "SELECT position, stream_id, version, type, schema_version, data, meta FROM events"
_VERSION_SQL = "SELECT MAX(version) FROM events WHERE stream_id = ?"
_INSERT_SQL = (
    "INSERT INTO events (stream_id, version, type, schema_version, data, meta, command_id,"
    " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_READ_STREAM_SQL = f"{_SELECT_SQL} WHERE stream_id = ? AND version > ? ORDER BY version"
_READ_ALL_SQL = f"{_SELECT_SQL} WHERE position > ? ORDER BY position LIMIT ?"
_BY_COMMAND_SQL = f"{_SELECT_SQL} WHERE command_id = ? ORDER BY position"
_HEAD_SQL = "SELECT MAX(position) FROM events"
_STREAMS_BETWEEN_SQL = "SELECT DISTINCT stream_id FROM events WHERE position > ? AND position <= ?"


class _SqliteSql:
    """The same statements on a sqlite3 connection; sqlite3 keeps them prepared."""

    __slots__ = ("db",)

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def version(self, stream_id: str) -> int:
        return self.db.execute(_VERSION_SQL, (stream_id,)).fetchone()[0] or 0

    def versions(self, stream_ids: list[str]) -> dict[str, int]:
        return {stream_id: self.version(stream_id) for stream_id in stream_ids}

    def insert(self, rows: list[_NewRow]) -> list[int]:
        execute = self.db.execute
        return [execute(_INSERT_SQL, row).lastrowid for row in rows]  # type: ignore[misc]

    def read_stream(self, stream_id: str, after: int) -> Iterable[_Row]:
        return self.db.execute(_READ_STREAM_SQL, (stream_id, after)).fetchall()

    def read_all(self, after: int, limit: int | None) -> Iterable[_Row]:
        return self.db.execute(_READ_ALL_SQL, (after, -1 if limit is None else limit)).fetchall()

    def by_command(self, command_id: str) -> Iterable[_Row]:
        return self.db.execute(_BY_COMMAND_SQL, (command_id,)).fetchall()

    def head(self) -> int:
        return self.db.execute(_HEAD_SQL).fetchone()[0] or 0

    def streams_between(self, after: int, up_to: int) -> set[str]:
        return {row[0] for row in self.db.execute(_STREAMS_BETWEEN_SQL, (after, up_to))}


_Sql = _CoreSql | _SqliteSql
_DRIVER_ERRORS = (sa_exc.DBAPIError, sqlite3.Error)

_dumps = json.JSONEncoder(separators=(",", ":")).encode
_loads = json.loads


def sqlite_file(engine: Engine) -> Path | None:
    """The file behind a SQLite engine; None for in-memory databases and other servers."""
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        return None
    if database.startswith("file:"):
        database = urlsplit(database).path
    return Path(database)


def describe_location(engine: Engine) -> str:
    """The database file path, or the URL without its password, for messages."""
    if engine.url.get_backend_name() == "sqlite":
        path = sqlite_file(engine)
        return "the in-memory database" if path is None else str(path)
    return engine.url.render_as_string(hide_password=True)


class _KeptConnection:
    """The one SQLAlchemy Connection a pysqlite or PostgreSQL store keeps between its units.

    Making and closing a Connection for every command (pool checkout and check-in, events,
    the reset on return; on a server the pre-ping's round trip) costs more than SQLite's
    BEGIN and COMMIT. One unit at a time takes it; a unit that starts while it is taken
    (nested, or on another thread) gets a fresh connection, as before. A unit that fails
    closes its connection instead of giving it back, and disposing of the engine closes
    the kept one (`drop`).
    """

    __slots__ = ("__weakref__", "_engine", "_idle", "_lock", "_options")

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._options = engine.get_execution_options()
        self._idle: Connection | None = None
        self._lock = threading.Lock()

    def checkout(self) -> Connection:
        """The kept connection if it is free, else a fresh one."""
        return self.take()[0]

    def take(self) -> tuple[Connection, bool]:
        """The kept connection if it is free, else a fresh one; and whether it was kept
        (a kept one may have died since: a fresh one comes from the pool, pre-pinged)."""
        with self._lock:
            conn, self._idle = self._idle, None
        return (conn, True) if conn is not None else (self._engine.connect(), False)

    def fresh(self) -> Connection:
        """A new connection from the pool, for a kept one found dead."""
        return self._engine.connect()

    def checkin(self, conn: Connection) -> None:
        """After a unit that ended well: keep `conn` for the next one, or close it.

        A connection whose execution options a caller changed is not kept: they would
        leak into the next unit.
        """
        if (
            not conn.closed
            and not conn.invalidated
            and not conn.in_transaction()
            and conn.get_execution_options() is self._options
        ):
            with self._lock:
                if self._idle is None:
                    self._idle = conn
                    return
        conn.close()

    def drop(self) -> None:
        """Close the kept connection's DB-API connection now (the engine is disposed)."""
        with self._lock:
            conn, self._idle = self._idle, None
        if conn is not None:
            conn.invalidate()
            conn.close()


class EventStore:
    """Append to streams atomically, read them back in stream or global order."""

    def __init__(
        self, engine: Engine, *, upcasters: Mapping[tuple[str, int], Upcaster] | None = None
    ) -> None:
        self.engine = engine
        self.upcasters: dict[tuple[str, int], Upcaster] = dict(upcasters or {})
        self.where = describe_location(engine)
        options = engine.get_execution_options()
        self._busy_timeout_ms = int(options.get(BUSY_TIMEOUT_OPTION, DEFAULT_BUSY_TIMEOUT_MS))
        dialect = engine.dialect
        self._pysqlite = dialect.name == "sqlite" and dialect.driver == "pysqlite"
        self.serialised = dialect.name == "postgresql"
        """Writers take `APPEND_LOCK_KEY` first thing in each transaction (PostgreSQL)."""
        self._schema_ready = False  # the events table is known to exist (head read at BEGIN)
        self._units: dict[Connection, Unit] = {}  # PostgreSQL connections in a locked unit
        self._look_up: str | None = None  # see `look_up_first`
        # The same engine and pool; its connections ask the SQLite begin hook for IMMEDIATE.
        self._immediate = engine.execution_options(**{BEGIN_MODE_OPTION: "IMMEDIATE"})
        if self.serialised:  # reads in autocommit; units send their own BEGIN (pg_unit)
            self._kept = _KeptConnection(engine.execution_options(isolation_level="AUTOCOMMIT"))
        else:
            self._kept = _KeptConnection(self._immediate)
        if self._pysqlite or self.serialised:
            kept = weakref.ref(self._kept)

            def drop_kept(_engine: Engine) -> None:
                if (alive := kept()) is not None:
                    alive.drop()

            event.listen(engine, "engine_disposed", drop_kept)

    # -- schema and transactions -------------------------------------------------------

    def create_schema(self, *, connection: Connection | None = None) -> None:
        """Create the store's tables that do not exist yet (idempotent)."""
        if connection is not None:
            with self._translated():
                SQLModel.metadata.create_all(connection, tables=list(STORE_TABLES))
        else:
            with self.transaction() as conn:
                SQLModel.metadata.create_all(conn, tables=list(STORE_TABLES))
        self._schema_ready = True

    def look_up_first(self, command_id: str) -> None:
        """The next unit will first look this command up (`find_by_command_id`): on
        PostgreSQL its events are read with the BEGIN, in the same round trip."""
        self._look_up = command_id

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One atomic unit: commits when the block ends, rolls back when it raises.

        On SQLite it begins IMMEDIATE, so concurrent writers queue on the busy timeout
        instead of failing when a read transaction tries to become a write one. On pysqlite
        the connection is the store's kept one (see `_KeptConnection`). On PostgreSQL it
        takes the writers' advisory lock (`APPEND_LOCK_KEY`), which does the same: one
        writing transaction at a time, so positions commit in order and without holes;
        there the connection is the kept one too, begun in one round trip (`pg_unit`).
        """
        if self.serialised:
            command_id, self._look_up = self._look_up, None
            with self._serialised_unit(command_id) as conn:
                yield conn
            return
        try:
            conn = self._kept.checkout() if self._pysqlite else self._immediate.connect()
            try:
                with conn.begin():
                    yield conn
            except BaseException:
                conn.close()
                raise
            if self._pysqlite:
                self._kept.checkin(conn)
            else:
                conn.close()
        except _DRIVER_ERRORS as error:
            self._raise_translated(error)
            raise

    @contextmanager
    def _serialised_unit(self, command_id: str | None) -> Iterator[Connection]:
        """PostgreSQL: the kept connection, begun with the writers' lock held.

        A kept connection found dead at BEGIN (a restarted server, a cut connection) is
        replaced once by a fresh one from the pool: nothing had been sent on it yet.
        """
        try:
            conn, kept = self._kept.take()
            while True:
                transaction = conn.begin()
                try:
                    self._units[conn] = self._begin(conn, command_id)
                    break
                except BeginFailed as failed:
                    if failed.lost:
                        conn.invalidate()
                    conn.close()
                    if not (kept and failed.lost):
                        raise failed.error from failed.__cause__
                    conn, kept = self._kept.fresh(), False
            try:
                yield conn
                transaction.commit()
            except BaseException:
                conn.close()
                raise
            finally:
                self._units.pop(conn, None)
            self._kept.checkin(conn)
        except _DRIVER_ERRORS as error:
            self._raise_translated(error)
            raise

    def _begin(self, conn: Connection, command_id: str | None) -> Unit:
        """BEGIN and the writers' lock (and the head) in one round trip when the driver
        allows it, else the lock after SQLAlchemy's own BEGIN."""
        if begins_in_one_trip(conn):
            return begin_locked(
                conn,
                head=self._schema_ready,
                where=self.where,
                lock_timeout_ms=self._busy_timeout_ms,
                command_id=command_id,
            )
        try:
            conn.exec_driver_sql(LOCK_SQL)
        except _DRIVER_ERRORS as error:
            raise BeginFailed(error, conn.invalidated) from error
        except StoreError as error:  # the engine's handle_error hook translated it already
            raise BeginFailed(error, conn.invalidated) from error.__cause__
        return Unit()

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Driver errors that mean locked, read-only or damaged become our DatabaseErrors."""
        try:
            yield
        except _DRIVER_ERRORS as error:
            self._raise_translated(error)
            raise

    def _raise_translated(self, error: BaseException) -> None:
        translated = translate(error, self.where, self._busy_timeout_ms)
        if translated is not None:
            raise translated from error

    def _sql(self, conn: Connection) -> _Sql:
        if self._pysqlite:
            return _SqliteSql(conn.connection.driver_connection)
        return _CoreSql(conn, explicit=self.serialised, unit=self._units.get(conn))

    def _read(self, connection: Connection | None, read: Callable[[_Sql], _T]) -> _T:
        """`read` on the caller's connection, else on a fresh one (autocommit reads); on
        PostgreSQL, on the kept connection in autocommit (one round trip a statement).

        No context managers: a command reads several times, and each would cost more than
        the indexed lookup it wraps.
        """
        try:
            if connection is not None:
                return read(self._sql(connection))
            if self._pysqlite:
                raw = self.engine.raw_connection()
                try:
                    return read(_SqliteSql(raw.driver_connection))  # type: ignore[arg-type]
                finally:
                    raw.close()
            if self.serialised:
                return self._read_kept(read)
            with self.engine.connect() as conn:
                return read(_CoreSql(conn))
        except _DRIVER_ERRORS as error:
            self._raise_translated(error)
            raise

    def _read_kept(self, read: Callable[[_Sql], _T]) -> _T:
        """A read on the kept autocommit connection; a kept one found dead is replaced
        once (a read may be sent again)."""
        conn, kept = self._kept.take()
        while True:
            try:
                result = read(_CoreSql(conn))
            except BaseException:
                lost = conn.invalidated
                conn.close()
                if not (kept and lost):
                    raise
                conn, kept = self._kept.fresh(), False
                continue
            self._end_read(conn)
            return result

    def _end_read(self, conn: Connection) -> None:
        """Keep `conn` after reads in autocommit: ending SQLAlchemy's autobegun transaction
        sends nothing (the driver sees none open on the server)."""
        try:
            conn.rollback()
        except BaseException:
            conn.close()
            raise
        self._kept.checkin(conn)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for a few reads outside any unit (a query's rows, say): on
        PostgreSQL the kept one, in autocommit; elsewhere a fresh one, as before."""
        if not self.serialised:
            with self.engine.connect() as conn:
                yield conn
            return
        conn = self._kept.checkout()
        try:
            yield conn
        except BaseException:
            conn.close()
            raise
        self._end_read(conn)

    # -- writing -------------------------------------------------------------------------

    def append(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[NewEvent],
        metadata: EventMetadata,
        *,
        connection: Connection | None = None,
    ) -> list[RecordedEvent]:
        """Append `events` to one stream; see `append_many`."""
        return self.append_many(
            [StreamAppend(stream_id, expected_version, events)], metadata, connection=connection
        )

    def append_many(
        self,
        appends: Sequence[StreamAppend],
        metadata: EventMetadata,
        *,
        connection: Connection | None = None,
    ) -> list[RecordedEvent]:
        """Append to several streams at once: all of it, or nothing.

        Every stream's version is checked before anything is written, so a ConcurrencyError
        leaves even a caller's transaction clean. A writer that slips in between check and
        insert (possible on servers, not on SQLite where the transaction is IMMEDIATE) hits
        UNIQUE(stream_id, version); that also becomes a ConcurrencyError, and the caller's
        transaction must then be rolled back (`transaction()` does so as the error leaves it).
        """
        streams = [item.stream_id for item in appends]
        if len(set(streams)) != len(streams):
            raise ValueError(f"append_many got the same stream twice: {streams}")
        if connection is not None:
            with self._translated():
                if not connection.in_transaction():
                    # What SQLAlchemy's autobegin would do; our DB-API statements bypass it.
                    connection.begin()
                if self.serialised and connection not in self._units:
                    connection.exec_driver_sql(LOCK_SQL)  # not taken by `transaction()`
                return _append(self._sql(connection), appends, metadata)
        if not self._pysqlite:
            with self.transaction() as conn:
                return _append(self._sql(conn), appends, metadata)
        return self._append_on_pysqlite(appends, metadata)

    def _append_on_pysqlite(
        self, appends: Sequence[StreamAppend], metadata: EventMetadata
    ) -> list[RecordedEvent]:
        """A unit of the store's own, on the DB-API connection under the kept Connection.

        No SQLAlchemy transaction, no context managers: for a one-event command that
        bookkeeping would cost as much as SQLite's own work.
        """
        conn: Connection | None = None
        try:
            conn = self._kept.checkout()
            db: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
            db.execute("BEGIN IMMEDIATE")
            try:
                recorded = _append(_SqliteSql(db), appends, metadata)
                db.commit()
            except BaseException:
                if db.in_transaction:
                    db.rollback()
                raise
        except BaseException as error:
            if conn is not None:
                conn.close()
            if isinstance(error, _DRIVER_ERRORS):
                self._raise_translated(error)
            raise
        self._kept.checkin(conn)
        return recorded

    # -- reading -------------------------------------------------------------------------

    def stream_version(self, stream_id: str, *, connection: Connection | None = None) -> int:
        """The version of the stream's last event; 0 when the stream has none."""
        return self._read(connection, lambda sql: sql.version(stream_id))

    def read_stream(
        self, stream_id: str, after_version: int = 0, *, connection: Connection | None = None
    ) -> list[RecordedEvent]:
        """The stream's events with a version above `after_version`, oldest first."""
        return self._read(
            connection, lambda sql: self._decode(sql.read_stream(stream_id, after_version))
        )

    def read_all(
        self, after: int = 0, limit: int | None = None, *, connection: Connection | None = None
    ) -> list[RecordedEvent]:
        """Events of every stream with a position above `after`, in global order."""
        return self._read(connection, lambda sql: self._decode(sql.read_all(after, limit)))

    def iter_all(self, after: int = 0, batch: int = 5000) -> Iterator[RecordedEvent]:
        """Every event above `after`, read in pages by position (keyset pagination).

        Each page is read on its own short connection and none is held while the consumer
        works, so it may write to the same database as it goes (e.g. a rebuild).
        """
        if batch < 1:
            raise ValueError(f"batch must be at least 1, got {batch}")
        while True:
            page = self.read_all(after, batch)
            yield from page
            if len(page) < batch:
                return
            after = page[-1].position

    def head(self, *, connection: Connection | None = None) -> int:
        """The highest position written so far; 0 for an empty store."""
        return self._read(connection, lambda sql: sql.head())

    def streams_between(self, after: int, up_to: int, *, connection: Connection) -> set[str]:
        """The streams written at positions in (after, up_to]."""
        return self._read(connection, lambda sql: sql.streams_between(after, up_to))

    def find_by_command_id(
        self, command_id: str, *, connection: Connection | None = None
    ) -> list[RecordedEvent]:
        """The events a command appended, in order: empty if it has not been handled yet."""
        unit = self._units.get(connection) if connection is not None else None
        if unit is not None and command_id in unit.by_command:  # read with the BEGIN
            return self._decode(unit.by_command.pop(command_id))
        return self._read(connection, lambda sql: self._decode(sql.by_command(command_id)))

    def count_streams(self, prefix: str, *, connection: Connection | None = None) -> int:
        """How many streams have ids starting with `prefix` (e.g. 'order-')."""
        statement = select(func.count(func.distinct(_c.stream_id))).where(
            _c.stream_id.startswith(prefix, autoescape=True)
        )
        if connection is not None:
            return connection.execute(statement).scalar() or 0
        with self.engine.connect() as conn:
            return conn.execute(statement).scalar() or 0

    def clear(self, *, connection: Connection) -> None:
        """Delete every event (a lab reset). Positions start again from 1 on every backend:
        SQLite forgets its AUTOINCREMENT counter; PostgreSQL assigns head + 1 (and its
        unused serial sequence is restarted too)."""
        connection.execute(EVENTS.delete())
        if (unit := self._units.get(connection)) is not None:
            unit.head = 0
        name = connection.dialect.name
        if name == "sqlite":
            connection.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = 'events'")
        elif name == "postgresql":
            connection.exec_driver_sql(
                "SELECT setval(s, 1, false) FROM pg_get_serial_sequence('events', 'position') s"
                " WHERE s IS NOT NULL"
            )

    def _decode(self, rows: Iterable[_Row]) -> list[RecordedEvent]:
        """Rows to events. Events of one command share their metadata, so it is parsed once."""
        upcasters = self.upcasters
        metadata_by_json: dict[str, EventMetadata] = {}
        events: list[RecordedEvent] = []
        append = events.append
        for position, stream_id, version, type_, schema_version, data_json, meta_json in rows:
            metadata = metadata_by_json.get(meta_json)
            if metadata is None:
                metadata = EventMetadata.from_dict(_loads(meta_json))
                metadata_by_json[meta_json] = metadata
            data = _loads(data_json)
            if upcasters:
                data, schema_version = self._upcast(type_, schema_version, data)
            append(
                RecordedEvent(position, stream_id, version, type_, data, metadata, schema_version)
            )
        return events

    def _upcast(
        self, type_: str, schema_version: int, data: dict[str, Any]
    ) -> tuple[dict[str, Any], int]:
        """Apply (type, version) -> (version + 1) upcasters until none matches."""
        upcaster = self.upcasters.get((type_, schema_version))
        while upcaster is not None:
            data = upcaster(data)
            schema_version += 1
            upcaster = self.upcasters.get((type_, schema_version))
        return data, schema_version


def _append(
    sql: _Sql, appends: Sequence[StreamAppend], metadata: EventMetadata
) -> list[RecordedEvent]:
    """Check every stream's version, then insert: a version mismatch writes nothing.

    On a server every stream's rows go in one statement (one round trip); sqlite3 inserts
    row by row anyway.
    """
    versions = sql.versions([item.stream_id for item in appends])
    for item in appends:
        actual = versions[item.stream_id]
        if actual != item.expected_version:
            raise ConcurrencyError(item.stream_id, item.expected_version, actual)
    meta_json = _dumps(metadata.to_dict())
    items = [item for item in appends if item.events]
    batches = [items] if isinstance(sql, _CoreSql) else [[item] for item in items]
    recorded: list[RecordedEvent] = []
    for batch in batches:
        recorded.extend(_insert(sql, batch, metadata, meta_json))
    return recorded


def _insert(
    sql: _Sql, items: list[StreamAppend], metadata: EventMetadata, meta_json: str
) -> list[RecordedEvent]:
    """Insert streams' events after their checked versions; a clash is a ConcurrencyError."""
    if not items:
        return []
    command_id, recorded_at = metadata.command_id, metadata.recorded_at
    rows: list[_NewRow] = [
        (
            item.stream_id,
            item.expected_version + 1 + i,
            event.type,
            event.schema_version,
            _dumps(event.data),
            meta_json,
            command_id,
            recorded_at,
        )
        for item in items
        for i, event in enumerate(item.events)
    ]
    try:
        positions = iter(sql.insert(rows))
    except _DRIVER_ERRORS as error:
        if is_write_conflict(error):
            clashed = next((i for i in items if i.stream_id in str(error)), items[0])
            raise ConcurrencyError(clashed.stream_id, clashed.expected_version, None) from error
        raise
    return [
        RecordedEvent(
            next(positions),
            item.stream_id,
            item.expected_version + 1 + i,
            event.type,
            event.data,
            metadata,
            event.schema_version,
        )
        for item in items
        for i, event in enumerate(item.events)
    ]
