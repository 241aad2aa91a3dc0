"""psycopg's own connection under a SQLAlchemy connection, in pipeline mode.

On PostgreSQL every statement is a round trip. Statements whose answers can wait (the CRUD
twin's writes for a command, a flush's rows and its checkpoint) are sent on psycopg's
connection in pipeline mode, inside the caller's transaction, and all answered when the
block ends: one round trip for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection

from cqrs_lab.store.pg_pipeline import one_write
from cqrs_lab.store.pg_unit import begin_pending, pending_guard, raise_guess_failed


def on_psycopg(connection: Connection) -> bool:
    return connection.dialect.driver == "psycopg"


@contextmanager
def psycopg_pipeline(connection: Connection) -> Iterator[Callable[[], Any]]:
    """A pipeline on the psycopg connection under `connection`; yields a function that makes
    cursors on it (a cursor's `rowcount` is its last statement's once the block has ended).
    A driver error goes through SQLAlchemy's handling as a statement's would (a lost
    connection is invalidated; the engine's `handle_error` hook translates it, else it is
    SQLAlchemy's DBAPIError), as the store expects of every statement. The unit's BEGIN
    may go in the pipeline (`pg_unit.begin_pending`)."""
    driver: Any = connection.connection.driver_connection
    error_type = connection.dialect.loaded_dbapi.Error
    guard = pending_guard(connection)
    try:
        with one_write(driver):
            begin_pending(connection, driver.cursor())  # a unit's BEGIN goes in it too
            yield driver.cursor
    except error_type as error:
        raise_guess_failed(connection, guard, error)
        connection._handle_dbapi_exception(error, "a pipelined unit", None, None, None)
