"""One row for work running in the background: what it is, a progress bar and, for a load,
a stop button. Hidden while nothing runs (the screen's styles say `display: none`)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Label, ProgressBar


class JobRow(Horizontal):
    """`#NAME-label`, `#NAME-progress` and, with `stop`, `#NAME-stop`."""

    class StopPressed(Message):
        """The row's stop button was pressed."""

    def __init__(self, name: str, *, stop: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self.job = name
        self.stop_label = stop
        self._label = ""

    def compose(self) -> ComposeResult:
        yield Label(id=f"{self.job}-label", markup=False)
        yield ProgressBar(id=f"{self.job}-progress", show_eta=False)
        if self.stop_label:
            yield Button(self.stop_label, id=f"{self.job}-stop", compact=True)

    def begin(self, label: str, total: float | None) -> None:
        """Show the row, its progress at zero."""
        self.show(label, 0, total)
        self.display = True

    def show(self, label: str, done: float, total: float | None) -> None:
        if label and label != self._label:  # a label changes rarely: no layout every frame
            self._label = label
            self.query_one(Label).update(label)
        self.query_one(ProgressBar).update(total=total, progress=done)

    def end(self) -> None:
        self.display = False

    @on(Button.Pressed)
    def _stop_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.StopPressed())
