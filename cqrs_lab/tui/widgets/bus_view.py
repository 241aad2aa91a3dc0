"""The event bus: every lane in one Line API widget, events in flight moving toward their
projection. Each `show` lays the whole picture out once as styled runs; `render_line` only
turns one precomputed row into a Strip, so 30 frames a second stay cheap with hundreds of
deliveries in flight."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from cqrs_lab.lab.snapshot import LabSnapshot, LaneState
from cqrs_lab.read.subscriber import Mode
from cqrs_lab.sim.bus import Delivery
from cqrs_lab.store.event_store import RecordedEvent
from cqrs_lab.tui.widgets.format import (
    RoleStyled,
    RoleStyles,
    Run,
    changed_lines,
    clip,
    component_classes,
    delivery_marks,
    fit,
    runs_width,
    seconds_short,
    short_stall,
    short_type,
    to_strip,
)

ROWS_PER_LANE = 3
"""A title row and two track rows (the second takes labels that collide on the first)."""
NAME_WIDTH = 10
"""Compact (a short screen): one row a lane, its name at the start of its track."""
RIGHT = 20
"""Cells at the right end of each track: the projection's door and checkpoint."""
MIN_TRACK = 12
INLINE_NOTE = " updated in the command's transaction "
PREFIX = "bus-view"
ROLES = (
    *("name", "setting", "muted", "selected", "legend"),  # a lane's title row; the legend
    *("track", "event", "label", "time", "more", "checkpoint", "behind", "inline"),  # its track
    *("dup", "redelivery", "drop", "problem", "stalled", "held"),  # what goes wrong on it
)
"""The roles runs are styled by: each one a `bus-view--ROLE` component class."""
LEGEND: tuple[Run, ...] = (
    ("●", "event"),
    (" event#pos time-left  ", "legend"),
    ("²", "dup"),
    (" duplicate  ", "legend"),
    ("↻", "redelivery"),
    (" redelivery  ", "legend"),
    ("✗", "drop"),
    (" will drop  ", "legend"),
    ("+3", "more"),
    (" not drawn  ", "legend"),
    ("▐#N", "checkpoint"),
    (" projection checkpoint", "legend"),
)


@dataclass(slots=True)
class _Label:
    start: int
    end: int
    row: int
    x: int
    extra: int = 0


@dataclass(frozen=True, slots=True)
class _Row:
    runs: tuple[Run, ...]
    overlay: str = ""  # a role laid over every run (the selected lane's title)


class _Track:
    """Two rows of cells a delivery's label can be written into, without overlaps."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.chars = [["─"] * width, [" "] * width]
        self.roles = [["track"] * width, [""] * width]
        self.used = [bytearray(width), bytearray(width)]

    def span(self, row: int, x: int) -> tuple[int, int] | None:
        """The free cells around `x` a label may use, keeping one free cell from its
        neighbours; None when `x` itself is taken."""
        used = self.used[row]
        before = used.rfind(1, 0, x + 1)
        after = used.find(1, x)
        lo = 0 if before < 0 else before + 2
        hi = self.width if after < 0 else after - 1
        return (lo, hi) if lo <= x < hi else None

    def write(self, row: int, start: int, runs: list[Run]) -> None:
        x = start
        for text, role in runs:
            for char in text:
                if 0 <= x < self.width:
                    self.chars[row][x] = char
                    self.roles[row][x] = role
                    self.used[row][x] = 1
                x += 1

    def runs(self, row: int) -> list[Run]:
        out: list[Run] = []
        chars, roles = self.chars[row], self.roles[row]
        start = 0
        for x in range(1, self.width + 1):
            if x == self.width or roles[x] != roles[start]:
                out.append(("".join(chars[start:x]), roles[start]))
                start = x
        return out


class BusView(RoleStyled, Widget, can_focus=True):
    """Every bus lane: settings and counts, deliveries in flight, the projection's checkpoint."""

    COMPONENT_CLASSES = component_classes(PREFIX, ROLES)
    BINDINGS = [
        Binding("up", "move(-1)", "Previous lane", show=False, id="bus_view.previous_lane"),
        Binding("down", "move(1)", "Next lane", show=False, id="bus_view.next_lane"),
    ]

    class LaneSelected(Message):
        """The learner picked a lane (click, or up/down while the bus has focus)."""

        def __init__(self, lane: str) -> None:
            super().__init__()
            self.lane = lane

    selected: reactive[str | None] = reactive(None)
    """The highlighted lane; the app may set it too."""
    compact: reactive[bool] = reactive(False)
    """One row a lane (its name, then its track; no settings, no legend): a short screen."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._snapshot: LabSnapshot | None = None
        self._rows: list[_Row] = []
        self._layout_width = -1
        self._styles = RoleStyles(self, PREFIX)

    # -- attributes down ------------------------------------------------------------

    def show(self, snapshot: LabSnapshot) -> None:
        """Draw this picture of the lab (cheap: one layout, and only the rows that changed
        are drawn again; nothing when the picture has not changed, e.g. while the lab is
        paused)."""
        if snapshot == self._snapshot:
            return
        lanes_changed = self._snapshot is None or len(snapshot.lanes) != len(self._snapshot.lanes)
        self._snapshot = snapshot
        before, width = self._rows, self._layout_width
        self._layout()
        if lanes_changed or width != self._layout_width:
            self.refresh(layout=lanes_changed)
        elif changed := changed_lines(before, self._rows, width):
            self.refresh(*changed)

    def watch_selected(self) -> None:
        self._layout()
        self.refresh()

    def watch_compact(self) -> None:
        self._layout()
        self.refresh(layout=True)

    # -- drawing --------------------------------------------------------------------

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        lanes = len(self._snapshot.lanes) if self._snapshot else 0
        return lanes if self.compact else lanes * ROWS_PER_LANE + 1

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if width != self._layout_width:
            self._layout()
        base = self._styles.base
        if y >= len(self._rows):
            return Strip.blank(width, base)
        row = self._rows[y]
        if not row.overlay:
            return to_strip(row.runs, width, self._styles, base)
        overlay = self._styles(row.overlay)
        return to_strip(row.runs, width, lambda role: self._over(role, overlay), base + overlay)

    def _over(self, role: str, overlay: Style) -> Style:
        """A run's style under the selected lane's highlight; a stall stays red there."""
        style = self._styles(role)
        if role != "stalled":
            return style + overlay
        return style + overlay + Style(color=style.color, bold=style.bold)

    def _layout(self) -> None:
        """Lay every lane out for the current width; render_line reads the result."""
        width = self.size.width
        self._layout_width = width
        snapshot = self._snapshot
        if snapshot is None or width <= 0:
            self._rows = []
            return
        if self.compact:
            self._rows = [self._compact(lane, snapshot.now, width) for lane in snapshot.lanes]
            return
        rows: list[_Row] = []
        for lane in snapshot.lanes:
            rows.append(self._title(lane, width))
            rows.extend(self._tracks(lane, snapshot.now, width))
        rows.append(_Row(LEGEND))
        self._rows = rows

    def _compact(self, lane: LaneState, now: float, width: int) -> _Row:
        """The lane on one row: its name, its track (what collides counts as +N), its door."""
        selected = lane.name == self.selected
        name = fit(("▶ " if selected else "  ") + lane.name, NAME_WIDTH)
        first, _ = self._tracks(lane, now, width - NAME_WIDTH, rows=1)
        name_role = "stalled" if lane.stalled else "name"
        return _Row(((name, name_role), *first.runs), "selected" if selected else "")

    def _title(self, lane: LaneState, width: int) -> _Row:
        selected = lane.name == self.selected
        name_role = "stalled" if lane.stalled else "name"
        left: list[Run] = [("▶ " if selected else "  ", name_role), (lane.name, name_role)]
        if lane.mode is Mode.INLINE:
            left.append(("  inline — no bus, never lags, slows the write", "setting"))
            counts = f"applied {lane.subscriber.applied}"
        else:
            left += [
                (f"  {lane.latency}  async  ", "setting"),
                ("gaps:", "muted"),
                (f"{lane.gap_policy}  ", "setting"),
                ("faults: ", "muted"),
                (lane.faults, "setting"),
            ]
            stats = lane.bus
            counts = (
                f"in flight {len(lane.in_flight)} · delivered {stats.delivered} · "
                f"dup {stats.duplicated} · dropped {stats.dropped} · lost {stats.lost}"
            )
            if runs_width(left) + len(counts) + 3 > width:  # narrow: shorter words
                counts = (
                    f"flying {len(lane.in_flight)} · deliv {stats.delivered} · "
                    f"dup {stats.duplicated} · drop {stats.dropped} · lost {stats.lost}"
                )
        role = "muted"
        if lane.problem:  # what keeps the projection from saving says more than counts
            counts, role = lane.problem[: max(0, width - runs_width(left) - 3)], "problem"
        if lane.stalled:  # a projection never stops silently: the reason, then what is parked
            counts, role = _stall_note(lane, width - runs_width(left) - 3), "stalled"
        gap = max(2, width - runs_width(left) - len(counts) - 1)
        runs = (*left, (" " * gap, ""), (counts, role))
        return _Row(runs, "selected" if selected else "")

    def _tracks(self, lane: LaneState, now: float, width: int, rows: int = 2) -> tuple[_Row, _Row]:
        """The lane's two track rows; with `rows=1` every label goes on the first."""
        track_width = max(MIN_TRACK, width - RIGHT)
        right_width = width - track_width
        track = _Track(track_width)
        if rows == 1:
            track.used[1] = bytearray(b"\x01" * track_width)
        if lane.mode is Mode.INLINE:
            track.chars[0] = ["━"] * track_width
            track.roles[0] = ["inline"] * track_width
            note = INLINE_NOTE[: max(0, track_width - 2)]
            track.write(0, (track_width - len(note)) // 2, [(note, "inline")])
        if lane.stalled:  # the whole track red; on one row, the reason written on it
            track.roles[0] = ["stalled"] * track_width
            if rows == 1:
                track.write(0, 0, [(_stall_note(lane, track_width - 1), "stalled")])
        if lane.mode is not Mode.INLINE:
            _place(track, lane.in_flight, now)
        door = [(" ", ""), ("▐", "checkpoint")]  # a free cell keeps labels off the door
        first = [*door, (f"#{lane.checkpoint}", "checkpoint")]
        second = [*door]
        if lane.stalled and rows == 1:  # the reason is on the track; the lag still grows
            first.append((f" ✗ {lane.lag_events} behind", "stalled"))
        elif lane.stalled:
            first.append((" ✗ STALLED", "stalled"))
            second.append((f" {lane.lag_events} behind", "behind"))
        elif lane.problem:
            first.append((" ✗ not saved", "problem"))
        elif lane.lag_events:
            first.append((f" {lane.lag_events} behind", "behind"))
        else:
            first.append((" ✓ caught up", "checkpoint"))
        if lane.parked and not (lane.stalled and rows == 1):  # else the note says it
            (first if rows == 1 else second).append((f" {lane.parked} parked", "stalled"))
        if lane.held:
            (first if rows == 1 else second).extend([(" ", ""), ("HELD", "held")])
        if lane.waiting_on_gap:
            second.append((f" {lane.waiting_on_gap} waiting", "behind"))
        return (
            _Row((*track.runs(0), *clip(first, right_width))),
            _Row((*track.runs(1), *clip(second, right_width))),
        )

    # -- messages up ----------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self._snapshot is None:
            return
        index = offset.y // (1 if self.compact else ROWS_PER_LANE)
        if index < len(self._snapshot.lanes):
            self._choose(self._snapshot.lanes[index].name)

    def action_move(self, step: int) -> None:
        if self._snapshot is None or not self._snapshot.lanes:
            return
        names = [lane.name for lane in self._snapshot.lanes]
        index = names.index(self.selected) + step if self.selected in names else 0
        self._choose(names[index % len(names)])

    def _choose(self, lane: str) -> None:
        self.selected = lane
        self.post_message(self.LaneSelected(lane))


@dataclass(slots=True)
class _Cluster:
    """Deliveries drawn at the same place with the same time left: one train of labels."""

    x: int
    left: float  # lab seconds until due
    members: list[Delivery[RecordedEvent]]


def _place(track: _Track, in_flight: tuple[Delivery[RecordedEvent], ...], now: float) -> None:
    """Write each delivery's label at its progress; stack what collides on the second row,
    and count what still does not fit as `+N` on the nearest label."""
    last = track.width - 1
    clusters: dict[tuple[int, float], _Cluster] = {}
    for delivery in in_flight:  # soonest due first: those get the best places
        x = round(delivery.progress(now) * last)
        left = max(0.0, delivery.due_at - now)
        key = (x, round(left, 1) if left < 10 else float(round(left)))  # as precise as shown
        cluster = clusters.get(key)
        if cluster is None:
            cluster = clusters[key] = _Cluster(x, left, [])
        cluster.members.append(delivery)
    placed: list[_Label] = []
    elided: list[tuple[int, int]] = []  # (x, how many)
    top, bottom = track.used
    for cluster in clusters.values():
        if top[cluster.x] and bottom[cluster.x]:  # the common case when the lane is busy
            elided.append((cluster.x, len(cluster.members)))
            continue
        labels, left_over = _place_cluster(track, cluster)
        placed += labels
        if labels:
            labels[-1].extra += left_over
        else:
            elided.append((cluster.x, left_over))
    if placed:
        _count_elided(track, placed, elided)


def _count_elided(track: _Track, placed: list[_Label], elided: list[tuple[int, int]]) -> None:
    """Add what found no room to the nearest label, and write each label's `+N`."""
    placed.sort(key=lambda label: label.x)
    xs = [label.x for label in placed]
    for x, count in elided:
        i = bisect_left(xs, x)
        if i == len(xs) or (i > 0 and x - xs[i - 1] <= xs[i] - x):
            i -= 1
        placed[i].extra += count
    for label in placed:
        if label.extra:
            more = f"+{label.extra}"
            end = label.end + 1 + len(more)
            free = end <= track.width and track.used[label.row].find(1, label.end, end) < 0
            start = label.end + 1 if free else max(label.start, label.end - len(more))
            track.write(label.row, start, [(more, "more")])


def _place_cluster(track: _Track, cluster: _Cluster) -> tuple[list[_Label], int]:
    """Write as many of the cluster's labels as fit on the two rows at its place; return
    the labels written and how many deliveries found no room."""
    members = cluster.members
    time = seconds_short(cluster.left)
    labels: list[_Label] = []
    done = 0
    for row in (0, 1):
        span = track.span(row, cluster.x)
        if span is None or done == len(members):
            continue
        lo, hi = span
        runs, count = _train(members[done:], time, hi - cluster.x)
        if not count and hi == track.width:  # near the end: one label may back off from it
            runs, count = _train(members[done : done + 1], time, hi - lo)
        if not count:
            continue
        size = runs_width(runs)
        start = max(lo, min(cluster.x, hi - size))
        track.write(row, start, runs)
        labels.append(_Label(start, start + size, row, cluster.x))
        done += count
    return labels, len(members) - done


def _train(members: list[Delivery[RecordedEvent]], time: str, room: int) -> tuple[list[Run], int]:
    """The longest run of labels (full names, else positions only) that fits in `room`,
    ending with the time left; and how many deliveries it names. Labels are one cell a
    character, so `len` measures them."""
    for full in (True, False):
        runs: list[Run] = []
        used, count = len(time), 0  # the time, after a space; each label brings its space
        for delivery in members:
            label = _label(delivery, full)
            size = 1 + sum(len(text) for text, _ in label)
            if used + size > room:
                break
            if runs:
                runs.append((" ", ""))
            runs += label
            used += size
            count += 1
        if count:
            runs.append((" " + time, "time"))
            return runs, count
    return [], 0


def _label(delivery: Delivery[RecordedEvent], full: bool) -> list[Run]:
    """The dot, the markers that say what kind of delivery this is, then what it carries."""
    runs = delivery_marks(delivery.kind, delivery.will_drop, "event")
    event = delivery.event
    name = f"{short_type(event.type)}#{event.position}" if full else f"#{event.position}"
    runs.append((name, "label"))
    return runs


def _stall_note(lane: LaneState, room: int) -> str:
    """`✗ STALLED <short reason> · parked N`, the reason cut so the rest fits in `room`."""
    head = "✗ STALLED "
    tail = f" · parked {lane.parked}" if lane.parked else ""
    reason = short_stall(lane.stalled or "")
    cut = max(0, room - len(head) - len(tail))
    text = head + (reason if len(reason) <= cut else fit(reason, cut)) + tail
    return text[: max(0, room)]
