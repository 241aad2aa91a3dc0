"""Time travel: the lab as it was at an earlier position, and a fork that goes on from there.

A `Timeline` is read once from the live lab: its events (as a recording, without lines),
its lane settings and production's (error policies, snapshots, cache, replicas...), where
each event was on its way down each lane (`rewind.BusHistory`, for the scrubber), its
clock's speed and the password hashes of its users. From it, `as_of(N)` builds a scratch
lab (in memory, on a virtual clock) holding the events up to N, with every projection and
the CRUD twin rebuilt as of N; `fork(N)` builds the same on a
real clock, to become the live lab: its head is N, new commands append after it, and order
ids go on from the orders placed up to N (o3 after o1 and o2, even if the original went on
to o5). Both reuse the recording replay, so a scratch lab is exactly what `cqrs-lab replay
FILE --to N` would give.

The store never held half a command, so N must end a command: `stops` are the positions
where one does (0 is the empty lab). A fork also keeps the password hashes of the users
registered up to N, so they can still log in (a replay from a file cannot: exports hold no
password).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select

from cqrs_lab.lab.errors import LabError
from cqrs_lab.lab.recording import Recording, lane_settings, replay_recording
from cqrs_lab.lab.recording_production import production_json
from cqrs_lab.lab.rewind import BusHistory
from cqrs_lab.lab.snapshot import LabSnapshot
from cqrs_lab.sim.clock import Clock, ScaledClock, VirtualClock
from cqrs_lab.store.event_store import RecordedEvent, sqlite_file
from cqrs_lab.store.records import CREDENTIALS

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab


class TimeTravelError(LabError):
    """A position the lab cannot travel to; the message says why and where to go instead."""


@dataclass(frozen=True, slots=True)
class Timeline:
    """The live lab's history and settings, read once: what a scrubber moves over."""

    recording: Recording
    stops: tuple[int, ...]
    """0, then the last position of each command, in order: the positions one can travel to."""
    bus: BusHistory
    """Where each event was on its way down each lane, at any lab time."""
    live: LabSnapshot
    """The lab as it was read (its lanes' settings)."""
    speed: float = 1.0
    paused: bool = False
    password_cost: int = 2**14
    source_file: Path | None = None
    """The live lab's SQLite file (a fork is written beside it), or None."""
    credentials: tuple[tuple[Any, ...], ...] = field(default=(), repr=False)
    """(username, salt, hash, n, r, p) per user: hashes only, never a password."""

    @classmethod
    def of(cls, lab: Lab) -> Timeline:
        """Read the lab's events, lane settings and password hashes (on the lab's thread)."""
        events = tuple(lab.store.iter_all())
        recording = Recording(
            seed=lab.seed,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            now=lab.clock.now(),
            lanes={name: lane_settings(lab, name) for name in lab.subscribers},
            lines=tuple(lab.history),
            events=events,
            production=production_json(lab),
        )
        with lab.store.engine.connect() as connection:
            hashes = tuple(tuple(row) for row in connection.execute(select(CREDENTIALS)))
        return cls(
            recording=recording,
            stops=command_stops(events),
            bus=BusHistory.of(lab, events),
            live=lab.snapshot(),
            speed=lab.speed,
            paused=lab.paused,
            password_cost=lab.credentials.cost_n,
            source_file=sqlite_file(lab.store.engine),
            credentials=hashes,
        )

    @property
    def head(self) -> int:
        return self.recording.head

    @property
    def events(self) -> tuple[RecordedEvent, ...]:
        return self.recording.events

    def command_at(self, stop: int) -> tuple[RecordedEvent, ...]:
        """The events of the command that ends at `stop` (none for 0)."""
        self.check(stop)
        index = bisect_left(self.stops, stop)
        previous = self.stops[index - 1] if index else 0
        first = bisect_right(self.events, previous, key=_position)
        last = bisect_right(self.events, stop, key=_position)
        return self.events[first:last]

    def stop_at_or_before(self, position: int) -> int:
        """The last stop at or before `position` (0 for anything before the first event)."""
        return self.stops[max(0, bisect_right(self.stops, position) - 1)]

    def check(self, position: int) -> int:
        """`position` if one can travel there; a TimeTravelError saying why not."""
        if position < 0:
            raise TimeTravelError(f"#{position}: a position is 0 (the empty lab) or more")
        if position > self.head:
            raise TimeTravelError(f"#{position} is after the head #{self.head}")
        before = self.stop_at_or_before(position)
        if before != position:
            after = self.stops[bisect_right(self.stops, position)]
            raise TimeTravelError(
                f"#{position} is inside one command's events (#{before + 1}..#{after}, "
                f"appended together): travel to #{before} or #{after}"
            )
        return position

    def as_of(self, position: int) -> Lab:
        """A scratch lab in memory, on a virtual clock, as the live lab was at `position`.

        The caller closes it."""
        return replay_recording(
            self.recording,
            self.check(position),
            clock=VirtualClock(),
            password_cost=self.password_cost,
        )

    def fork(self, position: int, *, db: str | None = None, clock: Clock | None = None) -> Lab:
        """A lab to carry on from `position` as the live lab: in `db` (memory when None),
        on `clock` (real time at the live lab's speed when None), paused if the live lab
        was. The caller closes it."""
        lab = replay_recording(
            self.recording,
            self.check(position),
            db=db,
            clock=clock or ScaledClock(),
            password_cost=self.password_cost,
        )
        try:
            self._keep_passwords(lab, position)
            lab.set_speed(self.speed)
            if self.paused:
                lab.pause()
        except BaseException:
            lab.close()
            raise
        return lab

    def fork_database(self, position: int) -> str:
        """Where a fork at `position` goes: a new file beside the live lab's SQLite file
        (the original stays as it was), or memory for an in-memory or server database."""
        source = self.source_file
        if source is None:
            return ":memory:"
        number = 1
        while True:
            suffix = "" if number == 1 else f"-{number}"
            candidate = source.with_name(f"{source.stem}.fork-at-{position}{suffix}{source.suffix}")
            if not candidate.exists():
                return str(candidate)
            number += 1

    def _keep_passwords(self, lab: Lab, position: int) -> None:
        registered = {
            str(event.data["username"])
            for event in self.events
            if event.position <= position and event.type == "UserRegistered"
        }
        rows = [
            dict(zip(CREDENTIALS.c.keys(), row, strict=True))
            for row in self.credentials
            if row[0] in registered
        ]
        if rows:
            with lab.store.transaction() as connection:
                connection.execute(insert(CREDENTIALS), rows)


def _position(event: RecordedEvent) -> int:
    return event.position


def command_stops(events: tuple[RecordedEvent, ...]) -> tuple[int, ...]:
    """0 and the last position of each command (its events share their metadata)."""
    stops = [0]
    for _, group in groupby(events, key=lambda event: event.metadata):
        stops.append(list(group)[-1].position)
    return tuple(stops)


def as_of(lab: Lab, position: int) -> Lab:
    """A scratch lab (in memory, virtual clock) holding `lab`'s events up to `position`,
    with its projections and CRUD twin as of then. The caller closes it."""
    return Timeline.of(lab).as_of(position)


def fork(lab: Lab, position: int, *, db: str | None = None, clock: Clock | None = None) -> Lab:
    """A new live lab branching from `lab` at `position`; see `Timeline.fork`."""
    return Timeline.of(lab).fork(position, db=db, clock=clock)
