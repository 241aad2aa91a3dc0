"""The projector's view of a shared shop: the room's bus, and the commands that clashed as
they happen (refused out of stock, version conflicts and their retries), with who sent them.

Drawn from the picture of the instructor's own lab on the shop (`classroom/shop_watch.py`)
and the room's clashes (`Room.clashes`, from what attendees' labs publish).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from cqrs_lab.classroom.model import Clash, clock_text
from cqrs_lab.tui.classroom.picture_view import lanes_table

OUT_OF_STOCK = "out_of_stock"


class SharedShopView(Widget, can_focus=True):
    """Empty until `show`: the shop's picture (None: not a shared shop) and the clashes.
    Focusable: shown, it holds the focus the hidden grid had (the screen's keys work)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.picture: Mapping[str, Any] | None = None
        self.clashes: Sequence[Clash] = ()
        self.now = 0.0
        self.problem: str | None = None

    def show(
        self,
        picture: Mapping[str, Any] | None,
        clashes: Sequence[Clash],
        now: float,
        problem: str | None = None,
    ) -> None:
        self.picture, self.clashes, self.now, self.problem = picture, clashes, now, problem
        self.refresh()

    def render(self) -> RenderableType:
        if self.problem is not None:
            return Text(self.problem, "dim")
        if self.picture is None:
            return Text("Waiting for the shared shop…", "dim")
        shown = self.size.height - 4 - len(self.picture.get("lanes", []))
        return Group(
            summary(self.picture, self.clashes),
            lanes_table(self.picture),
            Text("\nAs it happens, newest first", "bold"),
            clashes_table(self.clashes, self.now, max(1, shown)),
        )


def summary(picture: Mapping[str, Any], clashes: Sequence[Clash]) -> Text:
    """The shop's head, and how many commands clashed: refused, out of stock, conflicts."""
    refused = [clash for clash in clashes if clash.code is not None]
    out_of_stock = sum(1 for clash in refused if clash.code == OUT_OF_STOCK)
    conflicts = sum(clash.conflicts for clash in clashes)
    retries = sum(clash.retries for clash in clashes)
    text = Text.assemble(("Shared shop", "bold"), f"  head #{picture.get('head', 0)}")
    text.append(f"  {len(refused)} refused", "bold red" if refused else "dim")
    text.append(f" ({out_of_stock} out of stock)", "red" if out_of_stock else "dim")
    style = "bold yellow" if conflicts else "dim"
    text.append(f"  {conflicts} conflict{'s' * (conflicts != 1)}, {retries} retried", style)
    return text


def clashes_table(clashes: Sequence[Clash], now: float, rows: int) -> RenderableType:
    if not clashes:
        return Text("no command has clashed yet: two buyers, one mug, and it will", "dim")
    table = Table(box=None, pad_edge=False, padding=(0, 1), show_header=False, expand=True)
    table.add_column("ago", justify="right", no_wrap=True)
    table.add_column("who", style="bold", no_wrap=True, max_width=12)
    table.add_column("line", no_wrap=True, overflow="ellipsis", ratio=1)
    table.add_column("what happened", no_wrap=True, overflow="ellipsis", ratio=2)
    for clash in list(clashes)[::-1][:rows]:
        table.add_row(
            Text(f"{clock_text(max(0.0, now - clash.at))} ago", "dim"),
            clash.name,
            clash.line,
            outcome(clash),
        )
    return table


def outcome(clash: Clash) -> Text:
    """✗ refused (and why), or ↻ met another's version and was retried; then what the lab
    said (for a race: both commands' fates)."""
    s = "s" * (clash.conflicts != 1)
    if clash.code is not None:
        text = Text(f"✗ {clash.code}", "bold red")
        if clash.conflicts:
            text.append(f" after {clash.conflicts} conflict{s}, retried", "yellow")
    else:
        text = Text(f"↻ {clash.conflicts} conflict{s}, retried", "bold yellow")
    text.append(f"  {clash.message}", "dim")
    return text
