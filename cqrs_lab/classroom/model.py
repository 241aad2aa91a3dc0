"""The classroom as data: what an attendee publishes, and the room the instructor folds it into.

Pure Python: no storage, no clock of its own (every function that needs the time is given
`now`, in wall seconds), no screen. The attendee's lab publishes an `AttendeeState` each
time it changes and an `activity` row per rejected line; the instructor's `Room` folds those
rows, in id order, into one `Seat` per attendee: where they are, since when, how many hints
each step took, their recent rejected lines and the moments they were stuck.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

STUCK_AFTER = 300.0
"""Seconds on one step, not done, after which an attendee is marked stuck."""
STUCK_REJECTIONS = 5
"""Rejected lines within `REJECTION_WINDOW` that mark an attendee stuck."""
REJECTION_WINDOW = 180.0
"""Seconds over which rejected lines are counted (and shown on the grid)."""
GONE_AFTER = 20.0
"""Seconds without a heartbeat after which an attendee is shown as gone."""
RECENT_REJECTIONS = 5
CLASHES_KEPT = 50
"""Refused and conflicting shop commands the room keeps for the projector."""
"""Rejected lines kept per attendee for the grid."""


class Kind(StrEnum):
    """What an activity row says."""

    JOINED = "joined"
    STATE = "state"
    REJECTED = "rejected"
    CONFLICT = "conflict"
    """A command of theirs met another's newer version of a stream (a shared shop)."""
    LEFT = "left"


class Mark(StrEnum):
    """A step's cell on the grid."""

    DONE = "done"  # the attendee met the goal
    SHOWN = "shown"  # "show me" played the solution
    ON_IT = "on it"  # the step the attendee is on
    TODO = "todo"


@dataclass(frozen=True, slots=True)
class AttendeeState:
    """Where one attendee is: what their lab publishes when any of it changes."""

    lesson: str | None = None
    """The open lesson's id (None: no lesson open)."""
    steps: int = 0
    """How many steps that lesson has."""
    step: int = 0
    """The step they are on, from 0."""
    marks: Mapping[int, str] = field(default_factory=dict)
    """Step (from 0) -> "solved" or "shown", for the steps completed."""
    hints: int = 0
    """Hints taken on the current step."""
    shown: bool = False
    """"Show me" was used on the current step."""
    paused: bool = False
    """Their lab clock is paused."""

    def to_json(self) -> dict[str, Any]:
        return {
            "lesson": self.lesson,
            "steps": self.steps,
            "step": self.step,
            "marks": {str(index): mark for index, mark in sorted(self.marks.items())},
            "hints": self.hints,
            "shown": self.shown,
            "paused": self.paused,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AttendeeState:
        marks = data.get("marks") or {}
        return cls(
            lesson=data.get("lesson"),
            steps=int(data.get("steps", 0)),
            step=int(data.get("step", 0)),
            marks={int(index): str(mark) for index, mark in marks.items()},
            hints=int(data.get("hints", 0)),
            shown=bool(data.get("shown", False)),
            paused=bool(data.get("paused", False)),
        )

    @property
    def done(self) -> bool:
        """Every step of the open lesson completed (solved or shown)."""
        return self.lesson is not None and self.steps > 0 and len(self.marks) >= self.steps

    def mark(self, index: int) -> Mark:
        kept = self.marks.get(index)
        if kept == "solved":
            return Mark.DONE
        if kept == "shown":
            return Mark.SHOWN
        if index == self.step and self.lesson is not None:
            return Mark.ON_IT
        return Mark.TODO


@dataclass(frozen=True, slots=True)
class Activity:
    """One row of the classroom's activity log, as stored."""

    id: int
    attendee: str
    at: float
    """Wall time (seconds since the epoch) the attendee's lab noticed the change."""
    kind: Kind
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Rejection:
    """A line an attendee's lab refused, and what it said."""

    at: float
    line: str
    """As the lab shows it: passwords masked."""
    message: str


@dataclass(frozen=True, slots=True)
class Clash:
    """A shop command an attendee sent that met someone else's: refused (out of stock, say)
    or in a version conflict it was retried after. The projector lists them."""

    at: float
    name: str
    line: str
    message: str
    code: str | None = None
    """The refusal's code (None: the command was accepted, after its retries)."""
    conflicts: int = 0
    retries: int = 0


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One step of one attendee's lesson, for the records."""

    lesson: str
    step: int
    entered: float
    left: float | None = None
    mark: str | None = None
    hints: int = 0
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class StuckMoment:
    """When an attendee was noted stuck on a step, and why: for the records."""

    at: float
    lesson: str | None
    step: int
    why: str


@dataclass(slots=True)
class Seat:
    """One attendee as the instructor sees them."""

    name: str
    joined: float
    state: AttendeeState = field(default_factory=AttendeeState)
    since: float = 0.0
    """When they came to their current step."""
    changed: float = 0.0
    """When their lab last published anything."""
    present: bool = True
    rejections: deque[Rejection] = field(default_factory=lambda: deque(maxlen=200))
    steps: list[StepRecord] = field(default_factory=list)
    stuck_moments: list[StuckMoment] = field(default_factory=list)
    rows: int = 0
    """Activity rows folded in for this attendee."""

    def time_on_step(self, now: float) -> float:
        return max(0.0, now - self.since)

    def recent_rejections(self, now: float, window: float = REJECTION_WINDOW) -> list[Rejection]:
        return [rejection for rejection in self.rejections if now - rejection.at <= window]

    def stuck(self, now: float, thresholds: Thresholds | None = None) -> str | None:
        """Why the attendee looks stuck now (None: they do not)."""
        limits = thresholds or Thresholds()
        state = self.state
        if not self.present or state.lesson is None or state.done:
            return None
        if state.step not in state.marks and self.time_on_step(now) >= limits.after:
            return f"{_minutes(self.time_on_step(now))} on step {state.step + 1}"
        recent = len(self.recent_rejections(now, limits.window))
        if recent >= limits.rejections:
            return f"{recent} rejected lines"
        return None


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When an attendee counts as stuck: too long on a step, or too many lines refused."""

    after: float = STUCK_AFTER
    rejections: int = STUCK_REJECTIONS
    window: float = REJECTION_WINDOW


class Room:
    """The classroom as the instructor sees it, folded from activity rows in id order."""

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()
        self.seats: dict[str, Seat] = {}
        self.last_id = 0
        self.missing: list[int] = []
        """Ids that never arrived (a hole in the log: must stay empty)."""
        self.clashes: deque[Clash] = deque(maxlen=CLASHES_KEPT)
        """The latest refused or conflicting shop commands, oldest first."""

    def fold(self, rows: Iterable[Activity]) -> list[Activity]:
        """Apply new rows (ids above `last_id`, in order); return those applied."""
        applied = []
        for row in rows:
            if row.id <= self.last_id:
                continue
            if self.last_id and row.id != self.last_id + 1:
                self.missing.extend(range(self.last_id + 1, row.id))
            self.last_id = row.id
            self._apply(row)
            applied.append(row)
        return applied

    def _apply(self, row: Activity) -> None:
        seat = self.seats.get(row.attendee)
        if seat is None:
            seat = self.seats[row.attendee] = Seat(row.attendee, row.at, since=row.at)
        seat.rows += 1
        seat.changed = max(seat.changed, row.at)
        if row.kind is Kind.JOINED:
            seat.present = True
        elif row.kind is Kind.LEFT:
            seat.present = False
            self._leave_step(seat, row.at)
        elif row.kind is Kind.REJECTED:
            self._rejected(seat, row)
            if row.data.get("command"):
                self.clashes.append(_clash(row))
        elif row.kind is Kind.CONFLICT:
            self.clashes.append(_clash(row))
        elif row.kind is Kind.STATE:
            self._state(seat, AttendeeState.from_json(row.data), row.at)

    def _rejected(self, seat: Seat, row: Activity) -> None:
        rejection = Rejection(
            row.at, str(row.data.get("line", "")), str(row.data.get("message", ""))
        )
        was_stuck = self._rejections_stuck(seat, row.at)
        seat.rejections.append(rejection)
        if seat.steps and seat.steps[-1].left is None:
            last = seat.steps[-1]
            seat.steps[-1] = replace(last, rejected=last.rejected + 1)
        if not was_stuck and self._rejections_stuck(seat, row.at):
            count = len(seat.recent_rejections(row.at, self.thresholds.window))
            seat.stuck_moments.append(
                StuckMoment(row.at, seat.state.lesson, seat.state.step, f"{count} rejected lines")
            )

    def _rejections_stuck(self, seat: Seat, now: float) -> bool:
        limits = self.thresholds
        return len(seat.recent_rejections(now, limits.window)) >= limits.rejections

    def _state(self, seat: Seat, state: AttendeeState, at: float) -> None:
        before = seat.state
        moved = (state.lesson, state.step) != (before.lesson, before.step)
        if moved:
            self._leave_step(seat, at)
            seat.since = at
            if state.lesson is not None:
                seat.steps.append(StepRecord(state.lesson, state.step, at))
        seat.state = state
        if seat.steps and seat.steps[-1].left is None:
            last = seat.steps[-1]
            seat.steps[-1] = replace(
                last, hints=max(last.hints, state.hints), mark=state.marks.get(state.step)
            )

    def _leave_step(self, seat: Seat, at: float) -> None:
        """The attendee leaves the step they were on: close its record, and note a stuck
        moment if they stayed on it, not done, longer than the threshold."""
        if not seat.steps or seat.steps[-1].left is not None:
            return
        last = seat.steps[-1]
        seat.steps[-1] = replace(last, left=at)
        self._note_time_stuck(seat, seat.steps[-1], at)

    def _note_time_stuck(self, seat: Seat, record: StepRecord, now: float) -> None:
        limit = self.thresholds.after
        if record.mark is None and now - record.entered >= limit:
            seat.stuck_moments.append(
                StuckMoment(
                    record.entered + limit,
                    record.lesson,
                    record.step,
                    f"over {_minutes(limit)} on the step",
                )
            )

    # -- reading --------------------------------------------------------------------

    def current_lesson(self, chosen: str | None = None) -> str | None:
        """The lesson the grid shows: the instructor's choice, else the one most attendees
        have open (ties: the first by id)."""
        if chosen is not None:
            return chosen
        counts: dict[str, int] = {}
        for seat in self.seats.values():
            if seat.present and seat.state.lesson is not None:
                counts[seat.state.lesson] = counts.get(seat.state.lesson, 0) + 1
        if not counts:
            return None
        return min(counts, key=lambda lesson: (-counts[lesson], lesson))

    def done_count(self, lesson: str | None) -> int:
        return sum(
            1 for seat in self.seats.values() if seat.state.lesson == lesson and seat.state.done
        )

    def present(self) -> list[Seat]:
        return [seat for seat in self.seats.values() if seat.present]


class SortKey(StrEnum):
    NAME = "name"
    PROGRESS = "progress"
    STUCK = "stuck first"
    TIME = "time on step"


class Filter(StrEnum):
    ALL = "all"
    STUCK = "stuck"
    WORKING = "not done"
    DONE = "done"
    GONE = "gone"


def _clash(row: Activity) -> Clash:
    data = row.data
    code = data.get("code")
    return Clash(
        row.at,
        row.attendee,
        str(data.get("line", "")),
        str(data.get("message", "")),
        None if code is None else str(code),
        int(data.get("conflicts", 0)),
        int(data.get("retries", 0)),
    )


def progress_of(seat: Seat, lesson: str | None) -> int:
    """Steps completed in `lesson` (-1 when the attendee is on another lesson)."""
    if seat.state.lesson != lesson:
        return -1
    return len(seat.state.marks)


def arrange(
    seats: Iterable[Seat],
    *,
    lesson: str | None,
    now: float,
    sort: SortKey = SortKey.NAME,
    only: Filter = Filter.ALL,
    text: str = "",
    thresholds: Thresholds | None = None,
) -> list[Seat]:
    """The grid's rows: filtered by `only` and a name containing `text`, sorted by `sort`
    (ties by name)."""
    limits = thresholds or Thresholds()
    chosen = [
        seat
        for seat in seats
        if text.lower() in seat.name.lower() and _passes(seat, only, lesson, now, limits)
    ]
    if sort is SortKey.PROGRESS:
        return sorted(chosen, key=lambda seat: (-progress_of(seat, lesson), seat.name))
    if sort is SortKey.STUCK:
        return sorted(
            chosen,
            key=lambda seat: (seat.stuck(now, limits) is None, -seat.time_on_step(now), seat.name),
        )
    if sort is SortKey.TIME:
        return sorted(chosen, key=lambda seat: (-seat.time_on_step(now), seat.name))
    return sorted(chosen, key=lambda seat: seat.name)


def _passes(seat: Seat, only: Filter, lesson: str | None, now: float, limits: Thresholds) -> bool:
    if only is Filter.ALL:
        return True
    if only is Filter.GONE:
        return not seat.present
    if not seat.present:
        return False
    done = seat.state.lesson == lesson and seat.state.done
    if only is Filter.DONE:
        return done
    if only is Filter.WORKING:
        return not done
    return seat.stuck(now, limits) is not None


def next_in(values: Sequence[Any], current: Any) -> Any:
    """The value after `current` in `values`, round again after the last."""
    return values[(list(values).index(current) + 1) % len(values)]


def _minutes(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}m{whole % 60:02d}s" if whole >= 60 else f"{whole}s"


def clock_text(seconds: float) -> str:
    """A duration as the grid shows it: 42s, 3m05s, 1h02m."""
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return _minutes(seconds)
