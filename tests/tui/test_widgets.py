"""The lab screen's visual widgets, each in a tiny app, fed by a real headless Lab."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.message import Message
from textual.pilot import Pilot
from textual.widget import Widget

from cqrs_lab.lab.answers import QueryAnswer
from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.read.views import ViewRows
from cqrs_lab.tui.widgets import CSS_FILE, BusView, EventLog, MetricsStrip, ViewPanel
from cqrs_lab.tui.widgets.bus_view import ROWS_PER_LANE
from cqrs_lab.tui.widgets.event_log import columns_for
from cqrs_lab.tui.widgets.format import (
    cell,
    column_title,
    fit,
    lab_time,
    money,
    seconds_short,
    short_type,
)
from cqrs_lab.tui.widgets.metrics_strip import sparkline
from cqrs_lab.tui.widgets.view_panel import (
    DIFFERS,
    ONLY_CRUD,
    ONLY_PROJECTION,
    SAME,
    Arrangement,
    compare,
    short_title,
)

SIZE = (120, 40)
ORDER = """
latency all fixed:2s
register alice alice@example.com s3cret-pass
add-product mug "Blue mug" 12.50 10
add-to-cart alice mug 2
place-order alice
"""
CHANGES = """
add-to-cart alice mug 1
advance 2s
pay last
remove-from-cart alice mug
"""
LANES = ("catalog", "carts", "orders", "sales")
M = TypeVar("M", bound=Message)
Shown = TypeVar("Shown", BusView, EventLog, MetricsStrip, ViewPanel)


class WidgetApp(App[None]):
    """Composes one widget, with the widgets' style sheet, as the lab app will."""

    CSS_PATH = [CSS_FILE]

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


@asynccontextmanager
async def running(
    widget: Widget, messages: list[Message] | None = None
) -> AsyncIterator[Pilot[None]]:
    app = WidgetApp(widget)
    hook = messages.append if messages is not None else None
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        yield pilot


@asynccontextmanager
async def showing(
    widget: Shown, *what: Any, messages: list[Message] | None = None
) -> AsyncIterator[Pilot[None]]:
    """`widget` in its own app, drawn once from `what` (the arguments of its `show`)."""
    async with running(widget, messages) as pilot:
        widget.show(*what)
        await pilot.pause()
        yield pilot


def new_lab(script: str = ORDER) -> Lab:
    lab = Lab.open(":memory:", seed=3, password_cost=2**4)
    for line in script.strip().splitlines():
        outcome = execute(lab, line)
        assert outcome.ok, outcome.message
    return lab


def lines(widget: Widget) -> list[str]:
    """What the widget draws, one string a row."""
    width, height = widget.outer_size
    return [strip.text for strip in widget.render_lines(Region(0, 0, width, height))]


def lane_rows(view: BusView, lane: str) -> list[str]:
    start = LANES.index(lane) * ROWS_PER_LANE
    return lines(view)[start : start + ROWS_PER_LANE]


def posted(messages: list[Message], kind: type[M]) -> list[M]:
    """Each message of `kind` once (the hook sees it again at every node it bubbles to)."""
    return list(dict.fromkeys(m for m in messages if isinstance(m, kind)))


def answers(lab: Lab, view: str, user: str | None) -> tuple[QueryAnswer, QueryAnswer]:
    return (
        lab.query(view, user, record=False),
        lab.query(view, user, crud=True, record=False),
    )


# -- format -----------------------------------------------------------------------------


def test_formats_money_times_and_names() -> None:
    assert money(1250) == "12.50"
    assert seconds_short(0.84) == "0.8s"
    assert seconds_short(12.4) == "12s"
    assert seconds_short(150) == "2m30s"
    assert seconds_short(-1) == "0.0s"
    assert lab_time(3.2) == "t=3.20s"
    assert short_type("OrderPlaced") == "Placed"
    assert short_type("SomethingNewHappened") == "SomethingNe"
    assert cell("total_cents", 2500) == "25.00"
    assert cell("placed_at", 3.2) == "t=3.20s"
    assert cell("status", "paid") == "paid"
    assert column_title("unit_price_cents") == "unit price"
    assert fit("abcdef", 4) == "abc…"
    assert fit("ab", 4) == "ab  "


# -- BusView ----------------------------------------------------------------------------


async def test_bus_shows_deliveries_in_flight_then_the_checkpoint() -> None:
    lab = new_lab()
    view = BusView()
    async with showing(view, lab.snapshot()):
        title, track, stacked = lane_rows(view, "orders")
        assert title.split()[:5] == ["orders", "fixed:2s", "async", "gaps:wait", "faults:"]
        assert "in flight 1 · delivered 0 · dup 0 · dropped 0 · lost 0" in title
        assert (track + stacked).count("●") == 1  # only the event its projection handles
        assert "●Placed#4" in track
        assert "2.0s" in track
        assert "▐#3 1 behind" in track  # reflects the log up to just before OrderPlaced#4

        lab.advance(1)
        view.show(lab.snapshot())
        _, track, _ = lane_rows(view, "orders")
        track_width = track.index("▐")
        assert abs(track.index("●") - track_width / 2) <= 1  # halfway there
        assert "1.0s" in track

        lab.advance(1)
        view.show(lab.snapshot())
        title, track, stacked = lane_rows(view, "orders")
        assert "●" not in track + stacked
        assert "▐#6 ✓ caught up" in track
        assert "in flight 0 · delivered 1" in title


async def test_bus_marks_duplicates_drops_redeliveries_and_held_lanes() -> None:
    *before_order, order = ORDER.strip().splitlines()
    lab = new_lab("\n".join(before_order))
    lab.advance(2)  # the lanes are idle: what follows is the place-order alone
    for line in ("faults orders dup=1", "faults catalog drop=1"):
        assert execute(lab, line).ok
    lab.hold("sales")
    assert execute(lab, order).ok
    view = BusView()
    async with showing(view, lab.snapshot()):
        assert "●²Placed#4" in "".join(lane_rows(view, "orders"))
        assert "●✗Reserved#5" in "".join(lane_rows(view, "catalog"))
        assert "HELD" in lane_rows(view, "sales")[2]

        lab.advance(2)
        view.show(lab.snapshot())
        catalog = lane_rows(view, "catalog")
        assert "●↻✗Reserved#5" in "".join(catalog)
        assert "dropped 1" in catalog[0]
        assert "1 waiting" in lane_rows(view, "sales")[2]  # delivered, held at the door


async def test_bus_draws_inline_lanes_as_a_solid_line() -> None:
    lab = new_lab("mode carts inline\nregister alice alice@example.com s3cret-pass")
    view = BusView()
    async with showing(view, lab.snapshot()):
        title, track, _ = lane_rows(view, "carts")
        assert "inline" in title
        assert "━━━" in track
        assert "updated in the command's transaction" in track
        assert "▐#1 ✓ caught up" in track


async def test_bus_stacks_then_counts_what_does_not_fit() -> None:
    script = 'latency all fixed:2s\nadd-product mug "Blue mug" 1.00 1\n' + "\n".join(
        f"restock mug {i + 1}" for i in range(29)
    )
    lab = new_lab(script)
    view = BusView()
    async with showing(view, lab.snapshot()):
        assert len(lab.snapshot().lane("catalog").in_flight) == 30
        _, track, stacked = lane_rows(view, "catalog")
        assert track.startswith("●ProdAdded#1 ●Restocked#2")
        assert stacked.startswith("●Restocked#")
        shown = (track + stacked).count("●")
        more = re.findall(r"\+(\d+)", track + stacked)
        assert len(more) == 1
        assert shown + int(more[0]) == 30


async def test_clicking_a_lane_selects_it() -> None:
    lab = new_lab()
    view = BusView()
    messages: list[Message] = []
    async with showing(view, lab.snapshot(), messages=messages) as pilot:
        await pilot.click(BusView, offset=(10, 2 * ROWS_PER_LANE + 1))
        await pilot.pause()
        assert [m.lane for m in posted(messages, BusView.LaneSelected)] == ["orders"]
        assert lane_rows(view, "orders")[0].startswith("▶ orders")

        view.focus()
        await pilot.press("down")
        await pilot.pause()
        assert view.selected == "sales"
        assert [m.lane for m in posted(messages, BusView.LaneSelected)] == ["orders", "sales"]


async def test_bus_with_500_deliveries_in_flight_draws_every_line() -> None:
    script = "latency all uniform:1s..60s\nfaults all dup=0.3 drop=0.1 reorder=on\n"
    script += 'register alice alice@example.com s3cret-pass\nadd-product mug "Blue mug" 1.00 1000\n'
    lab = new_lab(script)
    view = BusView()
    async with running(view) as pilot:
        # Each round sends five events down the lanes: ItemAdded and CheckedOut on carts,
        # Placed on orders and on sales, Reserved on catalog; duplicates add more.
        for _ in range(130):
            for line in ("add-to-cart alice mug 1", "place-order alice"):
                assert execute(lab, line).ok
            lab.advance(0.05)
        snapshot = lab.snapshot()
        assert snapshot.in_flight >= 500
        assert all(lane.in_flight for lane in snapshot.lanes)
        view.show(snapshot)
        await pilot.pause()
        drawn = [view.render_line(y) for y in range(view.size.height)]
        assert all(strip.cell_length == view.size.width for strip in drawn)
        assert "+" in "".join(strip.text for strip in drawn)


# -- EventLog ---------------------------------------------------------------------------


async def test_event_log_lists_events_newest_first() -> None:
    lab = new_lab()
    log = EventLog()
    async with showing(log, lab.snapshot().recent_events):
        drawn = lines(log)
        assert drawn[0].split() == ["pos", "type", "stream", "correlation", "lab", "time"]
        first = drawn[1].split()
        assert first[:3] == ["#6", "CartCheckedOut", "cart-alice"]
        assert first[-1] == "t=0.00s"
        assert drawn[6].split()[:2] == ["#1", "UserRegistered"]


def test_event_log_leaves_out_columns_when_narrow() -> None:
    assert [name for name, _ in columns_for(120)] == [
        "pos",
        "type",
        "stream",
        "correlation",
        "lab time",
    ]
    assert [name for name, _ in columns_for(60)] == ["pos", "type", "stream", "lab time"]
    assert [name for name, _ in columns_for(47)] == ["pos", "type", "stream"]
    assert columns_for(40) == (("pos", 6), ("type", 16), ("stream", 16))
    assert columns_for(30) == (("pos", 6), ("type", 12), ("stream", 16))  # short type names


async def test_event_log_is_empty_with_a_hint() -> None:
    log = EventLog()
    async with showing(log, ()):
        assert "No events yet" in lines(log)[1]


async def test_event_log_posts_the_event_clicked_or_chosen() -> None:
    lab = new_lab()
    log = EventLog()
    messages: list[Message] = []
    async with showing(log, lab.snapshot().recent_events, messages=messages) as pilot:
        await pilot.click(EventLog, offset=(5, 2))  # the second event: #5
        await pilot.pause()
        assert lines(log)[2].startswith("▶ #5")
        log.focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        chosen = [m.position for m in posted(messages, EventLog.EventSelected)]
        assert chosen == [5, 4]


async def test_event_log_scrolls_through_500_events() -> None:
    script = 'add-product mug "Blue mug" 1.00 1000\n' + "\n".join(
        f"restock mug {i + 1}" for i in range(499)
    )
    lab = new_lab(script)
    log = EventLog()
    async with showing(log, lab.snapshot().recent_events) as pilot:
        assert lines(log)[1].split()[0] == "#500"
        log.scroll_end(animate=False)
        await pilot.pause()
        assert lines(log)[-1].split()[:2] == ["#1", "ProductAdded"]


# -- MetricsStrip -----------------------------------------------------------------------


def test_sparkline_scales_to_the_top_and_keeps_the_newest() -> None:
    assert sparkline([0, 1, 4, 8], 4, 8) == "▁▂▅█"  # zero is the lowest bar, any lag more
    assert sparkline([8], 3, 8) == "  █"
    assert sparkline([9, 0, 9], 2, 9) == "▁█"  # only the newest that fit


async def test_metrics_show_lag_history_and_stale_reads() -> None:
    *before_order, _ = ORDER.strip().splitlines()
    lab = new_lab("\n".join(before_order))
    strip = MetricsStrip()
    async with running(strip) as pilot:
        strip.show(lab.snapshot(), lab.metrics)
        for line in ("add-to-cart alice mug 1", "remove-from-cart alice mug"):
            assert execute(lab, line).ok
        execute(lab, "query cart alice")  # the projection has not seen the cart yet: stale
        strip.show(lab.snapshot(), lab.metrics)
        await pilot.pause()
        drawn = lines(strip)
        assert drawn[0].split()[:2] == ["lane", "lag"]
        carts = drawn[1 + LANES.index("carts")]
        assert carts.split()[:4] == ["carts", "3", "ev", "0.0s"]
        assert "▄█" in carts
        assert strip.history("carts") == (1, 3)
        assert strip.history("orders") == (0, 0)  # the orders lane carries no cart event
        assert "cart 1" in drawn[-2]  # a stale read: read-your-writes broken, counted too
        assert "sessions 1 violation (read-your-writes)" in drawn[-2]
        assert "commands 5 ok · 0 rejected" in drawn[-1]
        assert "queries 1" in drawn[-1]

        lab.advance(2)
        strip.show(lab.snapshot(), lab.metrics)
        carts = lines(strip)[1 + LANES.index("carts")]
        assert carts.split()[:4] == ["carts", "0", "ev", "0.0s"]
        assert carts.split()[-4:] == ["3", "0", "0", "0"]  # deliveries, dup, gaps, redelivered


# -- ViewPanel --------------------------------------------------------------------------


def rows(*rows: tuple[object, ...], summary: tuple[tuple[str, object], ...] = ()) -> ViewRows:
    return ViewRows(("order_id", "status", "total_cents"), tuple(rows), summary)


def test_compare_marks_changed_missing_and_extra_rows() -> None:
    projection = rows(("o1", "placed", 100), ("o3", "placed", 5), summary=(("count", 2),))
    crud = rows(("o1", "paid", 100), ("o2", "placed", 7), summary=(("count", 2),))
    comparison = compare(projection, crud)
    assert comparison.projection.marks == (DIFFERS, ONLY_PROJECTION)
    assert comparison.crud.marks == (DIFFERS, ONLY_CRUD)
    assert comparison.crud.differing_cells[0] == frozenset({1})
    assert comparison.crud.summary_marks == (SAME,)
    assert comparison.rows_differ == 3
    assert comparison.totals_differ == 0


async def test_view_panel_marks_the_missing_order_while_stale() -> None:
    lab = new_lab()
    panel = ViewPanel()
    async with running(panel) as pilot:
        assert "Ask a query" in lines(panel)[0]
        panel.show(*answers(lab, "orders", "alice"))
        await pilot.pause()
        text = "\n".join(lines(panel))
        assert "Read model (projection)  ✗ STALE" in text
        assert "as of event #3, head #6 — 1 behind" in text
        assert "CRUD twin — always current" in text
        o1 = next(line for line in lines(panel) if "o1" in line)
        left, right = o1[: SIZE[0] // 2], o1[SIZE[0] // 2 :]
        assert "o1" not in left
        assert right.split() == ["+", "o1", "placed", "25.00", "t=0.00s"]
        assert "≠ count 0" in text and "≠ count 1" in text
        assert "≠ 1 row and 1 total differ" in text


async def test_view_panel_marks_nothing_when_both_sides_agree() -> None:
    lab = new_lab()
    lab.advance(2)
    panel = ViewPanel()
    async with showing(panel, *answers(lab, "orders", "alice")):
        text = "\n".join(lines(panel))
        assert "✓ CAUGHT UP" in text
        assert "✓ Both sides agree." in text
        assert "≠" not in text and "+ " not in text
        assert text.count("o1") == 2


async def test_view_panel_marks_changed_and_removed_rows() -> None:
    lab = new_lab(f"{ORDER}\n{CHANGES}")
    panel = ViewPanel()
    async with showing(panel, *answers(lab, "orders", "alice")) as pilot:
        o1 = [line.split() for line in lines(panel) if "o1" in line]
        row = ["o1", "placed", "25.00", "t=0.00s"]
        assert o1 == [["≠", *row, "≠", "o1", "paid", *row[2:]]]

        panel.show(*answers(lab, "cart", "alice"))
        await pilot.pause()
        mug = [line.split() for line in lines(panel) if "mug" in line]
        assert mug == [["−", "mug", "1", "12.50", "12.50", "(no", "rows)"]]  # noqa: RUF001


async def test_view_panel_keeps_every_value_whole_at_any_width() -> None:
    """Side by side with whole headings, then with wrapped ones, then the twin below."""
    lab = new_lab(f"{ORDER}\n{CHANGES}")
    panel = ViewPanel()
    async with showing(panel, *answers(lab, "orders", "alice")):
        assert panel.arrangement(100) == Arrangement(stacked=False, short_titles=False)
        assert panel.arrangement(78) == Arrangement(stacked=False, short_titles=True)
        assert panel.arrangement(60) == Arrangement(stacked=True, short_titles=False)
        assert panel.arrangement(30) == Arrangement(stacked=True, short_titles=True)
    assert short_title("placed_at") == "placed\nat"
    assert short_title("quantity") == "qty"


async def test_bus_compact_draws_one_row_a_lane() -> None:
    lab = new_lab(ORDER)
    bus = BusView()
    async with running(bus) as pilot:
        bus.show(lab.snapshot())
        bus.compact = True
        await pilot.pause()
        drawn = [line for line in lines(bus) if line.strip()]
        assert len(drawn) == len(lab.snapshot().lanes) == bus.size.height
        assert any(line.startswith("  orders") and "▐#" in line for line in drawn)


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_all_widgets_together_in_both_themes(theme: str) -> None:
    lab = new_lab(ORDER + "faults orders dup=0.5 drop=0.3\nmode carts inline\nadvance 1s")
    for line in ("register bob bob@example.com s3cret-pass", "add-to-cart bob mug 1"):
        execute(lab, line)
    execute(lab, "place-order bob")
    lab.hold("sales")

    class Screen(App[None]):
        CSS_PATH = [CSS_FILE]

        def compose(self) -> ComposeResult:
            yield BusView()
            yield ViewPanel()
            yield MetricsStrip()
            yield EventLog()

    app = Screen()
    async with app.run_test(size=SIZE) as pilot:
        app.theme = theme
        snapshot = lab.snapshot()
        app.query_one(BusView).show(snapshot)
        app.query_one(BusView).selected = "orders"
        app.query_one(ViewPanel).show(*answers(lab, "orders", "bob"))
        app.query_one(MetricsStrip).show(snapshot, lab.metrics)
        app.query_one(EventLog).show(snapshot.recent_events)
        await pilot.pause()
        svg = app.export_screenshot()
        for text in ("Placed#", "STALE", "HELD", "lag history", "OrderPlaced"):
            assert text in svg.replace("&#160;", " ")
