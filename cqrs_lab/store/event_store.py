"""The append-only event store: streams of versioned events with one global order.

It stores event data as JSON objects and knows nothing of the shop. No ORM sessions:
statements are SQLAlchemy Core built once, and on SQLite (pysqlite) the hot ones run on
the DB-API connection itself, where SQLAlchemy's per-statement work would cost several
times SQLite's own; there the store also keeps one connection for its units of work
instead of making one per command. Inside `transaction()`, pass its connection to every
call: another connection would not see the transaction's writes yet, and could not write
until it ends. Units are `sqlite_unit`'s and `pg_kept`'s, rows become events in `decoding`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, RowMapping, Select, event
from sqlmodel import SQLModel

from cqrs_lab.store.connections import KeptConnection, describe_location
from cqrs_lab.store.connections import sqlite_file as sqlite_file
from cqrs_lab.store.decoding import decode
from cqrs_lab.store.errors import translate
from cqrs_lab.store.event_types import (
    EventMetadata as EventMetadata,
)
from cqrs_lab.store.event_types import (
    NewEvent as NewEvent,
)
from cqrs_lab.store.event_types import (
    RecordedEvent,
    StreamAppend,
    Upcaster,
)
from cqrs_lab.store.pg_guess import HeadGuard
from cqrs_lab.store.pg_kept import PgKept
from cqrs_lab.store.pg_unit import (
    APPEND_LOCK_KEY as APPEND_LOCK_KEY,
)
from cqrs_lab.store.pg_unit import LOCK_SQL, Unit
from cqrs_lab.store.records import EVENTS, STORE_TABLES, STREAM_FOLDS
from cqrs_lab.store.sqlite_unit import DRIVER_UNITS, SqliteUnits, in_driver_unit
from cqrs_lab.store.statements import DRIVER_ERRORS, CoreSql, Fold, Sql, SqliteSql, append_rows

_T = TypeVar("_T")

#: Execution option read by the SQLite "begin" hook that `make_engine` installs.
BEGIN_MODE_OPTION = "cqrs_lab_begin"
#: Engine execution option holding the busy timeout, for error messages.
BUSY_TIMEOUT_OPTION = "cqrs_lab_busy_timeout_ms"
DEFAULT_BUSY_TIMEOUT_MS = 5000
_AUTOINCREMENT_SQL = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'"


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
        self._guessed: HeadGuard | None = None  # see `look_up_first`
        self.head_seen = 0
        """The head last read (`head`): above the aggregate cache's, others wrote since."""
        self._unit: Connection | None = None  # the connection of the unit open now, if any
        # The same engine and pool; its connections ask the SQLite begin hook for IMMEDIATE.
        self._immediate = engine.execution_options(**{BEGIN_MODE_OPTION: "IMMEDIATE"})
        if self.serialised:  # reads in autocommit; units send their own BEGIN (pg_unit)
            self._kept = KeptConnection(engine.execution_options(isolation_level="AUTOCOMMIT"))
        else:
            self._kept = KeptConnection(self._immediate)
        self._sqlite = SqliteUnits(self._kept, self._raise_translated)
        self._pg = PgKept(
            self._kept,
            self._units,
            self._raise_translated,
            where=self.where,
            lock_timeout_ms=self._busy_timeout_ms,
        )
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

    def schema_found(self) -> None:
        """Every table was found already there (`open_store` looked): no need to create."""
        self._schema_ready = True

    def look_up_first(self, command_id: str, guessed_head: int | None = None) -> None:
        """The next unit will first look this command up (`find_by_command_id`): on
        PostgreSQL its events are read with the BEGIN, in the same round trip; on pysqlite
        with the head, in the same statement. `guessed_head`: on psycopg the unit instead
        takes that head and no events as read, checked under the lock (`pg_guess`)."""
        self._look_up = command_id
        self._guessed = None if guessed_head is None else HeadGuard(guessed_head, command_id)

    def transaction(self) -> AbstractContextManager[Connection]:
        """One atomic unit: commits when the block ends, rolls back when it raises.

        On SQLite it begins IMMEDIATE, so concurrent writers queue on the busy timeout
        instead of failing when a read transaction tries to become a write one. On pysqlite
        the connection is the store's kept one (see `KeptConnection`), begun and committed
        on its driver (`sqlite_unit`). On PostgreSQL it
        takes the writers' advisory lock (`APPEND_LOCK_KEY`), which does the same: one
        writing transaction at a time, so positions commit in order and without holes;
        there the connection is the kept one too, begun in one round trip (`pg_unit`).
        """
        if self._pysqlite:
            command_id, self._look_up = self._look_up, None
            return self._sqlite.unit(command_id)
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        if self.serialised:
            command_id, self._look_up = self._look_up, None
            guessed, self._guessed = self._guessed, None
            unit = self._pg.unit(command_id, guessed, head=self._schema_ready)
            with unit as conn, self._open_unit(conn):
                yield conn
            return
        try:
            conn = self._immediate.connect()
            try:
                with conn.begin(), self._open_unit(conn):
                    yield conn
            finally:
                conn.close()
        except DRIVER_ERRORS as error:
            self._raise_translated(error)
            raise

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Driver errors that mean locked, read-only or damaged become our DatabaseErrors."""
        try:
            yield
        except DRIVER_ERRORS as error:
            self._raise_translated(error)
            raise

    def _raise_translated(self, error: BaseException) -> None:
        translated = translate(error, self.where, self._busy_timeout_ms)
        if translated is not None:
            raise translated from error

    def _sql(self, conn: Connection) -> Sql:
        if self._pysqlite:
            return DRIVER_UNITS.get(conn) or SqliteSql(conn.connection.driver_connection)
        return CoreSql(conn, explicit=self.serialised, unit=self._units.get(conn))

    def _read(self, connection: Connection | None, read: Callable[[Sql], _T]) -> _T:
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
                    return read(SqliteSql(raw.driver_connection))  # type: ignore[arg-type]
                finally:
                    raw.close()
            if self.serialised:
                return self._pg.read(read)
            with self.engine.connect() as conn:
                return read(CoreSql(conn))
        except DRIVER_ERRORS as error:
            self._raise_translated(error)
            raise

    def read_rows(self, statement: Select[Any]) -> Sequence[RowMapping]:
        """The rows of a SELECT: in the unit open now if there is one (its own writes seen,
        and on an in-memory database the only connection there is), else as `reading`."""
        unit = self._unit if self._unit is not None else self._sqlite.open
        if unit is not None:
            with self._translated():
                return unit.execute(statement).mappings().all()
        with self.reading() as conn:
            return conn.execute(statement).mappings().all()

    @contextmanager
    def _open_unit(self, conn: Connection) -> Iterator[None]:
        outer, self._unit = self._unit, conn
        try:
            yield
        finally:
            self._unit = outer

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for a few reads outside any unit (a query's rows, say): on
        PostgreSQL the kept one, in autocommit; elsewhere a fresh one, as before. A
        damaged, locked or lost database raises the store's own error."""
        if not self.serialised:
            with self._translated(), self.engine.connect() as conn:
                yield conn
            return
        conn = self._kept.checkout()
        try:
            with self._translated():
                yield conn
        except BaseException:
            conn.close()
            raise
        self._pg.end_read(conn)

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
        read_in_unit: bool = False,
    ) -> list[RecordedEvent]:
        """Append to several streams at once: all of it, or nothing.

        Every stream's version is checked before anything is written, so a ConcurrencyError
        leaves even a caller's transaction clean. A writer that slips in between check and
        insert (possible on servers, not on SQLite where the transaction is IMMEDIATE) hits
        UNIQUE(stream_id, version); that also becomes a ConcurrencyError, and the caller's
        transaction must then be rolled back (`transaction()` does so as the error leaves it).
        `read_in_unit` (with `connection`): the versions were read in that unit, so UNIQUE is
        the only check needed (`append_rows`).
        """
        if len(appends) > 1 and len({item.stream_id for item in appends}) != len(appends):
            streams = [item.stream_id for item in appends]
            raise ValueError(f"append_many got the same stream twice: {streams}")
        if connection is not None:
            try:  # not `_translated()`: a context manager here costs a tenth of the append
                if not (in_driver_unit(connection) or connection.in_transaction()):
                    # What SQLAlchemy's autobegin would do; our DB-API statements bypass it.
                    connection.begin()
                if self.serialised and connection not in self._units:
                    connection.exec_driver_sql(LOCK_SQL)  # not taken by `transaction()`
                return append_rows(
                    self._sql(connection), appends, metadata, read_in_unit=read_in_unit
                )
            except DRIVER_ERRORS as error:
                self._raise_translated(error)
                raise
        if not self._pysqlite:
            with self.transaction() as conn:
                return append_rows(self._sql(conn), appends, metadata)
        return self._sqlite.append(appends, metadata)

    # -- reading -------------------------------------------------------------------------

    def stream_version(self, stream_id: str, *, connection: Connection | None = None) -> int:
        """The version of the stream's last event; 0 when the stream has none."""
        return self._read(connection, lambda sql: sql.version(stream_id))

    def read_stream(
        self, stream_id: str, after_version: int = 0, *, connection: Connection | None = None
    ) -> list[RecordedEvent]:
        """The stream's events with a version above `after_version`, oldest first."""
        return self._read(
            connection,
            lambda sql: decode(sql.read_stream(stream_id, after_version), self.upcasters),
        )

    def read_all(
        self, after: int = 0, limit: int | None = None, *, connection: Connection | None = None
    ) -> list[RecordedEvent]:
        """Events of every stream with a position above `after`, in global order."""
        return self._read(
            connection, lambda sql: decode(sql.read_all(after, limit), self.upcasters)
        )

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
        self.head_seen = self._read(connection, lambda sql: sql.head())
        return self.head_seen

    def streams_between(self, after: int, up_to: int, *, connection: Connection) -> set[str]:
        """The streams written at positions in (after, up_to]."""
        return self._read(connection, lambda sql: sql.streams_between(after, up_to))

    def stream_fold(self, stream_id: str, *, connection: Connection) -> tuple[int, str] | None:
        """The folded state kept for the stream (its version and text), if any."""
        return self._read(connection, lambda sql: sql.fold(stream_id))

    def keep_folds(self, folds: Sequence[Fold], *, connection: Connection) -> None:
        """Keep these streams' folded states, in the caller's transaction (which appended
        the events they fold)."""
        if folds:
            self._read(connection, lambda sql: sql.keep_folds(folds))

    def find_by_command_id(
        self, command_id: str, *, connection: Connection | None = None
    ) -> list[RecordedEvent]:
        """The events a command appended, in order: empty if it has not been handled yet."""
        unit = self._units.get(connection) if connection is not None else None
        if unit is not None and command_id in unit.by_command:  # read with the BEGIN
            return decode(unit.by_command.pop(command_id), self.upcasters)
        return self._read(
            connection, lambda sql: decode(sql.by_command(command_id), self.upcasters)
        )

    def clear(self, *, connection: Connection) -> None:
        """Delete every event (a lab reset). Positions start again from 1 on every backend:
        SQLite numbers from the highest rowid (and forgets the AUTOINCREMENT counter of a
        file made before `StoredEvent` dropped it); PostgreSQL assigns head + 1 (and its
        unused serial sequence is restarted too)."""
        connection.execute(EVENTS.delete())
        connection.execute(STREAM_FOLDS.delete())  # folds of streams that no longer exist
        if (unit := self._units.get(connection)) is not None:
            unit.head = 0
        name = connection.dialect.name
        if name == "sqlite":
            if connection.exec_driver_sql(_AUTOINCREMENT_SQL).first():
                connection.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = 'events'")
        elif name == "postgresql":
            connection.exec_driver_sql(
                "SELECT setval(s, 1, false) FROM pg_get_serial_sequence('events', 'position') s"
                " WHERE s IS NOT NULL"
            )
