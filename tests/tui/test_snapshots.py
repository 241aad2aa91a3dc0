"""Pictures of the lab screen (pytest-textual-snapshot). Accept a changed picture, after
looking at it, with `pytest tests/tui/test_snapshots.py --snapshot-update`.

The main screen is the README's picture (`cqrs_lab.tui.screenshot`): a seeded lab, paused,
with an order in flight. Everything that moves is frozen: the wall clock stands still and the
lab is paused (so the refresh timer draws the same frame again), command ids come from the
lab's seed, and the cursor does not blink.

The layout adapts (issue 15): at every size, with and without a lesson open, a stale read
shows the read model's table and the CRUD twin's with every heading and value whole; at 80x24
and 100x30 side by side once the learner folds the lesson panel into its line (ctrl+l).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from cqrs_lab.lab import Lab
from cqrs_lab.lessons import Lesson, load_lessons, shipped_course
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
        for input_widget in (*app.query(Input), *app.screen.query(Input)):
            input_widget.cursor_blink = False  # the lab screen's and a screen's on top of it
        for line in lines:
            app.main.run_line(line)
        await pilot.pause()

    return run_before


def test_main_screen_with_an_event_in_flight(snap_compare, lab: Lab) -> None:
    assert snap_compare(LabApp(lab), terminal_size=SIZE, run_before=prepared(*DEMO))


def test_help_screen(snap_compare, lab: Lab) -> None:
    assert snap_compare(LabApp(lab), terminal_size=SIZE, run_before=prepared("pause"), press=["f1"])


STALE_READ = (*DEMO, "query orders alice")
"""The demo, then the query that reads the orders projection before the order reached it."""
SIZES = [(80, 24), (100, 30), (120, 40), (160, 50)]


def lesson(lesson_id: str = "04-eventual-consistency") -> Lesson:
    return next(item for item in load_lessons([shipped_course()]).lessons if item.id == lesson_id)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_stale_read_at_every_size(snap_compare, lab: Lab, size: tuple[int, int]) -> None:
    assert snap_compare(LabApp(lab), terminal_size=size, run_before=prepared(*STALE_READ))


@pytest.mark.parametrize("size", SIZES[1:3], ids=[f"{w}x{h}" for w, h in SIZES[1:3]])
def test_a_stale_read_with_a_lesson_open(
    snap_compare, lab: Lab, size: tuple[int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CQRS_LAB_DATA_DIR", str(tmp_path))  # progress goes here
    app = LabApp(lab, lesson=lesson())
    assert snap_compare(app, terminal_size=size, run_before=prepared(*STALE_READ))


SMALL = SIZES[:2]


@pytest.mark.parametrize("size", SMALL, ids=[f"{w}x{h}" for w, h in SMALL])
def test_a_stale_read_with_the_lesson_folded(
    snap_compare, lab: Lab, size: tuple[int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CQRS_LAB_DATA_DIR", str(tmp_path))
    app = LabApp(lab, lesson=lesson())
    assert snap_compare(app, terminal_size=size, run_before=prepared(*STALE_READ), press=["ctrl+l"])


def test_presenter_mode_at_100x30(snap_compare, lab: Lab) -> None:
    """`cqrs-lab --present`: the caption, the two tables and the orders lane only."""
    app = LabApp(lab, present=True)
    assert snap_compare(app, terminal_size=(100, 30), run_before=prepared(*STALE_READ))
