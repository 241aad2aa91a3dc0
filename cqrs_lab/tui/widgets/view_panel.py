"""One query answered twice, side by side: from the read model (a projection, maybe behind)
and from its CRUD twin (always current). Rows and totals that differ are marked with a
symbol as well as a colour, so the difference reads in any theme and on a projector.

The tables are sized to their content and never cut a value: where the two do not fit side
by side with whole headings, the headings wrap ("order id" over two lines, "quantity" as
"qty"); where they still do not fit, the twin goes below the read model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from cqrs_lab.lab.answers import QueryAnswer
from cqrs_lab.read.catalog_page import more
from cqrs_lab.read.views import ViewRows
from cqrs_lab.tui.widgets.format import (
    RoleStyled,
    RoleStyles,
    cell,
    column_title,
    component_classes,
    seconds_short,
    short_stall,
)
from cqrs_lab.wording import counted

DIFFERS, ONLY_CRUD, ONLY_PROJECTION, SAME = "≠", "+", "−", " "  # noqa: RUF001
LEGEND = (
    "≠ differs   + only in the CRUD twin (not yet in the read model)   "
    "− only in the read model (gone from CRUD)"  # noqa: RUF001
)
EMPTY_HINT = "Ask a query to compare the read model with its CRUD twin, e.g.  query orders alice"
_NUMERIC_SUFFIXES = ("_cents", "quantity", "available", "units", "placed_at", "count")
GAP = 2
"""Cells between the read model's table and the twin's, side by side."""
PREFIX = "view-panel"
ROLES = (
    *("title", "header", "muted"),  # the query, the sides' headings
    *("stale", "behind", "caught-up"),  # how current the read model is
    *("differs", "cell-differs", "agree"),  # what the two sides' answers say
)
"""The roles the panel's text is styled by: each one a `view-panel--ROLE` component class."""
_SHORT_TITLES = {"quantity": "qty", "available": "avail", "unit price": "unit\nprice"}


def short_title(column: str) -> str:
    """A heading as narrow as it reads: one word a line, long words abbreviated."""
    title = column_title(column)
    return _SHORT_TITLES.get(title, title.replace(" ", "\n"))


@dataclass(frozen=True, slots=True)
class Arrangement:
    """How the two answers share the panel's width."""

    stacked: bool  # the CRUD twin below the read model, not beside it
    short_titles: bool  # headings wrapped or abbreviated so the values stay whole


ARRANGEMENTS = (
    Arrangement(stacked=False, short_titles=False),
    Arrangement(stacked=False, short_titles=True),
    Arrangement(stacked=True, short_titles=False),
    Arrangement(stacked=True, short_titles=True),
)


@dataclass(frozen=True, slots=True)
class Side:
    """One side's rows with their marks, and the cells that differ from the other side."""

    marks: tuple[str, ...]
    differing_cells: tuple[frozenset[int], ...]
    summary_marks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    projection: Side
    crud: Side

    @property
    def rows_differ(self) -> int:
        """Rows not the same on both sides: changed, or present on one side only."""
        return sum(mark != SAME for mark in self.crud.marks) + sum(
            mark == ONLY_PROJECTION for mark in self.projection.marks
        )

    @property
    def totals_differ(self) -> int:
        return sum(mark != SAME for mark in self.crud.summary_marks)


def compare(projection: ViewRows, crud: ViewRows) -> Comparison:
    """Match rows by their first column (sku, order id) and mark what differs."""
    left, right = _keyed(projection.rows), _keyed(crud.rows)
    return Comparison(
        projection=_side(left, right, ONLY_PROJECTION, projection.summary, crud.summary),
        crud=_side(right, left, ONLY_CRUD, crud.summary, projection.summary),
    )


def _keyed(rows: Sequence[tuple[Any, ...]]) -> list[tuple[tuple[Any, int], tuple[Any, ...]]]:
    seen: dict[Any, int] = {}
    keyed = []
    for row in rows:
        key = row[0] if row else None
        seen[key] = seen.get(key, 0) + 1
        keyed.append(((key, seen[key]), row))
    return keyed


def _side(
    mine: list[tuple[tuple[Any, int], tuple[Any, ...]]],
    other: list[tuple[tuple[Any, int], tuple[Any, ...]]],
    only_mark: str,
    summary: tuple[tuple[str, Any], ...],
    other_summary: tuple[tuple[str, Any], ...],
) -> Side:
    others = dict(other)
    marks: list[str] = []
    cells: list[frozenset[int]] = []
    for key, row in mine:
        twin = others.get(key)
        if twin is None:
            marks.append(only_mark)
            cells.append(frozenset())
            continue
        differing = frozenset(
            i for i, (a, b) in enumerate(zip(row, twin, strict=False)) if a != b
        ) | frozenset(range(min(len(row), len(twin)), max(len(row), len(twin))))
        marks.append(DIFFERS if differing else SAME)
        cells.append(differing)
    other_totals = dict(other_summary)
    summary_marks = tuple(
        SAME if key in other_totals and other_totals[key] == value else DIFFERS
        for key, value in summary
    )
    return Side(tuple(marks), tuple(cells), summary_marks)


class ViewPanel(RoleStyled, Widget):
    """The selected query: the projection's answer beside the CRUD twin's."""

    COMPONENT_CLASSES = component_classes(PREFIX, ROLES)

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._answers: tuple[QueryAnswer, QueryAnswer] | None = None
        self._comparison: Comparison | None = None
        self._arranged: dict[int, Arrangement] = {}  # by width, for the answers shown
        self._styles = RoleStyles(self, PREFIX)

    @property
    def comparison(self) -> Comparison | None:
        """What differs between the two answers on screen (None before the first show)."""
        return self._comparison

    def show(self, projection: QueryAnswer, crud: QueryAnswer) -> None:
        """Show a query's projection answer beside its CRUD twin's answer."""
        if self._answers == (projection, crud):
            return
        self._answers = (projection, crud)
        self._comparison = compare(projection.rows, crud.rows)
        self._arranged = {}
        self.refresh()
        if self._resized():  # the height just measured stays cached for the layout
            self.refresh(repaint=False, layout=True)

    def _resized(self) -> bool:
        """Whether the answers just shown change the panel's size: where the screen sizes
        it (`height: 1fr`), never; where it is as tall as what it shows (`height: auto`),
        when that height changes."""
        styles = self.styles
        if styles.width is not None and styles.width.is_auto:
            return True
        if styles.height is not None and not styles.height.is_auto:
            return False
        width, height = self.content_size
        parent = self.parent
        if not width or not isinstance(parent, Widget):
            return True
        room = parent.content_size
        return self.get_content_height(room, self.screen.size, width) != height

    def render(self) -> RenderableType:
        if self._answers is None or self._comparison is None:
            return Text(EMPTY_HINT, style=self._style("muted"))
        projection, crud = self._answers
        comparison = self._comparison
        query = " ".join(
            part for part in ("query", projection.view, projection.username or "") if part
        )
        arrangement = self.arrangement(self.size.width)
        left = Group(
            self._projection_header(projection),
            *self._body(projection, comparison.projection, arrangement.short_titles),
        )
        right = Group(
            self._crud_header(crud),
            *self._body(crud, comparison.crud, arrangement.short_titles),
        )
        sides = Table.grid(expand=True, padding=(0, GAP))
        if arrangement.stacked:
            sides.add_column()
            sides.add_row(left)
            sides.add_row(right)
        else:
            sides.add_column(ratio=1)
            sides.add_column(ratio=1)
            sides.add_row(left, right)
        verdict = self._verdict(comparison, projection.behind_events > 0)
        return Group(Text(query, style=self._style("title")), sides, verdict)

    def arrangement(self, width: int) -> Arrangement:
        """The first arrangement in which both tables fit `width` whole (the last if none
        does: the values then wrap, never cut)."""
        if self._answers is None or self._comparison is None:
            return ARRANGEMENTS[0]
        if width not in self._arranged:
            self._arranged[width] = self._arrange(width)
        return self._arranged[width]

    def _arrange(self, width: int) -> Arrangement:
        assert self._answers is not None and self._comparison is not None
        projection, crud = self._answers
        for arrangement in ARRANGEMENTS:
            room = width if arrangement.stacked else (width - GAP) // 2
            needed = max(
                self._table_width(rows, arrangement.short_titles)
                for rows in (projection.rows, crud.rows)
            )
            if needed <= room:
                return arrangement
        return ARRANGEMENTS[-1]

    def _table_width(self, rows: ViewRows, short_titles: bool) -> int:
        """The width `_table` draws `rows` at, counted from the strings (measuring the built
        table costs milliseconds a frame under load)."""
        widths = [1]  # the mark
        for i, column in enumerate(rows.columns):
            title = short_title(column) if short_titles else column_title(column)
            values = (cell_len(cell(column, row[i])) for row in rows.rows)
            widths.append(max(max(cell_len(line) for line in title.split("\n")), *values, 0))
        return sum(widths) + 3 * (len(widths) - 1)  # a cell of padding each side, a divider

    def _style(self, role: str) -> Style:
        return self._styles(role)

    def _projection_header(self, answer: QueryAnswer) -> Text:
        header = Text.assemble(("Read model (projection)", self._style("header")), "  ")
        if answer.stale:
            header.append("✗ STALE", self._style("stale"))
        elif answer.behind_events:
            header.append("… BEHIND", self._style("behind"))
        else:
            header.append("✓ CAUGHT UP", self._style("caught-up"))
        if answer.stalled:  # a projection never stops silently
            header.append("\n✗ STALLED", self._style("stale"))
            header.append(f" {short_stall(answer.stalled)}")
        header.append(f"\nas of event #{answer.checkpoint}, head #{answer.head} — ")
        if answer.behind_events:
            behind = seconds_short(answer.behind_seconds)
            header.append(f"{answer.behind_events} behind, {behind}")
        else:
            header.append("0 behind")
        if answer.waited or answer.timed_out:
            outcome = ", timed out" if answer.timed_out else ""
            header.append(f" (waited {seconds_short(answer.waited)}{outcome})")
        if answer.cache_age is not None:  # one more read model, with a lag of its own
            header.append(f" · from cache, age {seconds_short(answer.cache_age)}")
            if answer.stale_cache:
                header.append(" ✗ STALE CACHE", self._style("stale"))
        return header

    def _crud_header(self, answer: QueryAnswer) -> Text:
        return Text.assemble(
            ("CRUD twin", self._style("header")),
            " — always current",
            f"\nas of event #{answer.head}, head #{answer.head}",
        )

    def _table(self, rows: ViewRows, side: Side, short_titles: bool) -> Table:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False)
        table.add_column("", width=1, no_wrap=True)
        for column in rows.columns:
            numeric = column.endswith(_NUMERIC_SUFFIXES)
            table.add_column(
                short_title(column) if short_titles else column_title(column),
                justify="right" if numeric else "left",
                overflow="fold",  # squeezed past every arrangement: wrap, never cut
                header_style=self._style("muted"),
            )
        differs, cell_differs = self._style("differs"), self._style("cell-differs")
        for row, mark, differing in zip(rows.rows, side.marks, side.differing_cells, strict=True):
            texts = [Text(mark, style=differs if mark != SAME else "")]
            texts += [
                Text(cell(column, value), style=cell_differs if i in differing else "")
                for i, (column, value) in enumerate(zip(rows.columns, row, strict=True))
            ]
            table.add_row(*texts, style=differs if mark != SAME else None)
        return table

    def _body(self, answer: QueryAnswer, side: Side, short_titles: bool) -> list[RenderableType]:
        """One side's table, its totals and, for a catalog longer than a page, how much of it
        the page shows (the lab reads the first page only: a 1,650-product catalog is 50
        rows to fetch and lay out per frame, not 1,650)."""
        rows = answer.rows
        table = self._table(rows, side, short_titles)
        parts: list[RenderableType] = [table]
        if not rows.rows:
            parts.append(Text("  (no rows)", style=self._style("muted")))
        if rows.summary:
            summary = Text()
            for (key, value), mark in zip(rows.summary, side.summary_marks, strict=True):
                text = f"{column_title(key)} {cell(key, value)}"
                if mark == SAME:
                    summary.append(f"  {text}")
                else:
                    summary.append(f"  {mark} {text}", self._style("differs"))
            parts.append(summary)
        note = more(rows, answer.source == "crud") if answer.view == "catalog" else None
        if note:
            parts.append(Text(f"  {note}", style=self._style("muted")))
        return parts

    def _verdict(self, comparison: Comparison, behind: bool) -> Text:
        counts = ((comparison.rows_differ, "row"), (comparison.totals_differ, "total"))
        found = [counted(n, what) for n, what in counts if n]
        if not found:
            return Text("✓ Both sides agree.", style=self._style("agree"))
        why = (
            "the read model has not applied every event yet"
            if behind
            else "the read model disagrees with the CRUD twin although it is caught up"
        )
        verb = "differs" if sum(n for n, _ in counts) == 1 else "differ"
        verdict = Text(f"≠ {' and '.join(found)} {verb}: {why}.", style=self._style("differs"))
        verdict.append("\n" + LEGEND, self._style("muted"))
        return verdict
