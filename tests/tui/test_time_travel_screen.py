"""Time travel on the lab screen: scrub back to a moment and see the bus, the checkpoints and
the answers as they were then (a stale read stays stale, its event in flight on its lane),
play forward, then fork from there and go on sending commands on the fork."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from cqrs_lab.lab import Lab
from cqrs_lab.lessons import load_lessons, shipped_course
from cqrs_lab.sim.clock import ScaledClock
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.palette import lab_actions
from cqrs_lab.tui.screens import ConfirmScreen
from cqrs_lab.tui.screens.scrubber import Scrubber
from cqrs_lab.tui.screens.time_travel import TimeTravelScreen
from cqrs_lab.tui.widgets import BusView, EventLog, ViewPanel
from tests.tui.conftest import FakeWall
from tests.tui.travel_helpers import SHOP, SIZE, app_of, frames, send, text_of, workers_done

ORDER = ("place-order alice", "pay o1")  # OrderPlaced #4 .. CartCheckedOut #6, OrderPaid #7
STALE = (
    "register alice alice@example.com s3cret-pass",
    'add-product mug "Blue mug" 12.50 10',
    "settle",
    "latency orders fixed:5s",
    "add-to-cart alice mug 2",
    "place-order alice",
    "query orders alice",
)


def travel(app: LabApp) -> TimeTravelScreen:
    screen = app.screen
    assert isinstance(screen, TimeTravelScreen)
    return screen


async def travelling(pilot: Pilot[None]) -> TimeTravelScreen:
    """F9, and the time-travel screen once its timeline is read."""
    await pilot.press("f9")
    await workers_done(pilot)
    return travel(app_of(pilot))


async def stale_read_then_caught_up(pilot: Pilot[None], wall: FakeWall) -> None:
    """The stale read of STALE, then 6 s on the wall: the order has reached its view."""
    await send(pilot, *STALE)
    wall.now += 6
    await frames(pilot)


def position_line(screen: TimeTravelScreen) -> str:
    return str(screen.query_one("#travel-position", Static).render())


def note(screen: TimeTravelScreen) -> str:
    return str(screen.query_one("#travel-note", Static).render())


def orders_lane(screen: TimeTravelScreen) -> str:
    """The orders lane's three rows on the screen's bus."""
    rows = text_of(screen.query_one(BusView)).splitlines()
    title = next(i for i, row in enumerate(rows) if row.lstrip("▶ ").startswith("orders"))
    return "\n".join(rows[title : title + 3])


async def test_rewinding_to_a_stale_read_shows_it_stale_with_its_event_in_flight(
    lab: Lab, wall: FakeWall
) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, *STALE)
        assert lab.answers["orders", "projection"].stale  # the stale read, live
        wall.now += 6  # the order arrives on the orders lane: caught up live
        await frames(pilot)
        assert lab.snapshot().lane("orders").lag_events == 0

        screen = await travelling(pilot)
        assert "caught up" in orders_lane(screen)  # now: the lane has caught up
        await pilot.press("left")  # the happening before: #4 on its way to the orders projection
        await workers_done(pilot)
        assert "#4" in orders_lane(screen) and "1 behind" in orders_lane(screen)
        assert "✗ STALE then" in note(screen)
        screen.go_to_event(4)  # OrderPlaced #4: the moment the stale read was made
        await workers_done(pilot)
        lane = orders_lane(screen)
        assert "#4" in lane and "1 behind" in lane  # in flight on its lane, 5s to go
        assert "5.0" in lane or "5s" in lane
        panel = text_of(screen.query_one(ViewPanel))
        assert "1 behind" in panel
        assert "(no rows)" in panel and "o1" in panel  # the read model lacks the CRUD's o1
        assert "✗ STALE then" in note(screen)
        assert "head #6 of #6" in position_line(screen)

        await pilot.press("shift+right", "shift+right")  # two seconds on: still on its way
        await workers_done(pilot)
        assert "#4" in orders_lane(screen) and "✗ STALE then" in note(screen)
        await pilot.press("right")  # the next happening: #4 reaches the orders projection
        await workers_done(pilot)
        assert "orders reached #6" in position_line(screen)
        assert "caught up" in orders_lane(screen)
        assert "✗ STALE" not in note(screen)


async def test_a_short_screen_shows_the_lane_in_question_only(lab: Lab, wall: FakeWall) -> None:
    app = LabApp(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await stale_read_then_caught_up(pilot, wall)
        screen = await travelling(pilot)
        screen.select_view("orders", "alice")
        screen.go_to_event(4)
        await workers_done(pilot)
        bus = text_of(screen.query_one(BusView))
        assert "orders" in bus and "catalog" not in bus and "1 behind" in bus
        panel = screen.query_one(ViewPanel)
        assert panel.region.height >= 4 and "1 behind" in text_of(panel)
        assert not screen.query_one(EventLog).display  # folded away: the tables come first
        assert "CRUD twin" in text_of(panel)
        screen.select_view("catalog")
        assert "catalog" in text_of(screen.query_one(BusView))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda size: "x".join(map(str, size)))
def test_a_picture_of_the_stale_moment(
    snap_compare: Callable[..., bool], lab: Lab, wall: FakeWall, size: tuple[int, int]
) -> None:
    """The room's picture: rewound to the stale read, #4 on its way down the orders lane."""

    async def run_before(pilot: Pilot[None]) -> None:
        for input_widget in pilot.app.query(Input):
            input_widget.cursor_blink = False
        await stale_read_then_caught_up(pilot, wall)
        screen = await travelling(pilot)
        for input_widget in screen.query(Input):
            input_widget.cursor_blink = False
        screen.select_view("orders", "alice")
        screen.go_to_event(4)
        await workers_done(pilot)

    assert snap_compare(LabApp(lab), terminal_size=size, run_before=run_before)


async def test_playing_forward_at_a_speed(lab: Lab, wall: FakeWall) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await stale_read_then_caught_up(pilot, wall)
        screen = await travelling(pilot)
        screen.wall = wall  # playing follows this wall: only the test moves it
        screen.go_to_event(4)
        await pilot.press("plus", "plus")  # x1 -> x2 -> x5
        assert screen.speed == 5.0
        lab_at = screen.moment.at
        await pilot.press("space")
        assert "▶ playing x5" in position_line(screen)
        wall.now += 0.2  # a second of lab time at x5
        await pilot.pause(0.2)  # a few frames
        assert abs(screen.moment.at - (lab_at + 1.0)) < 1e-6
        assert "#4" in orders_lane(screen)  # one lab second on: still in flight
        screen.advance(10.0)  # past the end: it stops there, caught up
        await workers_done(pilot)
        assert "playing" not in position_line(screen)
        assert screen.query_one(Scrubber).at == screen.query_one(Scrubber).end
        assert "caught up" in orders_lane(screen)


async def test_scrub_back_to_the_older_answer_then_fork_and_send_on_the_fork(
    lab: Lab, wall: FakeWall
) -> None:
    app = LabApp(lab)
    app.fork_clock = lambda: ScaledClock(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, *SHOP, *ORDER, "query orders alice")
        await frames(pilot)
        assert "paid" in text_of(app.query_one(ViewPanel))

        screen = await travelling(pilot)
        panel = screen.query_one(ViewPanel)
        assert screen.moment.head == 7
        assert "head #7 of #7" in position_line(screen)
        assert "paid" in text_of(panel)

        screen.go_to_event(4)  # before the payment (zero latency: all at one lab time)
        await workers_done(pilot)
        await pilot.press("home")
        await workers_done(pilot)
        assert screen.moment.head == 7  # every command ran at t=0: one moment
        assert "#7" in text_of(screen.query_one(EventLog))
        assert lab.query("orders", "alice", crud=True, record=False).rows.rows[0][1] == "paid"

        await pilot.press("f")
        assert isinstance(app.screen, ConfirmScreen)
        assert "Fork the lab at event #7" in app.screen.question
        await pilot.press("y")
        await workers_done(pilot)
        assert not isinstance(app.screen, TimeTravelScreen), note(travel(app))
        fork = app.lab
        assert fork is not lab and fork.head == 7
        assert "forked at #7" in str(app.query_one("#command-message", Static).render())
        await frames(pilot)
        assert "⑂ on a fork at #7" in text_of(app.query_one("#status"))
        await send(pilot, "ship o1")
        await frames(pilot)
        assert fork.head == 8 and lab.head == 7  # the original lab is untouched


async def test_fork_at_an_earlier_moment(lab: Lab, wall: FakeWall) -> None:
    app = LabApp(lab)
    app.fork_clock = lambda: ScaledClock(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, *SHOP)
        wall.now += 1
        await send(pilot, *ORDER)
        await frames(pilot)
        screen = await travelling(pilot)
        screen.go_to_event(3)  # the cart, a second before the order
        await workers_done(pilot)
        assert screen.moment.head == 3
        shown = text_of(screen.query_one(ViewPanel))
        assert "(no rows)" in shown  # no order yet, on either side
        await pilot.press("f")
        assert "Fork the lab at event #3" in app.screen.question
        await pilot.press("y")
        await workers_done(pilot)
        assert app.lab.head == 3
        await send(pilot, "remove-from-cart alice mug")
        assert app.lab.head == 4 and lab.head == 7


async def test_choosing_views_and_jumping_from_the_log(lab: Lab, wall: FakeWall) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, *SHOP[:3])
        wall.now += 1
        await send(pilot, SHOP[3])
        await frames(pilot)
        wall.now += 1
        await send(pilot, *ORDER)
        await frames(pilot)
        await pilot.press("escape", "T")
        await workers_done(pilot)
        screen = travel(app)
        screen.query_one("#travel-select", Select).value = "catalog"
        await workers_done(pilot)
        assert "Blue mug" in text_of(screen.query_one(ViewPanel))
        assert "▶ catalog" in text_of(screen.query_one(BusView))  # its lane is picked out
        screen.query_one(EventLog).post_message(EventLog.EventSelected(2))
        await workers_done(pilot)
        assert screen.moment.head == 2
        screen.select_view("cart", "alice")
        await workers_done(pilot)
        assert "(no rows)" in text_of(screen.query_one(ViewPanel))  # the cart came at #3
        screen.go_to_event(3)
        await workers_done(pilot)
        assert "mug" in text_of(screen.query_one(ViewPanel))
        screen.query_one("#travel-user", Input).value = ""
        await workers_done(pilot)
        assert "type a user to see cart (e.g. alice)" in note(screen)
        await pilot.press("home")
        await workers_done(pilot)
        assert screen.moment.head == 2  # the first moment: the shop's first three lines
        await pilot.press("escape")
        assert app.screen is app.main


async def test_the_scrubber_moves_by_keys_and_clicks(lab: Lab, wall: FakeWall) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, *SHOP)
        wall.now += 3
        await send(pilot, *ORDER)
        await pilot.press("f9")
        await workers_done(pilot)
        scrubber = travel(app).query_one(Scrubber)
        assert (scrubber.start, scrubber.end) == (0.0, 3.0)
        line = text_of(scrubber).splitlines()[0]
        assert line.startswith("t=0.00s ━") and line.rstrip().endswith("━● t=3.00s")
        await pilot.press("pageup")
        assert scrubber.at == 0.0
        await pilot.press("shift+right")
        assert scrubber.at == 1.0
        await pilot.press("right")
        assert scrubber.at == 3.0
        await pilot.press("left")
        assert scrubber.at == 0.0
        await pilot.click(Scrubber, offset=(scrubber.size.width - 8, 0))
        await pilot.pause()
        assert scrubber.at == 3.0
        await workers_done(pilot)
        assert travel(app).shown == travel(app).moment  # only where it rests, in the end


async def test_a_cancelled_fork_changes_nothing(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, *SHOP)
        await pilot.press("f9")
        await workers_done(pilot)
        await pilot.press("f")
        assert "(in memory): it holds every event so far" in app.screen.question
        await pilot.press("n")
        assert isinstance(app.screen, TimeTravelScreen) and app.lab is lab


async def test_no_fork_while_a_lesson_is_open(
    lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CQRS_LAB_DATA_DIR", str(tmp_path))  # lesson progress goes here
    first = load_lessons([shipped_course()]).lessons[0]
    app = LabApp(lab, lesson=first)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.lesson.is_open
        await pilot.press("f9")
        await workers_done(pilot)
        await pilot.press("f")
        assert "close the lesson first" in note(travel(app))
        assert app.lab is lab


async def test_a_fork_of_a_file_lab_is_written_beside_it(tmp_path: Path, wall: FakeWall) -> None:
    source = tmp_path / "lab.db"
    lab = Lab.open(str(source), seed=7, clock=ScaledClock(wall=wall), password_cost=2)
    app = LabApp(lab)
    app.fork_clock = lambda: ScaledClock(wall=wall)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, *SHOP[:3])
            wall.now += 1
            await send(pilot, SHOP[3])
            await pilot.press("f9")
            await workers_done(pilot)
            await pilot.press("left", "f")
            assert str(tmp_path / "lab.fork-at-2.db") in app.screen.question
            await pilot.press("y")
            await workers_done(pilot)
            assert app.lab.store.where == str(tmp_path / "lab.fork-at-2.db")
    finally:
        lab.close()
    assert Lab.open(str(tmp_path / "lab.fork-at-2.db"), password_cost=2).head == 2


async def test_time_travel_is_in_the_palette_and_the_help(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE):
        titles = [action.title for action in lab_actions(app.main)]
        assert {"Time travel…", "Trace an event…", "Predict, then release…"} <= set(titles)
        keys = dict(app.key_help())
        assert keys["F9 / T"].startswith("time travel")
        assert "t" in keys and "p" in keys
