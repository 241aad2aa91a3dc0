"""The services screen laid out as styled runs, from one `ServicesPicture` and a width.

The service every lane joins (Orders, the hub) is a box on the left; each other service is
a box on the right, level with the lane that joins it to the hub. A lane is a track each
way: messages to the right-hand service travel toward its `▶`, answers toward the hub's
`◀`, soonest due nearest the service it goes to, each with its time left. The last row says
what the outbox holds and the checkout sagas by state. Pure: nothing here reads a lab.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cqrs_lab.services.picture import (
    LanePicture,
    MessagePicture,
    ServicePicture,
    ServicesPicture,
)
from cqrs_lab.tui.widgets.format import Run, clip, delivery_marks, runs_width, seconds_short

BLOCK_ROWS = 4
"""Rows a lane takes: its settings, a track each way, its counters."""
COMPACT_ROWS = 2
"""On a short screen: a track each way, the lane's name before the first."""
MIN_BOX, MAX_BOX = 18, 30
"""A service box's width, from a quarter of the screen."""
SEPARATOR = (" · ", "muted")
COMMA = (", ", "muted")
LEGEND: tuple[Run, ...] = (
    ("²", "dup"),
    (" duplicate  ", "legend"),
    ("↻", "redelivery"),
    (" redelivery  ", "legend"),
    ("✗", "drop"),
    (" will drop", "legend"),
)


@dataclass(frozen=True, slots=True)
class _Block:
    """One lane and the service at its far end (no lane: a service nothing joins yet)."""

    service: ServicePicture | None
    lane: LanePicture | None


def hub_of(picture: ServicesPicture) -> str:
    """The service named at the most lanes' ends (Orders), else the first service."""
    ends = Counter(end for lane in picture.lanes for end in lane.ends)
    names = [service.name for service in picture.services]
    if not names:
        return ""
    return max(names, key=lambda name: (ends[name], -names.index(name)))


def layout(picture: ServicesPicture, width: int, *, compact: bool = False) -> list[list[Run]]:
    """Every row of the services screen, each exactly `width` cells."""
    if not picture.on or width <= 0:
        return []
    hub = hub_of(picture)
    by_name = {service.name: service for service in picture.services}
    blocks = _blocks(picture, hub, by_name)
    box = min(max(MIN_BOX, min(MAX_BOX, width // 4)), max(8, (width - 16) // 2))
    far = [block.service for block in blocks if block.service is not None]
    needed = [_one_line(service) + (len(", 0 dup") if compact else 0) for service in far]
    right_box = min(max([box, *needed]), max(box, width // 3))
    middle = max(0, width - box - right_box)
    rows_each = COMPACT_ROWS if compact else BLOCK_ROWS
    height = max(1, len(blocks)) * rows_each
    restarts = _restarts(picture)
    left = _box(by_name.get(hub), box, height, restarts, compact=compact)
    rows: list[list[Run]] = []
    for index in range(max(1, len(blocks))):
        block = blocks[index] if index < len(blocks) else _Block(None, None)
        lane_rows = _lane_rows(block.lane, hub, middle, compact)
        right = _box(block.service, right_box, rows_each, restarts, compact=compact)
        for offset in range(rows_each):
            rows.append([*left[index * rows_each + offset], *lane_rows[offset], *right[offset]])
    rows += _summary(picture, width)
    return rows


def _blocks(picture: ServicesPicture, hub: str, by_name: dict[str, ServicePicture]) -> list[_Block]:
    blocks: list[_Block] = []
    for lane in picture.lanes:
        far = lane.ends[1] if lane.ends[0] == hub else lane.ends[0]
        blocks.append(_Block(by_name.get(far), lane))
    joined = {hub, *(end for lane in picture.lanes for end in lane.ends)}
    blocks += [_Block(s, None) for s in picture.services if s.name not in joined]
    return blocks


def _restarts(picture: ServicesPicture) -> dict[str, float]:
    """Lab seconds until each crashed service is back (its restart waits on a lane)."""
    return {
        message.source: message.remaining
        for lane in picture.lanes
        for message in lane.in_flight
        if message.kind == "retry"
    }


# -- boxes -------------------------------------------------------------------------


def _box(
    service: ServicePicture | None,
    width: int,
    height: int,
    restarts: dict[str, float],
    *,
    compact: bool,
) -> list[list[Run]]:
    """A service as a box `width` x `height`: its name (and a crash) on top, its own data,
    then its inbox at the bottom. Bordered; on a short screen a shaded block instead, whose
    data and inbox share a line when it has only two."""
    if service is None:
        return [[(" " * width, "")] for _ in range(height)]
    inner = width - 4 if not compact else width - 2
    title = _title(service, inner, restarts.get(service.name))
    if compact and height <= 2:  # its data and what its inbox skipped, on one line
        skipped: list[Run] = [(f"{service.duplicates} dup", _dup_role(service))]
        items = [*_counters(service, empty=[], room=inner), skipped]
        if runs_width(_joined(items, COMMA)) > inner:  # too narrow: the skipped count first
            items = [skipped, *items[:-1]]
        (line,) = _flow(items, inner, 1)
        return [_shaded(title, inner), _shaded(line, inner)][:height]
    inbox = _inbox(service, inner)
    nothing = "nothing yet" if inner >= len("nothing yet") else "none yet"
    body = _flow(
        _counters(service, [[(nothing, "muted")]], room=inner),
        inner,
        max(0, height - (3 if not compact else 2)),
    )
    if compact:
        return [_shaded(line, inner) for line in [title, *body, inbox]]
    top_fill = width - 4 - runs_width(title)
    rows = [[("┌ ", "box"), *title, (" " + "─" * max(0, top_fill) + "┐", "box")]]
    rows += [[("│ ", "box"), *clip(line, inner), (" │", "box")] for line in [*body, inbox]]
    rows.append([("└" + "─" * (width - 2) + "┘", "box")])
    return rows


def _shaded(line: list[Run], width: int) -> list[Run]:
    """A line of a shaded box, a cell of shade either side: every run and the padding on
    the box's shade (a role `A+B` is styled as A, then B over it)."""
    runs = [(text, f"{role}+shade" if role else "shade") for text, role in clip(line, width)]
    return [(" ", "shade"), *runs, (" ", "shade")]


def _title(service: ServicePicture, width: int, back: float | None) -> list[Run]:
    """The service's name and, if it is crashing, how long it is down (or that a crash is
    armed), in as many words as fit."""
    name: Run = (service.name.capitalize(), "name")
    if not service.crashing:
        return clip([name], width, pad=False)
    if back is None:
        words = (" ✗ crash armed", " ✗ crash")
    else:
        words = (f" ✗ down, back in {seconds_short(back)}", f" ✗ down {seconds_short(back)}")
    room = width - runs_width([name])
    said = next((word for word in words if len(word) <= room), words[-1])
    return clip([name, (said, "crashed")], width, pad=False)


def _one_line(service: ServicePicture) -> int:
    """The width of a box whose counters all fit on one line."""
    return runs_width(_joined(_counters(service), COMMA)) + 4


def _counters(
    service: ServicePicture, empty: list[list[Run]] | None = None, room: int | None = None
) -> list[list[Run]]:
    """The service's own data as items to flow into its box (`empty` if it has none); an
    item wider than `room` says its count first, so that cutting it keeps the number."""
    items: list[list[Run]] = []
    for name, count in service.counters.items():
        word, number = _short(name), str(count)
        if room is not None and len(word) + 1 + len(number) > room:
            items.append([(number, "value"), (f" {word}", "muted")])
        else:
            items.append([(f"{word} ", "muted"), (number, "value")])
    return items or ([[("nothing yet", "muted")]] if empty is None else empty)


def _dup_role(service: ServicePicture) -> str:
    return "dup" if service.duplicates else "muted"


def _inbox(service: ServicePicture, width: int) -> list[Run]:
    """What the service consumed, and what its inbox skipped as already handled; in a
    narrow box only the skipped count, which the lessons are about."""
    got: list[Run] = [("got ", "muted"), (str(service.handled), "value"), SEPARATOR]
    role = _dup_role(service)
    long: Run = (f"{service.duplicates} dup skipped", role)
    short: Run = (f"{service.duplicates} dup", role)
    for said in ([*got, long], [*got, short], [long]):
        if runs_width(said) <= width:
            return said
    return [short]


def _flow(
    items: Sequence[list[Run]], width: int, lines: int, between: Run = COMMA
) -> list[list[Run]]:
    """Items on as few lines as they take, `between` them, padded to `lines`; what does
    not fit ends the last line with `…`."""
    out: list[list[Run]] = [[]]
    for item in items:
        line = out[-1]
        if not line:
            line += item
        elif runs_width(line) + runs_width([between]) + runs_width(item) <= width:
            line += [between, *item]
        else:
            out.append(list(item))
    if len(out) > lines:
        out = out[:lines]
        if out:
            last = clip(out[-1], max(0, width - 1), pad=False)
            if not (last and last[-1][0].endswith("…")):  # not cut mid-word already
                last.append(("…", "muted"))
            out[-1] = last
    return out + [[] for _ in range(lines - len(out))]


def _short(name: str) -> str:
    """A counter's name as a box says it: PaymentAccepted -> accepted, paid -> paid."""
    words = re.findall(r"[A-Z][a-z]*|[a-z]+", name)
    return (words[-1] if words else name).lower()


# -- lanes -------------------------------------------------------------------------


def _lane_rows(lane: LanePicture | None, hub: str, width: int, compact: bool) -> list[list[Run]]:
    """The lane between the boxes: its settings, the track out (to the right), the track
    back (to the hub), its counters. On a short screen: its name, then the two tracks."""
    rows_each = COMPACT_ROWS if compact else BLOCK_ROWS
    if lane is None or width < 4:
        return [[(" " * width, "")] for _ in range(rows_each)]
    travelling = [m for m in lane.in_flight if m.kind != "retry"]
    out = [m for m in travelling if m.destination != hub]
    back = [m for m in travelling if m.destination == hub]
    inner = width - 2
    if compact:
        name: Run = (f"{lane.name} ", "name")
        rows = [
            [name, *_track(out, inner - runs_width([name]), toward="right")],
            _track(back, inner, toward="left"),
        ]
    else:
        settings: list[Run] = [(lane.name, "name"), (f" {lane.latency}", "setting")]
        if lane.faults != "none":
            settings.append((f" {lane.faults}", "setting"))
        rows = [
            settings,
            _track(out, inner, toward="right"),
            _track(back, inner, toward="left"),
            _counts(lane, len(travelling), inner),
        ]
    return [[(" ", ""), *clip(row, inner), (" ", "")] for row in rows]


def _counts(lane: LanePicture, flying: int, width: int) -> list[Run]:
    """The lane's counters, in shorter words when the long ones do not fit, and fewer of
    them when even those do not."""
    numbers = (flying, lane.delivered, lane.duplicated, lane.dropped)
    long = [f"in flight {flying}", f"delivered {lane.delivered}", f"dup {lane.duplicated}"]
    long.append(f"dropped {lane.dropped}")
    words = ("flying", "deliv", "dup", "drop")
    short = [f"{n} {word}" for n, word in zip(numbers, words, strict=True)]
    for said in (long, short, short[:3], short[:2]):
        text = " · ".join(said)
        if len(text) <= width:
            return [(text, "muted")]
    return [(short[0], "muted")]


def _track(messages: Iterable[MessagePicture], width: int, *, toward: str) -> list[Run]:
    """One direction of a lane, `width` cells: the arrow at the service it goes to, the
    soonest-due message next to it, then the others; what does not fit counts as +N."""
    waiting = sorted(messages, key=lambda message: message.remaining)
    room = width - 2  # the arrow and the cell beside it
    labels: list[list[Run]] = []  # nearest the arrow first
    used = 0
    for index, message in enumerate(waiting):
        hidden = len(waiting) - index - 1
        reserve = len(f"+{hidden}") + 1 if hidden else 0
        label = _label(message, full=True)
        if used + runs_width(label) + 1 + reserve > room:
            label = _label(message, full=False)
        if used + runs_width(label) + 1 + reserve > room:
            break
        labels.append(label)
        used += runs_width(label) + 1
    hidden = len(waiting) - len(labels)
    if hidden:
        labels.append([(f"+{hidden}", "more")])
    if toward == "right":
        labels.reverse()
    parts: list[Run] = []
    for label in labels:
        parts += [*label, ("─", "track")] if toward == "right" else [("─", "track"), *label]
    fill = ("─" * max(0, room - runs_width(parts)), "track")
    if toward == "right":
        return [fill, *parts, ("─", "track"), ("▶", "arrow")]
    return [("◀", "arrow"), ("─", "track"), *parts, fill]


def _label(message: MessagePicture, *, full: bool) -> list[Run]:
    """●, what kind of delivery (² duplicate, ↻ after a drop, ✗ will drop), the message
    and its order, the time left."""
    runs = delivery_marks(message.kind, message.will_drop, "message")
    name = message.type if full else _short(message.type).capitalize()
    runs.append((f"{name} {message.order_id}", "label"))
    runs.append((f" {seconds_short(message.remaining)}", "time"))
    return runs


# -- the outbox and the sagas ------------------------------------------------------


def _summary(picture: ServicesPicture, width: int) -> list[list[Run]]:
    """The outbox (on or off; waiting, relayed, lost) and the sagas by state: one row if
    they fit, else two; the legend where there is room."""
    outbox: list[Run] = [("outbox ", "name")]
    if picture.outbox_on:
        outbox.append(("on", "on"))
    else:
        outbox.append(("OFF: publish after commit", "off"))
    waiting_role = "pending" if picture.outbox_pending else "muted"
    outbox += [SEPARATOR, (f"{picture.outbox_pending} waiting", waiting_role)]
    outbox += [SEPARATOR, (f"{picture.outbox_relayed} relayed", "muted"), SEPARATOR]
    if picture.outbox_lost:
        outbox.append((f"✗ {picture.outbox_lost} lost", "lost"))
    else:
        outbox.append(("0 lost", "muted"))
    sagas: list[Run] = [("sagas: ", "name")]
    if picture.sagas:
        states = sorted(picture.sagas.items())
        sagas += _joined([[(f"{state} {count}", "saga")] for state, count in states])
    else:
        sagas.append(("none yet", "muted"))
    gap: Run = ("   ", "")
    rows = [[*outbox, gap, *sagas]]
    if runs_width(rows[0]) > width:
        rows = [*_wrapped(outbox, width), *_wrapped(sagas, width)]
    for row in rows:
        if runs_width(row) + 3 + runs_width(LEGEND) <= width:
            row += [gap, *LEGEND]
            break
    return [clip(row, width) for row in rows]


def _wrapped(row: list[Run], width: int) -> list[list[Run]]:
    """A row too wide for `width` on as many rows as it takes, broken only at its ` · `."""
    if runs_width(row) <= width:
        return [row]
    items: list[list[Run]] = [[]]
    for run in row:
        if run == SEPARATOR:
            items.append([])
        else:
            items[-1].append(run)
    return [line for line in _flow(items, width, len(items), SEPARATOR) if line]


def _joined(items: Sequence[list[Run]], between: Run = SEPARATOR) -> list[Run]:
    out: list[Run] = []
    for item in items:
        if out:
            out.append(between)
        out += item
    return out
