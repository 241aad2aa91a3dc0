"""The room as a grid: one row an attendee, one cell a step of the lesson on the board.

Redrawn whole a few times a second (a small table: cheaper than a widget per cell). The
cursor row is the selected attendee; Enter asks to watch them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget

from cqrs_lab.classroom.model import Mark, Seat, Thresholds, clock_text

CELLS = {Mark.DONE: "✓", Mark.SHOWN: "S", Mark.ON_IT: "▶", Mark.TODO: "·"}
CELL_STYLES = {
    Mark.DONE: "bold green",
    Mark.SHOWN: "bold yellow",
    Mark.ON_IT: "bold cyan",
    Mark.TODO: "dim",
}
LEGEND = "✓ done  S shown the solution  ▶ on it  ·  to do  (a digit: hints taken)"


class RoomGrid(Widget, can_focus=True):
    """Attendees by steps; `show` gives it what to draw."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "move(1)", "Down", show=False, id="grid-down"),
        Binding("up,k", "move(-1)", "Up", show=False, id="grid-up"),
        Binding("enter", "choose", "Watch", id="grid-watch"),
    ]

    class Chosen(Message):
        """Enter on an attendee's row."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.seats: Sequence[Seat] = ()
        self.lesson: str | None = None
        self.steps = 0
        self.now = 0.0
        self.thresholds = Thresholds()
        self.cursor = 0
        self.watching: str | None = None

    @property
    def selected(self) -> Seat | None:
        return self.seats[self.cursor] if self.seats else None

    def show(
        self,
        seats: Sequence[Seat],
        *,
        lesson: str | None,
        now: float,
        thresholds: Thresholds,
        watching: str | None,
    ) -> None:
        """Draw these rows; the cursor stays on the same attendee if they are still shown."""
        chosen = self.selected.name if self.selected is not None else None
        self.seats, self.lesson, self.now = seats, lesson, now
        self.thresholds, self.watching = thresholds, watching
        self.steps = max(
            (seat.state.steps for seat in seats if seat.state.lesson == lesson), default=0
        )
        names = [seat.name for seat in seats]
        self.cursor = names.index(chosen) if chosen in names else min(self.cursor, len(names) - 1)
        self.cursor = max(0, self.cursor)
        self.refresh()

    def action_move(self, by: int) -> None:
        if self.seats:
            self.cursor = max(0, min(len(self.seats) - 1, self.cursor + by))
            self.refresh()

    def action_choose(self) -> None:
        if (seat := self.selected) is not None:
            self.post_message(self.Chosen(seat.name))

    def render(self) -> Table:
        table = Table(expand=True, box=None, pad_edge=False, header_style="bold", padding=(0, 1))
        table.add_column("attendee", no_wrap=True, min_width=10)
        for index in range(self.steps):
            table.add_column(str(index + 1), justify="center", no_wrap=True, width=2)
        table.add_column("on step", justify="right", no_wrap=True)
        table.add_column("rejected", justify="right", no_wrap=True)
        table.add_column("", no_wrap=True, ratio=1)
        for index, seat in enumerate(self.seats):
            style = "reverse" if index == self.cursor and self.has_focus else ""
            if index == self.cursor and not self.has_focus:
                style = "underline"
            table.add_row(*self._row(seat), style=style)
        if not self.seats:
            table.add_row(Text("nobody here yet: attendees run `cqrs-lab join CODE`", "dim"))
        return table

    def _row(self, seat: Seat) -> list[Text | str]:
        state, now = seat.state, self.now
        name = Text(seat.name, "dim" if not seat.present else "")
        if seat.name == self.watching:
            name.append(" ◉", "bold magenta")
        cells: list[Text | str] = [name]
        on_board = state.lesson == self.lesson
        cells += [self._cell(seat, index) if on_board else "" for index in range(self.steps)]
        on_step = clock_text(seat.time_on_step(now)) if state.lesson is not None else ""
        rejected = len(seat.recent_rejections(now, self.thresholds.window))
        cells += [on_step, Text(str(rejected) if rejected else "", "red")]
        cells.append(self._note(seat))
        return cells

    def _cell(self, seat: Seat, index: int) -> Text:
        mark = seat.state.mark(index)
        hints = seat.state.hints if index == seat.state.step else _hints_on(seat, index)
        cell = Text(CELLS[mark], CELL_STYLES[mark])
        if hints:
            cell.append(str(min(hints, 9)), "yellow")
        return cell

    def _note(self, seat: Seat) -> Text:
        if not seat.present:
            return Text("gone", "dim")
        if seat.state.lesson == self.lesson and seat.state.done:
            return Text("done", "bold green")
        note = Text()
        if seat.state.lesson != self.lesson:
            lesson = seat.state.lesson
            note.append("no lesson open " if lesson is None else f"on {lesson} ", "dim")
        if why := seat.stuck(self.now, self.thresholds):
            note.append(f"STUCK {why}", "bold red")
        if seat.state.paused:
            note.append(" paused" if note else "paused", "yellow")
        return note


def _hints_on(seat: Seat, index: int) -> int:
    """Hints the attendee took on step `index` of their lesson, the last time they were on it."""
    for record in reversed(seat.steps):
        if (record.lesson, record.step) == (seat.state.lesson, index):
            return record.hints
    return 0
