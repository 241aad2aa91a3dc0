"""Time travel: a scrubber over the event log. Choosing a position shows every projection
and the CRUD twin as they were then, rebuilt in a scratch lab; "Fork from here" makes that
position the live head of a new branch of the lab.

The scrubber stops at the end of each command (the store never held half of one). A
scratch lab is built off the screen's thread, one at a time: while one is built the
scrubber may move on, and only the position it rests on is built next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Label, Select, Static

from cqrs_lab.lab.time_travel import Timeline
from cqrs_lab.read.view_specs import USER_VIEWS, VIEW_NAMES
from cqrs_lab.sim.clock import Clock
from cqrs_lab.tui.screens.confirm import ConfirmScreen
from cqrs_lab.tui.widgets import EventLog, ViewPanel
from cqrs_lab.tui.widgets.format import lab_time

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab

PAGE = 10
"""Stops one PageUp or PageDown moves."""
LOG_EVENTS = 500
"""Events shown in the screen's event log (the newest up to the position)."""
THUMB, DONE, TODO = "●", "━", "─"


@dataclass(frozen=True, slots=True)
class Fork:
    """What the screen is dismissed with after a fork: the live lab goes on with `lab`."""

    lab: Lab
    note: str
    view: str
    user: str


class Scrubber(Widget, can_focus=True):
    """One line: the log from #0 to the head, and a thumb on the chosen stop."""

    COMPONENT_CLASSES: ClassVar = {"scrubber--done", "scrubber--thumb", "scrubber--label"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Earlier", show=False, id="scrubber.earlier"),
        Binding("right", "move(1)", "Later", show=False, id="scrubber.later"),
        Binding("pageup", f"move(-{PAGE})", "Much earlier", show=False, id="scrubber.page_up"),
        Binding("pagedown", f"move({PAGE})", "Much later", show=False, id="scrubber.page_down"),
        Binding("home", "edge(0)", "Start", show=False, id="scrubber.start"),
        Binding("end", "edge(1)", "Head", show=False, id="scrubber.head"),
    ]
    index: reactive[int] = reactive(0)

    class Changed(Message):
        """The scrubber rests on a new position."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    def __init__(self, stops: tuple[int, ...], position: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.stops = stops
        self.set_reactive(Scrubber.index, stops.index(position))

    @property
    def position(self) -> int:
        return self.stops[self.index]

    def go_to(self, position: int) -> None:
        """Rest on the stop at `position` (or the last one before it)."""
        self.index = max(i for i, stop in enumerate(self.stops) if stop <= max(position, 0))

    def watch_index(self) -> None:
        self.post_message(self.Changed(self.position))

    def action_move(self, step: int) -> None:
        self.index = max(0, min(len(self.stops) - 1, self.index + step))

    def action_edge(self, end: int) -> None:
        self.index = (len(self.stops) - 1) * end

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        left, track = self._track()
        if offset is None or track < 1:
            return
        fraction = min(1.0, max(0.0, (offset.x - left) / max(1, track - 1)))
        self.index = round(fraction * (len(self.stops) - 1))

    def _track(self) -> tuple[int, int]:
        """(column where the track starts, its width)."""
        start = len(self._left_label())
        return start, max(1, self.size.width - start - len(self._right_label()))

    def _left_label(self) -> str:
        return "#0 "

    def _right_label(self) -> str:
        return f" #{self.stops[-1]}"

    def render(self) -> Text:
        _, width = self._track()
        last = len(self.stops) - 1
        thumb = round(self.index / last * (width - 1)) if last else 0
        text = Text(self._left_label(), style=self.get_component_rich_style("scrubber--label"))
        text.append(DONE * thumb, style=self.get_component_rich_style("scrubber--done"))
        text.append(THUMB, style=self.get_component_rich_style("scrubber--thumb"))
        text.append(TODO * (width - thumb - 1))
        text.append(self._right_label(), style=self.get_component_rich_style("scrubber--label"))
        return text


class TimeTravelScreen(Screen[Fork | None]):
    """The lab as of a chosen position. Escape goes back to the live lab (None); a fork
    dismisses it with the `Fork`."""

    AUTO_FOCUS = "#travel-scrubber"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back to the live lab", id="travel.back"),
        Binding("f", "fork", "Fork from here", id="travel.fork"),
    ]

    def __init__(
        self,
        timeline: Timeline,
        *,
        view: str = "orders",
        user: str = "",
        fork_clock: Callable[[], Clock] | None = None,
        lesson_open: bool = False,
    ) -> None:
        super().__init__()
        self.timeline = timeline
        self.lesson_open = lesson_open
        """A lesson checks its steps on the live lab: no fork then."""
        self.view = view
        self.user = user
        self.fork_clock = fork_clock
        self.wanted = timeline.head
        """The position the scrubber rests on."""
        self.shown: int | None = None
        """The position of the scratch lab on screen."""
        self.scratch: Lab | None = None
        self._building = False
        self._forking = False

    def compose(self) -> ComposeResult:
        timeline = self.timeline
        yield Static(
            "Time travel — ←/→ one command, PgUp/PgDn ten, Home/End; click the log to jump. "
            "Every view is rebuilt as of that event.",
            id="travel-title",
            markup=False,
        )
        yield Scrubber(timeline.stops, timeline.head, id="travel-scrubber")
        yield Static(id="travel-position", markup=False)
        with Horizontal(id="travel-middle"):
            with Vertical(id="travel-views"):
                with Horizontal(id="travel-picker"):
                    yield Label("view", id="travel-view-label")
                    yield Select(
                        [(view, view) for view in VIEW_NAMES],
                        value=self.view,
                        allow_blank=False,
                        compact=True,
                        id="travel-view",
                    )
                    yield Input(
                        self.user, placeholder="user (cart, orders)", compact=True, id="travel-user"
                    )
                yield ViewPanel(id="travel-panel")
            yield EventLog(id="travel-log")
        with Horizontal(id="travel-buttons"):
            yield Static(id="travel-note", markup=False)
            yield Button("Fork from here (f)", variant="warning", id="travel-fork")
            yield Button("Back to the live lab (Esc)", id="travel-back")
        yield Footer()

    def on_mount(self) -> None:
        self._want(self.wanted)

    def on_unmount(self) -> None:
        if self.scratch is not None:
            self.scratch.close()
            self.scratch = None

    # -- choosing a position -----------------------------------------------------------

    @on(Scrubber.Changed)
    def _scrubbed(self, message: Scrubber.Changed) -> None:
        self._want(message.position)

    @on(EventLog.EventSelected)
    def _event_chosen(self, message: EventLog.EventSelected) -> None:
        """Jump to the end of the command that recorded the chosen event."""
        message.stop()
        stops = self.timeline.stops
        end = min((stop for stop in stops if stop >= message.position), default=stops[-1])
        self.query_one(Scrubber).go_to(end)

    def go_to(self, position: int) -> None:
        """Move the scrubber to `position` (or the end of the command before it)."""
        self.query_one(Scrubber).go_to(position)

    def _want(self, position: int) -> None:
        self.wanted = position
        self._describe(position)
        if not self._building:
            self._building = True
            self._build(position)

    @work(thread=True, group="time-travel", exit_on_error=False)
    def _build(self, position: int) -> None:
        """Build the scratch lab off the screen's thread (a long log takes a moment)."""
        try:
            lab = self.timeline.as_of(position)
        except Exception as error:  # shown on the screen, never a traceback
            self.app.call_from_thread(self._failed, error)
            return
        self.app.call_from_thread(self._built, position, lab)

    def _built(self, position: int, lab: Lab) -> None:
        self._building = False
        if not self.is_attached:
            lab.close()
            return
        if position != self.wanted:  # the scrubber moved on: build where it rests now
            lab.close()
            self._want(self.wanted)
            return
        if self.scratch is not None:
            self.scratch.close()
        self.scratch, self.shown = lab, position
        self._show_views()
        self._show_log(position)

    def _failed(self, error: Exception) -> None:
        self._building = False
        self._note(f"✗ cannot show that position: {error}", error=True)

    def _describe(self, position: int) -> None:
        """The line under the scrubber: the position and the command that ends there."""
        events = self.timeline.command_at(position)
        head = self.timeline.head
        if not events:
            text = f"as of event #0 of #{head}: the empty lab, before the first command"
        else:
            listed = ", ".join(f"{e.type} #{e.position}" for e in events)
            when = lab_time(events[-1].metadata.recorded_at)
            later = head - position
            text = f"as of event #{position} of #{head} ({when}): {listed}" + (
                f" — the {later} event{'s' if later != 1 else ''} after it left out"
                if later
                else ""
            )
        self.query_one("#travel-position", Static).update(text)

    def _show_log(self, position: int) -> None:
        kept = [e for e in self.timeline.events if e.position <= position][-LOG_EVENTS:]
        self.query_one(EventLog).show(tuple(reversed(kept)))

    # -- the views ---------------------------------------------------------------------

    @on(Select.Changed, "#travel-view")
    def _view_picked(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.view = event.value
            self._show_views()

    @on(Input.Changed, "#travel-user")
    def _user_typed(self, event: Input.Changed) -> None:
        event.stop()
        self.user = event.value.strip()
        self._show_views()

    def select_view(self, view: str, user: str | None = None) -> None:
        self.query_one("#travel-view", Select).value = view
        if user is not None:
            self.query_one("#travel-user", Input).value = user
        self.view = view
        self.user = user if user is not None else self.user
        self._show_views()

    def _show_views(self) -> None:
        lab = self.scratch
        if lab is None:
            return
        user = (self.user or None) if self.view in USER_VIEWS else None
        if self.view in USER_VIEWS and user is None:
            self._note(f"type a user to see {self.view} (e.g. {self._a_user() or 'alice'})")
        else:
            self._note("")
        panel = self.query_one(ViewPanel)
        panel.show(
            lab.query(self.view, user, record=False),
            lab.query(self.view, user, crud=True, record=False),
        )

    def _a_user(self) -> str | None:
        for event in self.timeline.events:
            if event.type == "UserRegistered":
                return str(event.data["username"])
        return None

    def _note(self, text: str, *, error: bool = False) -> None:
        note = self.query_one("#travel-note", Static)
        note.update(text)
        note.set_class(error, "-error")

    # -- fork and back -----------------------------------------------------------------

    @on(Button.Pressed, "#travel-back")
    def _back_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_back()

    @on(Button.Pressed, "#travel-fork")
    def _fork_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_fork()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_fork(self) -> None:
        if self._forking:
            return
        if self.lesson_open:
            self._note("✗ close the lesson first: its steps are checked on this lab", error=True)
            return
        position = self.query_one(Scrubber).position
        later = self.timeline.head - position
        where = self.timeline.fork_database(position)
        if where == ":memory:":
            place, original = "in memory", "The original lab is left behind, unchanged."
        else:
            place, original = f"in a new file, {where}", "The original file stays as it is."
        if later:
            left_out = f"the {later} events after it are" if later > 1 else "the event after it is"
            kept = f"{left_out} not in the branch"
        else:
            kept = "it holds every event so far"
        question = (
            f"Fork the lab at event #{position}? The live lab goes on from #{position} as a "
            f"new branch ({place}): {kept}. {original}"
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._forking = True
                self._note(f"forking at #{position}…")
                self._fork(position, where)

        self.app.push_screen(ConfirmScreen(question, yes="Fork"), answered)

    @work(thread=True, group="time-travel-fork", exit_on_error=False)
    def _fork(self, position: int, where: str) -> None:
        clock = self.fork_clock() if self.fork_clock else None
        try:
            lab = self.timeline.fork(position, db=where, clock=clock)
        except Exception as error:  # shown on the screen, never a traceback
            self.app.call_from_thread(self._fork_failed, error)
            return
        self.app.call_from_thread(self._forked, position, where, lab)

    def _fork_failed(self, error: Exception) -> None:
        self._forking = False
        self._note(f"✗ the fork failed: {error}", error=True)

    def _forked(self, position: int, where: str, lab: Lab) -> None:
        place = "" if where == ":memory:" else f" (saved in {where})"
        note = f"forked at #{position}: new commands append after it{place}"
        self.dismiss(Fork(lab, note, self.view, self.user))
