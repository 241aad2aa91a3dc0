"""A PostgreSQL unit of work begun in one round trip: BEGIN, the writers' lock, the head.

The store keeps its PostgreSQL connection with the driver in autocommit, so a read costs one
round trip (no BEGIN, no ROLLBACK, no pool pre-ping). A writing unit sends its BEGIN itself,
with the lock and the head in the same simple query (psycopg runs a parameterless query with
several statements in one go); in READ COMMITTED each statement takes its own snapshot, so
the head is read after the lock is granted. SQLAlchemy's own transaction on the connection
then ends it: the driver sends COMMIT or ROLLBACK because the server says one is open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from cqrs_lab.store.pg_errors import ServerUnavailable, translate_pg
from cqrs_lab.store.records import READ_COLUMNS

APPEND_LOCK_KEY = 0x43515253  # "CQRS": the advisory lock that serialises writers on PostgreSQL
LOCK_SQL = f"SELECT pg_advisory_xact_lock({APPEND_LOCK_KEY})"
_BEGIN_LOCKED = f"BEGIN; {LOCK_SQL}"
_BEGIN_LOCKED_HEAD = f"{_BEGIN_LOCKED}; SELECT MAX(position) FROM events"
_BY_COMMAND = f"SELECT {READ_COLUMNS} FROM events WHERE command_id = {{}} ORDER BY position"


@dataclass(slots=True)
class Unit:
    """What a locked unit knows: the head, exact while it holds the lock (None: not read),
    and the events of a command id read with the BEGIN (taken once, before any append)."""

    head: int | None = None
    by_command: dict[str, list[Any]] = field(default_factory=dict)


class BeginFailed(Exception):
    """The unit could not begin; `error` is what to raise, `lost` whether the connection died."""

    def __init__(self, error: BaseException, lost: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.lost = lost


def begins_in_one_trip(conn: Connection) -> bool:
    """psycopg 3 with the driver in autocommit: `begin_locked` can be used."""
    driver = conn.connection.driver_connection
    return conn.dialect.driver == "psycopg" and bool(getattr(driver, "autocommit", False))


def begin_locked(
    conn: Connection,
    *,
    head: bool,
    where: str,
    lock_timeout_ms: int,
    command_id: str | None = None,
) -> Unit:
    """BEGIN and take the writers' lock; if the events table exists, read the head too, and
    the events of `command_id` (quoted by the driver: this query takes no parameters)."""
    dbapi = conn.connection.dbapi_connection
    driver: Any = conn.connection.driver_connection
    cursor = driver.cursor()
    try:
        if not head:
            cursor.execute(_BEGIN_LOCKED)
            return Unit()
        query = _BEGIN_LOCKED_HEAD
        if command_id is not None:
            from psycopg import sql  # only here: psycopg is the postgres extra

            query += "; " + _BY_COMMAND.format(sql.Literal(command_id).as_string(driver))
        cursor.execute(query)
        cursor.nextset()
        cursor.nextset()
        row = cursor.fetchone()
        unit = Unit(head=(row[0] or 0) if row else 0)
        if command_id is not None:
            cursor.nextset()
            unit.by_command[command_id] = cursor.fetchall()
        return unit
    except conn.dialect.loaded_dbapi.Error as error:
        lost = conn.dialect.is_disconnect(error, dbapi, cursor)
        translated = translate_pg(error, where, lock_timeout_ms, disconnect=lost)
        lost = lost or isinstance(translated, ServerUnavailable)
        raise BeginFailed(translated or error, lost) from error
    finally:
        cursor.close()
