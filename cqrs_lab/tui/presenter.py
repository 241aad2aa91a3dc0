"""Presenter mode (`cqrs-lab --present`, or F10): for the back of a room. Only what the
lesson is about, big and in high contrast: a caption of what just happened ("the order is in
the CRUD twin; the read model is 1 event behind"), the read model's table beside its CRUD
twin's, and the lane that feeds that read model. A line typed at the bottom runs on the lab
as if typed in the command bar; F10 or Escape goes back to the whole lab screen.

The lab screen stays below and keeps ticking the lab; this screen only draws it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from cqrs_lab.lab.answers import QueryAnswer
from cqrs_lab.read.view_specs import USER_VIEWS, VIEW_LANES
from cqrs_lab.tui.widgets import BusView, ViewPanel
from cqrs_lab.tui.widgets.view_panel import DIFFERS, ONLY_CRUD, ONLY_PROJECTION, Comparison

if TYPE_CHECKING:
    from cqrs_lab.tui.lab_screen import LabScreen

REFRESH_HZ = 10.0
"""Redraws a second: the room reads it, nobody needs 30."""
NOUNS = {"catalog": "product", "cart": "cart line", "orders": "order", "sales": "top product"}
"""What one row of each view is, for the caption."""


def _count(n: int, noun: str, one: str, many: str) -> str:
    """'the order is' / '2 orders are'."""
    return f"the {noun} {one}" if n == 1 else f"{n} {noun}s {many}"


def caption_for(projection: QueryAnswer, comparison: Comparison) -> str:
    """What the two tables show, in one sentence for the room."""
    noun = NOUNS.get(projection.view, "row")
    crud_marks, projection_marks = comparison.crud.marks, comparison.projection.marks
    added = sum(mark == ONLY_CRUD for mark in crud_marks)
    changed = sum(mark == DIFFERS for mark in crud_marks)
    gone = sum(mark == ONLY_PROJECTION for mark in projection_marks)
    said = []
    if added:
        said.append(_count(added, noun, "is", "are") + " in the CRUD twin")
    if changed:
        said.append(_count(changed, noun, "has", "have") + " changed in the CRUD twin")
    if gone:
        said.append(_count(gone, noun, "is", "are") + " gone from the CRUD twin")
    if not said and comparison.totals_differ:
        said.append("the totals differ")
    behind = projection.behind_events
    if behind:
        said.append(f"the read model is {behind} event{'' if behind == 1 else 's'} behind")
    elif said:
        said.append("the read model has applied every event, yet it disagrees")
    else:
        said.append("the read model has caught up: both sides agree")
    caption = "; ".join(said)
    if projection.stale:  # behind the asker's own last write
        return f"✗ STALE READ — {caption}"
    return caption[0].upper() + caption[1:]


class PresenterScreen(Screen[None]):
    """The caption, the two tables and the lane in question, over the lab screen."""

    CSS_PATH = "presenter.tcss"
    AUTO_FOCUS = "#present-input"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.present", "Back to the lab", id="present.leave"),
    ]

    def __init__(self, main: LabScreen) -> None:
        super().__init__()
        self.main = main
        self._caption = ""

    def compose(self) -> ComposeResult:
        yield Static(id="present-caption")
        yield ViewPanel(id="present-view")
        yield BusView(id="present-lane")
        yield Input(placeholder="a lab line   (F10 or Esc: the whole lab)", id="present-input")
        yield Footer()

    def on_mount(self) -> None:
        self.redraw()
        self.set_interval(1 / REFRESH_HZ, self.redraw, name="present-refresh")

    @property
    def lane(self) -> str:
        """The lane that feeds the view on show."""
        return VIEW_LANES.get(self.main.view, self.main.selected_lane)

    def redraw(self) -> None:
        with self.main.guard:  # a load's worker thread may be in the lab
            self._redraw()

    def _redraw(self) -> None:
        main, lane = self.main, self.lane
        snapshot = main.lab.snapshot()
        bus = self.query_one(BusView)
        bus.selected = lane
        bus.show(replace(snapshot, lanes=tuple(s for s in snapshot.lanes if s.name == lane)))
        user = (main.view_user or None) if main.view in USER_VIEWS else None
        projection = main.lab.query(main.view, user, record=False)
        crud = main.lab.query(main.view, user, crud=True, record=False)
        panel = self.query_one(ViewPanel)
        panel.show(projection, crud)
        assert panel.comparison is not None
        caption = caption_for(projection, panel.comparison)
        if caption != self._caption:  # an update lays the screen out again
            self._caption = caption
            self.query_one("#present-caption", Static).update(caption)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.main.submit(event.value)
        event.input.value = ""
        self.redraw()


def toggle_presenter(app: App[None], main: LabScreen) -> None:
    """Into presenter mode over the lab screen, or back out of it."""
    if isinstance(app.screen, PresenterScreen):
        app.pop_screen()
    else:
        app.push_screen(PresenterScreen(main))
