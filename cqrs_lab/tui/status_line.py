"""The header line: lab time, running or paused, speed, seed, head, the selected lane, and
where keys go. Light (Rich and Textual only): the first frame shows it too."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget

if TYPE_CHECKING:
    from cqrs_lab.lab.snapshot import LabSnapshot


class StatusLine(Widget):
    """Redrawn only when its text changes, and never re-laid out (a `Static.update` would
    lay the whole screen out again, 30 times a second)."""

    def __init__(self, **options: str) -> None:
        super().__init__(**options)
        self._text = Text()

    def show(self, text: Text) -> None:
        if text != self._text:
            self._text = text
            self.refresh()

    def render(self) -> Text:
        return self._text


def status_text(snapshot: LabSnapshot, lane: str, mode: str = "", branch: str = "") -> Text:
    """The header: lab time, running or PAUSED (in words), speed, seed, head, selected lane,
    where keys go (`mode`), and the fork the lab is on (`branch`)."""
    text = Text(" CQRS Lab ", style="bold")
    text.append("│ ")
    text.append(f"t={snapshot.now:.1f}s ", style="bold")
    text.append("│ ")
    text.append("‖ PAUSED " if snapshot.paused else "▶ running ", style="bold")
    text.append(f"speed x{snapshot.speed:g} ")
    text.append("│ ")
    text.append(f"seed {snapshot.seed} │ head #{snapshot.head} │ {snapshot.in_flight} in flight ")
    text.append(f"│ lane: {lane} ")
    if branch:
        text.append("│ ")
        text.append(f"{branch} ", style="bold")
    if mode:
        text.append("│ ")
        text.append(f"{mode} ", style="bold reverse" if mode.startswith("keys") else "bold")
    return text
