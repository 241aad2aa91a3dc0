"""Formatting shared by the lab's widgets: money, lab times, short names, and turning
`(text, role)` runs into a styled `Strip` for the Line API widgets."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip

from cqrs_lab.shop.money import format_cents
from cqrs_lab.sim.durations import format_duration

if TYPE_CHECKING:
    from textual.widget import Widget

Run = tuple[str, str]
"""A run of text and the role (a component class suffix, or "" for plain) that styles it."""

_SHORT_TYPES = {
    "UserRegistered": "UserReg",
    "ProductAdded": "ProdAdded",
    "ProductRestocked": "Restocked",
    "StockReserved": "Reserved",
    "StockReleased": "Released",
    "ItemAddedToCart": "ItemAdded",
    "ItemRemovedFromCart": "ItemRemoved",
    "CartCheckedOut": "CheckedOut",
    "OrderPlaced": "Placed",
    "OrderPaid": "Paid",
    "OrderCancelled": "Cancelled",
    "OrderShipped": "Shipped",
}
_SHORT_TYPE_WIDTH = 11


def money(cents: int) -> str:
    """1250 -> '12.50'."""
    return format_cents(cents)


def seconds_short(seconds: float) -> str:
    """A delay or lag as it fits a label: 0.8s, 12s, 2m30s."""
    seconds = max(0.0, seconds)
    if seconds < 10:
        return f"{seconds:.1f}s"
    if seconds < 60:
        return f"{seconds:.0f}s"
    return format_duration(round(seconds))


def lab_time(t: float) -> str:
    """A moment on the lab clock: t=3.20s."""
    return f"t={t:.2f}s"


def short_type(type_name: str) -> str:
    """A short event name for labels on the bus: OrderPlaced -> Placed."""
    return _SHORT_TYPES.get(type_name, type_name[:_SHORT_TYPE_WIDTH])


def short_id(value: str, length: int = 8) -> str:
    """The first characters of an id, enough to tell ids apart on screen."""
    return value[:length]


def column_title(column: str) -> str:
    """A view column as a heading: total_cents -> total, placed_at -> placed at."""
    return column.removesuffix("_cents").replace("_", " ")


def cell(column: str, value: Any) -> str:
    """One view cell as text: money columns as 12.50, placed_at as a lab time."""
    if value is None:
        return "—"
    if column.endswith("_cents") and isinstance(value, int):
        return money(value)
    if column == "placed_at" and isinstance(value, int | float):
        return lab_time(float(value))
    return str(value)


def fit(text: str, width: int) -> str:
    """`text` padded or cut to exactly `width` cells; a cut ends with '…'."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def runs_width(runs: Iterable[Run]) -> int:
    return sum(cell_len(text) for text, _ in runs)


def to_strip(
    runs: Iterable[Run], width: int, style_for: Callable[[str], Style], base: Style
) -> Strip:
    """Style each run by its role and fit the line to exactly `width` cells."""
    segments = [Segment(text, style_for(role) if role else base) for text, role in runs if text]
    return Strip(segments).crop_extend(0, width, base)


def component_classes(prefix: str, roles: Iterable[str]) -> set[str]:
    """A widget's COMPONENT_CLASSES: `PREFIX--ROLE` for each role its runs are styled by."""
    return {f"{prefix}--{role}" for role in roles}


def changed_lines(before: Sequence[object], after: Sequence[object], width: int) -> list[Region]:
    """The lines of a Line API widget whose rows differ between two layouts (a row only one
    has counts too), as regions to refresh, one a run of adjacent lines: the lines between
    keep the strips Textual holds for them."""
    regions: list[Region] = []
    start: int | None = None
    rows = max(len(before), len(after))
    for y in range(rows + 1):
        same = y == rows or (y < len(before) and y < len(after) and before[y] == after[y])
        if not same and start is None:
            start = y
        elif same and start is not None:
            regions.append(Region(0, start, width, y - start))
            start = None
    return regions


class RoleStyles:
    """A Line API widget's styles, its own (`base`) and each role's (its `PREFIX--ROLE`
    component class), kept from frame to frame.

    Textual forgets a widget's component styles at every refresh and works its own style
    out from every ancestor at each call, so a widget redrawn 30 times a second would do
    that work every frame, for every line. These styles change only when the stylesheet
    does (a theme, a class, focus), which Textual says with the widget's
    `notify_style_update`: the widget calls `clear` there."""

    def __init__(self, widget: Widget, prefix: str) -> None:
        self._widget = widget
        self.prefix = prefix
        self._roles: dict[str, Style] = {}
        self._base: Style | None = None

    def __call__(self, role: str) -> Style:
        style = self._roles.get(role)
        if style is None:
            style = self._widget.get_component_rich_style(f"{self.prefix}--{role}")
            self._roles[role] = style
        return style

    @property
    def base(self) -> Style:
        if self._base is None:
            self._base = self._widget.rich_style
        return self._base

    def clear(self) -> None:
        self._roles.clear()
        self._base = None


class RoleStyled:
    """A widget styled by roles (its `_styles`), which forgets them when Textual says its
    styles changed. Listed before the widget class among the bases."""

    _styles: RoleStyles

    def notify_style_update(self) -> None:
        self._styles.clear()
        super().notify_style_update()  # type: ignore[misc]


def clip(runs: Iterable[Run], width: int, *, pad: bool = True) -> list[Run]:
    """Runs cut to `width` cells, and padded to exactly `width` unless `pad` is False."""
    out: list[Run] = []
    room = width
    for text, role in runs:
        if room <= 0:
            break
        piece = text if len(text) <= room else fit(text, room)
        out.append((piece, role))
        room -= len(piece)
    if room > 0 and pad:
        out.append((" " * room, ""))
    return out


def delivery_marks(kind: str, will_drop: bool, dot_role: str) -> list[Run]:
    """The dot of a delivery on a lane and the marks that say what kind it is: ² a
    duplicate, ↻ a redelivery after a drop, ✗ one that will drop."""
    runs: list[Run] = [("●", "drop" if will_drop else dot_role)]
    if kind == "duplicate":
        runs.append(("²", "dup"))
    elif kind == "redelivery":
        runs.append(("↻", "redelivery"))
    if will_drop:
        runs.append(("✗", "drop"))
    return runs


def short_stall(reason: str) -> str:
    """A stall's reason in few words: the event and why, then `stop` or when it is retried
    (`stalled on #4 OrderPlaced: poison event (on-error stop: …)` → `#4 OrderPlaced:
    poison event · stop`)."""
    what, _, how = reason.removeprefix("stalled on ").partition(" (")
    how = how.removesuffix(")")
    if how.startswith("on-error stop"):
        return f"{what} · stop"
    retry = how.rpartition("next ")[2] if "next retry" in how else ""
    return f"{what} · {retry}" if retry else what
