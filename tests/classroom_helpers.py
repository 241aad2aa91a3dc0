"""A classroom of twelve attendees in varied states, on a fixed clock, for the instructor's
screen's tests and its snapshot."""

from __future__ import annotations

from typing import Any

from cqrs_lab.classroom.model import AttendeeState, Kind
from cqrs_lab.classroom.storage import Classroom, ClassroomStore

T0 = 1_700_000_000.0
"""The workshop's start on the fixed clock."""
NOW = T0 + 900.0
"""When the screen looks at the room."""
STEPS = 4


class Clock:
    """A clock that stands still until the test moves it (`now`)."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def state(step: int, done: int | None = None, **fields: Any) -> dict[str, Any]:
    """On step `step` of L03, the steps before it solved (or `done` of them)."""
    marks = {index: "solved" for index in range(step if done is None else done)}
    marks.update(fields.pop("marks", {}))
    return AttendeeState("L03", STEPS, step, marks, **fields).to_json()


ROOM: list[tuple[str, float, list[tuple[float, Kind, dict[str, Any]]]]] = [
    ("ada", 0, [(10, Kind.STATE, state(1)), (700, Kind.STATE, state(3, 4))]),
    ("bob", 5, [(20, Kind.STATE, state(2, hints=1))]),
    ("chen", 5, [(30, Kind.STATE, state(0))]),  # on step 1 for 14 minutes: stuck
    ("dara", 8, [(100, Kind.STATE, state(1, hints=3, shown=True, marks={1: "shown"}))]),
    (
        "eli",
        9,
        [(300, Kind.STATE, state(2))]
        + [
            (840 + i * 10, Kind.REJECTED, {"line": "plce-order eli", "message": "unknown verb"})
            for i in range(5)
        ],
    ),
    ("fay", 10, [(400, Kind.STATE, state(3, 3, hints=2))]),
    ("gus", 12, [(200, Kind.STATE, AttendeeState("L02", 3, 1).to_json())]),
    ("hana", 15, [(880, Kind.STATE, state(1, paused=True))]),
    ("ivo", 20, [(50, Kind.STATE, state(1)), (60, Kind.LEFT, {})]),
    ("jo", 25, []),
    ("kai", 30, [(500, Kind.STATE, state(3, 4))]),
    (
        "lin",
        35,
        [
            (860, Kind.STATE, state(2)),
            (870, Kind.REJECTED, {"line": "pay 99", "message": "no order 99"}),
        ],
    ),
]


def fill(store: ClassroomStore, clock: Clock, title: str = "Tuesday workshop") -> Classroom:
    """Start a classroom and seat the twelve: each joins, then publishes what they did."""
    clock.now = T0
    classroom = store.start(title=title)
    for name, joined, _ in ROOM:
        clock.now = T0 + joined
        store.join(classroom.code, name)
    rows = sorted(
        ((T0 + at, name, kind, data) for name, _, done in ROOM for at, kind, data in done),
        key=lambda row: row[0],
    )
    for at, name, kind, data in rows:
        clock.now = at
        if kind is Kind.LEFT:
            store.leave(classroom.code, name)
        else:
            store.publish(classroom.code, [(name, at, kind, data)])
    clock.now = NOW
    for name, _, _ in ROOM:
        if name != "ivo":
            store.heartbeat(classroom.code, name)
    return classroom
