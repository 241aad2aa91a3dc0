"""A command's unit in one round trip: begun on a guessed head, checked under the lock.

A careful unit reads the head and the command id's events with its BEGIN (a round trip)
before the handler decides, then sends the events with the COMMIT (a second). When the
aggregate cache is synced at a head no other writer is known to have passed, the handler
may guess instead: the unit takes that head as read and the command id as unrecorded,
sends nothing at its BEGIN, and the handler decides on its cached states. The BEGIN, the
writers' lock and a `HeadGuard` then go first in the unit's first pipeline (the COMMIT's,
usually: one round trip for the whole command). Under the lock the guard fails on purpose
unless the head is still the guessed one and the command id is unrecorded, so nothing was
written since the cache's states and the decision is the one a careful unit would make;
positions follow the guessed head as they follow a read one. A failed guard rolls the
unit back (a COMMIT after an error in a pipeline never runs) and comes out as
`GuessFailed`: the handler decides again in a careful unit (not a conflict: nothing was
refused). A statement sent before the COMMIT (a stream's fold, a SQLAlchemy statement)
takes the BEGIN, the lock and the guard with it, so it is read under the lock too. A
wrong guess costs a round trip more than a careful unit; the handler guesses only while no
head read (`Lab.poll_store`, each query and screen tick) has found others past its cache.

A stream the cache does not hold, while the cache holds every stream there is (it has seen
every write since an empty store: `AggregateCache.complete`), is taken as new without a
read (`assume_absent`): the guard then also fails if any such stream has events.

A guessed unit sends nothing before its first pipeline, so a kept connection found dead
there is met there, not at a BEGIN: that is a `GuessFailed` too (`lost`), and the careful
unit takes a fresh connection from the pool, as after a BEGIN that found it dead. A
connection lost at the COMMIT leaves it unknown whether the unit committed: the careful
unit then looks the command id up, and events found under it are this command's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from cqrs_lab.store.pg_unit import Guard, pending_guard

_GUARD_SQL = (
    "SELECT (CASE WHEN (SELECT COALESCE(MAX(position), 0) FROM events) = %(head)s"
    " AND NOT EXISTS (SELECT 1 FROM events WHERE command_id = %(command_id)s)"
    " AND NOT EXISTS (SELECT 1 FROM events"
    " WHERE stream_id = ANY(CAST(%(absent)s AS text[])) AND version = 1)"
    " THEN '1' ELSE %(marker)s END)::int"
)
"""Fails (22P02, the cast of the marker: a text parameter, so the planner cannot fold the
failing branch away) unless the head is `head`, `command_id` has no events and no stream
of `absent` has any (a stream with events has a version 1; with it, even the generic plan
of the prepared statement reads UNIQUE(stream_id, version), not the whole table)."""
_MARKER = "guessed head moved"


class GuessFailed(Exception):
    """A unit begun on a guessed head found it moved, or the command recorded, or its
    connection dead: decide again in a careful unit. `lost`: the connection died at the
    COMMIT, so the unit may have committed (events found under its command id are its own)."""

    def __init__(self, message: str, *, lost: bool = False) -> None:
        super().__init__(message)
        self.lost = lost


@dataclass(frozen=True, slots=True)
class HeadGuard(Guard):
    head: int
    command_id: str
    absent: list[str] = field(default_factory=list)
    """Streams the unit took as new without reading them (`assume_absent`)."""

    def __call__(self, cursor: Any) -> None:
        params = {"head": self.head, "command_id": self.command_id, "absent": self.absent}
        cursor.execute(_GUARD_SQL, {**params, "marker": _MARKER})

    def refusal(self, error: BaseException) -> GuessFailed | None:
        diag = getattr(error, "diag", None)
        if getattr(error, "sqlstate", None) != "22P02" or diag is None:
            return None
        if f'"{_MARKER}"' not in (diag.message_primary or ""):
            return None
        return GuessFailed(
            f"the head moved from {self.head}, or {self.command_id} is recorded,"
            f" or one of {self.absent} has events"
        )

    def lost(self, *, at_commit: bool) -> GuessFailed:
        """What a connection found dead in the unit's first pipeline means."""
        return GuessFailed("the kept connection was found dead", lost=at_commit)


def assume_absent(connection: Connection, stream_id: str) -> bool:
    """In a guessed unit whose guard is not sent yet: take `stream_id` as a stream without
    events, checked by the guard (True); else False (read it)."""
    guard = pending_guard(connection)
    if not isinstance(guard, HeadGuard):
        return False
    guard.absent.append(stream_id)
    return True
