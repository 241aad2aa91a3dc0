"""Metrics in a few rows: per lane its lag (now and as a sparkline of recent samples) and
what the subscriber saw; then stale reads per view (and, once there are any, cache hits
and session-guarantee violations) and the command and query counts.

One Line API widget; `show` lays the rows out once, sparklines included."""

from __future__ import annotations

from collections import deque

from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from cqrs_lab.lab.metrics import LabMetrics
from cqrs_lab.lab.snapshot import LabSnapshot
from cqrs_lab.read.view_specs import VIEW_NAMES
from cqrs_lab.tui.widgets.format import (
    RoleStyled,
    RoleStyles,
    Run,
    changed_lines,
    component_classes,
    fit,
    runs_width,
    seconds_short,
    to_strip,
)
from cqrs_lab.wording import counted

HISTORY = 60
"""Lag samples kept per lane: one per `show`."""
BARS = "▁▂▃▄▅▆▇█"
LEFT = (("lane", 10), ("lag", 9), ("lag time", 9))
RIGHT = (("deliveries", 11), ("dup ignored", 12), ("gaps", 6), ("redelivered", 12))
SPARK_TITLE = "lag history"
PREFIX = "metrics-strip"
ROLES = ("header", "name", "value", "lag", "spark", "muted", "warning")
"""The roles runs are styled by: each one a `metrics-strip--ROLE` component class."""


def sparkline(samples: deque[int] | list[int], width: int, top: int) -> str:
    """Samples as bars scaled to `top`, the newest on the right; zero is the lowest bar,
    and a blank means no sample yet."""
    recent = list(samples)[-width:] if width > 0 else []
    steps = len(BARS) - 1
    bars = [
        BARS[0] if value <= 0 else BARS[max(1, min(steps, -(-value * steps // max(1, top))))]
        for value in recent
    ]
    return " " * (width - len(bars)) + "".join(bars)


class MetricsStrip(RoleStyled, Widget):
    """Lag, its recent history and delivery counters per lane; stale reads; command and
    query counts."""

    COMPONENT_CLASSES = component_classes(PREFIX, ROLES)

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._history: dict[str, deque[int]] = {}
        self._snapshot: LabSnapshot | None = None
        self._metrics: LabMetrics | None = None
        self._rows: list[list[Run]] = []
        self._layout_width = -1
        self._styles = RoleStyles(self, PREFIX)

    def history(self, lane: str) -> tuple[int, ...]:
        """The lag samples kept for a lane, oldest first."""
        return tuple(self._history.get(lane, ()))

    def show(self, snapshot: LabSnapshot, metrics: LabMetrics) -> None:
        """Record one lag sample per lane and draw the numbers (only the rows that changed
        are drawn again; a row more or less lays the screen out)."""
        for lane in snapshot.lanes:
            self._history.setdefault(lane.name, deque(maxlen=HISTORY)).append(lane.lag_events)
        before, width = self._rows, self._layout_width
        self._snapshot, self._metrics = snapshot, metrics
        self._layout()
        if len(self._rows) != len(before) or width != self._layout_width:
            self.refresh(layout=len(self._rows) != len(before))
        elif changed := changed_lines(before, self._rows, width):
            self.refresh(*changed)

    # -- drawing --------------------------------------------------------------------

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self._snapshot is None or self._metrics is None:
            return 2
        lanes = len(self._snapshot.lanes)
        return lanes + 1 + len(_totals(self._metrics, width))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if width != self._layout_width:
            self._layout()
        if y >= len(self._rows):
            return Strip.blank(width, self._styles.base)
        return to_strip(self._rows[y], width, self._styles, self._styles.base)

    def _layout(self) -> None:
        width = self.size.width
        self._layout_width = width
        snapshot, metrics = self._snapshot, self._metrics
        if snapshot is None or metrics is None or width <= 0:
            self._rows = []
            return
        fixed = sum(size for _, size in LEFT + RIGHT)
        spark_width = max(0, min(HISTORY, width - fixed - 2))
        top = max((max(h, default=0) for h in self._history.values()), default=0)
        spark_title = f"{SPARK_TITLE} (top {top})" if spark_width else ""
        header = "".join(fit(title, size) for title, size in LEFT)
        header += fit(spark_title, spark_width + 2)
        header += "".join(_right(title, size) for title, size in RIGHT)
        rows: list[list[Run]] = [[(header, "header")]]
        for lane in snapshot.lanes:
            stats = lane.subscriber
            behind = lane.lag_events > 0
            spark = sparkline(self._history.get(lane.name, deque()), spark_width, top)
            counts = (stats.deliveries, stats.duplicates, stats.gaps, lane.bus.redelivered)
            rows.append(
                [
                    (fit(lane.name, LEFT[0][1]), "name"),
                    (fit(f"{lane.lag_events} ev", LEFT[1][1]), "lag" if behind else "value"),
                    (fit(seconds_short(lane.lag_seconds), LEFT[2][1]), "value"),
                    (spark + "  ", "spark"),
                    *(
                        (_right(str(count), size), "value")
                        for count, (_, size) in zip(counts, RIGHT, strict=True)
                    ),
                ]
            )
        rows += _totals(metrics, width)
        self._rows = rows


def _right(text: str, size: int) -> str:
    """Right-aligned in `size` cells, with one space after."""
    return fit(text, size - 1).rstrip().rjust(size - 1) + " "


def _conflicts(metrics: LabMetrics) -> list[Run]:
    """Version conflicts and the retries they caused; nothing until there is one."""
    if not metrics.concurrency_conflicts:
        return []
    return [
        (" · ", "muted"),
        (f"{metrics.concurrency_conflicts} conflicts, {metrics.retries} retried", "warning"),
    ]


def _write_cost(metrics: LabMetrics) -> list[Run]:
    """A write's mean cost in lab time (`sim.write_cost`: inline projections raise it)."""
    cost = metrics.command_lab
    if not cost.count:
        return []
    return [(" · write ", "muted"), (f"{cost.mean * 1000:.1f} ms", "value")]


def _caches_and_sessions(metrics: LabMetrics) -> list[list[Run]]:
    """Cache hits, the stale ones among them (a cache is one more read model, with a lag of
    its own), and session-guarantee violations; nothing until there is one."""
    groups: list[list[Run]] = []
    hits, stale = sum(metrics.cache_hits.values()), sum(metrics.stale_cache_hits.values())
    if hits or stale:
        groups.append(
            [
                ("    cache ", "header"),
                (f"{hits} hits", "value"),
                (" · ", "muted"),
                (f"{stale} stale", "warning" if stale else "value"),
            ]
        )
    violations = sum(metrics.session_violations.values())
    if violations:
        worst, _ = metrics.session_violations.most_common(1)[0]
        kinds = len(+metrics.session_violations)
        what = worst if kinds == 1 else f"{worst} +{kinds - 1} more"
        groups.append(
            [
                ("    sessions ", "header"),
                (f"{counted(violations, 'violation')} ({what})", "warning"),
            ]
        )
    return groups


def _totals(metrics: LabMetrics, width: int) -> list[list[Run]]:
    """The totals on one row; on more when cache or session counts would push the
    command and query counts off the right edge."""
    reads: list[Run] = [("stale reads ", "header")]
    for i, view in enumerate(VIEW_NAMES):
        count = metrics.stale_reads[view]
        reads += [
            (f"{' · ' if i else ' '}{view} ", "muted"),
            (str(count), "warning" if count else "value"),
        ]
    extra = _caches_and_sessions(metrics)
    accepted = sum(metrics.accepted.values())
    rejected = sum(metrics.rejected.values())
    queries = sum(metrics.queries.values())
    counts: list[Run] = [
        ("    commands ", "header"),
        (f"{accepted} ok", "value"),
        (" · ", "muted"),
        (f"{rejected} rejected", "warning" if rejected else "value"),
        *_conflicts(metrics),
        *_write_cost(metrics),
        ("    queries ", "header"),
        (str(queries), "value"),
    ]
    if not extra:  # as it always was: one row, cut at the right edge when narrow
        return [reads + counts]
    rows = [reads]
    for group in (*extra, counts):
        if runs_width(rows[-1] + group) <= width:
            rows[-1] = rows[-1] + group
        else:  # a new row, without the spaces that kept it from the one before
            (text, role), *rest = group
            rows.append([(text.lstrip(), role), *rest])
    return rows
