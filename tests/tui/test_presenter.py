"""Presenter mode (issue 15.2): `cqrs-lab --present` and F10 show only the caption, the read
model beside its CRUD twin, and their lane; a line typed there runs on the lab."""

from __future__ import annotations

from textual.widgets import Input, Static

from cqrs_lab import cli
from cqrs_lab.lab import Lab, interpreter
from cqrs_lab.tui.app import LabApp
from cqrs_lab.tui.lab_screen import LabScreen
from cqrs_lab.tui.presenter import PresenterScreen, caption_for
from cqrs_lab.tui.screenshot import DEMO
from cqrs_lab.tui.widgets import BusView, ViewPanel
from cqrs_lab.tui.widgets.view_panel import compare

STALE_READ = (*DEMO, "query orders alice")


def caption(app: LabApp) -> str:
    return str(app.screen.query_one("#present-caption", Static).render())


async def test_present_shows_the_two_tables_the_lane_and_what_just_happened(lab: Lab) -> None:
    app = LabApp(lab, present=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PresenterScreen)
        for line in STALE_READ:
            app.main.run_line(line)
        app.screen.redraw()
        await pilot.pause()
        said = caption(app)
        assert said.startswith("✗ STALE READ")
        assert "the order is in the CRUD twin; the read model is 1 event behind" in said
        lanes = app.screen.query_one(BusView)
        assert lanes.selected == "orders"
        assert lanes.size.height == 3 + 1  # the orders lane only, and the legend
        panel = app.screen.query_one(ViewPanel)
        assert panel.comparison is not None and panel.comparison.rows_differ == 1
        assert not panel.arrangement(panel.size.width).stacked  # side by side at 100x30

        await pilot.press("escape")  # back to the whole lab
        assert isinstance(app.screen, LabScreen)
        await pilot.press("f10")  # and into presenter mode again
        assert isinstance(app.screen, PresenterScreen)
        assert app.focused is app.screen.query_one("#present-input", Input)

        lab.advance(2.0)  # the order reaches the read model
        await pilot.press(*"query orders alice", "enter")  # typed in presenter mode
        assert app.main.bar.history.lines[-1] == "query orders alice"
        assert caption(app) == "The read model has caught up: both sides agree"


def test_captions_say_what_differs(lab: Lab) -> None:
    for line in (
        "add-product mug Mug 12.00 5",
        "settle",
        "latency catalog fixed:5s",
        "restock mug 3",
        'add-product tea "Green tea" 4.20 50',
    ):
        assert interpreter.execute(lab, line).ok, line
    projection = lab.query("catalog", None, record=False)
    crud = lab.query("catalog", None, crud=True, record=False)
    said = caption_for(projection, compare(projection.rows, crud.rows))
    assert said == (  # stale: behind the lab's own last write
        "✗ STALE READ — the product is in the CRUD twin; the product has changed in the CRUD"
        " twin; the read model is 2 events behind"
    )


def test_cqrs_lab_present_is_an_option_of_the_screen() -> None:
    parser, _ = cli.build_parser()
    assert parser.parse_args(["--present"]).present
    assert parser.parse_args(["tui", "--present"]).present
    assert not parser.parse_args([]).present
