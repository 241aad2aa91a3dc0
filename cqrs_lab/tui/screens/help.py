"""The help screen: the keys (as currently bound) and the whole lab script language."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from cqrs_lab import script as sc

INTRO = (
    "Type lab lines in the command bar (it has focus at start). Commands go to the shop; "
    "their events travel the bus, one lane per projection, and the projections catch up "
    "while the CRUD twin is always current. Escape leaves the bar, ':' goes back to it."
)


class HelpScreen(ModalScreen[None]):
    """Keys and the script language; Escape, q or F1 close it."""

    AUTO_FOCUS = "#help-body"
    BINDINGS = [Binding("escape,q", "close", "Close", id="help-close")]

    def __init__(self, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__(classes="dialog")
        self.keys = tuple(keys)

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box", classes="dialog-box"):
            yield Static("CQRS Lab — help   (Escape closes)", id="help-title", markup=False)
            with VerticalScroll(id="help-body"):
                yield Static(Text(INTRO), classes="help-section")
                yield Static(self._keys_table(), classes="help-section")
                yield Static(_language_table(), classes="help-section")

    def _keys_table(self) -> Table:
        table = Table(title="Keys", title_justify="left", box=None, expand=True)
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("does")
        for key, description in self.keys:
            table.add_row(key, description)
        return table

    def action_close(self) -> None:
        self.dismiss(None)


def _language_table() -> Table:
    table = Table(
        title="The lab script language (one line = one action)",
        title_justify="left",
        box=None,
        expand=True,
    )
    table.add_column("line", style="bold", no_wrap=True)
    table.add_column("does")
    for word in sc.COMMAND_WORDS:
        usage, _, description = sc.USAGE[word].partition("\n")
        table.add_row(usage, description)
    return table
