"""Issue 17 on the screen: a stalled lane is red on the bus with its reason and its parked
count, its lag keeps growing, queries say stalled; cache hits, stale cache hits and
session-guarantee violations are counted in the metrics strip."""

from __future__ import annotations

from textual.widget import Widget

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.snapshot import LaneState
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.widgets import BusView, MetricsStrip, ViewPanel
from cqrs_lab.tui.widgets.bus_view import ROWS_PER_LANE
from cqrs_lab.tui.widgets.format import short_stall
from tests.tui.test_app import SHOP, frames, send, text_of
from tests.tui.test_widgets import LANES, ORDER, lane_rows, lines, new_lab, showing

SIZE = (120, 40)
STALLED = "latency all fixed:2s\non-error orders stop\npoison orders next\n" + ORDER


def red_text(view: BusView, y: int) -> str:
    """The characters of row `y` drawn in the stalled style (red, bold)."""
    red = view.get_component_rich_style("bus-view--stalled")
    strip = view.render_line(y)
    return "".join(
        segment.text for segment in strip if segment.style and segment.style.color == red.color
    )


def stalled_lane(lab: Lab) -> LaneState:
    lane = lab.snapshot().lane("orders")
    assert lane.stalled is not None
    return lane


def test_a_stall_in_few_words() -> None:
    stop = "stalled on #4 OrderPlaced: poison event (on-error stop: change the policy or lift it)"
    assert short_stall(stop) == "#4 OrderPlaced: poison event · stop"
    retry = "stalled on #4 OrderPlaced: boom (attempt 2, next retry in 1.5s)"
    assert short_stall(retry) == "#4 OrderPlaced: boom · retry in 1.5s"
    assert short_stall("stalled on #9 X: odd") == "#9 X: odd"


async def test_a_stalled_lane_is_red_with_its_reason_and_its_lag_grows() -> None:
    lab = new_lab(STALLED)
    lab.advance(3)
    assert stalled_lane(lab).lag_events == 1
    view = BusView()
    async with showing(view, lab.snapshot()) as pilot:
        title, track, under = lane_rows(view, "orders")
        assert "✗ STALLED #4 OrderPlaced: poison event" in title
        assert "· stop" in title
        assert "▐#3 ✗ STALLED" in track
        assert "1 behind" in under
        y = LANES.index("orders") * ROWS_PER_LANE
        assert "orders" in red_text(view, y)  # the lane's name is red...
        assert "STALLED #4 OrderPlaced" in red_text(view, y)  # ...and its reason
        assert "────" in red_text(view, y + 1)  # ...and its track
        assert "STALLED" not in "".join(lane_rows(view, "carts"))  # the others are not

        for line in ("add-to-cart alice mug 1", "place-order alice"):
            assert execute(lab, line).ok
        lab.advance(3)
        assert stalled_lane(lab).lag_events == 2  # it never catches up by itself
        view.show(lab.snapshot())
        await pilot.pause()
        assert "2 behind" in lane_rows(view, "orders")[2]


async def test_a_stalled_lane_shows_its_parked_count_in_both_layouts() -> None:
    lab = new_lab("latency all fixed:2s\non-error orders park\npoison orders next 1\n" + ORDER)
    lab.advance(3)
    for line in ("on-error orders stop", "poison orders next"):
        assert execute(lab, line).ok
    for line in ("add-to-cart alice mug 1", "place-order alice"):
        assert execute(lab, line).ok
    lab.advance(3)
    lane = stalled_lane(lab)
    assert lane.parked == 1
    view = BusView()
    async with showing(view, lab.snapshot()) as pilot:
        title, _, under = lane_rows(view, "orders")
        assert "✗ STALLED #" in title
        assert title.rstrip().endswith("· parked 1")
        assert "1 parked" in under

        view.compact = True
        await pilot.pause()
        row = lines(view)[LANES.index("orders")]
        assert row.startswith("  orders")
        assert "✗ STALLED #" in row
        assert "· parked 1" in row
        assert f"✗ {lane.lag_events} behind" in row
        assert "STALLED" in red_text(view, LANES.index("orders"))
        assert "STALLED" not in lines(view)[LANES.index("carts")]


async def test_poison_then_an_order_stalls_the_orders_lane_on_screen(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        for line in ("latency all zero", *SHOP, "poison orders next", "place-order alice"):
            await send(pilot, line)
        await frames(pilot)
        bus = app.query_one(BusView)
        shown = text_of(bus)
        assert "✗ STALLED #4 OrderPlaced" in shown
        y = next(i for i, line in enumerate(shown.splitlines()) if "STALLED #4" in line)
        assert "STALLED #4 OrderPlaced" in red_text(bus, y)

        await send(pilot, "query orders alice")
        await frames(pilot)
        assert "✗ STALLED" in text_of(app.query_one(ViewPanel))  # queries say so too


def totals(strip: Widget) -> str:
    return " ".join(line for line in lines(strip)[1 + len(LANES) :])


async def test_the_strip_counts_cache_hits_and_stale_ones(lab: Lab) -> None:
    app = LabApp(lab)
    async with app.run_test(size=SIZE) as pilot:
        for line in ("latency all zero", *SHOP, "place-order alice"):
            await send(pilot, line)
        await frames(pilot)
        strip = app.query_one(MetricsStrip)
        assert "cache" not in totals(strip)  # nothing until there is a hit

        for line in ("cache orders ttl:5s", "query orders alice", "query orders alice"):
            await send(pilot, line)
        await frames(pilot)
        assert "cache 1 hits · 0 stale" in totals(strip)
        assert "commands 4 ok" in totals(strip)  # still shown, on a row of their own if need be
        assert "queries 2" in totals(strip)


async def test_the_strip_names_session_violations() -> None:
    lab = new_lab(ORDER + "cache orders ttl:5s\n")
    for line in ("query orders alice", "advance 3s", "query orders alice"):
        assert execute(lab, line).ok
    assert lab.metrics.stale_cache_hits["orders"] == 1
    assert lab.metrics.session_violations["read-your-writes"] == 2
    strip = MetricsStrip()
    async with showing(strip, lab.snapshot(), lab.metrics):
        shown = totals(strip)
        assert "cache 1 hits · 1 stale" in shown
        assert "sessions 2 violations (read-your-writes)" in shown
        assert "queries 2" in shown
