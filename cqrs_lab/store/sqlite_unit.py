"""Units of work on pysqlite's own connection: BEGIN IMMEDIATE and COMMIT sent by us.

A SQLAlchemy transaction around a one-event command (its begin and commit events, the
begin hook, the transaction objects) costs about as much as the work inside it, so the
store begins and ends its SQLite units on the DB-API connection under its kept Connection.
The unit still hands out that Connection: Core statements run in it join the transaction
already open (the begin hook sends no BEGIN for a connection in `DRIVER_UNITS`), and the
unit then ends through SQLAlchemy, so its bookkeeping stays right. The driver is looked up
once a unit (`DRIVER_UNITS`): each statement of a command would otherwise walk from the
Connection to it through two properties.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager

from sqlalchemy import Connection

from cqrs_lab.store.connections import KeptConnection
from cqrs_lab.store.event_types import EventMetadata, RecordedEvent, StreamAppend
from cqrs_lab.store.statements import DRIVER_ERRORS, SqliteSql, append_rows

DRIVER_UNITS: dict[Connection, SqliteSql] = {}
"""Connections whose transaction a unit began on the driver (the begin hook skips them),
and the store's statements on that driver."""


def in_driver_unit(connection: Connection) -> bool:
    """Whether `connection` is in a unit begun on the driver: it needs no BEGIN."""
    return connection in DRIVER_UNITS


def unit_driver(connection: Connection) -> sqlite3.Connection | None:
    """The driver connection of the unit `connection` is in, if a unit began it."""
    sql = DRIVER_UNITS.get(connection)
    return None if sql is None else sql.db


class SqliteUnits:
    """A pysqlite store's units and one-call appends, on its kept connection.

    `translate` raises the store's own error for a driver error that means locked,
    read-only, full or damaged (and returns for any other).
    """

    __slots__ = ("_kept", "_last", "_translate", "open")

    def __init__(self, kept: KeptConnection, translate: Callable[[BaseException], None]) -> None:
        self._kept = kept
        self._translate = translate
        self.open: Connection | None = None
        """The connection of the unit open now (the innermost), if any."""
        self._last: tuple[Connection, sqlite3.Connection] | None = None
        """The last connection a unit began on, and its driver."""

    def unit(self, look_up: str | None = None) -> AbstractContextManager[Connection]:
        """BEGIN IMMEDIATE on the driver; COMMIT when the block ends, ROLLBACK if it raises.

        A unit that fails closes its connection instead of keeping it (`KeptConnection`).
        `look_up`: the command id whose events the unit reads first (`SqliteSql`).
        """
        return _Unit(self, look_up)

    def append(
        self, appends: Sequence[StreamAppend], metadata: EventMetadata
    ) -> list[RecordedEvent]:
        """`append_rows` in a unit of its own, without a context manager: for a one-event
        command even that would cost a tenth of SQLite's own work."""
        conn, db = self._begin()
        try:
            recorded = append_rows(SqliteSql(db), appends, metadata)
            db.commit()
        except BaseException as error:
            self._fail(conn, db, error)
            raise
        self._kept.checkin(conn)
        return recorded

    def _fail(self, conn: Connection, db: sqlite3.Connection, error: BaseException) -> None:
        """Roll the unit back and close its connection; raise the store's own error for a
        driver error it explains (else return: the caller re-raises `error`)."""
        _abandon(conn, db)
        if isinstance(error, DRIVER_ERRORS):
            self._translate(error)

    def _begin(self) -> tuple[Connection, sqlite3.Connection]:
        """The kept connection (or a fresh one) and its driver, with the write lock taken."""
        conn: Connection | None = None
        try:
            conn = self._kept.checkout()
            last = self._last
            if last is not None and last[0] is conn:  # the kept one again: driver known
                db = last[1]
            else:
                db = conn.connection.driver_connection  # type: ignore[assignment]
                self._last = (conn, db)
            db.execute("BEGIN IMMEDIATE")
        except BaseException as error:
            if conn is not None:
                conn.close()
            if isinstance(error, DRIVER_ERRORS):
                self._translate(error)
            raise
        return conn, db


class _Unit:
    """One unit (a class, not a generator: this runs once a command, and a generator's
    context manager costs twice as much)."""

    __slots__ = ("_conn", "_db", "_look_up", "_outer", "_units")

    def __init__(self, units: SqliteUnits, look_up: str | None) -> None:
        self._units = units
        self._look_up = look_up

    def __enter__(self) -> Connection:
        units = self._units
        conn, db = self._conn, self._db = units._begin()
        DRIVER_UNITS[conn] = SqliteSql(db, self._look_up)
        self._outer, units.open = units.open, conn
        return conn

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _tb: object
    ) -> None:
        units, conn, db = self._units, self._conn, self._db
        units.open = self._outer
        del DRIVER_UNITS[conn]  # ending it sends no BEGIN
        if error is not None:
            units._fail(conn, db, error)
            return
        try:
            if conn.in_transaction():  # Core joined the unit: end it through SQLAlchemy
                conn.commit()
            else:
                db.commit()
        except BaseException as failed:
            units._fail(conn, db, failed)
            raise
        units._kept.checkin(conn)


def _abandon(conn: Connection, db: sqlite3.Connection) -> None:
    """Roll back what the unit wrote and close its connection (it is not kept)."""
    try:
        if conn.in_transaction():
            conn.rollback()
        elif db.in_transaction:
            db.rollback()
    finally:
        conn.close()
