"""Rewinding a lab opened on stored events (issue 15): before the first event this session
saw, the screen says there is no delivery record and dots the scrubber's track there,
rather than show the lanes caught up as if that were known."""

from __future__ import annotations

from pathlib import Path

from cqrs_lab.lab import Lab
from cqrs_lab.sim.clock import ScaledClock, VirtualClock
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.screens.scrubber import UNKNOWN, Scrubber
from tests.lab_helpers import SHOP_SETUP, run
from tests.tui.conftest import FakeWall
from tests.tui.test_time_travel_screen import position_line, travel
from tests.tui.travel_helpers import SIZE, send, text_of, workers_done


async def test_before_the_record_starts_the_screen_says_so(tmp_path: Path, wall: FakeWall) -> None:
    db = str(tmp_path / "lab.sqlite")
    earlier = Lab.open(db, seed=3, clock=VirtualClock(), password_cost=2)
    run(earlier, SHOP_SETUP + "settle")  # #1..#4, in an earlier session
    earlier.close()
    lab = Lab.open(db, seed=3, clock=ScaledClock(wall=wall), password_cost=2)
    try:
        app = LabApp(lab)
        async with app.run_test(size=SIZE) as pilot:
            wall.now += 4
            await send(pilot, "restock mug 1")  # #5: the first this session saw
            await pilot.press("f9")
            await workers_done(pilot)
            screen = travel(app)
            assert "no delivery record" not in position_line(screen)
            scrubber = screen.query_one(Scrubber)
            assert UNKNOWN in text_of(scrubber)  # the stretch before #5 is dotted
            await pilot.press("home")
            await workers_done(pilot)
            assert "no delivery record before #5: lanes unknown" in position_line(screen)
    finally:
        lab.close()
