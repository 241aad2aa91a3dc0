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


DROPPED_FIRST = ("seed", "name", "head", "lane", "hint", "speed", "flight", "seat")
"""What a narrow status line leaves out, in this order, so the rest is whole."""


def status_text(
    snapshot: LabSnapshot,
    lane: str,
    mode: str = "",
    branch: str = "",
    width: int = 0,
    seat: str = "",
) -> Text:
    """The header: the classroom seat (`seat`: an attendee's code and name), lab time,
    running or PAUSED (in words), speed, seed, head, selected lane, where keys go (`mode`;
    what follows its ` · ` is a hint), and the fork the lab is on (`branch`); in `width`
    cells (0: any), the parts in DROPPED_FIRST left out as they must."""
    bold, paused = "bold", "‖ PAUSED " if snapshot.paused else "▶ running "
    parts: list[tuple[str, str, str, bool]] = [  # (name, text, style, glued to the one before)
        ("name", "CQRS Lab ", "", False),
    ]
    if seat:
        parts.append(("seat", f"{seat} ", bold, False))
    parts += [
        ("time", f"t={snapshot.now:.1f}s ", bold, False),
        ("state", paused, bold, False),
        ("speed", f"speed x{snapshot.speed:g} ", "", True),
        ("seed", f"seed {snapshot.seed} ", "", False),
        ("head", f"head #{snapshot.head} ", "", False),
        ("flight", f"{snapshot.in_flight} in flight ", "", False),
        ("lane", f"lane: {lane} ", "", False),
    ]
    if branch:
        parts.append(("branch", f"{branch} ", bold, False))
    if mode:
        where, _, hint = mode.partition(" · ")
        style = "bold reverse" if mode.startswith("keys") else bold
        parts.append(("mode", where, style, False))
        if hint:
            parts.append(("hint", f" · {hint}", style, True))
        parts.append(("end", " ", style, True))
    for dropped in ((), *(DROPPED_FIRST[: n + 1] for n in range(len(DROPPED_FIRST)))):
        text = _joined([part for part in parts if part[0] not in dropped])
        if not width or text.cell_len <= width:
            break
    return text


def _joined(parts: list[tuple[str, str, str, bool]]) -> Text:
    """The parts with `│ ` between them (none before a glued one), all bold, a span a run."""
    runs: list[tuple[str, str]] = []
    for index, (_, words, style, glued) in enumerate(parts):
        if not index:
            words = " " + words
        elif not glued:
            runs.append(("│ ", ""))
        runs.append((words, style))
    merged: list[tuple[str, str]] = []
    for words, style in runs:
        if merged and merged[-1][1] == style:
            merged[-1] = (merged[-1][0] + words, style)
        else:
            merged.append((words, style))
    return Text.assemble(*merged, style="bold")
