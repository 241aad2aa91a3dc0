"""Units of work on pysqlite's own connection: BEGIN IMMEDIATE and COMMIT sent by us.

A SQLAlchemy transaction around a one-event command (its begin and commit events, the
begin hook, the transaction objects) costs about as much as the work inside it, so the
store begins and ends its SQLite units on the DB-API connection under its kept Connection.
The unit still hands out that Connection: Core statements run in it join the transaction
already open (the begin hook sends no BEGIN for a connection in `DRIVER_UNITS`), and the
unit then ends through SQLAlchemy, so its bookkeeping stays right.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection

from cqrs_lab.store.connections import KeptConnection
from cqrs_lab.store.event_types import EventMetadata, RecordedEvent, StreamAppend
from cqrs_lab.store.statements import DRIVER_ERRORS, SqliteSql, append_rows

DRIVER_UNITS: set[Connection] = set()
"""Connections whose transaction a unit began on the driver (the begin hook skips them)."""


def in_driver_unit(connection: Connection) -> bool:
    """Whether `connection` is in a unit begun on the driver: it needs no BEGIN."""
    return connection in DRIVER_UNITS


class SqliteUnits:
    """A pysqlite store's units and one-call appends, on its kept connection.

    `translate` raises the store's own error for a driver error that means locked,
    read-only, full or damaged (and returns for any other).
    """

    __slots__ = ("_kept", "_translate")

    def __init__(self, kept: KeptConnection, translate: Callable[[BaseException], None]) -> None:
        self._kept = kept
        self._translate = translate

    @contextmanager
    def unit(self) -> Iterator[Connection]:
        """BEGIN IMMEDIATE on the driver; COMMIT when the block ends, ROLLBACK if it raises.

        A unit that fails closes its connection instead of keeping it (`KeptConnection`).
        """
        conn = self._begin()
        db: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
        DRIVER_UNITS.add(conn)
        try:
            yield conn
            if conn.in_transaction():  # Core joined the unit: end it through SQLAlchemy
                conn.commit()
            else:
                db.commit()
        except BaseException as error:
            DRIVER_UNITS.discard(conn)
            _abandon(conn, db)
            if isinstance(error, DRIVER_ERRORS):
                self._translate(error)
            raise
        DRIVER_UNITS.discard(conn)
        self._kept.checkin(conn)

    def append(
        self, appends: Sequence[StreamAppend], metadata: EventMetadata
    ) -> list[RecordedEvent]:
        """`append_rows` in a unit of its own, without a context manager: for a one-event
        command even that would cost a tenth of SQLite's own work."""
        conn = self._begin()
        db: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
        try:
            recorded = append_rows(SqliteSql(db), appends, metadata)
            db.commit()
        except BaseException as error:
            _abandon(conn, db)
            if isinstance(error, DRIVER_ERRORS):
                self._translate(error)
            raise
        self._kept.checkin(conn)
        return recorded

    def _begin(self) -> Connection:
        """The kept connection (or a fresh one), with the write lock taken."""
        conn: Connection | None = None
        try:
            conn = self._kept.checkout()
            conn.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        except BaseException as error:
            if conn is not None:
                conn.close()
            if isinstance(error, DRIVER_ERRORS):
                self._translate(error)
            raise
        return conn


def _abandon(conn: Connection, db: sqlite3.Connection) -> None:
    """Roll back what the unit wrote and close its connection (it is not kept)."""
    try:
        if conn.in_transaction():
            conn.rollback()
        elif db.in_transaction:
            db.rollback()
    finally:
        conn.close()
