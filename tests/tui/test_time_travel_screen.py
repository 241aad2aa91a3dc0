"""Time travel on the lab screen: scrub to an earlier position and see the older answers,
then fork from there and go on sending commands on the fork."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static

from cqrs_lab.lab import Lab
from cqrs_lab.lessons import load_lessons, shipped_course
from cqrs_lab.sim.clock import ScaledClock
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.palette import lab_actions
from cqrs_lab.tui.screens import ConfirmScreen
from cqrs_lab.tui.screens.time_travel import Scrubber, TimeTravelScreen
from cqrs_lab.tui.widgets import EventLog, ViewPanel
from tests.tui.conftest import FakeWall
from tests.tui.travel_helpers import SHOP, SIZE, frames, send, text_of, workers_done

ORDER = ("place-order alice", "pay o1")  # OrderPlaced #4 .. CartCheckedOut #6, OrderPaid #7


def travel(app: LabApp) -> TimeTravelScreen:
    screen = app.screen
    assert isinstance(screen, TimeTravelScreen)
    return screen


def position_line(screen: TimeTravelScreen) -> str:
    return str(screen.query_one("#travel-position", Static).render())


async def test_scrub_back_to_the_older_answer_then_fork_and_send_on_the_fork(
    lab: Lab, wall: FakeWall
) -> None:
    app = LabApp(lab)
    app.fork_clock = lambda: ScaledClock(wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, *SHOP, *ORDER, "query orders alice")
        await frames(pilot)
        assert "paid" in text_of(app.query_one(ViewPanel))

        await pilot.press("f9")
        await workers_done(pilot)
        screen = travel(app)
        panel = screen.query_one(ViewPanel)
        assert screen.shown == 7
        assert "as of event #7 of #7" in position_line(screen)
        assert "paid" in text_of(panel)

        await pilot.press("left")  # one command back: before the payment
        await workers_done(pilot)
        assert screen.shown == 6
        assert "as of event #6 of #7" in position_line(screen)
        assert "OrderPlaced #4, StockReserved #5, CartCheckedOut #6" in position_line(screen)
        shown = text_of(panel)
        assert "as of event #6" in shown
        assert "placed" in shown and "paid" not in shown  # both sides, as of #6
        assert "#7" not in text_of(screen.query_one(EventLog))
        assert lab.query("orders", "alice", crud=True, record=False).rows.rows[0][1] == "paid"

        await pilot.press("f")
        assert isinstance(app.screen, ConfirmScreen)
        assert "Fork the lab at event #6" in app.screen.question
        await pilot.press("y")
        await workers_done(pilot)
        assert not isinstance(app.screen, TimeTravelScreen)
        fork = app.lab
        assert fork is not lab and fork.head == 6
        assert "forked at #6" in str(app.query_one("#command-message", Static).render())

        await send(pilot, "cancel o1")  # a placed order can be cancelled on this branch
        await frames(pilot)
        assert fork.head == 8  # OrderCancelled #7, StockReleased #8
        assert "OrderCancelled" in text_of(app.query_one(EventLog))
        assert "cancelled" in text_of(app.query_one(ViewPanel))
        assert lab.head == 7  # the original lab is untouched
        await send(pilot, "add-to-cart alice mug 1", "place-order alice")
        assert fork.last_order_id == "o2"


async def test_choosing_views_and_jumping_from_the_log(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, *SHOP, *ORDER)
        await pilot.press("escape", "T")
        await workers_done(pilot)
        screen = travel(app)
        screen.query_one("#travel-view", Select).value = "catalog"
        await pilot.pause()
        assert "Blue mug" in text_of(screen.query_one(ViewPanel))
        screen.query_one(EventLog).post_message(EventLog.EventSelected(2))
        await workers_done(pilot)
        assert screen.shown == 2
        assert screen.query_one(Scrubber).position == 2
        screen.select_view("cart", "alice")
        assert "(no rows)" in text_of(screen.query_one(ViewPanel))  # the cart came at #3
        screen.go_to(5)  # inside place-order: the command before it ends at #3
        await workers_done(pilot)
        assert screen.shown == 3
        assert "mug" in text_of(screen.query_one(ViewPanel))
        screen.query_one("#travel-user", Input).value = ""
        await pilot.pause()
        assert "type a user to see cart (e.g. alice)" in str(
            screen.query_one("#travel-note", Static).render()
        )
        await pilot.press("home")
        await workers_done(pilot)
        assert screen.shown == 0
        assert "the empty lab" in position_line(screen)
        await pilot.press("escape")
        assert app.screen is app.main
    assert screen.scratch is None  # closed with the screen


async def test_the_scrubber_moves_by_keys_and_clicks(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, *SHOP, *ORDER)
        await pilot.press("f9")
        await workers_done(pilot)
        scrubber = travel(app).query_one(Scrubber)
        assert scrubber.stops == (0, 1, 2, 3, 6, 7)
        line = text_of(scrubber).splitlines()[0]
        assert line.startswith("#0 ━") and line.rstrip().endswith("● #7")
        await pilot.press("pageup")
        assert scrubber.position == 0
        await pilot.press("end", "left", "left")
        assert scrubber.position == 3
        await pilot.click(Scrubber, offset=(3, 0))  # the start of the track
        await pilot.pause()
        assert scrubber.position == 0
        await pilot.click(Scrubber, offset=(scrubber.size.width - 5, 0))
        await pilot.pause()
        assert scrubber.position == 7
        await workers_done(pilot)
        assert travel(app).shown == 7  # only where it rests is built in the end


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
        screen = travel(app)
        note = str(screen.query_one("#travel-note", Static).render())
        assert "close the lesson first" in note
        assert app.lab is lab


async def test_a_fork_of_a_file_lab_is_written_beside_it(tmp_path: Path, wall: FakeWall) -> None:
    source = tmp_path / "lab.db"
    lab = Lab.open(str(source), seed=7, clock=ScaledClock(wall=wall), password_cost=2)
    app = LabApp(lab)
    app.fork_clock = lambda: ScaledClock(wall=wall)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await send(pilot, *SHOP)
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
