"""The caption: a few words shown large for the audience (`say "text"`, demos)."""

from __future__ import annotations

from rich.text import Text
from textual.events import Click
from textual.widgets import Static

NEXT_KEYS = "space · . · PgDn ▶"
"""The keys that go on when a demo waits (those presenter clickers send)."""


class Caption(Static):
    """Bold, centred, framed text under the status line; hidden until there is something
    to say. A click (or an empty `say ""`) hides it."""

    def __init__(self, **options: str) -> None:
        super().__init__("", markup=False, **options)
        self.text = ""

    def show(self, text: str) -> None:
        self.text = text.strip()
        self.update(Text(self.text, justify="center"))
        self.set_class(bool(self.text), "-shown")

    def hide(self) -> None:
        self.remove_class("-shown")

    @property
    def shown(self) -> bool:
        return self.has_class("-shown")

    def set_waiting(self, waiting: bool) -> None:
        """Tell the presenter the demo waits for a key."""
        self.set_class(waiting, "-waiting")
        self.border_subtitle = NEXT_KEYS if waiting else ""

    def on_click(self, event: Click) -> None:
        event.stop()
        self.hide()
