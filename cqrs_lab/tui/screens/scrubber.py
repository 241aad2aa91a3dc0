"""The time-travel scrubber: one line of lab time, from the first moment to the last, with a
thumb on the chosen one. It steps from one moment to the next (`BusHistory.moments`: an
event appended, a delivery falling due), by a second of lab time, or to where it is clicked.
The stretch before the delivery record starts (a lab opened on stored events) is dotted.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from cqrs_lab.lab.rewind import BusHistory
from cqrs_lab.tui.widgets.format import lab_time

PAGE = 10
"""Moments one PageUp or PageDown moves."""
SECOND = 1.0
"""Lab seconds shift+←/→ moves."""
THUMB, DONE, TODO = "●", "━", "─"
UNKNOWN = "┄"
"""Lab time before the delivery record starts (events stored before the lab opened)."""


class Scrubber(Widget, can_focus=True):
    """One line: lab time from the first moment to the last, and a thumb on the chosen one."""

    COMPONENT_CLASSES: ClassVar = {"scrubber--done", "scrubber--thumb", "scrubber--label"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "step(-1)", "Earlier", show=False, id="scrubber.earlier"),
        Binding("right", "step(1)", "Later", show=False, id="scrubber.later"),
        Binding("shift+left", f"shift(-{SECOND})", "1s earlier", show=False, id="scrubber.back"),
        Binding("shift+right", f"shift({SECOND})", "1s later", show=False, id="scrubber.on"),
        Binding("pageup", f"step(-{PAGE})", "Much earlier", show=False, id="scrubber.page_up"),
        Binding("pagedown", f"step({PAGE})", "Much later", show=False, id="scrubber.page_down"),
        Binding("home", "edge(0)", "Start", show=False, id="scrubber.start"),
        Binding("end", "edge(1)", "Now", show=False, id="scrubber.end"),
    ]
    at: reactive[float] = reactive(0.0)

    class Changed(Message):
        """The scrubber rests on a new lab time."""

        def __init__(self, at: float) -> None:
            super().__init__()
            self.at = at

    def __init__(self, history: BusHistory, at: float, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.history = history
        self.set_reactive(Scrubber.at, at)

    @property
    def start(self) -> float:
        return self.history.moments[0]

    @property
    def end(self) -> float:
        return self.history.moments[-1]

    def go_to(self, at: float) -> None:
        self.at = min(self.end, max(self.start, at))

    def watch_at(self) -> None:
        self.post_message(self.Changed(self.at))

    def action_step(self, steps: int) -> None:
        self.at = self.history.step(self.at, steps)

    def action_shift(self, seconds: float) -> None:
        self.go_to(self.at + seconds)

    def action_edge(self, end: int) -> None:
        self.at = self.end if end else self.start

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        left, track = self._track()
        if offset is None or track < 1:
            return
        fraction = min(1.0, max(0.0, (offset.x - left) / max(1, track - 1)))
        self.go_to(self.start + fraction * (self.end - self.start))

    def _track(self) -> tuple[int, int]:
        """(column where the track starts, its width)."""
        start = len(self._left_label())
        return start, max(1, self.size.width - start - len(self._right_label()))

    def _left_label(self) -> str:
        return f"{lab_time(self.start)} "

    def _right_label(self) -> str:
        return f" {lab_time(self.end)}"

    def render(self) -> Text:
        _, width = self._track()
        span = self.end - self.start
        thumb = round((self.at - self.start) / span * (width - 1)) if span > 0 else width - 1
        starts = self.history.record_starts
        unknown = 0 if starts <= self.start or span <= 0 else width
        if self.start < starts <= self.end:
            unknown = round((starts - self.start) / span * (width - 1))
        text = Text(self._left_label(), style=self.get_component_rich_style("scrubber--label"))
        text.append(UNKNOWN * min(thumb, unknown), style="dim")
        done = thumb - min(thumb, unknown)
        text.append(DONE * done, style=self.get_component_rich_style("scrubber--done"))
        text.append(THUMB, style=self.get_component_rich_style("scrubber--thumb"))
        todo = width - thumb - 1
        before = max(0, min(todo, unknown - thumb - 1))
        text.append(UNKNOWN * before, style="dim")
        text.append(TODO * (todo - before))
        text.append(self._right_label(), style=self.get_component_rich_style("scrubber--label"))
        return text
