"""The screen says so when another lab resets the database it shares."""

from __future__ import annotations

from pathlib import Path

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.sim.clock import ScaledClock
from cqrs_lab.tui.app import LabApp
from tests.tui.conftest import FakeWall
from tests.tui.test_app import SIZE


async def test_a_reset_by_another_lab_is_a_notification(tmp_path: Path, wall: FakeWall) -> None:
    db = str(tmp_path / "shared.db")
    other = Lab.open(db, seed=1, password_cost=2)
    mine = Lab.open(db, seed=2, clock=ScaledClock(wall=wall), password_cost=2)
    assert execute(other, 'add-product mug "Blue mug" 12.50 10').ok
    app = LabApp(mine, refresh_hz=0)
    async with app.run_test(size=SIZE) as pilot:
        app.main.tick()
        await pilot.pause()
        assert mine.head == 1
        execute(other, "reset")
        app.main.tick()
        await pilot.pause()
        said = [notification.message for notification in app._notifications]
        assert any("another lab reset the shared database" in message for message in said)
        assert mine.notices == [] and mine.head == 0
    other.close()
    mine.close()
