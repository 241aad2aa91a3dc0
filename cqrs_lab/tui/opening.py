"""The first frame, drawn before the lab's own modules load: a command bar that keeps the
lines typed meanwhile (they run once the lab is open), and the keys. Textual only."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from cqrs_lab.tui.caption import Caption
from cqrs_lab.tui.key_footer import KeyFooter
from cqrs_lab.tui.status_line import StatusLine

OPENING = "opening lab…"


class EarlyInput(Input):
    """The command bar of the first frame: Enter clears it at once, like the bar, so keys
    typed next start a fresh line."""

    async def action_submit(self) -> None:
        line, self.value = self.value, ""
        self.post_message(self.Submitted(self, line))


class OpeningScreen(Screen[None]):
    """Shown while the lab opens; `take()` hands over the lines typed so far."""

    def __init__(self) -> None:
        super().__init__()
        self._lines: list[str] = []

    def compose(self) -> ComposeResult:
        status = StatusLine(id="status")
        status.show(Text(f" CQRS Lab │ {OPENING} ", style="bold"))
        yield status
        yield Caption(id="caption")
        with Vertical(id="command-bar"):
            yield EarlyInput(
                placeholder="type a lab line: it runs as soon as the lab is open",
                id="command-input",
            )
            yield Static(OPENING, id="command-message", markup=False)
        yield KeyFooter()

    @property
    def typed(self) -> str:
        """What is in the bar now, not sent yet."""
        return self.query_one(EarlyInput).value

    def take(self) -> list[str]:
        """The lines sent so far (each is handed over once)."""
        lines, self._lines = self._lines, []
        return lines

    @on(Input.Submitted, "EarlyInput")
    def _early_line(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            return
        self._lines.append(event.value)
        waiting = len(self._lines)
        note = f"{OPENING} {waiting} line{'s' if waiting > 1 else ''} waiting to run"
        self.query_one("#command-message", Static).update(note)
