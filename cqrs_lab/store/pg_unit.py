"""A PostgreSQL unit of work begun in one round trip: BEGIN, the writers' lock, the head.

The store keeps its PostgreSQL connection with the driver in autocommit, so a read costs one
round trip (no BEGIN, no ROLLBACK, no pool pre-ping). A writing unit sends its BEGIN itself,
with the lock and the head in the same simple query (psycopg runs a parameterless query with
several statements in one go); in READ COMMITTED each statement takes its own snapshot, so
the head is read after the lock is granted. SQLAlchemy's own transaction on the connection
then ends it: the driver sends COMMIT or ROLLBACK because the server says one is open.

A unit begun for no command (a flush, say) has nothing to read with its BEGIN: the BEGIN
and the lock wait for its first statement (`begin_pending`) and go in the same round trip
(a flush's pipeline, the head read in a pipeline with them, the COMMIT's pipeline); before
a statement of SQLAlchemy's they go as one simple query of their own, as before.

A command's events can wait for its COMMIT too. The handler decides a command in the unit
that looked its id up with the BEGIN, under the lock, on versions read (or synced) under
it: the version check is a last line of defence there, not a race to lose. So the unit's
checked INSERT goes out first in the COMMIT's pipeline (`DeferredInsert`), made to fail
when a version does not follow (a NULL version, which NOT NULL refuses; UNIQUE(stream_id,
version) refuses the rest): the whole transaction is then rolled back and `commit` raises
the ConcurrencyError the handler retries on. A read of events in the unit sends the
INSERT first (`send_deferred`), so the unit still reads its own writes.

Statements whose answers nobody reads (the CRUD twin's writes, the order count, a
registration's password hash, a flush's rows and its checkpoint's guarded move) can wait
for the COMMIT (`at_commit`): `commit` sends them and the COMMIT in one pipeline, one
round trip for all; a `Checked` one fails on purpose when its check does not hold. The
store's own short statements run on psycopg's cursor (`run`), without SQLAlchemy's work
per statement.

A command's unit may instead be begun on a guessed head (`pg_guess`): nothing is read at
its BEGIN, which waits like a flush's, with the guard sent after the lock; wherever the
BEGIN goes, the guard's failure (or a connection found dead there) is `GuessFailed`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, RootTransaction, event
from sqlalchemy.exc import DBAPIError, IntegrityError

from cqrs_lab.store.errors import ConcurrencyError
from cqrs_lab.store.pg_errors import ServerUnavailable, translate_pg
from cqrs_lab.store.pg_pipeline import one_write
from cqrs_lab.store.records import READ_COLUMNS

APPEND_LOCK_KEY = 0x43515253  # "CQRS": the advisory lock that serialises writers on PostgreSQL
LOCK_SQL = f"SELECT pg_advisory_xact_lock({APPEND_LOCK_KEY})"
_BEGIN_LOCKED = f"BEGIN; {LOCK_SQL}"
_BEGIN_LOCKED_HEAD = f"{_BEGIN_LOCKED}; SELECT MAX(position) FROM events"
_BY_COMMAND = f"SELECT {READ_COLUMNS} FROM events WHERE command_id = {{}} ORDER BY position"
_AT_COMMIT = "cqrs_lab_at_commit"  # in `Connection.info`: what waits for the unit's COMMIT
_PENDING = "cqrs_lab_begin_pending"  # in `Connection.info`: the unit's BEGIN is not sent yet
Send = Callable[[Any], None]
"""Sends statements on a psycopg cursor in pipeline mode (their answers are not read)."""


@dataclass(slots=True)
class Unit:
    """What a locked unit knows: the head, exact while it holds the lock (None: not read),
    the events of a command id read with the BEGIN (taken once, before any append), and a
    stream's events read with its fold (stream id -> version after, rows; taken once)."""

    head: int | None = None
    by_command: dict[str, list[Any]] = field(default_factory=dict)
    after_fold: dict[str, tuple[int, list[Any]]] = field(default_factory=dict)
    info: dict[Any, Any] = field(default_factory=dict)
    """The connection's `info`, where `at_commit` finds what waits (it outlives a close)."""
    decides: bool = False
    """Begun for a command (its id looked up with the BEGIN): its INSERT can wait."""


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
    guessed: tuple[int, Guard] | None = None,
) -> Unit:
    """For a command: BEGIN and take the writers' lock; if the events table exists, read
    the head too, and the events of `command_id` (quoted by the driver: this query takes no
    parameters). For none: send nothing yet (`begin_pending` sends them, first thing).
    `guessed` (the head and its guard, `pg_guess`): send nothing yet either, and take that
    head as read and the command id as unrecorded; the guard goes after the lock."""
    if guessed is not None and command_id is not None and head:
        conn.info[_AT_COMMIT] = []
        conn.info[_PENDING] = guessed[1]
        return Unit(head=guessed[0], by_command={command_id: []}, info=conn.info, decides=True)
    dbapi = conn.connection.dbapi_connection
    driver: Any = conn.connection.driver_connection
    cursor = driver.cursor()
    try:
        if command_id is None:  # nothing to read with it: sent with the first statement
            conn.info[_AT_COMMIT] = []
            conn.info[_PENDING] = True
            return Unit(info=conn.info)
        if not head:
            cursor.execute(_BEGIN_LOCKED)
            conn.info[_AT_COMMIT] = []
            return Unit(info=conn.info)
        query = _BEGIN_LOCKED_HEAD
        if command_id is not None:
            from psycopg import sql  # only here: psycopg is the postgres extra

            query += "; " + _BY_COMMAND.format(sql.Literal(command_id).as_string(driver))
        cursor.execute(query)
        cursor.nextset()
        cursor.nextset()
        row = cursor.fetchone()
        unit = Unit(head=(row[0] or 0) if row else 0, info=conn.info)
        if command_id is not None:
            unit.decides = True
            cursor.nextset()
            unit.by_command[command_id] = cursor.fetchall()
        conn.info[_AT_COMMIT] = []
        return unit
    except conn.dialect.loaded_dbapi.Error as error:
        lost = conn.dialect.is_disconnect(error, dbapi, cursor)
        translated = translate_pg(error, where, lock_timeout_ms, disconnect=lost)
        lost = lost or isinstance(translated, ServerUnavailable)
        raise BeginFailed(translated or error, lost) from error
    finally:
        cursor.close()


def begin_pending(conn: Connection, cursor: Any) -> None:
    """Send the unit's BEGIN and the writers' lock on `cursor` (in pipeline mode) first, if
    they still wait, and a guessed unit's guard after them."""
    if pending := conn.info.pop(_PENDING, None):
        cursor.execute("BEGIN")
        cursor.execute(LOCK_SQL)
        if isinstance(pending, Guard):
            pending(cursor)


def pending_guard(conn: Connection) -> Guard | None:
    """The guard a guessed unit still has to send with its BEGIN (`pg_guess`), if any."""
    pending = conn.info.get(_PENDING)
    return pending if isinstance(pending, Guard) else None


def raise_refusal(checks: Sequence[Checked | None], error: BaseException) -> None:
    """Raise what `error` means if it is one of `checks` failing on purpose."""
    for check in checks:
        if check is not None and (refused := check.refusal(error)) is not None:
            raise refused from error


def raise_guess_failed(
    conn: Connection, guard: Guard | None, error: BaseException, *, at_commit: bool = False
) -> None:
    """A guessed unit's first pipeline failed (`guard` was sent in it): its guard's failure,
    or a dead connection, means deciding again in a careful unit (`pg_guess`)."""
    if guard is None:
        return
    raise_refusal([guard], error)
    if conn.dialect.is_disconnect(error, conn.connection.dbapi_connection, None):
        conn.invalidate()  # so closing it sends no ROLLBACK down the dead connection
        raise guard.lost(at_commit=at_commit) from error


def install(engine: Engine) -> None:
    """Before a statement of SQLAlchemy's in a unit whose BEGIN waits: send it, with the
    lock, as one simple query (a driver error there is handled as the statement's); a
    guessed unit's guard goes with them, in one pipeline."""

    def before(conn: Connection, cursor: Any, *_: Any) -> None:
        if (guard := pending_guard(conn)) is not None:
            driver = cursor.connection
            try:
                with one_write(driver):
                    begin_pending(conn, driver.cursor())
            except conn.dialect.loaded_dbapi.Error as error:
                raise_guess_failed(conn, guard, error)
                raise
        elif conn.info.pop(_PENDING, False):
            cursor.connection.cursor().execute(_BEGIN_LOCKED)

    event.listen(engine, "before_cursor_execute", before)


def run(conn: Connection, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Any:
    """`sql` on psycopg's own cursor under `conn` (returned, its answer read): SQLAlchemy's
    compile cache, result object and events cost more client time than a short indexed
    statement takes on the server. A driver error goes through SQLAlchemy's own handling
    (its private `_handle_dbapi_exception`, which its commit uses too), as if it had run
    the statement: a lost connection is invalidated, and the engine's `handle_error` hook
    (`pg_errors`) translates the error."""
    driver: Any = conn.connection.driver_connection
    cursor = driver.cursor()
    guard = pending_guard(conn)
    try:
        if conn.info.get(_PENDING):
            with one_write(driver):
                begin_pending(conn, driver.cursor())
                cursor.execute(sql, params)
        else:
            cursor.execute(sql, params)
    except conn.dialect.loaded_dbapi.Error as error:
        raise_guess_failed(conn, guard, error)
        conn._handle_dbapi_exception(error, sql, params, cursor, None)
    return cursor


class Checked:
    """A statement sent with the COMMIT (`at_commit`) that fails on purpose when what it
    checks does not hold, so the whole unit rolls back: `refusal` is what its failure
    means (the exception `commit` raises instead), None for an error not its own."""

    __slots__ = ()

    def __call__(self, cursor: Any) -> None:
        raise NotImplementedError

    def refusal(self, error: BaseException) -> Exception | None:
        raise NotImplementedError


class Guard(Checked):
    """What a guessed unit sends after its lock (`pg_guess.HeadGuard`)."""

    __slots__ = ()

    def lost(self, *, at_commit: bool) -> Exception:
        """What a connection found dead where the guard was sent means."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class DeferredInsert(Checked):
    """A checked INSERT of events sent with the COMMIT: `sql` fails (NOT NULL or UNIQUE on
    `events`) unless every stream of `expected` (stream id -> version) is at its version."""

    sql: str
    params: tuple[Any, ...]
    expected: dict[str, int]

    def __call__(self, cursor: Any) -> None:
        cursor.execute(self.sql, self.params)

    def refusal(self, error: BaseException) -> ConcurrencyError | None:
        """The conflict `error` (the driver's) means, if it is this INSERT refused."""
        diag = getattr(error, "diag", None)
        if diag is None or diag.table_name != "events":
            return None
        if not (
            diag.constraint_name == "uq_events_stream_version"
            or (getattr(error, "sqlstate", None) == "23502" and diag.column_name == "version")
        ):
            return None
        detail = diag.message_detail or ""  # "Key (stream_id, version)=(cart-bob, 3) ..."
        first = next(iter(self.expected))
        stream_id = next((i for i in self.expected if f"=({i}, " in detail), first)
        return ConcurrencyError(stream_id, self.expected[stream_id], None)


def send_deferred(conn: Connection) -> None:
    """Send the unit's waiting INSERTs now, before a read that must see them."""
    waiting: list[Send] = conn.info.get(_AT_COMMIT) or []
    for send in [send for send in waiting if isinstance(send, DeferredInsert)]:
        waiting.remove(send)
        try:
            run(conn, send.sql, send.params)
        except IntegrityError as error:
            if (conflict := send.refusal(error.orig)) is not None:
                raise conflict from error
            raise


def at_commit(conn: Connection, send: Send) -> bool:
    """Have `send` run in the pipeline of the COMMIT of the locked unit `conn` is in; False
    when it is in none that commits so (then run the statements now). An error in them
    comes out of the unit's end, which rolls everything back."""
    waiting: list[Send] | None = conn.info.get(_AT_COMMIT)
    if waiting is None:
        return False
    waiting.append(send)
    return True


def commit(conn: Connection, transaction: RootTransaction) -> None:
    """Commit the unit: what waits for it and the COMMIT in one round trip, if anything
    waits (the transaction's own commit then finds nothing open and sends nothing)."""
    waiting: list[Send] = conn.info.pop(_AT_COMMIT, None) or []
    guard = pending_guard(conn)
    if waiting or guard is not None:  # a guessed unit's guard is checked, even alone
        driver: Any = conn.connection.driver_connection
        error_type = conn.dialect.loaded_dbapi.Error
        checks = [send for send in waiting if isinstance(send, Checked)]
        try:
            with one_write(driver):
                cursor = driver.cursor()
                begin_pending(conn, cursor)
                for send in waiting:
                    send(cursor)
                cursor.execute("COMMIT")
        except error_type as error:
            raise_refusal(checks, error)
            raise_guess_failed(conn, guard, error, at_commit=True)
            raise DBAPIError.instance(
                "COMMIT", None, error, error_type, dialect=conn.dialect
            ) from error
    transaction.commit()


def end_unit(conn: Connection, units: dict[Connection, Unit]) -> None:
    """The unit is over, committed or not: it is no longer in `units`, and nothing waits
    for a COMMIT any more."""
    if (unit := units.pop(conn, None)) is not None:
        unit.info.pop(_AT_COMMIT, None)
        unit.info.pop(_PENDING, None)
