"""Pictures of the lab screen (pytest-textual-snapshot). Accept a changed picture, after
looking at it, with `pytest tests/tui/test_snapshots.py --snapshot-update`.

The main screen is the README's picture (`cqrs_lab.tui.screenshot`): a seeded lab, paused,
with an order in flight. Everything that moves is frozen: the wall clock stands still and the
lab is paused (so the refresh timer draws the same frame again), command ids come from the
lab's seed, and the cursor does not blink.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from cqrs_lab.lab import Lab
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.screenshot import DEMO, SIZE, demo_lab


@pytest.fixture
def lab() -> Iterator[Lab]:
    lab = demo_lab()
    yield lab
    lab.close()


def prepared(*lines: str) -> Callable[[Pilot[None]], object]:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, LabApp)
        for input_widget in app.query(Input):
            input_widget.cursor_blink = False
        for line in lines:
            app.main.run_line(line)
        await pilot.pause()

    return run_before


def test_main_screen_with_an_event_in_flight(snap_compare, lab: Lab) -> None:
    assert snap_compare(LabApp(lab), terminal_size=SIZE, run_before=prepared(*DEMO))


def test_help_screen(snap_compare, lab: Lab) -> None:
    assert snap_compare(LabApp(lab), terminal_size=SIZE, run_before=prepared("pause"), press=["f1"])
