"""PostgreSQL's errors as one line each: what happened and what to do, password masked.

Installed on PostgreSQL engines as a `handle_error` hook (`install`), so every statement
and every connect, wherever it runs, raises a `DatabaseError` instead of a driver error.
Constraint violations (SQLSTATE class 23) are left alone: the store turns a clash on
UNIQUE(stream_id, version) into a ConcurrencyError, which the handler retries.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

from cqrs_lab.store.errors import DatabaseError, DatabaseLocked

_LOST = frozenset({"57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004"})
_AUTH = frozenset({"28P01", "28000"})
_RETRY = frozenset({"40001", "40P01"})  # serialization failure, deadlock
_FULL = {"53100": "disk space", "53200": "memory", "53300": "connections"}


class ServerUnavailable(DatabaseError):
    """The server cannot be reached, or the connection to it was lost."""


class ServerRefused(DatabaseError):
    """The server is up but refuses: login, rights, a missing database, a full disk."""


def _reason(error: BaseException) -> str:
    """The driver's first line, without libpq's "connection to server at ... failed:"."""
    orig = getattr(error, "orig", error)
    text = str(orig).strip().splitlines()
    line = text[0] if text else type(orig).__name__
    line = line.rpartition(" failed: ")[2] if " failed: " in line else line
    return line.removeprefix("FATAL:").strip()


def _connect_state(reason: str) -> str:
    """libpq reports failed connects without a SQLSTATE: read it from the message."""
    lowered = reason.lower()
    if "authentication failed" in lowered or "no password supplied" in lowered:
        return "28P01"
    if "database" in lowered and "does not exist" in lowered:
        return "3D000"
    if "permission denied" in lowered:
        return "42501"
    if "too many" in lowered and "connections" in lowered:
        return "53300"
    return ""


def translate_pg(
    error: BaseException, where: str, lock_timeout_ms: int, *, disconnect: bool = False
) -> DatabaseError | None:
    """The DatabaseError that a PostgreSQL driver error means; None for constraint clashes."""
    orig = getattr(error, "orig", error)
    reason = _reason(error)
    state = getattr(orig, "sqlstate", None) or _connect_state(reason)
    if state.startswith("23"):
        return None
    if state == "55P03":
        return DatabaseLocked(where, lock_timeout_ms / 1000)
    if state in _LOST or (disconnect and not state):
        if not state and ("connect" in reason.lower() or "refused" in reason.lower()):
            return ServerUnavailable(
                where,
                f"Cannot reach the PostgreSQL server of {where} ({reason}). Start it, or fix "
                "the host and port in the URL; the lab tries again at the next line.",
            )
        return ServerUnavailable(
            where,
            f"Lost the connection to {where} ({reason}); what was not committed was not "
            "written. The lab reconnects at the next line: send it again once the server is "
            "back.",
        )
    if state in _AUTH:
        return ServerRefused(
            where,
            f"PostgreSQL refused the login to {where} ({reason}). Check the user and password"
            " in $CQRS_LAB_DB (keep passwords out of --db: the command line is public).",
        )
    if state == "3D000":
        return ServerRefused(
            where,
            f"The database of {where} does not exist. Create it (createdb NAME), or fix the URL.",
        )
    if state == "42501":
        return ServerRefused(
            where,
            f"The PostgreSQL user of {where} lacks a right the lab needs ({reason}). Grant it "
            "(e.g. GRANT CREATE ON SCHEMA public TO the user), or use another database.",
        )
    if state in _RETRY:
        return ServerRefused(
            where,
            f"The PostgreSQL server of {where} cancelled this write to settle a clash with "
            f"another writer ({reason}). Nothing was written: send it again.",
        )
    if state in _FULL or state.startswith("53"):
        what = _FULL.get(state, "resources")
        return ServerRefused(
            where,
            f"The PostgreSQL server of {where} is out of {what} ({reason}). Nothing was "
            "written: free some on the server, then send it again.",
        )
    if state == "25006":
        return ServerRefused(
            where,
            f"The PostgreSQL server of {where} is read-only ({reason}). Point the URL at the "
            "primary server.",
        )
    if not state and "connect" in reason.lower():
        return ServerUnavailable(
            where,
            f"Cannot reach the PostgreSQL server of {where} ({reason}). Start it, or fix the "
            "host and port in the URL; the lab tries again at the next line.",
        )
    code = f"{state}: " if state else ""
    return ServerRefused(
        where,
        f"The PostgreSQL server of {where} reported an error ({code}{reason}). See the "
        "server's log; the lab keeps running.",
    )


def install(engine: Engine, where: str, lock_timeout_ms: int) -> None:
    """Make every driver error of `engine` (a PostgreSQL one) a DatabaseError."""

    def on_error(context: Any) -> BaseException | None:
        original = context.original_exception
        if getattr(context, "is_pre_ping", False):
            return None  # the pool's ping: it replaces a dead connection by itself
        if not hasattr(original, "sqlstate"):  # not the driver's (e.g. a Python error)
            return None
        return translate_pg(original, where, lock_timeout_ms, disconnect=context.is_disconnect)

    event.listen(engine, "handle_error", on_error)
