"""Session guarantees, checked on every answer a session gets.

The session guarantees of Terry et al. (Bayou, 1994), named as Jepsen's consistency map
names them. A session is one asker: a user for the per-user views, the learner ("you")
for the others. Every recorded answer is checked against what its session wrote and read:

- read-your-writes: the answer reflects the session's last write;
- monotonic reads: the answer is no older than the last one the session got of that view
  ("you saw o1, now it is gone");
- consistent prefix: the answer reflects a prefix of the log: no event is missing from it
  while a later one is in (a parked or skipped event breaks it).

Violations are named as they happen (the answer says so; `recent` keeps the last few);
the Lab counts them by guarantee.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from cqrs_lab.read.views import ViewRows

READ_YOUR_WRITES = "read-your-writes"
MONOTONIC_READS = "monotonic-reads"
CONSISTENT_PREFIX = "consistent-prefix"
GUARANTEES = (READ_YOUR_WRITES, MONOTONIC_READS, CONSISTENT_PREFIX)
KEPT = 20
"""Recent violations kept for the screen."""


@dataclass(frozen=True, slots=True)
class Violation:
    """An answer that broke one of its session's guarantees."""

    guarantee: str
    session: str
    view: str
    message: str

    def __str__(self) -> str:
        return f"{self.guarantee.replace('-', ' ')} violated: {self.message}"


@dataclass(frozen=True, slots=True)
class Seen:
    """What a session last got of a view: the position, its rows' keys, who answered."""

    position: int
    keys: frozenset[str]
    """The first cell of each row: what "you saw o1" names."""
    source: str


@dataclass(frozen=True, slots=True)
class Read:
    """One answer, as the checker needs it."""

    session: str
    view: str
    username: str | None
    source: str
    """Where it came from: a projection, a replica's name, the CRUD twin, a cache."""
    position: int
    rows: ViewRows
    last_write: int
    missing: Sequence[tuple[int, str]] = ()
    """(position, why) of events at or below `position` its source has not applied."""


class SessionChecker:
    def __init__(self) -> None:
        self.seen: dict[tuple[str, str, str | None], Seen] = {}
        self.recent: deque[Violation] = deque(maxlen=KEPT)

    def position_seen(self, session: str, view: str, username: str | None) -> int:
        """The newest position the session has read of that view (0: none yet)."""
        seen = self.seen.get((session, view, username))
        return seen.position if seen else 0

    def check(self, read: Read) -> list[Violation]:
        """The violations of this answer (counted and kept), in the order of GUARANTEES."""
        found: list[Violation] = []
        where = f"{read.source} answers as of #{read.position}"
        if read.position < read.last_write:
            found.append(
                self._violation(
                    READ_YOUR_WRITES,
                    read,
                    f"your write #{read.last_write} is not in this answer ({where})",
                )
            )
        key = (read.session, read.view, read.username)
        keys = frozenset(str(row[0]) for row in read.rows.rows if row)
        before = self.seen.get(key)
        if before is not None and read.position < before.position:
            gone = sorted(before.keys - keys)
            saw = f"#{before.position} from {before.source}"
            message = f"you saw {saw}, now {where}"
            if gone:
                pronoun = "it is" if len(gone) == 1 else "they are"
                message = f"you saw {', '.join(gone[:3])} ({saw}), now {pronoun} gone ({where})"
            found.append(self._violation(MONOTONIC_READS, read, message))
        if read.missing:
            position, why = read.missing[0]
            message = f"this answer reflects #{read.position} but not #{position} ({why})"
            found.append(self._violation(CONSISTENT_PREFIX, read, message))
        if before is None or read.position >= before.position:
            self.seen[key] = Seen(read.position, keys, read.source)
        return found

    def _violation(self, guarantee: str, read: Read, message: str) -> Violation:
        violation = Violation(guarantee, read.session, read.view, message)
        self.recent.append(violation)
        return violation

    def clear(self) -> None:
        self.seen.clear()
        self.recent.clear()
