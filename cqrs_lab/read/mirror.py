"""A write-behind mirror of one read-model table.

Projections apply events to plain dicts in memory (fast enough to rebuild 100,000 events in
a second or two) and write only the rows that changed, together with their checkpoint, in one
transaction (`flush`). Queries always read the tables, never the mirror.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

Row = dict[str, Any]
Key = tuple[Any, ...]


class MirroredTable:
    def __init__(self, table: sa.Table) -> None:
        self.table = table
        self.key_columns = tuple(column.name for column in table.primary_key.columns)
        self.rows: dict[Key, Row] = {}
        self._changed: set[Key] = set()

    def key_of(self, row: Row) -> Key:
        return tuple(row[name] for name in self.key_columns)

    def get(self, *key: Any) -> Row | None:
        return self.rows.get(key)

    def put(self, row: Row) -> None:
        key = self.key_of(row)
        self.rows[key] = row
        self._changed.add(key)

    def delete(self, *key: Any) -> None:
        if self.rows.pop(key, None) is not None:
            self._changed.add(key)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows.values())

    @property
    def dirty(self) -> bool:
        return bool(self._changed)

    def load(self, connection: Connection) -> None:
        result = connection.execute(sa.select(self.table)).mappings()
        self.rows = {self.key_of(row): dict(row) for row in result}
        self._changed.clear()

    def write(self, connection: Connection) -> None:
        """Write changed rows: delete every changed key, then insert the survivors. They stay
        marked changed until `committed()`."""
        if not self._changed:
            return
        keys = list(self._changed)
        key_params = [dict(zip(self.key_columns, key, strict=True)) for key in keys]
        condition = sa.and_(
            *(self.table.c[name] == sa.bindparam(f"k_{name}") for name in self.key_columns)
        )
        connection.execute(
            self.table.delete().where(condition),
            [{f"k_{name}": value for name, value in params.items()} for params in key_params],
        )
        survivors = [self.rows[key] for key in keys if key in self.rows]
        if survivors:
            connection.execute(self.table.insert(), survivors)

    def committed(self) -> None:
        """What `write` wrote is committed: nothing is changed any more."""
        self._changed.clear()

    def clear(self, connection: Connection) -> None:
        connection.execute(self.table.delete())
        self.rows.clear()
        self._changed.clear()
