"""Presenter mode (`cqrs-lab --present`, or F10): for the back of a room. Only what the
lesson is about, big and in high contrast: a caption of what just happened ("the order is in
the CRUD twin; the read model is 1 event behind"), the read model's table beside its CRUD
twin's, the lane that feeds that read model, and (while services are on) the services as
boxes with the lanes between them, two rows a lane. A line typed at the bottom runs on the lab
as if typed in the command bar; F10 or Escape goes back to the whole lab screen.

The lab screen stays below and keeps ticking the lab; this screen only draws it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input, Static

from cqrs_lab.lab.answers import QueryAnswer
from cqrs_lab.lab.service_performers import services_picture
from cqrs_lab.read.view_specs import USER_VIEWS, VIEW_LANES
from cqrs_lab.tui.key_footer import KeyFooter
from cqrs_lab.tui.widgets import BusView, ServicesView, ViewPanel
from cqrs_lab.tui.widgets.view_panel import DIFFERS, ONLY_CRUD, ONLY_PROJECTION, Comparison
from cqrs_lab.wording import counted

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab, Outcome
    from cqrs_lab.lab.guard import LabGuard
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
        said.append(f"the read model is {counted(behind, 'event')} behind")
    elif said:
        said.append("the read model has applied every event, yet it disagrees")
    else:
        said.append("the read model has caught up: both sides agree")
    caption = "; ".join(said)
    if projection.stale:  # behind the asker's own last write
        return f"✗ STALE READ — {caption}"
    return caption[0].upper() + caption[1:]


@dataclass(frozen=True, slots=True)
class OnShow:
    """What the lab screen shows now: its lab (a fork after time travel), the view and user
    of its view panel, and its selected lane (for a view without one)."""

    lab: Lab
    view: str
    user: str
    lane: str

    @property
    def feeding_lane(self) -> str:
        """The lane that feeds the view (the selected lane for a view without one)."""
        return VIEW_LANES.get(self.view, self.lane)


class PresenterScreen(Screen[None]):
    """The caption, the two tables and the lane in question, over the lab screen: it reads
    what the lab screen shows (`on_show`), runs lines with `run_line` as if typed in the
    command bar, and holds `guard` while it reads the lab (a load's worker thread may be in
    it)."""

    CSS_PATH = "presenter.tcss"
    AUTO_FOCUS = "#present-input"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.present", "Back to the lab", id="present.leave"),
    ]

    def __init__(
        self,
        on_show: Callable[[], OnShow],
        run_line: Callable[[str], Outcome | None],
        guard: LabGuard,
    ) -> None:
        super().__init__()
        self.on_show = on_show
        self.run_line = run_line
        self.guard = guard
        self._caption = ""

    def compose(self) -> ComposeResult:
        yield Static(id="present-caption")
        yield ViewPanel(id="present-view")
        yield BusView(id="present-lane")
        yield ServicesView(id="present-services")
        yield Input(placeholder="a lab line   (F10 or Esc: the whole lab)", id="present-input")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(ServicesView).compact = True  # the tables keep the room
        self.redraw()
        self.set_interval(1 / REFRESH_HZ, self.redraw, name="present-refresh")

    def redraw(self) -> None:
        with self.guard:
            self._redraw(self.on_show())

    def _redraw(self, shown: OnShow) -> None:
        lab, view, lane = shown.lab, shown.view, shown.feeding_lane
        snapshot = lab.snapshot()
        bus = self.query_one(BusView)
        bus.selected = lane
        bus.show(replace(snapshot, lanes=tuple(s for s in snapshot.lanes if s.name == lane)))
        user = (shown.user or None) if view in USER_VIEWS else None
        projection = lab.query(view, user, record=False)
        crud = lab.query(view, user, crud=True, record=False)
        self.query_one(ServicesView).show(services_picture(lab))
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
            self.run_line(event.value)
        event.input.value = ""
        self.redraw()


def toggle_presenter(app: App[None], main: LabScreen) -> None:
    """Into presenter mode over the lab screen, or back out of it."""
    if isinstance(app.screen, PresenterScreen):
        app.pop_screen()
    else:

        def on_show() -> OnShow:
            return OnShow(main.lab, main.view, main.view_user, main.selected_lane)

        app.push_screen(PresenterScreen(on_show, main.submit, main.guard))
