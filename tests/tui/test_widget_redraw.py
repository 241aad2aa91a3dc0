"""What the lab's widgets draw again, and what they lay out, when the lab changes under them:
only the rows that changed, styles kept from frame to frame until the stylesheet changes,
and no layout of the screen for a view panel whose height stays the same."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from cqrs_lab.lab.interpreter import execute
from cqrs_lab.tui.widgets import BusView, EventLog, MetricsStrip, ViewPanel
from cqrs_lab.tui.widgets.bus_view import ROWS_PER_LANE
from cqrs_lab.tui.widgets.format import changed_lines
from cqrs_lab.tui.widgets.metrics_strip import HISTORY

from .test_widgets import LANES, answers, lines, new_lab, running, showing

WIDTH = 120


def test_changed_lines_are_one_region_a_run_of_changed_rows() -> None:
    before = ["a", "b", "c", "d", "e"]
    assert changed_lines(before, list(before), WIDTH) == []
    assert changed_lines(before, ["a", "B", "C", "d", "E"], WIDTH) == [
        Region(0, 1, WIDTH, 2),
        Region(0, 4, WIDTH, 1),
    ]
    assert changed_lines(before, ["a", "b"], WIDTH) == [Region(0, 2, WIDTH, 3)]  # rows gone
    assert changed_lines([], ["x"], WIDTH) == [Region(0, 0, WIDTH, 1)]  # a row more


@contextmanager
def drawn_rows(widget: Widget) -> Iterator[list[int]]:
    """The rows the widget's `render_line` is asked for while the block runs."""
    asked: list[int] = []
    render_line = widget.render_line

    def spy(y: int) -> Strip:
        asked.append(y)
        return render_line(y)

    widget.render_line = spy  # type: ignore[method-assign]
    try:
        yield asked
    finally:
        del widget.render_line


async def test_bus_draws_again_only_the_rows_of_the_lane_that_changed() -> None:
    lab = new_lab()
    view = BusView()
    async with showing(view, lab.snapshot()) as pilot:
        assert execute(lab, "hold orders").ok  # only the orders lane's picture changes
        with drawn_rows(view) as asked:
            view.show(lab.snapshot())
            await pilot.pause()
        orders = LANES.index("orders") * ROWS_PER_LANE
        assert sorted(set(asked)) == [orders + 2]  # its second track row: HELD
        assert "HELD" in lines(view)[orders + 2]

        with drawn_rows(view) as asked:
            view.show(lab.snapshot())  # the same picture: nothing to draw
            await pilot.pause()
        assert asked == []


async def test_metrics_draw_again_only_the_rows_whose_numbers_changed() -> None:
    lab = new_lab()
    lab.advance(2)  # every lane caught up: each show adds a lag sample of 0
    strip = MetricsStrip()
    async with running(strip) as pilot:
        for _ in range(HISTORY):  # the sparklines full of them: a sample more changes nothing
            strip.show(lab.snapshot(), lab.metrics)
        await pilot.pause()
        assert execute(lab, "query catalog").ok  # one more query; no lane moves
        with drawn_rows(strip) as asked:
            strip.show(lab.snapshot(), lab.metrics)
            await pilot.pause()
        totals = len(strip._rows) - 1
        assert set(asked) == {totals}
        assert "queries 1" in lines(strip)[totals]


@pytest.mark.parametrize(
    ("make", "role"),
    [(BusView, "name"), (EventLog, "header"), (MetricsStrip, "name"), (ViewPanel, "title")],
)
async def test_role_styles_are_kept_until_the_stylesheet_changes(
    make: Callable[[], Widget], role: str
) -> None:
    widget = make()
    async with running(widget) as pilot:
        styles = widget._styles  # type: ignore[attr-defined]
        dark = styles(role)
        widget.refresh()  # Textual forgets its own component styles here
        await pilot.pause()
        assert styles(role) is dark  # the same Style: not worked out again
        pilot.app.theme = "textual-light"
        await pilot.pause()
        light = styles(role)
        assert light == widget.get_component_rich_style(f"{styles.prefix}--{role}") != dark
        assert styles.base == widget.rich_style


async def test_view_panel_lays_the_screen_out_only_when_its_height_changes() -> None:
    lab = new_lab()
    panel = ViewPanel()
    async with running(panel) as pilot:
        screen = pilot.app.screen
        layouts: list[None] = []
        layout = screen._refresh_layout

        def counted(*args: object, **kwargs: object) -> None:
            layouts.append(None)
            layout(*args, **kwargs)  # type: ignore[arg-type]

        screen._refresh_layout = counted  # type: ignore[method-assign]
        panel.show(*answers(lab, "orders", "alice"))
        await pilot.pause()
        assert layouts  # the first answers: the panel grows from its one-line hint
        height, laid_out = panel.size.height, len(layouts)

        lab.advance(1)  # still behind, a second later: the same lines, other words
        panel.show(*answers(lab, "orders", "alice"))
        await pilot.pause()
        assert len(layouts) == laid_out and panel.size.height == height
        assert "1 behind, 1.0s" in "\n".join(lines(panel))

        lab.advance(1)  # caught up: both sides agree, the legend goes, a line less
        panel.show(*answers(lab, "orders", "alice"))
        await pilot.pause()
        assert len(layouts) > laid_out and panel.size.height == height - 1
        assert "✓ Both sides agree." in lines(panel)[-1]
