"""A PostgreSQL store's units and reads on its kept connection (`KeptConnection`).

The kept connection's driver is in autocommit: a read is one round trip, and a unit sends
its own BEGIN with the writers' lock (`pg_unit`). Either may find the kept connection dead
(a restarted server, a cut connection); it is then replaced once by a fresh one from the
pool, since nothing had been sent on it yet that could not be sent again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Connection

from cqrs_lab.store.connections import KeptConnection
from cqrs_lab.store.errors import StoreError
from cqrs_lab.store.pg_guess import HeadGuard
from cqrs_lab.store.pg_unit import (
    LOCK_SQL,
    BeginFailed,
    Unit,
    begin_locked,
    begins_in_one_trip,
    commit,
    end_unit,
)
from cqrs_lab.store.statements import DRIVER_ERRORS, CoreSql, Sql

_T = TypeVar("_T")


class PgKept:
    """Locked units and autocommit reads on a PostgreSQL store's kept connection.

    `units` is the store's: the connections in a locked unit now, and what each knows.
    `translate` raises the store's own error for a driver error that means locked,
    read-only, full or damaged (and returns for any other).
    """

    __slots__ = ("_kept", "_lock_timeout_ms", "_translate", "_units", "_where")

    def __init__(
        self,
        kept: KeptConnection,
        units: dict[Connection, Unit],
        translate: Callable[[BaseException], None],
        *,
        where: str,
        lock_timeout_ms: int,
    ) -> None:
        self._kept = kept
        self._units = units
        self._translate = translate
        self._where = where
        self._lock_timeout_ms = lock_timeout_ms

    @contextmanager
    def unit(
        self, command_id: str | None, guessed: HeadGuard | None, *, head: bool
    ) -> Iterator[Connection]:
        """The kept connection, begun with the writers' lock held; committed when the block
        ends. `head`: the events table exists, so the head is read with the BEGIN."""
        try:
            conn, kept = self._kept.take()
            while True:
                transaction = conn.begin()
                try:
                    self._units[conn] = self._begin(conn, command_id, guessed, head)
                    break
                except BeginFailed as failed:
                    if failed.lost:
                        conn.invalidate()
                    conn.close()
                    if not (kept and failed.lost):
                        raise failed.error from failed.__cause__
                    conn, kept = self._kept.fresh(), False
            try:
                yield conn
                commit(conn, transaction)
            except BaseException:
                conn.close()
                raise
            finally:
                end_unit(conn, self._units)
            self._kept.checkin(conn)
        except DRIVER_ERRORS as error:
            self._translate(error)
            raise

    def _begin(
        self, conn: Connection, command_id: str | None, guessed: HeadGuard | None, head: bool
    ) -> Unit:
        """BEGIN and the writers' lock (and the head) in one round trip when the driver
        allows it, else the lock after SQLAlchemy's own BEGIN."""
        if begins_in_one_trip(conn):
            return begin_locked(
                conn,
                head=head,
                where=self._where,
                lock_timeout_ms=self._lock_timeout_ms,
                command_id=command_id,
                guessed=None if guessed is None else (guessed.head, guessed),
            )
        try:
            conn.exec_driver_sql(LOCK_SQL)
        except DRIVER_ERRORS as error:
            raise BeginFailed(error, conn.invalidated) from error
        except StoreError as error:  # the engine's handle_error hook translated it already
            raise BeginFailed(error, conn.invalidated) from error.__cause__
        return Unit()

    def read(self, read: Callable[[Sql], _T]) -> _T:
        """`read` on the kept connection in autocommit (a read may be sent again)."""
        conn, kept = self._kept.take()
        while True:
            try:
                result = read(CoreSql(conn))
            except BaseException:
                lost = conn.invalidated
                conn.close()
                if not (kept and lost):
                    raise
                conn, kept = self._kept.fresh(), False
                continue
            self.end_read(conn)
            return result

    def end_read(self, conn: Connection) -> None:
        """Keep `conn` after reads in autocommit: ending SQLAlchemy's autobegun transaction
        sends nothing (the driver sees none open on the server)."""
        try:
            conn.rollback()
        except BaseException:
            conn.close()
            raise
        self._kept.checkin(conn)
