"""A demo on the screen: captions, lines run as if typed, pauses for the presenter's keys.

The line delay is an hour, so nothing moves by itself: the presenter's keys (which also
skip the delay) step the demo, and the test never waits on the wall clock."""

from __future__ import annotations

from cqrs_lab.lab import Lab
from cqrs_lab.tui.caption import NEXT_KEYS as SHOWN_KEYS
from cqrs_lab.tui.caption import Caption
from cqrs_lab.tui.demo_player import DemoApp

SIZE = (120, 40)
LINES = [
    "# a comment, skipped",
    'say "A shop opens."',
    "register alice alice@example.com s3cret-pass",
    "wait-key",
    "",
    'say "It sells mugs."',
    'add-product mug "Blue mug" 12.50 10',
]


def demo(lab: Lab) -> DemoApp:
    return DemoApp(lab, LINES, title="test demo", line_seconds=3600, refresh_hz=0)


async def test_captions_typed_lines_and_the_presenters_keys(lab: Lab) -> None:
    app = demo(lab)
    async with app.run_test(size=SIZE) as pilot:
        caption = app.query_one(Caption)
        assert not caption.shown
        await pilot.press("space")
        assert caption.shown and caption.text == "A shop opens."
        await pilot.press("full_stop")
        assert app.bar.input.value == LINES[2]  # shown in the bar before it runs
        assert lab.head == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert lab.head == 1  # run as if Enter was pressed
        assert app.waiting and caption.has_class("-waiting")
        assert caption.border_subtitle == SHOWN_KEYS
        await pilot.press("space")
        assert caption.text == "It sells mugs." and not app.waiting
        await pilot.press("space")
        await pilot.press("space")
        await pilot.pause()
        assert lab.head == 2 and app.finished
        assert "the end" in str(caption.border_title)
        assert app.focused is app.bar.input


async def test_after_the_demo_the_keys_are_the_labs_again(lab: Lab) -> None:
    app = demo(lab)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(6):
            await pilot.press("pagedown")
        await pilot.pause()
        assert app.finished
        await pilot.press("escape", "space")  # leave the bar; space pauses the lab clock
        await pilot.pause()
        assert lab.paused


async def test_say_typed_in_the_bar_shows_the_caption(lab: Lab) -> None:
    app = demo(lab)
    async with app.run_test(size=SIZE) as pilot:
        app.main.run_line('say "Look at the orders lane"')
        await pilot.pause()
        caption = app.query_one(Caption)
        assert caption.shown and caption.text == "Look at the orders lane"
        await pilot.click(Caption)
        assert not caption.shown
