"""The store's statements as SQL for sqlite3, run on pysqlite's own connection.

SQLAlchemy's per-statement work would cost several times SQLite's own; sqlite3 keeps each
SQL string prepared in its statement cache. `statements.append_rows` appends through it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from operator import itemgetter

from cqrs_lab.store.records import PREFIXED_READ_COLUMNS, READ_COLUMNS, Fold, NewRow, Row

_SELECT_SQL = f"SELECT {READ_COLUMNS} FROM events"
_VERSION_SQL = "SELECT MAX(version) FROM events WHERE stream_id = ?"
_INSERT_SQL = (
    "INSERT INTO events (stream_id, version, type, schema_version, data, meta, command_id,"
    " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_READ_STREAM_SQL = f"{_SELECT_SQL} WHERE stream_id = ? AND version > ? ORDER BY version"
_READ_ALL_SQL = f"{_SELECT_SQL} WHERE position > ? ORDER BY position LIMIT ?"
_BY_COMMAND_SQL = f"{_SELECT_SQL} WHERE command_id = ? ORDER BY position"
HEAD_SQL = "SELECT MAX(position) FROM events"
_STREAMS_BETWEEN_SQL = "SELECT DISTINCT stream_id FROM events WHERE position > ? AND position <= ?"
_FOLD_SQL = "SELECT version, state FROM stream_folds WHERE stream_id = ?"
_KEEP_FOLD_SQL = (
    "INSERT INTO stream_folds (stream_id, version, state) VALUES (?, ?, ?) ON CONFLICT"
    " (stream_id) DO UPDATE SET version = excluded.version, state = excluded.state"
)
"""An upsert, not INSERT OR REPLACE: that deletes and reinserts the row, so its key's
index page is written too, a page more in the commit of every 16th command a stream."""


_HEAD_AND_COMMAND_SQL = (
    f"SELECT h.head, {PREFIXED_READ_COLUMNS} FROM (SELECT MAX(position) AS head FROM events) AS h"
    " LEFT JOIN events e ON e.command_id = ?"
)
"""The head and a command's events in one statement: a unit's first two reads. Unordered:
an ORDER BY sorts in a temporary b-tree even for no row (most commands), so the few rows
of a command seen before are sorted here instead."""


class SqliteSql:
    """The store's statements on a sqlite3 connection; sqlite3 keeps them prepared.

    `look_up`: a command id whose events the unit reads first (`EventStore.look_up_first`):
    they are read with the head, kept until `by_command` asks or the unit inserts.
    """

    __slots__ = ("db", "found", "look_up")

    def __init__(self, db: sqlite3.Connection, look_up: str | None = None) -> None:
        self.db = db
        self.look_up = look_up
        self.found: tuple[str, list[Row]] | None = None

    def version(self, stream_id: str) -> int:
        return self.db.execute(_VERSION_SQL, (stream_id,)).fetchone()[0] or 0

    def versions(self, stream_ids: list[str]) -> dict[str, int]:
        return {stream_id: self.version(stream_id) for stream_id in stream_ids}

    def insert(self, rows: list[NewRow]) -> list[int]:
        self.found = None
        execute = self.db.execute
        return [execute(_INSERT_SQL, row).lastrowid for row in rows]  # type: ignore[misc]

    def insert_one(self, row: NewRow) -> int:
        """`insert` of one row (most commands'), its position."""
        self.found = None
        return self.db.execute(_INSERT_SQL, row).lastrowid  # type: ignore[return-value]

    def read_stream(self, stream_id: str, after: int) -> Iterable[Row]:
        return self.db.execute(_READ_STREAM_SQL, (stream_id, after)).fetchall()

    def read_all(self, after: int, limit: int | None) -> Iterable[Row]:
        return self.db.execute(_READ_ALL_SQL, (after, -1 if limit is None else limit)).fetchall()

    def by_command(self, command_id: str) -> Iterable[Row]:
        found, self.found = self.found, None
        if found is not None and found[0] == command_id:
            return found[1]
        return self.db.execute(_BY_COMMAND_SQL, (command_id,)).fetchall()

    def head(self) -> int:
        look_up, self.look_up = self.look_up, None
        if look_up is None:
            return self.db.execute(HEAD_SQL).fetchone()[0] or 0
        rows = self.db.execute(_HEAD_AND_COMMAND_SQL, (look_up,)).fetchall()
        first = rows[0]
        if first[1] is None:  # not seen before (the LEFT JOIN's one row): most commands
            self.found = (look_up, [])
        else:
            self.found = (look_up, sorted([row[1:] for row in rows], key=itemgetter(0)))
        return first[0] or 0

    def streams_between(self, after: int, up_to: int) -> set[str]:
        return {row[0] for row in self.db.execute(_STREAMS_BETWEEN_SQL, (after, up_to))}

    def fold(self, stream_id: str) -> tuple[int, str] | None:
        return self.db.execute(_FOLD_SQL, (stream_id,)).fetchone()  # type: ignore[no-any-return]

    def keep_folds(self, folds: Sequence[Fold]) -> None:
        self.db.executemany(_KEEP_FOLD_SQL, folds)
