"""How a mirror writes its changed rows: the keys gone deleted, the rest upserted.

One statement a table for the rows that stay (an upsert: INSERT ... ON CONFLICT DO UPDATE,
on SQLite and PostgreSQL alike), and a DELETE only when rows went, where a flush used to
delete every changed key and insert the survivors: one round trip less a table on a server.
On pysqlite the same SQL runs on SQLite's own driver (`crud/sqlite_driver.py`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cqrs_lab.crud.sqlite_driver import sqlite_driver
from cqrs_lab.store.dialect_insert import dialect_insert

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class TableWrites:
    """The statements that write one table's changed rows, built once."""

    table: sa.Table
    keys: tuple[str, ...]
    delete: sa.Delete
    delete_sql: str
    upsert_sql: str

    def send(self, cursor: Any, gone: Sequence[Row], rows: Sequence[Row]) -> None:
        """The same on a psycopg cursor in pipeline mode (`crud/psycopg_driver.py`)."""
        if gone:
            cursor.executemany(_psycopg(self.delete_sql), gone)
        if rows:
            cursor.executemany(_psycopg(self.upsert_sql), rows)

    def write(self, connection: Connection, gone: Sequence[Row], rows: Sequence[Row]) -> None:
        """Delete the rows whose keys are `gone` (each a dict of the key columns), then
        insert or replace `rows`."""
        driver = sqlite_driver(connection)
        if driver is not None:
            if gone:
                driver.executemany(self.delete_sql, gone)
            if rows:
                driver.executemany(self.upsert_sql, rows)
            return
        if gone:
            connection.execute(self.delete, [{f"k_{k}": row[k] for k in self.keys} for row in gone])
        if rows:
            connection.execute(_upsert(self.table, connection.dialect.name), list(rows))


@cache
def table_writes(table: sa.Table) -> TableWrites:
    keys = tuple(column.name for column in table.primary_key.columns)
    columns = [column.name for column in table.columns]
    others = [name for name in columns if name not in keys]
    where = " AND ".join(f'"{k}" = :{k}' for k in keys)
    on_conflict = (
        "DO UPDATE SET " + ", ".join(f'"{n}" = excluded."{n}"' for n in others)
        if others
        else "DO NOTHING"
    )
    names = ", ".join(f'"{n}"' for n in columns)
    marks = ", ".join(f":{n}" for n in columns)
    conflict = ", ".join(f'"{k}"' for k in keys)
    return TableWrites(
        table,
        keys,
        table.delete().where(*(table.c[k] == sa.bindparam(f"k_{k}") for k in keys)),
        f'DELETE FROM "{table.name}" WHERE {where}',
        f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
        f" ON CONFLICT ({conflict}) {on_conflict}",
    )


@cache
def _psycopg(sql: str) -> str:
    """Named marks as psycopg writes them (`:name` -> `%(name)s`)."""
    return re.sub(r":(\w+)", r"%(\1)s", sql)


@cache
def _upsert(table: sa.Table, dialect: str) -> sa.Insert:
    """INSERT ... ON CONFLICT DO UPDATE (DO NOTHING for a table of keys only), as SQLite's
    and PostgreSQL's dialects write it: the two databases the store runs on."""
    statement = dialect_insert(dialect, table)
    if statement is None:
        raise ValueError(f"no upsert on {dialect}: the store runs on SQLite and PostgreSQL")
    keys = [column.name for column in table.primary_key.columns]
    others = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    if not others:
        return statement.on_conflict_do_nothing(index_elements=keys)
    return statement.on_conflict_do_update(index_elements=keys, set_=others)
