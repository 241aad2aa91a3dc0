"""Formatting shared by the lab's widgets: money, lab times, short names, and turning
`(text, role)` runs into a styled `Strip` for the Line API widgets."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from cqrs_lab.shop.money import format_cents
from cqrs_lab.sim.durations import format_duration

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
