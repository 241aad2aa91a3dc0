"""The event log: recorded events, newest first, in one scrolling Line API widget.

Only the rows on screen are drawn, so holding the lab's last 500 events costs nothing
until they are scrolled into view. The first row is a header that stays put."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cqrs_lab.store.event_store import RecordedEvent
from cqrs_lab.tui.widgets.format import (
    RoleStyled,
    RoleStyles,
    Run,
    component_classes,
    fit,
    lab_time,
    short_id,
    short_type,
    to_strip,
)

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab

PREFIX = "event-log"
ROLES = ("header", "position", "type", "stream", "muted", "cursor")
"""The roles rows are styled by: each one an `event-log--ROLE` component class."""
MARK = 2  # the cursor's column
COLUMNS = (("pos", 7), ("type", 20), ("stream", 18), ("correlation", 12), ("lab time", 10))
COLUMN_ROLES = {"pos": "position", "type": "type", "stream": "stream"}
"""The role of each column's values (the others are muted)."""
NARROWER = ((), ("correlation",), ("correlation", "lab time"))
"""Columns left out, in turn, until the rest fit the width."""
SHORT_POS, SHORT_TYPE, SHORT_STREAM = 6, 12, 16
"""Narrower still: the type takes what the stream leaves, as a short name (Placed,
ItemAdded) where the whole one does not fit, so the stream stays readable."""
EMPTY_HINT = "No events yet. Send a command, e.g.  register alice alice@example.com s3cret-pass"


def columns_for(width: int) -> tuple[tuple[str, int], ...]:
    """The columns that fit `width`: the correlation id goes first, then the lab time."""
    for left_out in NARROWER:
        columns = tuple(column for column in COLUMNS if column[0] not in left_out)
        if MARK + sum(size for _, size in columns) <= width:
            return columns
    type_width = max(SHORT_TYPE, width - MARK - SHORT_POS - SHORT_STREAM)
    return (("pos", SHORT_POS), ("type", type_width), ("stream", SHORT_STREAM))


class EventLog(RoleStyled, ScrollView, can_focus=True):
    """Recorded events, newest first: position, type, stream, correlation id, lab time."""

    COMPONENT_CLASSES = component_classes(PREFIX, ROLES)
    BINDINGS = [
        Binding("up", "cursor(-1)", "Newer event", show=False, id="event_log.cursor_up"),
        Binding("down", "cursor(1)", "Older event", show=False, id="event_log.cursor_down"),
        Binding("enter", "choose", "Select event", show=False, id="event_log.select"),
    ]

    class EventSelected(Message):
        """The learner picked an event (click, or enter on the cursor row)."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._events: tuple[RecordedEvent, ...] = ()
        self._cursor: int | None = None  # the position of the event under the cursor
        self._styles = RoleStyles(self, PREFIX)

    @property
    def cursor_position(self) -> int | None:
        return self._cursor

    def show(self, events: Sequence[RecordedEvent]) -> None:
        """Show these events (newest first). Cheap when nothing changed."""
        new = tuple(events)
        if new == self._events:
            return
        self._events = new
        self.virtual_size = Size(0, len(new) + 1)
        self.refresh()

    # -- drawing --------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._styles.base
        columns = columns_for(width)
        if y == 0:
            header = " " * MARK + "".join(fit(title, size) for title, size in columns)
            return to_strip([(header, "header")], width, self._styles, base)
        if not self._events:
            runs: list[Run] = [(" " + EMPTY_HINT, "muted")] if y == 1 else []
            return to_strip(runs, width, self._styles, base)
        index = self.scroll_offset.y + y - 1
        if index >= len(self._events):
            return Strip.blank(width, base)
        event = self._events[index]
        here = event.position == self._cursor
        type_width = dict(columns)["type"]
        values = {
            "pos": f"#{event.position}",
            "type": event.type if type_width > len(event.type) else short_type(event.type),
            "stream": event.stream_id,
            "correlation": short_id(event.metadata.correlation_id),
            "lab time": lab_time(event.metadata.recorded_at),
        }
        runs = [("▶ " if here else "  ", "position")]
        runs += [
            (fit(values[name], size), COLUMN_ROLES.get(name, "muted")) for name, size in columns
        ]
        if not here:
            return to_strip(runs, width, self._styles, base)
        cursor = self._styles("cursor")
        return to_strip(runs, width, lambda role: self._styles(role) + cursor, base + cursor)

    # -- messages up ----------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        index = self.scroll_offset.y + offset.y - 1
        if 0 <= index < len(self._events):
            self._cursor = self._events[index].position
            self.refresh()
            self.post_message(self.EventSelected(self._cursor))

    def action_cursor(self, step: int) -> None:
        if not self._events:
            return
        positions = [event.position for event in self._events]
        index = positions.index(self._cursor) + step if self._cursor in positions else 0
        index = max(0, min(len(positions) - 1, index))
        self._cursor = positions[index]
        self._scroll_to_index(index)
        self.refresh()

    def action_choose(self) -> None:
        if self._cursor is not None:
            self.post_message(self.EventSelected(self._cursor))

    def _scroll_to_index(self, index: int) -> None:
        rows = max(1, self.size.height - 1)  # below the header
        top = self.scroll_offset.y
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + rows:
            self.scroll_to(y=index - rows + 1, animate=False)


def describe_event(event: RecordedEvent) -> str:
    """One event in full, for the line under the bar."""
    meta = event.metadata
    data = json.dumps(event.data, default=str)
    return (
        f"event #{event.position} {event.type} on {event.stream_id} v{event.version} "
        f"at t={meta.recorded_at:.3f}s, correlation {meta.correlation_id[:8]}, "
        f"causation {meta.causation_id[:8]}: {data}"
    )


def find_event(lab: Lab, position: int) -> RecordedEvent | None:
    """The event at `position`: among the recent ones, else read from the store."""
    for event in lab.recent:
        if event.position == position:
            return event
    found = lab.store.read_all(after=position - 1, limit=1)
    return found[0] if found and found[0].position == position else None
