"""The help screen: the keys (as currently bound), the whole lab script language, and the
glossary (the lab's words beside the industry's, from the course's GLOSSARY.md)."""

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
from cqrs_lab.lessons.glossary import Term, shipped_glossary

INTRO = (
    "Type lab lines in the command bar (it has focus at start). Commands go to the shop; "
    "their events travel the bus, one lane per projection, and the projections catch up "
    "while the CRUD twin is always current. Escape leaves the bar, ':' goes back to it."
)


class HelpScreen(ModalScreen[None]):
    """Keys, the script language and the glossary; g jumps to the glossary; Escape or q
    close it."""

    AUTO_FOCUS = "#help-body"
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="help-close"),
        Binding("g", "glossary", "Glossary", id="help-glossary"),
    ]

    def __init__(self, keys: Sequence[tuple[str, str]]) -> None:
        super().__init__(classes="dialog")
        self.keys = tuple(keys)

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box", classes="dialog-box"):
            yield Static(
                "CQRS Lab — help   (g: glossary, Escape closes)", id="help-title", markup=False
            )
            with VerticalScroll(id="help-body"):
                yield Static(Text(INTRO), classes="help-section")
                yield Static(self._keys_table(), classes="help-section")
                yield Static(_language_table(), classes="help-section")
                yield Static(
                    _glossary_table(shipped_glossary()), id="help-glossary", classes="help-section"
                )

    def _keys_table(self) -> Table:
        table = Table(title="Keys", title_justify="left", box=None, expand=True)
        table.add_column("key", style="bold", no_wrap=True)
        table.add_column("does")
        for key, description in self.keys:
            table.add_row(key, description)
        return table

    def action_close(self) -> None:
        self.dismiss(None)

    def action_glossary(self) -> None:
        self.query_one("#help-glossary").scroll_visible(top=True, animate=False)


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


def _glossary_table(terms: Sequence[Term]) -> Table:
    table = Table(
        title="Glossary: the lab's words beside the industry's (lessons/GLOSSARY.md)",
        title_justify="left",
        box=None,
        expand=True,
    )
    table.add_column("the lab says", style="bold")
    table.add_column("the industry says")
    table.add_column("what it is")
    for term in terms:
        table.add_row(_with_code(term.lab), _with_code(term.industry), _with_code(term.meaning))
    return table


def _with_code(cell: str) -> Text:
    """A glossary cell with its `code spans` set apart (bold) and their backticks gone."""
    text = Text()
    for index, part in enumerate(cell.split("`")):
        text.append(part, style="bold" if index % 2 else "")
    return text
