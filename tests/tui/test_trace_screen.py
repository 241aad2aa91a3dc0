"""The causation trace dialog: `t` traces the event under the log's cursor (or the newest),
with lab times, and follows an event still in flight until it is applied."""

from __future__ import annotations

from textual.widgets import Static

from cqrs_lab.lab import Lab
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.screens.trace import TraceScreen, describe_target, finished
from cqrs_lab.tui.widgets import EventLog
from tests.tui.conftest import FakeWall
from tests.tui.travel_helpers import SHOP, SIZE, frames, send, text_of


def chain_text(app: LabApp) -> str:
    screen = app.screen
    assert isinstance(screen, TraceScreen)
    return text_of(screen.query_one("#trace-chain", Static))


async def test_t_traces_the_newest_event_and_follows_it_until_applied(
    lab: Lab, wall: FakeWall
) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, *SHOP, "latency orders fixed:2s", "place-order alice")
        await frames(pilot)
        await pilot.press("escape", "t")
        screen = app.screen
        assert isinstance(screen, TraceScreen)
        assert screen.target == 6
        title = str(screen.query_one("#trace-title", Static).render())
        assert title.startswith("Causation trace of event #6")
        shown = chain_text(app)
        assert "command place-order alice o1" in shown
        assert "event #4 OrderPlaced on order-o1 v1, recorded t=0.000s" in shown
        assert "▶ event #6 CartCheckedOut" in shown
        assert "orders   sent t=0.000s → … in flight, due t=2.000s" in shown
        assert "sales    sent t=0.000s → ✓ applied at t=0.000s (+0.000s), delivered" in shown
        assert "not sent to catalog, carts: their projections ignore OrderPlaced" in shown
        assert screen.chain is not None and not finished(screen.chain)

        wall.now = 2.5
        await frames(pilot)
        screen.refresh_trace()  # what its timer does while the chain is unfinished
        await pilot.pause()
        shown = chain_text(app)
        # on the real clock the bus hands it over at the first frame after it was due
        assert "orders   sent t=0.000s → ✓ applied at t=2.500s (+2.500s), delivered" in shown
        assert "delivery sent t=0.000s, due t=2.000s: delivered at t=2.500s — applied" in shown
        assert finished(screen.chain)
        await pilot.press("escape")
        assert app.screen is app.main


async def test_t_traces_the_event_under_the_logs_cursor(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, *SHOP)
        log = app.query_one(EventLog)
        log.focus()
        await pilot.press("down", "down", "down")  # newest first: #3, #2, #1
        assert log.cursor_position == 1
        await pilot.press("t")
        shown = chain_text(app)
        assert "command register alice alice@example.com" in shown
        assert "s3cret" not in shown
        assert "not sent to catalog, carts, orders, sales" in shown
        await pilot.press("q")
        await pilot.press("enter")  # choosing an event says t traces it
        assert "(t: its causation trace)" in str(app.query_one("#command-message").render())


async def test_nothing_to_trace_in_an_empty_lab(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape", "t")
        assert app.screen is app.main
        assert "no events to trace yet" in str(app.query_one("#command-message").render())


async def test_a_trace_of_an_unknown_target_says_so(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(TraceScreen(lab, 42))
        await pilot.pause()
        chain = app.screen.query_one("#trace-chain", Static)
        assert str(chain.render()) == "✗ no event #42 (the head is #0)"
        assert describe_target("0123456789abcdef") == "command 01234567"


async def test_a_parked_then_replayed_event_shows_both_times(lab: Lab, wall: FakeWall) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, *SHOP, "on-error orders park", "poison orders next")
        await send(pilot, "place-order alice")  # OrderPlaced #4 is parked on the orders lane
        wall.now = 1.0
        await frames(pilot)
        app.push_screen(TraceScreen(lab, 4))
        await pilot.pause()
        shown = chain_text(app)
        assert "→ … not applied yet (parked)" in shown
        assert "delivered at t=0.000s — parked" in shown
        assert "parked at t=" in shown and "poison event: it cannot be applied" in shown
        await pilot.press("escape")
        wall.now = 3.0
        await send(pilot, "poison orders off", "replay-parked orders")
        app.push_screen(TraceScreen(lab, 4))
        await pilot.pause()
        shown = chain_text(app)
        assert "✓ applied at t=3.000s (+3.000s), replayed from the parked messages" in shown
        assert "parked at t=" in shown
