"""SQLite's own driver under a SQLAlchemy connection, for statements run many times a second.

SQLAlchemy's per-statement work costs about twenty times what SQLite takes to run a small
statement, so the CRUD twin and the read models' flushes run their SQL on pysqlite's DB-API
connection, inside the caller's transaction (other databases keep SQLAlchemy Core).
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import Connection

from cqrs_lab.store.sqlite_unit import unit_driver


def sqlite_driver(connection: Connection) -> sqlite3.Connection | None:
    """The pysqlite connection under `connection`, in its transaction; None on any other
    database or driver."""
    if (driver := unit_driver(connection)) is not None:  # the store's unit, begun on it
        return driver
    dialect = connection.dialect
    if dialect.name != "sqlite" or dialect.driver != "pysqlite":
        return None
    if not connection.in_transaction():
        connection.begin()  # what SQLAlchemy's autobegin would do; DB-API statements bypass it
    return connection.connection.driver_connection  # type: ignore[return-value]
