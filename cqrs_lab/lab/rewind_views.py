"""The views as they were: a query's answer from a projection at any checkpoint, and from the
CRUD twin at any head, cheap enough to scrub through.

Each source (a projection, or the CRUD twin) has its own scratch SQLite database in memory,
moved along the log by the lab's own code: `Projection.apply` and `flush` for a projection
(event by event: its checkpoint may stop inside a command), `CrudTwin.apply` for the twin
(command by command: the twin is updated in the command's transaction). Going forward
applies only what lies between; going back restores the nearest copy of the database (kept
every `EVERY` steps or so, with SQLite's backup API) and applies the rest, answering at each
step on the way. Answers are kept by source, position, view and user: scrubbing back one
step at a time costs one restore every `EVERY` steps, and a stretch already seen a lookup.
"""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Sequence
from itertools import groupby

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.pool import StaticPool

from cqrs_lab.crud.twin import CrudTwin
from cqrs_lab.lab.recording import command_of
from cqrs_lab.read.projection import Projection
from cqrs_lab.read.registry import PROJECTION_TYPES, query_crud
from cqrs_lab.read.view_specs import VIEW_LANES
from cqrs_lab.read.views import ViewRows
from cqrs_lab.store.event_store import RecordedEvent

EVERY = 50
"""Steps (events for a projection, commands for the twin) between two kept copies, at least."""
COPIES = 100
"""Copies kept of one source at most (a longer log keeps them further apart)."""
KEPT_ANSWERS = 1_024


class _Scratch:
    """One in-memory database moved along a log of `steps` steps, with a copy kept every
    `every` steps."""

    def __init__(
        self,
        create: Callable[[Connection], None],
        apply: Callable[[Connection, int, int], None],
        reload: Callable[[Connection], None],
        steps: int,
    ) -> None:
        self.every = max(EVERY, -(-steps // COPIES))
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self.engine = sa.create_engine("sqlite://", creator=lambda: self._db, poolclass=StaticPool)
        self._apply, self._reload = apply, reload
        with self.engine.begin() as connection:
            create(connection)
        self.done = 0
        self._copies: dict[int, sqlite3.Connection] = {0: self._copy()}

    def base(self, step: int) -> int:
        """The kept copy nearest before `step`."""
        base = step // self.every * self.every
        while base not in self._copies:
            base -= self.every
        return base

    def go_to(self, step: int) -> None:
        """Hold the log's first `step` steps applied."""
        base = self.base(step)
        if step < self.done or base > self.done:
            self._copies[base].backup(self._db)
            self.done = base
            with self.engine.connect() as connection:
                self._reload(connection)
        while self.done < step:
            end = min(step, (self.done // self.every + 1) * self.every)
            with self.engine.begin() as connection:
                self._apply(connection, self.done, end)
            self.done = end
            if end % self.every == 0 and end not in self._copies:
                self._copies[end] = self._copy()

    def _copy(self) -> sqlite3.Connection:
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.backup(copy)
        return copy

    def close(self) -> None:
        self.engine.dispose()
        for copy in self._copies.values():
            copy.close()
        self._db.close()


class ViewsThen:
    """Answers as of a position, from a projection or from the CRUD twin."""

    def __init__(self, events: Sequence[RecordedEvent]) -> None:
        self.events = tuple(events)
        self._positions = [event.position for event in self.events]
        self._commands = [
            tuple(group) for _, group in groupby(self.events, key=lambda event: event.metadata)
        ]
        self._command_ends = [command[-1].position for command in self._commands]
        self._scratches: dict[str, _Scratch] = {}
        self._projections: dict[str, Projection] = {}
        self._answers: OrderedDict[tuple[str, int, str, str | None], ViewRows] = OrderedDict()

    def projection(self, view: str, username: str | None, checkpoint: int) -> ViewRows:
        """`view`'s rows from its projection with every event up to `checkpoint` applied."""
        lane = VIEW_LANES[view]
        step = bisect_right(self._positions, checkpoint)
        return self._answer(lane, step, view, username)

    def crud(self, view: str, username: str | None, head: int) -> ViewRows:
        """`view`'s rows from the CRUD twin with every command up to `head` applied."""
        step = bisect_right(self._command_ends, head)
        return self._answer("crud", step, view, username)

    def close(self) -> None:
        for scratch in self._scratches.values():
            scratch.close()
        self._scratches.clear()

    def _answer(self, source: str, step: int, view: str, username: str | None) -> ViewRows:
        key = (source, step, view, username)
        rows = self._answers.get(key)
        if rows is not None:
            self._answers.move_to_end(key)
            return rows
        scratch = self._scratches.get(source) or self._open(source)
        # Going back restores a kept copy: answer every step from there on, since a
        # scrubber moving back asks for those next.
        first = scratch.base(step) if step < scratch.done else step
        for each in range(first, step + 1):
            scratch.go_to(each)
            with scratch.engine.connect() as connection:
                rows = self._read(connection, source, view, username)
            self._answers[source, each, view, username] = rows
            if len(self._answers) > KEPT_ANSWERS:
                self._answers.popitem(last=False)
        return rows

    def _read(
        self, connection: Connection, source: str, view: str, username: str | None
    ) -> ViewRows:
        if source != "crud":
            return self._projections[source].query(connection, username)
        return query_crud(connection, view, username)

    def _open(self, source: str) -> _Scratch:
        if source == "crud":
            twin = CrudTwin()
            commands = [(command_of(recorded), recorded) for recorded in self._commands]

            def apply_commands(connection: Connection, start: int, end: int) -> None:
                for command, recorded in commands[start:end]:
                    twin.apply(connection, command, recorded)

            scratch = _Scratch(
                twin.create_tables, apply_commands, lambda _: None, len(self._commands)
            )
        else:
            projection = PROJECTION_TYPES[source]()
            self._projections[source] = projection

            def apply_events(connection: Connection, start: int, end: int) -> None:
                for event in self.events[start:end]:
                    projection.apply(event)
                projection.flush(connection)

            scratch = _Scratch(
                projection.create_tables, apply_events, projection.load, len(self.events)
            )
        self._scratches[source] = scratch
        return scratch
