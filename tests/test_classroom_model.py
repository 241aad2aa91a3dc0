"""The classroom as data: the room the instructor folds attendees' activity into."""

from __future__ import annotations

from typing import Any

from cqrs_lab.classroom.model import (
    Activity,
    AttendeeState,
    Filter,
    Kind,
    Mark,
    Room,
    SortKey,
    Thresholds,
    arrange,
    clock_text,
    next_in,
)

LIMITS = Thresholds(after=300.0, rejections=3, window=60.0)


class Rows:
    """Activity rows numbered 1, 2, 3... as the store numbers them."""

    def __init__(self) -> None:
        self.rows: list[Activity] = []

    def add(self, name: str, at: float, kind: Kind, data: dict[str, Any] | None = None) -> Activity:
        row = Activity(len(self.rows) + 1, name, at, kind, data or {})
        self.rows.append(row)
        return row

    def state(self, name: str, at: float, **fields: Any) -> Activity:
        return self.add(name, at, Kind.STATE, AttendeeState(**fields).to_json())


def on_lesson(step: int, marks: dict[int, str] | None = None, **fields: Any) -> dict[str, Any]:
    return {"lesson": "L01", "steps": 3, "step": step, "marks": marks or {}, **fields}


def test_a_state_round_trips_through_json() -> None:
    state = AttendeeState("L01", 3, 1, {0: "solved"}, hints=2, shown=True, paused=True)
    assert AttendeeState.from_json(state.to_json()) == state
    assert AttendeeState.from_json({}) == AttendeeState()


def test_marks_of_the_grid() -> None:
    state = AttendeeState("L01", 4, 2, {0: "solved", 1: "shown"})
    assert [state.mark(i) for i in range(4)] == [Mark.DONE, Mark.SHOWN, Mark.ON_IT, Mark.TODO]
    assert not state.done
    assert AttendeeState("L01", 2, 1, {0: "solved", 1: "shown"}).done
    assert not AttendeeState().done
    assert AttendeeState().mark(0) is Mark.TODO


def test_the_fold_seats_attendees_and_follows_their_steps() -> None:
    rows, room = Rows(), Room(LIMITS)
    rows.add("ada", 100.0, Kind.JOINED)
    rows.state("ada", 101.0, **on_lesson(0))
    rows.state("ada", 130.0, **on_lesson(0, hints=2))
    rows.state("ada", 160.0, **on_lesson(1, {0: "solved"}))
    rows.add("bob", 105.0, Kind.JOINED)
    assert len(room.fold(rows.rows)) == 5
    ada, bob = room.seats["ada"], room.seats["bob"]
    assert ada.state.step == 1 and ada.since == 160.0 and ada.rows == 4
    assert ada.time_on_step(170.0) == 10.0
    first, second = ada.steps
    assert (first.step, first.entered, first.left, first.hints, first.mark) == (
        0,
        101.0,
        160.0,
        2,
        None,
    )
    assert (second.step, second.entered, second.left) == (1, 160.0, None)
    assert bob.state.lesson is None and bob.steps == []
    assert room.last_id == 5 and room.missing == []


def test_the_fold_skips_rows_seen_and_notes_a_hole() -> None:
    rows, room = Rows(), Room(LIMITS)
    for at in (1.0, 2.0, 3.0, 4.0):
        rows.add("ada", at, Kind.JOINED)
    assert room.fold(rows.rows[:2]) == rows.rows[:2]
    assert room.fold(rows.rows[:2]) == []
    room.fold([rows.rows[3]])
    assert room.missing == [3]
    assert room.last_id == 4


def test_a_step_completed_is_kept_on_its_record() -> None:
    rows, room = Rows(), Room(LIMITS)
    rows.state("ada", 0.0, **on_lesson(0))
    rows.state("ada", 50.0, **on_lesson(0, {0: "shown"}, shown=True))
    room.fold(rows.rows)
    assert room.seats["ada"].steps[0].mark == "shown"


def test_stuck_after_too_long_on_one_step() -> None:
    rows, room = Rows(), Room(LIMITS)
    rows.state("ada", 0.0, **on_lesson(0))
    room.fold(rows.rows)
    ada = room.seats["ada"]
    assert ada.stuck(299.0, LIMITS) is None
    assert ada.stuck(301.0, LIMITS) == "5m01s on step 1"
    rows.state("ada", 400.0, **on_lesson(1, {0: "solved"}))
    room.fold(rows.rows)
    assert ada.stuck(401.0, LIMITS) is None
    # Leaving a step not done after the threshold notes the moment it turned stuck.
    (moment,) = ada.stuck_moments
    assert (moment.at, moment.lesson, moment.step) == (300.0, "L01", 0)
    assert moment.why == "over 5m00s on the step"


def test_a_step_done_in_time_is_no_stuck_moment() -> None:
    rows, room = Rows(), Room(LIMITS)
    rows.state("ada", 0.0, **on_lesson(0))
    rows.state("ada", 100.0, **on_lesson(1, {0: "solved"}))
    rows.state("ada", 900.0, **on_lesson(1, {0: "solved", 1: "solved"}))
    rows.add("ada", 950.0, Kind.LEFT)
    room.fold(rows.rows)
    ada = room.seats["ada"]
    assert ada.stuck_moments == []
    assert not ada.present and ada.stuck(2000.0, LIMITS) is None


def test_stuck_after_many_rejected_lines() -> None:
    rows, room = Rows(), Room(LIMITS)
    rows.state("ada", 0.0, **on_lesson(0))
    for at in (10.0, 20.0, 30.0, 35.0):
        rows.add("ada", at, Kind.REJECTED, {"line": "plce-order ada", "message": "unknown"})
    room.fold(rows.rows)
    ada = room.seats["ada"]
    assert ada.stuck(36.0, LIMITS) == "4 rejected lines"
    assert ada.stuck(85.0, LIMITS) is None  # the window moved on: only 35.0 is recent
    assert [r.line for r in ada.recent_rejections(36.0, 60.0)] == ["plce-order ada"] * 4
    assert ada.steps[0].rejected == 4
    (moment,) = ada.stuck_moments  # one moment per spell of rejections, not one a line
    assert (moment.at, moment.why) == (30.0, "3 rejected lines")


def test_current_lesson_and_done_count() -> None:
    rows, room = Rows(), Room(LIMITS)
    rows.state("ada", 0.0, **on_lesson(2, {0: "solved", 1: "solved", 2: "shown"}))
    rows.state("bob", 0.0, **on_lesson(1, {0: "solved"}))
    rows.state("cy", 0.0, lesson="L02", steps=2, step=0)
    room.fold(rows.rows)
    assert room.current_lesson() == "L01"
    assert room.current_lesson("L02") == "L02"
    assert room.done_count("L01") == 1
    assert room.done_count("L02") == 0
    assert Room().current_lesson() is None


def test_arrange_sorts_and_filters() -> None:
    rows, room = Rows(), Room(LIMITS)
    rows.state("cy", 0.0, **on_lesson(2, {0: "solved", 1: "solved", 2: "solved"}))
    rows.state("ada", 0.0, **on_lesson(0))
    rows.state("bob", 200.0, **on_lesson(1, {0: "solved"}))
    rows.add("dee", 200.0, Kind.JOINED)
    rows.add("dee", 250.0, Kind.LEFT)
    room.fold(rows.rows)
    seats = room.seats.values()

    def names(**options: Any) -> list[str]:
        chosen = arrange(seats, lesson="L01", now=400.0, thresholds=LIMITS, **options)
        return [seat.name for seat in chosen]

    assert names() == ["ada", "bob", "cy", "dee"]
    assert names(sort=SortKey.PROGRESS) == ["cy", "bob", "ada", "dee"]
    assert names(sort=SortKey.STUCK) == ["ada", "cy", "bob", "dee"]
    assert names(sort=SortKey.TIME)[0] == "ada"
    assert names(only=Filter.STUCK) == ["ada"]
    assert names(only=Filter.DONE) == ["cy"]
    assert names(only=Filter.WORKING) == ["ada", "bob"]
    assert names(only=Filter.GONE) == ["dee"]
    assert names(text="B") == ["bob"]


def test_small_helpers() -> None:
    assert next_in(list(SortKey), SortKey.TIME) is SortKey.NAME
    assert next_in(list(Filter), Filter.ALL) is Filter.STUCK
    assert [clock_text(s) for s in (0, 42.9, 185, 3720)] == ["0s", "42s", "3m05s", "1h02m"]
