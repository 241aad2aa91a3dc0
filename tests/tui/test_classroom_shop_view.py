"""The projector's view of a shared shop on the instructor's screen (`b`): the room's bus with
the events in flight, and the commands that clashed as they happen, with who sent them.

Two attendees' labs on one store (as in a shared-shop classroom), their links publishing what
clashed; the instructor's watch on the same store, on a virtual clock (what is in flight stays
put). Pilot tests, and a snapshot at 100x30.
"""

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
from cqrs_lab.classroom.link import AttendeeLink
from cqrs_lab.classroom.shop_watch import ShopWatch
from cqrs_lab.classroom.storage import Classroom, ClassroomStore
from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.sim.clock import VirtualClock
from cqrs_lab.tui.classroom.instructor_app import InstructorApp
from cqrs_lab.tui.classroom.instructor_screen import NOT_SHARED, InstructorScreen
from cqrs_lab.tui.classroom.shop_view import SharedShopView
from tests.classroom_helpers import T0, Clock

SIZE = (100, 30)
SHOP = [
    "register alice alice@example.com s3cret-pass",
    "register bob bob@example.com s3cret-pass",
    'add-product mug "Blue mug" 12.50 1',
    "add-to-cart alice mug 1",
    "add-to-cart bob mug 1",
]


class Attendee:
    """One attendee's lab on the shared store, seated, publishing through their link."""

    def __init__(self, db: str, store: ClassroomStore, room: Classroom, name: str) -> None:
        store.join(room.code, name)
        self.lab = Lab.open(db, clock=VirtualClock(), seed=7, password_cost=2**4)
        self.link = AttendeeLink(store, room, name, clock=store.clock)
        self.link.attach(self.lab)

    def run(self, *lines: str) -> None:
        for line in lines:
            execute(self.lab, line)
        self.link.flush()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "shop.db")


@pytest.fixture
def store(db: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[ClassroomStore]:
    monkeypatch.setattr(storage, "new_code", lambda taken: "MUGSX")
    opened = ClassroomStore.open(db, clock=clock)
    yield opened
    opened.close()


@pytest.fixture
def room(store: ClassroomStore, clock: Clock) -> Classroom:
    clock.now = T0
    return store.start(title="two buyers, one mug", shared_shop=True)


@pytest.fixture
def attendees(
    db: str, store: ClassroomStore, room: Classroom, clock: Clock
) -> Iterator[tuple[Attendee, Attendee]]:
    """ada sets the shop up; bob races both carts for the one mug (the second order meets
    the first one's version of the mug: a conflict, retried, then out of stock); ada tries
    to add the mug again (out of stock)."""
    ada, bob = Attendee(db, store, room, "ada"), Attendee(db, store, room, "bob")
    ada.run(*SHOP)
    clock.now = T0 + 30
    bob.run("race place-order alice ; place-order bob")
    clock.now = T0 + 50
    ada.run("add-to-cart alice mug 1")
    clock.now = T0 + 60
    for name in ("ada", "bob"):
        store.heartbeat(room.code, name)
    yield ada, bob
    for one in (ada, bob):
        one.lab.close()


def app_on(store: ClassroomStore, room: Classroom, clock: Clock, db: str | None) -> InstructorApp:
    shop = None if db is None else (lambda: ShopWatch(db, clock=VirtualClock(), seed=7))
    screen = InstructorScreen(Instructor(store, room, clock=clock), poll_hz=None, shop=shop)
    return InstructorApp(screen)


def screen_of(pilot: Pilot[None]) -> InstructorScreen:
    app = pilot.app
    assert isinstance(app, InstructorApp)
    return app.room_screen


def shown(pilot: Pilot[None]) -> str:
    view = pilot.app.query_one(SharedShopView)
    console = Console(width=96, record=True, file=io.StringIO())
    console.print(view.render())
    return console.export_text()


async def test_the_projector_shows_the_clashes_with_who_sent_them(
    store: ClassroomStore, room: Classroom, clock: Clock, db: str, attendees: tuple[Attendee, ...]
) -> None:
    async with app_on(store, room, clock, db).run_test(size=SIZE) as pilot:
        screen = screen_of(pilot)
        assert not pilot.app.query_one(SharedShopView).display
        await pilot.press("b")
        assert screen.has_class("-shop") and pilot.app.query_one(SharedShopView).display
        assert not pilot.app.query_one("#room-grid").display
        text = shown(pilot)
        assert "Shared shop  head #8  1 refused (1 out of stock)  1 conflict, 1 retried" in text
        ada, bob = (
            next(line for line in text.splitlines() if line.split()[2:3] == [who])
            for who in ("ada", "bob")
        )
        assert text.index(ada) < text.index(bob)  # newest first
        assert ada.startswith("10s ago  ada  add-to-cart alice mug 1")
        assert "✗ out_of_stock  refused (out_of_stock): only 0 of 'mu" in ada
        assert bob.startswith("30s ago  bob  race place-order alice")
        assert "↻ 1 conflict, retried" in bob
        await pilot.press("b")
        assert not screen.has_class("-shop") and pilot.app.query_one("#room-grid").display


async def test_a_refused_line_with_a_password_is_shown_masked(
    store: ClassroomStore, room: Classroom, clock: Clock, db: str, attendees: tuple[Attendee, ...]
) -> None:
    _, bob = attendees
    bob.run("register alice alice@example.com hunter2-secret")  # alice is taken
    async with app_on(store, room, clock, db).run_test(size=SIZE) as pilot:
        await pilot.press("b")
        clash = screen_of(pilot).instructor.room.clashes[-1]
        assert (clash.name, clash.code) == ("bob", "username_taken")
        assert clash.line.startswith("register alice alice@example.com *")
        assert "hunter2" not in clash.line and "hunter2" not in shown(pilot)


async def test_the_bus_carries_everyone_s_events_as_they_come(
    store: ClassroomStore, room: Classroom, clock: Clock, db: str, attendees: tuple[Attendee, ...]
) -> None:
    ada, _ = attendees
    async with app_on(store, room, clock, db).run_test(size=SIZE) as pilot:
        screen = screen_of(pilot)
        await pilot.press("b")
        assert "●" not in shown(pilot)  # opened caught up: nothing on its way yet
        ada.run("restock mug 3")
        screen.poll()
        catalog = next(line for line in shown(pilot).splitlines() if line.startswith("catalog"))
        assert "●" in catalog and "1 ev" in catalog


async def test_a_classroom_of_own_shops_says_there_is_no_shared_one(
    store: ClassroomStore, clock: Clock
) -> None:
    own = store.start(title="each their own")
    async with app_on(store, own, clock, None).run_test(size=SIZE) as pilot:
        await pilot.press("b")
        assert shown(pilot).strip() == NOT_SHARED


def test_snapshot_of_the_shared_shop_at_100x30(
    snap_compare,
    store: ClassroomStore,
    room: Classroom,
    clock: Clock,
    db: str,
    attendees: tuple[Attendee, ...],
) -> None:
    ada, bob = attendees

    async def run_before(pilot: Pilot[None]) -> None:
        pilot.app.query_one("#room-line", Input).cursor_blink = False
        await pilot.press("b")
        bob.run("add-to-cart bob mug 2")
        ada.run("restock mug 3")
        screen_of(pilot).poll()
        await pilot.pause()

    assert snap_compare(app_on(store, room, clock, db), terminal_size=SIZE, run_before=run_before)
