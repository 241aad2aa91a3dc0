"""The footer shows whole keys only: at 80 columns the last ones are left out, not cut."""

from __future__ import annotations

import pytest
from textual.widget import Widget

from cqrs_lab.lab import Lab
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.key_footer import KeyFooter


def footer_keys(app: LabApp) -> tuple[list[Widget], list[Widget], Widget]:
    """The footer's keys shown and hidden, in order, and the palette's key."""
    keys = list(app.screen.query_one(KeyFooter).query_children("FooterKey"))
    palette = next(key for key in keys if key.has_class("-command-palette"))
    others = [key for key in keys if key is not palette]
    return (
        [key for key in others if key.display],
        [key for key in others if not key.display],
        palette,
    )


@pytest.mark.parametrize(("width", "some_hidden"), [(80, True), (100, True), (200, False)])
async def test_every_key_shown_ends_before_the_palette(
    lab: Lab, width: int, some_hidden: bool
) -> None:
    app = LabApp(lab)
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.pause()
        shown, hidden, palette = footer_keys(app)
        assert [key.description for key in shown[:2]] == ["Quit", "Help"]  # the first come first
        assert all(key.region.right <= palette.region.x for key in shown)
        assert bool(hidden) is some_hidden
        if hidden:  # the first key left out would not have fitted whole
            last_shown = max(key.region.right for key in shown)
            assert last_shown + hidden[0].render().cell_len > palette.region.x


async def test_a_key_left_out_still_works_and_comes_back_when_the_screen_widens(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        _, hidden, _ = footer_keys(app)
        assert "Faster" in [key.description for key in hidden]
        await pilot.press("escape", "f8")
        assert lab.speed == 2
        await pilot.resize_terminal(200, 40)
        await pilot.pause()
        _, hidden, _ = footer_keys(app)
        assert not hidden
