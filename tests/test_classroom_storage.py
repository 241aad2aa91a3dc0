"""The classroom's tables, on SQLite and PostgreSQL ($CQRS_LAB_TEST_DB, see tests/backends.py):
joining and its refusals, activity numbered without a hole, broadcasts, pictures; and the
exchange between an attendee's link and the instructor, on an injected clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cqrs_lab.classroom.instructor import Instructor, broadcast_refusal
from cqrs_lab.classroom.link import AttendeeLink, BroadcastKind, describe
from cqrs_lab.classroom.model import AttendeeState, Kind
from cqrs_lab.classroom.storage import (
    CODE_LENGTH,
    CODE_LETTERS,
    HEARTBEAT_FRESH,
    ClassroomStore,
    JoinRefused,
    new_code,
)
from tests.classroom_helpers import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db: str, clock: Clock) -> Iterator[ClassroomStore]:
    opened = ClassroomStore.open(db, clock=clock)
    yield opened
    opened.close()


def test_a_classroom_opens_under_a_code_of_letters(store: ClassroomStore) -> None:
    room = store.start(title="Tuesday")
    assert len(room.code) == CODE_LENGTH and set(room.code) <= set(CODE_LETTERS)
    assert store.classroom(room.code) == room
    assert store.classroom(room.code.lower()) == room
    assert store.classroom("NOPE") is None
    assert store.open_classrooms() == [room]
    assert store.close_classroom(room.code)
    assert not store.close_classroom(room.code)
    closed = store.classroom(room.code)
    assert closed is not None and not closed.open
    assert store.open_classrooms() == []


def test_new_codes_avoid_those_taken() -> None:
    taken = {new_code(set()) for _ in range(50)}
    assert new_code(taken) not in taken


def test_joining_and_its_refusals(store: ClassroomStore, clock: Clock) -> None:
    room = store.start()
    assert store.join(room.code.lower(), "ada").code == room.code
    with pytest.raises(JoinRefused) as taken:
        store.join(room.code, "ada")
    assert str(taken.value) == (
        f"the name 'ada' is taken in classroom {room.code}: pick another one (if it was yours,"
        " in a lab or a page you closed, it is free in 15 s)"
    )
    with pytest.raises(JoinRefused) as wrong:
        store.join("ZZZZZ", "bob")
    assert str(wrong.value) == "there is no classroom 'ZZZZZ': check the code on the board"
    store.close_classroom(room.code)
    with pytest.raises(JoinRefused) as closed:
        store.join(room.code, "bob")
    assert str(closed.value) == f"classroom {room.code} is closed: ask the instructor"
    with pytest.raises(JoinRefused) as badly_named:
        store.join(room.code, "../ada")
    assert str(badly_named.value) == (
        "'../ada' cannot be a name here: up to 32 letters, digits, '.', '-' or '_'"
    )
    for refusal in (taken.value, wrong.value, closed.value, badly_named.value):
        assert "\n" not in str(refusal)


def test_a_name_comes_back_after_leaving_or_going_quiet(
    store: ClassroomStore, clock: Clock
) -> None:
    room = store.start()
    store.join(room.code, "ada")
    store.leave(room.code, "ada")
    store.join(room.code, "ada")  # left: the same attendee back
    clock.now += HEARTBEAT_FRESH - 1
    store.heartbeat(room.code, "ada")
    clock.now += HEARTBEAT_FRESH - 1
    with pytest.raises(JoinRefused):
        store.join(room.code, "ada")  # still beating
    clock.now += 2
    store.join(room.code, "ada")  # quiet too long: their lab is gone
    (row,) = store.attendees(room.code)
    assert (row.name, row.left_at, row.last_seen) == ("ada", None, clock.now)
    kinds = [a.kind for a in store.all_activity(room.code)]
    assert kinds == [Kind.JOINED, Kind.LEFT, Kind.JOINED, Kind.JOINED]


def test_activity_is_numbered_per_classroom_without_a_hole(store: ClassroomStore) -> None:
    one, two = store.start(), store.start()
    store.join(one.code, "ada")
    store.join(two.code, "bob")
    state = AttendeeState("L01", 3, 0)
    numbers = store.publish(
        one.code,
        [
            ("ada", 5.0, Kind.STATE, state.to_json()),
            ("ada", 6.0, Kind.REJECTED, {"line": "x", "message": "no"}),
        ],
    )
    assert numbers == [2, 3]
    assert store.publish(one.code, []) == []
    rows = store.activity_after(one.code)
    assert [r.id for r in rows] == [1, 2, 3]
    assert [r.id for r in store.activity_after(one.code, 2)] == [3]
    assert rows[2].data == {"line": "x", "message": "no"}
    assert [r.id for r in store.activity_after(two.code)] == [1]
    assert store.lesson_states(one.code, "ada") == [(5.0, state)]
    assert store.lesson_states(two.code, "bob") == []


def test_the_last_state_of_every_lesson_is_kept_the_current_one_last(
    store: ClassroomStore,
) -> None:
    room = store.start()
    first = [AttendeeState("L01", 3, step, {i: "solved" for i in range(step)}) for step in range(3)]
    second = AttendeeState("L02", 4, 1, {0: "shown"})
    back = AttendeeState("L01", 3, 2, {0: "solved", 1: "solved", 2: "solved"})
    rows = [*first, second, back]
    store.publish(
        room.code, [("ada", 10.0 + n, Kind.STATE, s.to_json()) for n, s in enumerate(rows)]
    )
    assert store.lesson_states(room.code, "ada") == [(13.0, second), (14.0, back)]


def test_broadcasts_to_everyone_or_to_one(store: ClassroomStore) -> None:
    room = store.start()
    assert store.last_broadcast(room.code) == 0
    assert store.broadcast(room.code, BroadcastKind.PAUSE) == 1
    assert store.broadcast(room.code, BroadcastKind.WATCH, target="ada") == 2
    assert store.broadcast(room.code, BroadcastKind.LINE, {"line": "latency all zero"}) == 3
    heard = store.broadcasts_after(room.code, 1)
    assert [(b.seq, b.kind, b.target) for b in heard] == [
        (2, "watch", "ada"),
        (3, "line", None),
    ]
    assert heard[1].data == {"line": "latency all zero"}
    assert store.last_broadcast(room.code) == 3
    assert store.broadcasts_after(store.start().code) == []


def test_one_picture_per_attendee_replaced(store: ClassroomStore, clock: Clock) -> None:
    room = store.start()
    assert store.picture(room.code, "ada") is None
    store.put_picture(room.code, "ada", {"head": 1})
    clock.now += 1
    store.put_picture(room.code, "ada", {"head": 2})
    assert store.picture(room.code, "ada") == (clock.now, {"head": 2})


def test_the_instructor_sees_what_the_link_publishes(store: ClassroomStore, clock: Clock) -> None:
    room = store.start()
    store.join(room.code, "ada")
    link = AttendeeLink(store, room, "ada", clock=clock)
    instructor = Instructor(store, room, clock=clock)
    state = AttendeeState("L01", 3, 1, {0: "solved"}, hints=1)
    assert link.tick(state) == []
    assert link.tick(state) == []  # unchanged: nothing new published
    clock.now += 0.25
    instructor.poll()
    seat = instructor.room.seats["ada"]
    assert seat.state == state
    assert instructor.delays == [0.25, 0.25]  # joined, state: both a quarter second ago
    assert link.rows_published == 1
    # A latecomer's link picks up where the classroom left them.
    assert AttendeeLink(store, room, "ada", clock=clock).restored == state


def test_the_link_hears_broadcasts_meant_for_it(store: ClassroomStore, clock: Clock) -> None:
    room = store.start()
    store.join(room.code, "ada")
    store.broadcast(room.code, BroadcastKind.PAUSE)  # before the link: not replayed
    link = AttendeeLink(store, room, "ada", clock=clock)
    instructor = Instructor(store, room, clock=clock)
    assert instructor.everyone("latency orders fixed:5s") is None
    instructor.set_paused(True)
    store.broadcast(room.code, BroadcastKind.RESET, target="bob")
    instructor.watch("ada")
    heard = link.tick(AttendeeState())
    assert [b.kind for b in heard] == ["line", "pause"]
    assert link.watched
    assert [describe(b) for b in heard] == [
        "The instructor ran for everyone: latency orders fixed:5s",
        "The instructor paused everyone's clock",
    ]
    instructor.watch(None)
    link.tick(AttendeeState())
    assert not link.watched


def test_lines_refused_for_everyone() -> None:
    assert broadcast_refusal("latency orders fixed:5s") is None
    assert broadcast_refusal("add-to-cart {name} sku-1 1") is None
    refusal = broadcast_refusal("register {name} a@example.com s3cret-pass")
    assert refusal is not None and "password" in refusal
    assert broadcast_refusal("") == "nothing to send: the line is empty"
    assert broadcast_refusal("plce-order ada") is not None


def test_an_unreachable_classroom_keeps_the_rows_queued(
    store: ClassroomStore, clock: Clock
) -> None:
    room = store.start()
    store.join(room.code, "ada")
    link = AttendeeLink(store, room, "ada", clock=clock)
    link.store = _Failing()  # type: ignore[assignment]
    assert link.tick(AttendeeState("L01", 3, 0)) == []
    assert link.problem == "the server went away"
    assert link.rows_published == 0
    link.store = store
    link.tick(AttendeeState("L01", 3, 0))
    assert link.problem is None and link.rows_published == 1


class _Failing:
    def __getattr__(self, name: str) -> object:
        from cqrs_lab.store.errors import DatabaseError

        def fail(*args: object, **kwargs: object) -> object:
            raise DatabaseError("server", "the server went away")

        return fail


def test_what_the_classroom_kept_goes_back_into_a_progress_file(tmp_path: Path) -> None:
    from cqrs_lab.classroom.link import restore_progress
    from cqrs_lab.lessons import Progress, StepMark

    progress = Progress.load(tmp_path / "progress.json")
    restore_progress(
        progress,
        [
            AttendeeState("L02", 4, 1, {0: "solved"}),
            AttendeeState("L01", 3, 2, {0: "solved", 1: "shown"}),
        ],
    )
    again = Progress.load(tmp_path / "progress.json")
    assert (again.mark("L01", 0), again.mark("L01", 1)) == (StepMark.SOLVED, StepMark.SHOWN)
    assert again.mark("L01", 2) is None and again.current("L01") == 2
    assert again.mark("L02", 0) is StepMark.SOLVED and again.current("L02") == 1
    restore_progress(again, [AttendeeState()])  # no lesson: nothing to restore
    assert Progress.load(tmp_path / "progress.json").current("L01") == 2
