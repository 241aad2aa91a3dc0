"""Errors of the event store, and how driver errors map onto them.

Every message is shown to users as is: it says what went wrong, where, and what to do.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc

# Primary SQLite result codes (extended codes carry these in their low byte).
_SQLITE_PERM = 3
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26
_SQLITE_BUSY_SNAPSHOT = _SQLITE_BUSY | (2 << 8)

_PICK_ANOTHER = "use --db to pick another file"


class StoreError(Exception):
    """Base of every store error; `str(error)` is a complete message for a user."""


class ConcurrencyError(StoreError):
    """A stream was not at the version the writer expected: someone else wrote first.

    `actual_version` is None when the clash was caught by the UNIQUE constraint (another
    writer slipped in between the check and the insert) and the current version is unknown.
    """

    def __init__(self, stream_id: str, expected_version: int, actual_version: int | None) -> None:
        self.stream_id = stream_id
        self.expected_version = expected_version
        self.actual_version = actual_version
        if actual_version is None:
            message = (
                f"stream {stream_id!r} moved past version {expected_version} "
                "while this write was in progress (someone else wrote first)"
            )
        else:
            message = (
                f"stream {stream_id!r} is at version {actual_version}, "
                f"expected {expected_version} (someone else wrote first)"
            )
        super().__init__(message)


class DatabaseError(StoreError):
    """The database file or server cannot be used; `where` names the file or URL."""

    def __init__(self, where: str, message: str) -> None:
        self.where = where
        super().__init__(message)


class CorruptDatabase(DatabaseError):
    """Not a valid SQLite database. At open it is moved aside, never overwritten or deleted."""

    def __init__(self, where: str, reason: str, moved_to: str | None = None) -> None:
        self.reason = reason
        self.moved_to = moved_to
        if moved_to is None:
            advice = f"Move it aside, or {_PICK_ANOTHER}."
        else:
            advice = (
                f"It was moved aside to {moved_to} (nothing was deleted). Run again to start "
                f"a new, empty lab database, or {_PICK_ANOTHER}."
            )
        super().__init__(where, f"The lab database {where} is damaged ({reason}). {advice}")


class ForeignDatabase(DatabaseError):
    """A valid database that CQRS Lab did not create; it is left untouched."""

    def __init__(self, where: str, tables: list[str]) -> None:
        self.tables = tables
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        super().__init__(
            where,
            f"{where} is a database, but not a CQRS Lab one (it has the tables {shown} and no "
            f"CQRS Lab metadata). It was left untouched: {_PICK_ANOTHER}.",
        )


class FutureSchema(DatabaseError):
    """Written by a newer CQRS Lab whose schema this version cannot read."""

    def __init__(self, where: str, found: int, supported: int) -> None:
        self.found = found
        self.supported = supported
        super().__init__(
            where,
            f"The lab database {where} was written by a newer CQRS Lab (schema {found}, this "
            f"one reads up to {supported}): upgrade, or {_PICK_ANOTHER}.",
        )


class DatabaseLocked(DatabaseError):
    """Another process held the write lock for longer than the busy timeout."""

    def __init__(self, where: str, waited_s: float) -> None:
        self.waited_s = waited_s
        super().__init__(
            where,
            f"The lab database {where} is locked: another process kept it busy for more than "
            f"{waited_s:g} s. Close the other program using it, or {_PICK_ANOTHER}.",
        )


class DatabaseUnwritable(DatabaseError):
    """The file or its directory is read-only (or cannot be created)."""

    def __init__(self, where: str, reason: str) -> None:
        self.reason = reason
        super().__init__(
            where,
            f"Cannot write the lab database {where} ({reason}). Check the permissions of the "
            f"file and its directory, or {_PICK_ANOTHER}.",
        )


class DiskFull(DatabaseError):
    """The disk holding the database is full: nothing was written, nothing is lost."""

    def __init__(self, where: str, reason: str) -> None:
        self.reason = reason
        super().__init__(
            where,
            f"The disk holding the lab database {where} is full: what you just did was not"
            " saved, and nothing saved before is lost. Free some space and go on (the lab"
            f" tries again), or {_PICK_ANOTHER}.",
        )


def _driver_error(error: BaseException) -> BaseException:
    return error.orig if isinstance(error, sa_exc.DBAPIError) else error


def _sqlite_code(error: BaseException) -> int | None:
    """The extended SQLite result code behind `error` (raw or wrapped by SQLAlchemy)."""
    orig = _driver_error(error)
    return getattr(orig, "sqlite_errorcode", None) if isinstance(orig, sqlite3.Error) else None


def is_write_conflict(error: BaseException) -> bool:
    """Whether `error` means another writer got there first.

    Either a constraint (UNIQUE(stream_id, version)) or, on SQLite, a write in a
    transaction whose snapshot is older than another writer's commit (BUSY_SNAPSHOT).
    """
    if isinstance(error, sa_exc.IntegrityError | sqlite3.IntegrityError):
        return True
    return _sqlite_code(error) == _SQLITE_BUSY_SNAPSHOT


def translate(error: BaseException, where: str, busy_timeout_ms: int) -> DatabaseError | None:
    """The DatabaseError that `error` means, or None when it is not one of ours to explain."""
    extended = _sqlite_code(error)
    if extended is None:
        return None
    code = extended & 0xFF
    reason = str(_driver_error(error))
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return DatabaseLocked(where, busy_timeout_ms / 1000)
    if code == _SQLITE_FULL:
        return DiskFull(where, reason)
    if code in (_SQLITE_READONLY, _SQLITE_PERM, _SQLITE_CANTOPEN):
        return DatabaseUnwritable(where, reason)
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return CorruptDatabase(where, reason)
    return None
