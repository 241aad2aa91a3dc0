"""The store's statements: SQLAlchemy Core for any database, raw SQL for sqlite3.

`CoreSql` runs them on a SQLAlchemy connection (PostgreSQL and others), `SqliteSql`
(`sqlite_statements.py`) on the DB-API connection of pysqlite, where SQLAlchemy's
per-statement work would cost several times SQLite's own. `append_rows` checks versions
and inserts, on either.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Insert, bindparam, delete, func, insert, select
from sqlalchemy import exc as sa_exc

from cqrs_lab.store.compact_json import dumps
from cqrs_lab.store.dialect_insert import dialect_insert
from cqrs_lab.store.errors import ConcurrencyError, is_write_conflict
from cqrs_lab.store.event_types import EventMetadata, RecordedEvent, StreamAppend
from cqrs_lab.store.meta_format import stored_meta
from cqrs_lab.store.pg_unit import DeferredInsert, Unit, at_commit, run, send_deferred
from cqrs_lab.store.records import (
    EVENTS,
    PREFIXED_READ_COLUMNS,
    READ_COLUMNS,
    STREAM_FOLDS,
    NewRow,
)
from cqrs_lab.store.records import Fold as Fold
from cqrs_lab.store.records import Row as Row
from cqrs_lab.store.sqlite_statements import HEAD_SQL, SqliteSql

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
_COLUMNS = tuple(_c[name] for name in READ_COLUMNS.split(", "))
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
_f = STREAM_FOLDS.c
_FOLD = select(_f.version, _f.state).where(_f.stream_id == bindparam("stream_id"))
_FOLDS_DELETE = delete(STREAM_FOLDS).where(_f.stream_id.in_(bindparam("ids", expanding=True)))
_FOLDS_INSERT = insert(STREAM_FOLDS)


@functools.cache
def _folds_upsert(dialect: str) -> Insert | None:
    """One statement (one round trip) where the dialect has ON CONFLICT."""
    upsert = dialect_insert(dialect, STREAM_FOLDS)
    if dialect == "postgresql":
        kept = {"version": upsert.excluded.version, "state": upsert.excluded.state}
        return upsert.on_conflict_do_update(index_elements=[_f.stream_id], set_=kept)
    return None if upsert is None else upsert.prefix_with("OR REPLACE")


_INSERT = insert(EVENTS).returning(_c.position, sort_by_parameter_order=True)
_INSERT_AT = insert(EVENTS)


_ROW_TYPES = (
    "bigint",  # position
    "text",  # stream_id
    "integer",  # version
    "text",  # type
    "integer",  # schema_version
    "text",  # data
    "text",  # meta
    "text",  # command_id
    "double precision",  # recorded_at
)
_ROW_MARKS = "(" + ", ".join(f"%s::{type_}" for type_ in _ROW_TYPES) + ")"


@functools.cache
def _checked_insert_sql(rows: int, streams: int, *, refuse: bool = False) -> str:
    """The INSERT of `rows` rows that writes nothing unless each of `streams` (stream id,
    expected version) pairs holds; each shape is one SQL text, prepared by the driver.
    `refuse`: it fails instead (NULL versions, which NOT NULL refuses), so that in a
    pipeline the statements after it and the COMMIT are not applied either."""
    values = ", ".join([_ROW_MARKS] * rows)
    checks = ", ".join(["(%s::text, %s::integer)"] * streams)
    insert = (
        "INSERT INTO events (position, stream_id, version, type, schema_version, data, meta,"
        " command_id, recorded_at)"
    )
    mismatch = (
        f"SELECT 1 FROM (VALUES {checks}) AS e (stream_id, expected)"
        " WHERE COALESCE((SELECT MAX(v.version) FROM events v WHERE v.stream_id = e.stream_id),"
        " 0) <> e.expected"
    )
    if not refuse:
        return f"{insert} SELECT * FROM (VALUES {values}) AS r WHERE NOT EXISTS ({mismatch})"
    return (
        f"{insert} SELECT r.p, r.s, CASE WHEN c.ok THEN r.v END, r.t, r.sv, r.d, r.m, r.c, r.at"
        f" FROM (VALUES {values}) AS r (p, s, v, t, sv, d, m, c, at)"
        f" CROSS JOIN (SELECT NOT EXISTS ({mismatch}) AS ok) AS c"
    )


_FOLD_AND_AFTER_SQL = (
    f"SELECT f.version, f.state, {PREFIXED_READ_COLUMNS} FROM (SELECT %(s)s::text AS id) AS one"
    " LEFT JOIN stream_folds f ON f.stream_id = one.id"
    " LEFT JOIN events e ON e.stream_id = one.id AND e.version > COALESCE(f.version, 0)"
    " ORDER BY e.version"
)
"""A stream's fold and its events after it, in one round trip (a load's two reads)."""


class CoreSql:
    """The store's statements on a SQLAlchemy connection, for any database it speaks.

    `explicit`: positions are assigned here as head + 1 (PostgreSQL, under the writers'
    lock), not by the database, so a rolled-back append leaves no hole. `unit`: the locked
    unit the connection is in, whose head is read once and then kept up to date. On
    psycopg the statements of every command and query run on its own cursor (`pg_unit.run`).
    """

    __slots__ = ("conn", "explicit", "psycopg", "unit")

    def __init__(
        self, conn: Connection, *, explicit: bool = False, unit: Unit | None = None
    ) -> None:
        self.conn = conn
        self.explicit = explicit
        self.unit = unit
        self.psycopg = conn.dialect.driver == "psycopg"

    def _own_writes_sent(self) -> None:
        """Before a read of events in a unit that decides: its waiting INSERT goes first."""
        if self.unit is not None and self.unit.decides:
            send_deferred(self.conn)

    def version(self, stream_id: str) -> int:
        self._own_writes_sent()
        return self.conn.execute(_STREAM_VERSION, {"stream_id": stream_id}).scalar() or 0

    def versions(self, stream_ids: list[str]) -> dict[str, int]:
        if len(stream_ids) == 1:
            return {stream_ids[0]: self.version(stream_ids[0])}
        self._own_writes_sent()
        found = dict(self.conn.execute(_STREAM_VERSIONS, {"stream_ids": stream_ids}).all())
        return {stream_id: found.get(stream_id) or 0 for stream_id in stream_ids}

    def insert(self, rows: list[NewRow]) -> list[int]:
        params = [dict(zip(_NEW_ROW_KEYS, row, strict=True)) for row in rows]
        if not self.explicit:
            return list(self.conn.execute(_INSERT, params).scalars())
        positions = self._next_positions(len(params))
        for position, row in zip(positions, params, strict=True):
            row["position"] = position
        self.conn.execute(_INSERT_AT, params)
        self._inserted(positions)
        return positions

    @property
    def checks_on_insert(self) -> bool:
        """PostgreSQL under the writers' lock: `insert_checked` can be used."""
        return self.explicit and self.conn.dialect.paramstyle in ("format", "pyformat")

    def insert_checked(self, rows: list[NewRow], expected: dict[str, int]) -> list[int] | None:
        """Insert `rows` only if every stream is at its `expected` version: the check and
        the insert in one statement, one round trip. None (nothing written) if one is not.

        Exact only under the writers' lock, which the unit holds: no one else appends
        between the check and the insert. In a unit that decides a command the INSERT
        waits for the COMMIT (`pg_unit.DeferredInsert`): the positions are returned now.
        """
        positions = self._next_positions(len(rows))
        params: list[Any] = []
        for position, row in zip(positions, rows, strict=True):
            params.append(position)
            params.extend(row)
        for stream_id, version in expected.items():
            params.append(stream_id)
            params.append(version)
        if self.unit is not None and self.unit.decides:
            sql = _checked_insert_sql(len(rows), len(expected), refuse=True)
            if at_commit(self.conn, DeferredInsert(sql, tuple(params), dict(expected))):
                self._inserted(positions)
                return positions
        inserted = run(self.conn, _checked_insert_sql(len(rows), len(expected)), params).rowcount
        if inserted != len(rows):
            return None
        self._inserted(positions)
        return positions

    def _next_positions(self, count: int) -> list[int]:
        first = self.head() + 1
        return list(range(first, first + count))

    def _inserted(self, positions: list[int]) -> None:
        if self.unit is not None:
            self.unit.head = positions[-1]
            self.unit.by_command.clear()  # what was read with the BEGIN is out of date
            self.unit.after_fold.clear()

    def read_stream(self, stream_id: str, after: int) -> Iterable[Row]:
        self._own_writes_sent()
        read = None if self.unit is None else self.unit.after_fold.pop(stream_id, None)
        if read is not None and read[0] == after:
            return read[1]
        return self.conn.execute(_READ_STREAM, {"stream_id": stream_id, "after": after})

    def read_all(self, after: int, limit: int | None) -> Iterable[Row]:
        self._own_writes_sent()
        statement = _READ_ALL if limit is None else _READ_ALL.limit(limit)
        return self.conn.execute(statement, {"after": after})

    def by_command(self, command_id: str) -> Iterable[Row]:
        self._own_writes_sent()
        return self.conn.execute(_BY_COMMAND, {"command_id": command_id})

    def head(self) -> int:
        unit = self.unit
        if unit is not None and unit.head is not None:
            return unit.head
        if self.psycopg:
            head: int = run(self.conn, HEAD_SQL).fetchone()[0] or 0
        else:
            head = self.conn.execute(_HEAD).scalar() or 0
        if unit is not None:
            unit.head = head
        return head

    def streams_between(self, after: int, up_to: int) -> set[str]:
        self._own_writes_sent()
        return set(self.conn.execute(_STREAMS_BETWEEN, {"after": after, "up_to": up_to}).scalars())

    def fold(self, stream_id: str) -> tuple[int, str] | None:
        """In a locked unit on psycopg, the events after the fold come with it, kept for
        the `read_stream` that follows (a load's second read) until the unit appends."""
        self._own_writes_sent()
        if self.unit is None or not self.checks_on_insert:
            row = self.conn.execute(_FOLD, {"stream_id": stream_id}).first()
            return None if row is None else (row[0], row[1])
        rows = run(self.conn, _FOLD_AND_AFTER_SQL, {"s": stream_id}).fetchall()
        version, state = rows[0][0], rows[0][1]
        events = [row[2:] for row in rows if row[2] is not None]
        self.unit.after_fold[stream_id] = (version or 0, events)
        return None if version is None else (version, state)

    def keep_folds(self, folds: Sequence[Fold]) -> None:
        """Replace the folds of these streams (inside the writers' lock: no one races us)."""
        rows = [{"stream_id": i, "version": version, "state": state} for i, version, state in folds]
        upsert = _folds_upsert(self.conn.dialect.name)
        if upsert is None:
            self.conn.execute(_FOLDS_DELETE, {"ids": [row["stream_id"] for row in rows]})
            upsert = _FOLDS_INSERT
        self.conn.execute(upsert, rows)


Sql = CoreSql | SqliteSql
DRIVER_ERRORS = (sa_exc.DBAPIError, sqlite3.Error)

loads = json.loads


def append_rows(
    sql: Sql,
    appends: Sequence[StreamAppend],
    metadata: EventMetadata,
    *,
    read_in_unit: bool = False,
) -> list[RecordedEvent]:
    """Check every stream's version, then insert: a version mismatch writes nothing.

    On a server every stream's rows go in one statement (one round trip); sqlite3 inserts
    row by row anyway. `read_in_unit`: every expected version was read in this unit, under
    its write lock, so none can be ahead of its stream and a stale one is refused by
    UNIQUE(stream_id, version): the versions are not read again. That refusal is a
    ConcurrencyError after the earlier streams' rows went in: the caller rolls the unit back.
    """
    if isinstance(sql, CoreSql) and sql.checks_on_insert:
        return _append_checked(sql, appends, metadata)
    if read_in_unit:
        if isinstance(sql, SqliteSql) and len(appends) == 1 and len(appends[0].events) == 1:
            return [_insert_one(sql, appends[0], metadata)]
    else:
        _check_versions(sql, appends)
    meta_json = stored_meta(metadata)
    items = [item for item in appends if item.events]
    batches = [items] if isinstance(sql, CoreSql) else [[item] for item in items]
    recorded: list[RecordedEvent] = []
    for batch in batches:
        recorded.extend(_insert(sql, batch, metadata, meta_json) or ())
    return recorded


def _check_versions(sql: Sql, appends: Sequence[StreamAppend]) -> None:
    """Raise a ConcurrencyError, with the actual version, for a stream not at its expected one."""
    versions = sql.versions([item.stream_id for item in appends])
    for item in appends:
        actual = versions[item.stream_id]
        if actual != item.expected_version:
            raise ConcurrencyError(item.stream_id, item.expected_version, actual)


def _insert_one(sql: SqliteSql, item: StreamAppend, metadata: EventMetadata) -> RecordedEvent:
    """A one-event append on sqlite3 (most commands): one INSERT, no per-stream batches."""
    event, version = item.events[0], item.expected_version + 1
    row = (
        item.stream_id,
        version,
        event.type,
        event.schema_version,
        dumps(event.data),
        stored_meta(metadata),
        metadata.command_id,
        metadata.recorded_at,
    )
    try:
        position = sql.insert_one(row)
    except sqlite3.Error as error:
        if is_write_conflict(error):
            raise ConcurrencyError(item.stream_id, item.expected_version, None) from error
        raise
    return RecordedEvent(
        position, item.stream_id, version, event.type, event.data, metadata, event.schema_version
    )


def _append_checked(
    sql: CoreSql, appends: Sequence[StreamAppend], metadata: EventMetadata
) -> list[RecordedEvent]:
    """PostgreSQL: check every version and insert every stream in one statement. When a
    version does not match, nothing was written: the versions are read to say which."""
    items = [item for item in appends if item.events]
    if items:
        expected = {item.stream_id: item.expected_version for item in appends}
        recorded = _insert(sql, items, metadata, stored_meta(metadata), expected)
        if recorded is not None:
            return recorded
    _check_versions(sql, appends)
    if items:  # refused, yet every version matches now: it moved in between
        raise ConcurrencyError(items[0].stream_id, items[0].expected_version, None)
    return []


def _insert(
    sql: Sql,
    items: list[StreamAppend],
    metadata: EventMetadata,
    meta_json: str,
    expected: dict[str, int] | None = None,
) -> list[RecordedEvent] | None:
    """Insert streams' events after their checked versions; a clash is a ConcurrencyError.

    With `expected` (`CoreSql.insert_checked`), the versions are checked in the insert: None
    when one does not match (nothing written)."""
    if not items:
        return []
    command_id, recorded_at = metadata.command_id, metadata.recorded_at
    rows: list[NewRow] = [
        (
            item.stream_id,
            item.expected_version + 1 + i,
            event.type,
            event.schema_version,
            dumps(event.data),
            meta_json,
            command_id,
            recorded_at,
        )
        for item in items
        for i, event in enumerate(item.events)
    ]
    try:
        if expected is None:
            positions = iter(sql.insert(rows))
        else:
            assert isinstance(sql, CoreSql)
            checked = sql.insert_checked(rows, expected)
            if checked is None:
                return None
            positions = iter(checked)
    except DRIVER_ERRORS as error:
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
