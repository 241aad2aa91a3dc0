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


DROPPED_FIRST = ("seed", "name", "head", "lane")
"""What a narrow status line leaves out, in this order, so the rest is whole."""


def status_text(
    snapshot: LabSnapshot, lane: str, mode: str = "", branch: str = "", width: int = 0
) -> Text:
    """The header: lab time, running or PAUSED (in words), speed, seed, head, selected lane,
    where keys go (`mode`), and the fork the lab is on (`branch`); in `width` cells (0: any),
    the seed, the lab's name, the head and the lane left out as they must be."""
    paused = "‖ PAUSED " if snapshot.paused else "▶ running "
    parts: list[tuple[str, Text]] = [
        ("name", Text(" CQRS Lab ", style="bold")),
        ("time", Text.assemble(" ", (f"t={snapshot.now:.1f}s ", "bold"))),
        ("speed", Text.assemble(" ", (paused, "bold"), f"speed x{snapshot.speed:g} ")),
        ("seed", Text(f" seed {snapshot.seed} ")),
        ("head", Text(f" head #{snapshot.head} ")),
        ("flight", Text(f" {snapshot.in_flight} in flight ")),
        ("lane", Text(f" lane: {lane} ")),
    ]
    if branch:
        parts.append(("branch", Text.assemble(" ", (f"{branch} ", "bold"))))
    if mode:
        style = "bold reverse" if mode.startswith("keys") else "bold"
        parts.append(("mode", Text.assemble(" ", (f"{mode} ", style))))
    for dropped in ((), *(DROPPED_FIRST[: n + 1] for n in range(len(DROPPED_FIRST)))):
        text = Text("│").join(part for name, part in parts if name not in dropped)
        if not width or text.cell_len <= width:
            break
    return text
