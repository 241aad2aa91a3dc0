"""Helpers for the lab screen's tests (and its time travel, predict and trace screens'):
lines typed into the command bar, refresh ticks on a clock only the test moves, and what a
widget shows."""

from __future__ import annotations

from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.redraw import VIEW_REFRESH_TICKS

SIZE = (120, 40)
SHOP = (
    "latency all zero",
    "register alice alice@example.com s3cret-pass",
    'add-product mug "Blue mug" 12.50 10',
    "add-to-cart alice mug 2",
)


def text_of(widget: Widget) -> str:
    """What a widget shows, as plain text."""
    width, height = widget.size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, width, height)))


def app_of(pilot: Pilot[None]) -> LabApp:
    app = pilot.app
    assert isinstance(app, LabApp)
    return app


async def send(pilot: Pilot[None], *lines: str) -> None:
    """Put each line in the command bar and press Enter."""
    app = app_of(pilot)
    for line in lines:
        app.bar.input.value = line
        app.bar.input.focus()
        await pilot.press("enter")
        await pilot.pause()


async def frames(pilot: Pilot[None], count: int = VIEW_REFRESH_TICKS) -> None:
    """Let the screen run `count` refresh ticks (enough for the throttled view panel)."""
    app = app_of(pilot)
    for _ in range(count):
        app.main.tick()
    await pilot.pause()


async def workers_done(pilot: Pilot[None]) -> None:
    """Wait for the screen's background work (a scratch lab, a fork) and what it posts."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
