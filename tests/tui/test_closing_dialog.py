"""`ClosingDialog`: Escape and the dialog's close button dismiss it with None; its other
buttons keep their own meaning (the lane dialog's Apply)."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import Input

from cqrs_lab.tui.screens import LaneSettingsScreen


class Host(App[None]):
    """Pushes the lane dialog and keeps what it was dismissed with."""

    def __init__(self) -> None:
        super().__init__()
        self.results: list[list[str] | None] = []

    def on_mount(self) -> None:
        self.push_screen(LaneSettingsScreen("orders", "zero", "none"), self.results.append)


@pytest.mark.parametrize("how", ["escape", "button"])
async def test_escape_or_the_cancel_button_dismisses_with_none(how: str) -> None:
    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        if how == "escape":
            await pilot.press("escape")
        else:
            await pilot.click("#lane-cancel")
        await pilot.pause()
        assert app.results == [None]
        assert not isinstance(app.screen, LaneSettingsScreen)


async def test_apply_is_not_a_close() -> None:
    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        app.screen.query_one("#lane-latency", Input).value = "fixed:3s"
        await pilot.click("#lane-apply")
        await pilot.pause()
        assert app.results == [["latency orders fixed:3s"]]
