"""The lesson panel's "show me": a step's solution played one line at a time, as if typed,
so the learner sees each line's answer before the next one runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from cqrs_lab.tui.command_bar import CommandBar

if TYPE_CHECKING:
    from textual.timer import Timer
    from textual.widget import Widget


class SolutionPlayer:
    """Sends each line as `CommandBar.Submitted` from `sender` (the path a typed line
    takes), one every `seconds`, and calls `changed` after each."""

    def __init__(self, sender: Widget, seconds: float, changed: Callable[[], None]) -> None:
        self.sender = sender
        self.seconds = seconds
        self.changed = changed
        self.played: list[str] = []
        self.to_play: list[str] = []
        self._timer: Timer | None = None

    @property
    def playing(self) -> bool:
        return bool(self.to_play)

    def play(self, lines: Sequence[str]) -> None:
        """The first line now, the others on a timer."""
        self.played = []
        self.to_play = list(lines)
        self.play_next_line()
        if self.to_play:
            self._timer = self.sender.set_interval(self.seconds, self.play_next_line)

    def play_next_line(self) -> None:
        """Send the next line (the timer calls this)."""
        if not self.to_play:
            self.stop()
            return
        line = self.to_play.pop(0)
        self.played.append(line)
        self.sender.post_message(CommandBar.Submitted(line))
        if not self.to_play:
            self.stop()
        self.changed()

    def stop(self) -> None:
        """No more lines (those played stay shown)."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.to_play = []

    def forget(self) -> None:
        """Stop, and forget what played (a new step)."""
        self.stop()
        self.played = []
