"""The instructor's screen (`cqrs-lab classroom watch`): the room live, watching an attendee's
lab, and the broadcasts; pilot tests on a fixed clock, and a snapshot of twelve attendees."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input

from cqrs_lab.classroom import storage
from cqrs_lab.classroom.instructor import Instructor
from cqrs_lab.classroom.link import AttendeeLink, BroadcastKind
from cqrs_lab.classroom.model import AttendeeState, Filter, Kind, SortKey
from cqrs_lab.classroom.storage import Broadcast, Classroom, ClassroomStore
from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.tui.classroom.instructor_app import InstructorApp
from cqrs_lab.tui.classroom.instructor_screen import InstructorScreen
from cqrs_lab.tui.classroom.picture_view import PictureView
from cqrs_lab.tui.screens.confirm import ConfirmScreen
from tests.classroom_helpers import NOW, ROOM, Clock, fill

SIZE = (120, 40)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[ClassroomStore]:
    opened = ClassroomStore.open(str(tmp_path / "lab.db"), clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def classroom(store: ClassroomStore, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Classroom:
    monkeypatch.setattr(storage, "new_code", lambda taken: "KQWRT")
    return fill(store, clock)


@pytest.fixture
def app(store: ClassroomStore, classroom: Classroom, clock: Clock) -> InstructorApp:
    """The instructor's app on the filled classroom; it polls when a test says so."""
    return InstructorApp(InstructorScreen(Instructor(store, classroom, clock=clock), poll_hz=None))


def screen_of(pilot: Pilot[None]) -> InstructorScreen:
    app = pilot.app
    assert isinstance(app, InstructorApp)
    return app.room_screen


def as_text(widget: PictureView) -> str:
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(widget.render())
    return console.export_text()


def broadcasts(app: InstructorApp) -> list[Broadcast]:
    """What the instructor has broadcast to the room so far."""
    instructor = app.instructor
    return instructor.store.broadcasts_after(instructor.code)


def kinds(app: InstructorApp) -> list[tuple[str, str | None]]:
    return [(b.kind, b.target) for b in broadcasts(app)]


async def room_line(pilot: Pilot[None]) -> Input:
    """':' on the instructor's screen: the line to everyone, with the focus."""
    screen = screen_of(pilot)
    await pilot.press("colon")
    line = screen.query_one("#room-line", Input)
    assert screen.focused is line
    return line


async def to_everyone(pilot: Pilot[None], line: Input, text: str) -> str:
    """Send `text` on the line to everyone; what the status line says then."""
    line.value = text
    await pilot.press("enter")
    return str(screen_of(pilot).query_one("#room-status").render())


async def test_the_grid_shows_the_room(app: InstructorApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(pilot)
        assert [seat.name for seat in screen.grid.seats] == [name for name, _, _ in ROOM]
        assert screen.grid.lesson == "L03" and screen.grid.steps == 4
        title = str(screen.query_one("#room-title").render())
        assert "Classroom KQWRT" in title and "2/9 done" in title and "5 stuck" in title
        room = screen.instructor.room
        assert room.seats["chen"].stuck(NOW, room.thresholds) == "14m30s on step 1"
        assert room.seats["eli"].stuck(NOW, room.thresholds) == "10m00s on step 3"


async def test_an_attendees_change_shows_at_the_next_poll(
    store: ClassroomStore, classroom: Classroom, clock: Clock
) -> None:
    app = InstructorApp(InstructorScreen(Instructor(store, classroom, clock=clock), poll_hz=20))
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(pilot)
        solved = AttendeeState("L03", 4, 1, {0: "solved"})
        store.publish(classroom.code, [("chen", NOW, Kind.STATE, solved.to_json())])
        await pilot.pause(0.3)
        chen = screen.instructor.room.seats["chen"]
        assert chen.state == solved and chen.stuck(NOW, screen.instructor.room.thresholds) is None
        assert "4 stuck" in str(screen.query_one("#room-title").render())


async def test_sort_and_filter_keys(app: InstructorApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(pilot)
        await pilot.press("f")
        assert screen.only is Filter.STUCK
        assert [seat.name for seat in screen.grid.seats] == ["bob", "chen", "eli", "fay", "gus"]
        await pilot.press("f", "f")
        assert screen.only is Filter.DONE
        assert [seat.name for seat in screen.grid.seats] == ["ada", "kai"]
        await pilot.press("f", "f", "s")
        assert (screen.only, screen.sort) == (Filter.ALL, SortKey.PROGRESS)
        assert [seat.name for seat in screen.grid.seats][:2] == ["ada", "kai"]


async def test_watching_an_attendees_lab(
    app: InstructorApp, store: ClassroomStore, classroom: Classroom, clock: Clock
) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(pilot)
        await pilot.press("down", "enter")  # bob
        assert screen.instructor.watching == "bob"
        assert kinds(app)[-1] == (BroadcastKind.WATCH, "bob")
        picture = screen.query_one(PictureView)
        assert "Waiting for bob's lab" in str(picture.render())
        lab = Lab.open(":memory:", seed=3, password_cost=2)
        try:
            link = AttendeeLink(store, classroom, "bob", clock=clock)
            link.heard = 0
            execute(lab, "add-product sku-1 Mug 12.50 10")
            link.tick(AttendeeState("L03", 4, 2), lab)
        finally:
            lab.close()
        screen.poll()
        await pilot.pause()
        assert picture.picture is not None and picture.picture["head"] == 1
        shown = as_text(picture)
        assert "bob's lab  head 1" in shown and "catalog" in shown and "ProductAdded" in shown
        await pilot.press("escape")
        assert screen.instructor.watching is None
        assert kinds(app)[-1] == (BroadcastKind.UNWATCH, "bob")


async def test_a_line_to_everyone(app: InstructorApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(pilot)
        line = await room_line(pilot)
        status = await to_everyone(pilot, line, "register {name} x@example.com s3cret-pass")
        assert status.startswith("not sent: a line with a password is never sent")
        assert kinds(app) == []
        status = await to_everyone(pilot, line, "latency orders fixed:5s")
        assert status == "sent to everyone: latency orders fixed:5s"
        (sent,) = broadcasts(app)
        assert (sent.kind, sent.data) == (BroadcastKind.LINE, {"line": "latency orders fixed:5s"})
        await pilot.press("escape")
        assert screen.focused is screen.grid


async def test_pause_resume_and_reset_after_asking(app: InstructorApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(pilot)
        await pilot.press("p")
        assert "everyone paused" in str(screen.query_one("#room-title").render())
        await pilot.press("p")
        await pilot.press("r")
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("n")
        assert str(screen.query_one("#room-status").render()) == "nothing was reset"
        await pilot.press("r", "y")
        assert kinds(app) == [
            (BroadcastKind.PAUSE, None),
            (BroadcastKind.RESUME, None),
            (BroadcastKind.RESET, None),
        ]


def test_snapshot_of_twelve_attendees(snap_compare, app: InstructorApp) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        pilot.app.query_one("#room-line", Input).cursor_blink = False
        await pilot.press("down", "down", "down", "down")  # eli, with rejected lines
        screen_of(pilot).poll()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_a_lesson_opened_for_everyone(app: InstructorApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        screen = screen_of(pilot)
        line = await room_line(pilot)
        for wrong, said in (
            ("lesson 99", "not sent: no lesson '99': the lessons are 01-"),
            ("lesson 0", "not sent: more than one lesson starts with '0'"),
            ("lesson 03 9", "not sent: 03-projections has steps 1 to 3"),
            (
                "lesson",
                "not sent: usage: lesson ID [STEP], e.g. lesson 03 2 (the start of an id will do)",
            ),
        ):
            assert (await to_everyone(pilot, line, wrong)).startswith(said)
        assert kinds(app) == []
        await to_everyone(pilot, line, "lesson 03 2")
        (sent,) = broadcasts(app)
        assert (sent.kind, sent.data["lesson"], sent.data["step"]) == (
            BroadcastKind.LESSON,
            "03-projections",
            1,
        )
        assert screen.grid.lesson == "03-projections"
        assert "lesson 03-projections" in str(screen.query_one("#room-title").render())
