"""The command bar keeps up with fast typing and runs pasted scripts line by line."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.messages import Layout

from cqrs_lab.lab import Lab
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.command_bar import PLACEHOLDERS, CommandInput


async def test_the_empty_bar_says_the_longest_hint_that_fits_whole(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = app.query_one(CommandInput)
        assert bar.placeholder == PLACEHOLDERS[1]  # the longest is 80 columns: too wide
        assert len(bar.placeholder) <= bar.content_size.width
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert bar.placeholder == PLACEHOLDERS[0]


async def test_a_pasted_script_runs_every_line(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        bar = app.query_one(CommandInput)
        bar.post_message(
            events.Paste("add-product mug Mug 1.00 5\nrestock mug 2\n\nrestock mug 3\n")
        )
        await pilot.pause()
        assert [e.type for e in lab.store.read_all()] == [
            "ProductAdded",
            "ProductRestocked",
            "ProductRestocked",
        ]
        assert bar.value == ""
        assert bar.history.lines[-2:] == ["restock mug 2", "restock mug 3"]


async def test_the_next_line_can_be_typed_before_the_last_one_has_run(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"add-product mug Mug 1.00 5", "enter", *"restock mug 2", "enter")
        await pilot.pause()
        assert lab.store.head() == 2
        assert app.query_one(CommandInput).value == ""


async def test_a_failed_line_comes_back_to_be_fixed(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"restock mgu 2", "enter")
        await pilot.pause()
        assert app.query_one(CommandInput).value == "restock mgu 2"
        assert lab.store.head() == 0


async def test_a_key_typed_repaints_the_bar_without_laying_out_the_screen(lab: Lab) -> None:
    """A line wider than the bar still scrolls to its cursor, and no key asked for a layout."""
    posted: list[Message] = []
    app = LabApp(lab)
    async with app.run_test(size=(120, 40), message_hook=posted.append) as pilot:
        await pilot.pause()
        bar = app.query_one(CommandInput)
        posted.clear()
        line = "query orders " + "x" * 150
        await pilot.press(*line)
        await pilot.pause()
        assert bar.value == line
        assert bar.virtual_size.width == len(line) + 1
        assert bar.scroll_offset.x == bar.max_scroll_x > 0
        assert not [m for m in posted if isinstance(m, Layout) and m.widget is bar]
