"""A classroom's records for after the workshop: attendees, per-step times, hints, stuck moments.

Built by folding the classroom's whole activity log into a `Room`, as the instructor's screen
does. Names only: no line an attendee typed is kept (a rejected line counts on its step, its
text stays out), so nothing typed after a password can reach the file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cqrs_lab.classroom.model import Room, Seat, StepRecord, StuckMoment, Thresholds, clock_text
from cqrs_lab.classroom.storage import Classroom, ClassroomStore

FORMATS = ("csv", "json")
CSV_COLUMNS = (
    "attendee",
    "joined",
    "lesson",
    "step",
    "entered",
    "left",
    "seconds",
    "mark",
    "hints",
    "rejected",
    "stuck",
)


@dataclass(frozen=True, slots=True)
class Records:
    """A classroom's records as taken at `now`: its room, folded from the whole log."""

    classroom: Classroom
    room: Room
    now: float
    """When the records were taken."""
    seen: Mapping[str, float]
    """Each attendee's last heartbeat."""

    def end(self, seat: Seat) -> float:
        """Where an attendee's open step stops counting: when they were last seen (an
        attendee gone home is not stuck), the classroom's close, or now."""
        closed = self.classroom.closed_at
        last = max(seat.changed, self.seen.get(seat.name, seat.changed))
        return min(self.now, last, self.now if closed is None else closed)

    def seconds(self, seat: Seat, record: StepRecord) -> float:
        left = self.end(seat) if record.left is None else record.left
        return round(max(0.0, left - record.entered), 3)

    def stuck_moments(self, seat: Seat) -> list[StuckMoment]:
        """The moments noted, and the open step if it had gone on too long by the end."""
        moments = list(seat.stuck_moments)
        if seat.steps and seat.steps[-1].left is None:
            last, limit = seat.steps[-1], self.room.thresholds.after
            if last.mark is None and self.end(seat) - last.entered >= limit:
                why = f"over {clock_text(limit)} on the step, still on it"
                moments.append(StuckMoment(last.entered + limit, last.lesson, last.step, why))
        return sorted(moments, key=lambda moment: moment.at)


def take_records(
    store: ClassroomStore,
    classroom: Classroom,
    *,
    now: float,
    thresholds: Thresholds | None = None,
) -> Records:
    room = Room(thresholds)
    room.fold(store.all_activity(classroom.code))
    seen = {row.name: row.last_seen for row in store.attendees(classroom.code)}
    return Records(classroom, room, now, seen)


def as_json(records: Records) -> str:
    room = records.classroom
    data: dict[str, Any] = {
        "classroom": room.code,
        "title": room.title,
        "opened": _when(room.opened_at),
        "closed": None if room.closed_at is None else _when(room.closed_at),
        "attendees": [
            {
                "name": seat.name,
                "joined": _when(seat.joined),
                "steps": [_step_json(records, seat, record) for record in seat.steps],
                "stuck": [
                    {
                        "at": _when(moment.at),
                        "lesson": moment.lesson,
                        "step": moment.step + 1,
                        "why": moment.why,
                    }
                    for moment in records.stuck_moments(seat)
                ],
            }
            for seat in _seats(records)
        ],
    }
    return json.dumps(data, indent=2) + "\n"


def as_csv(records: Records) -> str:
    """One row per step an attendee was on (one with no step for one who opened none); a
    step's stuck moments in its last column. An empty cell: not yet (left, mark)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for seat in _seats(records):
        moments = records.stuck_moments(seat)
        if not seat.steps:
            writer.writerow([seat.name, _when(seat.joined), *[""] * (len(CSV_COLUMNS) - 2)])
        for record in seat.steps:
            step = _step_json(records, seat, record)
            stuck = "; ".join(
                moment.why
                for moment in moments
                if (moment.lesson, moment.step) == (record.lesson, record.step)
                and record.entered <= moment.at <= (record.left or records.end(seat))
            )
            writer.writerow(
                [
                    seat.name,
                    _when(seat.joined),
                    *(step[column] for column in CSV_COLUMNS[2:-1]),
                    stuck,
                ]
            )
    return out.getvalue()


def render(records: Records, format: str) -> str:
    if format not in FORMATS:
        raise ValueError(f"records come as {' or '.join(FORMATS)}, not {format!r}")
    return as_csv(records) if format == "csv" else as_json(records)


def _seats(records: Records) -> list[Seat]:
    return sorted(records.room.seats.values(), key=lambda seat: seat.name)


def _step_json(records: Records, seat: Seat, record: StepRecord) -> dict[str, Any]:
    return {
        "lesson": record.lesson,
        "step": record.step + 1,
        "entered": _when(record.entered),
        "left": None if record.left is None else _when(record.left),
        "seconds": records.seconds(seat, record),
        "mark": record.mark,
        "hints": record.hints,
        "rejected": record.rejected,
    }


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")
