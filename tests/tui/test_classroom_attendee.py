"""`cqrs-lab join`'s screen: the normal lab screen, its link to the classroom ticking. What
the attendee does reaches the instructor; what the instructor sends lands on the lab, with a
caption saying so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from cqrs_lab.classroom.instructor import Instructor
from cqrs_lab.classroom.link import AttendeeLink
from cqrs_lab.classroom.model import Kind
from cqrs_lab.classroom.storage import Classroom, ClassroomStore
from cqrs_lab.lab import Lab
from cqrs_lab.tui.caption import Caption
from cqrs_lab.tui.classroom.attendee_app import AttendeeApp, seat_label
from cqrs_lab.tui.status_line import StatusLine

SIZE = (120, 40)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ClassroomStore]:
    opened = ClassroomStore.open(str(tmp_path / "classroom.db"))
    yield opened
    opened.close()


@pytest.fixture
def classroom(store: ClassroomStore) -> Classroom:
    classroom = store.start()
    store.join(classroom.code, "ada")
    return classroom


@pytest.fixture
def app(store: ClassroomStore, classroom: Classroom, lab: Lab) -> AttendeeApp:
    """Ada's screen on `lab`, its link to the classroom ticking 50 times a second."""
    return AttendeeApp(AttendeeLink(store, classroom, "ada"), lab=lab, tick_hz=50)


@pytest.fixture
def instructor(store: ClassroomStore, classroom: Classroom) -> Instructor:
    return Instructor(store, classroom)


async def ticked(pilot: Pilot[None]) -> None:
    """A few of the link's ticks: the first ones seat the attendee in the classroom."""
    await pilot.pause(0.1)


async def test_what_the_attendee_does_reaches_the_instructor(
    app: AttendeeApp, instructor: Instructor, store: ClassroomStore, classroom: Classroom
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ticked(pilot)
        app.main.submit("plce-order ada")
        await ticked(pilot)
        instructor.poll()
        seat = instructor.room.seats["ada"]
        assert seat.present and seat.state.lesson is None
        (rejected,) = seat.rejections
        assert rejected.line == "plce-order ada"
    kinds = [row.kind for row in store.all_activity(classroom.code)]
    assert kinds == [Kind.JOINED, Kind.STATE, Kind.REJECTED, Kind.LEFT]


async def test_broadcasts_land_on_the_lab_with_a_caption(
    app: AttendeeApp, instructor: Instructor, store: ClassroomStore, classroom: Classroom, lab: Lab
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await ticked(pilot)
        caption = app.main.query_one(Caption)
        assert instructor.everyone("latency all zero") is None
        await ticked(pilot)
        assert all(str(latency) == "zero" for latency in lab.latencies.values())
        assert caption.shown
        assert caption.text == "The instructor ran for everyone: latency all zero"
        instructor.set_paused(True)
        await ticked(pilot)
        assert lab.paused
        assert caption.text == "The instructor paused everyone's clock"
        instructor.set_paused(False)
        await ticked(pilot)
        assert not lab.paused
    rejected = [row for row in store.all_activity(classroom.code) if row.kind is Kind.REJECTED]
    assert rejected == []  # the instructor's lines are not the attendee's mistakes


async def test_a_latecomer_opens_the_lesson_the_instructor_opened(
    app: AttendeeApp, store: ClassroomStore, classroom: Classroom
) -> None:
    from cqrs_lab.lessons import load_course

    lesson = load_course().loaded.lessons[0]
    Instructor(store, classroom).open_lesson(lesson, 1)
    async with app.run_test(size=SIZE) as pilot:
        await ticked(pilot)
        run = app.main.lesson.run
        assert run is not None and (run.lesson.id, run.step_index) == (lesson.id, 1)
        caption = app.main.query_one(Caption)
        assert caption.text == f"The instructor opened {lesson.title}, step 2 for everyone"
    instructor = Instructor(store, classroom)
    instructor.poll()
    seat = instructor.room.seats["ada"]
    assert (seat.state.lesson, seat.state.step) == (lesson.id, 1)


async def test_the_status_line_says_the_classroom_and_the_name(app: AttendeeApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await ticked(pilot)
        assert app.link is not None
        status = app.main.query_one(StatusLine).render().plain
        assert status.startswith(f" {app.link.code} · ada │ t=")


def test_the_seat_says_when_the_classroom_is_out_of_reach(
    store: ClassroomStore, classroom: Classroom
) -> None:
    link = AttendeeLink(store, classroom, "ada")
    assert seat_label(link) == f"{classroom.code} · ada"
    link.problem = "database is locked"  # as a failed publish leaves it
    assert seat_label(link) == f"{classroom.code} · ada (offline)"
