"""A write-behind mirror of one read-model table.

Projections apply events to plain dicts in memory (fast enough to rebuild 100,000 events in
a second or two) and write only the rows that changed, together with their checkpoint, in one
transaction (`flush`). Queries read the tables, or the mirror where it holds every row and
no other process writes the tables (`Projection.remembered`).

A mirror either holds every row of its table (`complete`: after `load`, or `clear`, or on a
projection that never met a database, or attached to a table with no rows) or reads rows on
demand (`attach`): `get` asks the table once for a key it has not seen and keeps the answer,
a row or "none". Rows read and not changed since are forgotten past `KEEP_ROWS`; a complete
mirror that reads from a table goes on demand once it holds more than that, so a lab's
memory and its start follow what it works on, not how long the shop's history is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from cqrs_lab.read.table_writes import table_writes

Row = dict[str, Any]
Key = tuple[Any, ...]
Reader = Callable[[sa.Select[Any]], Sequence[RowMapping]]
"""Runs a SELECT on the store, outside any unit of work, and returns its rows."""

KEEP_ROWS = 5_000
"""Unchanged rows a mirror that reads on demand keeps before it forgets the oldest."""


class MirroredTable:
    def __init__(self, table: sa.Table, *, keep: int = KEEP_ROWS) -> None:
        self.table = table
        self.key_columns = tuple(column.name for column in table.primary_key.columns)
        self.rows: dict[Key, Row] = {}
        """The rows held, by key (every row of the table when `complete`)."""
        self.complete = True
        self._keep = keep
        self._reader: Reader | None = None
        self._absent: set[Key] = set()  # keys read and found without a row
        self._changed: set[Key] = set()  # put or deleted since the last commit
        self._by_key = sa.select(self.table).where(
            *(self.table.c[name] == sa.bindparam(f"k_{name}") for name in self.key_columns)
        )
        self._indexed: str | None = None
        self._index: dict[Any, dict[Key, None]] = {}
        """Value of the indexed column -> the keys held with it, in the order of `rows`."""

    def index_by(self, column: str) -> None:
        """Keep the rows held grouped by `column`, for `where` on it (a column the rows'
        projection never changes in place)."""
        self._indexed = column
        self._index = {}
        for key, row in self.rows.items():
            self._index.setdefault(row[column], {})[key] = None

    def key_of(self, row: Row) -> Key:
        return tuple(row[name] for name in self.key_columns)

    def get(self, *key: Any) -> Row | None:
        row = self.rows.get(key)
        if row is not None or self.complete or key in self._absent or key in self._changed:
            return row
        return self._read(key)

    def put(self, row: Row) -> None:
        key = self.key_of(row)
        self._hold(key, row)
        self._absent.discard(key)
        self._changed.add(key)

    def delete(self, *key: Any) -> None:
        if self.get(*key) is not None:
            self._drop(key)
            self._changed.add(key)

    def where(self, column: str, value: Any) -> list[Row]:
        """The rows whose `column` equals `value`; a mirror that reads on demand asks the
        table for them first (what it holds or changed itself wins)."""
        if not self.complete:
            assert self._reader is not None
            for found in self._reader(sa.select(self.table).where(self.table.c[column] == value)):
                row = dict(found)
                key = self.key_of(row)
                if key not in self._changed and key not in self.rows:
                    self._hold(key, row)
                    self._absent.discard(key)
        if column == self._indexed:
            held = (self.rows.get(key) for key in self._index.get(value, ()))
            found_rows = [row for row in held if row is not None and row[column] == value]
        else:
            found_rows = [row for row in self.rows.values() if row[column] == value]
        self._forget_unchanged()
        return found_rows

    def __iter__(self) -> Iterator[Row]:
        """Every row: only a complete mirror has them all."""
        if not self.complete:
            raise RuntimeError(f"{self.table.name}: a mirror that reads on demand has no rows")
        return iter(self.rows.values())

    @property
    def dirty(self) -> bool:
        return bool(self._changed)

    def load(self, connection: Connection) -> None:
        """Read every row of the table: the mirror is complete."""
        result = connection.execute(sa.select(self.table)).mappings()
        self._forget_all()
        for row in result:
            self._hold(self.key_of(row), dict(row))
        self.complete = True

    def attach(self, reader: Reader, *, empty: bool = False) -> None:
        """Forget every row, and read rows from the table as they are asked for; `empty`:
        the table has no rows, so the mirror holds them all until it holds too many."""
        self._forget_all()
        self._reader = reader
        self.complete = empty

    def write(self, connection: Connection) -> None:
        """Write changed rows: delete the keys gone, insert or replace the rest. They stay
        marked changed until `committed()`."""
        if self._changed:
            table_writes(self.table).write(connection, *self._changes())

    def send(self, cursor: Any) -> None:
        """`write` on a psycopg cursor in pipeline mode."""
        if self._changed:
            table_writes(self.table).send(cursor, *self._changes())

    def _changes(self) -> tuple[list[Row], list[Row]]:
        """The changed keys gone (as key columns) and the changed rows kept."""
        rows, names = self.rows, self.key_columns
        gone = [dict(zip(names, key, strict=True)) for key in self._changed if key not in rows]
        return gone, [rows[key] for key in self._changed if key in rows]

    def committed(self) -> None:
        """What `write` wrote is committed: nothing is changed any more."""
        if not self.complete:
            self._absent.update(key for key in self._changed if key not in self.rows)
        self._changed.clear()
        self._forget_unchanged()

    def clear(self, connection: Connection) -> None:
        """Delete every row: the mirror is complete (and empty)."""
        connection.execute(self.table.delete())
        self._forget_all()
        self.complete = True

    def _read(self, key: Key) -> Row | None:
        assert self._reader is not None
        params = {f"k_{name}": value for name, value in zip(self.key_columns, key, strict=True)}
        found = self._reader(self._by_key.params(params))
        if not found:
            self._absent.add(key)
            self._forget_unchanged()
            return None
        row = dict(found[0])
        self._hold(key, row)
        self._forget_unchanged()
        return row

    def _hold(self, key: Key, row: Row) -> None:
        self.rows[key] = row
        if self._indexed is not None:
            self._index.setdefault(row[self._indexed], {})[key] = None

    def _drop(self, key: Key) -> None:
        row = self.rows.pop(key)
        if self._indexed is not None:
            same = self._index.get(row[self._indexed])
            if same is not None:
                same.pop(key, None)
                if not same:
                    del self._index[row[self._indexed]]

    def _forget_all(self) -> None:
        self.rows = {}
        self._index = {}
        self._absent.clear()
        self._changed.clear()

    def _forget_unchanged(self) -> None:
        """Past `KEEP_ROWS`, forget the oldest keys seen that are not waiting to be written
        (a complete mirror that can read its table goes on demand to do so)."""
        if len(self.rows) > self._keep and self.complete and self._reader is not None:
            self.complete = False
        if self.complete:
            return
        if len(self.rows) > self._keep:
            excess = len(self.rows) - self._keep * 9 // 10
            for key in [key for key in self.rows if key not in self._changed][:excess]:
                self._drop(key)
        if len(self._absent) > self._keep:
            self._absent.clear()
