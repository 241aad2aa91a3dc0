"""Playing a demo script on the lab screen, for a projector.

`say "text"` shows the text large in the caption; `wait-key` stops until the presenter
presses space, `.` or PageDown (what presenter clickers send); every other line appears in
the command bar and runs a moment later, as if typed, one line every ~0.8 s. Pressing one
of those keys while lines play runs the next one at once. When the script ends, the keys
work as usual and the lab is the presenter's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.timer import Timer

from cqrs_lab import script as sc
from cqrs_lab.lab import Lab
from cqrs_lab.tui.app import REFRESH_HZ, LabApp
from cqrs_lab.tui.caption import Caption

LINE_SECONDS = 0.8
"""Wall seconds between two lines of a demo."""
NEXT_KEYS = ("space", "full_stop", "pagedown")
"""The presenter's keys: go on after a wait-key."""


class DemoApp(LabApp):
    """The lab screen playing a demo script (checked with `parse_script` beforehand)."""

    AUTO_FOCUS = "#bus"  # not the command bar: a focused input would swallow space and .
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(",".join(NEXT_KEYS), "demo_next", "Next", priority=True, id="demo-next"),
        # A subclass's binding of a key replaces the base class's: keep those (space).
        *(
            binding
            for binding in LabApp.BINDINGS
            if isinstance(binding, Binding) and set(binding.key.split(",")) & set(NEXT_KEYS)
        ),
    ]

    def __init__(
        self,
        lab: Lab,
        lines: Sequence[str],
        *,
        title: str = "demo",
        line_seconds: float = LINE_SECONDS,
        refresh_hz: float = REFRESH_HZ,
    ) -> None:
        super().__init__(lab, refresh_hz=refresh_hz)
        self.lines = list(lines)
        self.demo_title = title
        self.line_seconds = line_seconds
        self.next_line = 0
        """Index of the next script line to take."""
        self.typed: str | None = None
        """A line shown in the command bar, run at the next step."""
        self.waiting = False
        self.finished = False
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        """Textual also runs LabApp's `on_mount`; this one only starts the player."""
        self._schedule()

    @property
    def caption(self) -> Caption:
        return self.main.query_one(Caption)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "demo_next":
            return not self.finished  # afterwards space, . and PageDown do what they used to
        return super().check_action(action, parameters)

    def action_demo_next(self) -> None:
        """The presenter's key: go on after a wait-key, or run the next line now."""
        self.waiting = False
        self.play()

    def play(self) -> None:
        """One step: run the line in the bar, then take script lines up to the next pause."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.typed is not None:
            line, self.typed = self.typed, None
            self.main.submit(line)  # what Enter in the bar does, but at once: the next
            # caption must not overtake this line
        while self.next_line < len(self.lines):
            line = self.lines[self.next_line]
            self.next_line += 1
            action = sc.parse_line(line)
            if action is None:  # blank or a comment
                continue
            if isinstance(action, sc.WaitKey):
                self.waiting = True
                self._show_progress()
                return
            if isinstance(action, sc.Say):
                self.main.run_line(line)
            else:
                self.typed = line
                self.bar.input.value = line
                self.bar.input.cursor_position = len(line)
            self._show_progress()
            self._schedule()
            return
        if self.typed is None:
            self._finish()
        else:
            self._schedule()

    def _schedule(self) -> None:
        self._timer = self.set_timer(self.line_seconds, self.play, name="demo-line")

    def _show_progress(self) -> None:
        caption = self.caption
        caption.border_title = f"{self.demo_title} · line {self.next_line}/{len(self.lines)}"
        caption.set_waiting(self.waiting)

    def _finish(self) -> None:
        self.finished = True
        self.waiting = False
        caption = self.caption
        caption.border_title = f"{self.demo_title} · the end"
        caption.set_waiting(False)
        caption.border_subtitle = "the lab is yours: type in the command bar"
        self.refresh_bindings()
        self.bar.input.focus()
