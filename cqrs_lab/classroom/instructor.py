"""The instructor's side, without a screen: the room kept up to date, and what they send.

`Instructor.poll` reads the activity rows after the last one seen (one query), folds them
into the `Room`, and notes how long each took from the attendee's lab noticing a change to
here: the figure the classroom bench reports.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from cqrs_lab.classroom.link import NAME_FIELD, BroadcastKind
from cqrs_lab.classroom.model import GONE_AFTER, Activity, Room, Thresholds
from cqrs_lab.classroom.storage import Classroom, ClassroomStore

if TYPE_CHECKING:
    from cqrs_lab.lessons import Lesson

ATTENDEES_EVERY = 2.0
"""Seconds between reads of the attendees' heartbeats."""


def broadcast_refusal(line: str) -> str | None:
    """Why `line` cannot be sent to everyone (None: it can)."""
    from cqrs_lab.lab.interpreter import parse

    probe = line.replace(NAME_FIELD, "someone")
    parsed = parse(probe)
    if parsed.shown != probe:
        return "a line with a password is never sent to everyone: each attendee types their own"
    if parsed.error is not None:
        return str(parsed.error)
    if parsed.action is None:
        return "nothing to send: the line is empty"
    return None


class Instructor:
    def __init__(
        self,
        store: ClassroomStore,
        classroom: Classroom,
        *,
        clock: Callable[[], float] = time.time,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.store = store
        self.classroom = classroom
        self.code = classroom.code
        self.clock = clock
        self.room = Room(thresholds)
        self.lesson: str | None = None
        """The lesson the instructor opened for everyone (the grid shows it)."""
        self.paused = False
        self.delays: list[float] = []
        """Seconds from an attendee's change to its arrival here, one per row."""
        self.watching: str | None = None
        self._attendees_at = -ATTENDEES_EVERY

    def poll(self) -> list[Activity]:
        """Fold in every new row; refresh presence from heartbeats now and then."""
        applied: list[Activity] = []
        while True:
            batch = self.store.activity_after(self.code, self.room.last_id)
            if not batch:
                break
            now = self.clock()
            applied += self.room.fold(batch)
            self.delays.extend(max(0.0, now - row.at) for row in batch)
        now = self.clock()
        if now - self._attendees_at >= ATTENDEES_EVERY:
            self._attendees_at = now
            for row in self.store.attendees(self.code):
                seat = self.room.seats.get(row.name)
                if seat is not None and row.left_at is None:
                    seat.present = now - row.last_seen < GONE_AFTER
        return applied

    # -- broadcast --------------------------------------------------------------------

    def open_lesson(self, lesson: Lesson, step: int | None = None) -> None:
        data = {"lesson": lesson.id, "title": lesson.title, "step": step}
        self.store.broadcast(self.code, BroadcastKind.LESSON, data)
        self.lesson = lesson.id

    def everyone(self, line: str) -> str | None:
        """Send a lab line to everyone; why not, if it cannot be sent."""
        line = line.strip()
        if refusal := broadcast_refusal(line):
            return refusal
        self.store.broadcast(self.code, BroadcastKind.LINE, {"line": line})
        return None

    def set_paused(self, paused: bool) -> None:
        self.store.broadcast(self.code, BroadcastKind.PAUSE if paused else BroadcastKind.RESUME)
        self.paused = paused

    def reset_everyone(self) -> None:
        self.store.broadcast(self.code, BroadcastKind.RESET)

    def watch(self, name: str | None) -> None:
        """Ask `name`'s lab for its picture (and the one watched before to stop)."""
        if self.watching is not None and self.watching != name:
            self.store.broadcast(self.code, BroadcastKind.UNWATCH, target=self.watching)
        if name is not None and name != self.watching:
            self.store.broadcast(self.code, BroadcastKind.WATCH, target=name)
        self.watching = name
