"""What the lab screen drew last, so a frame redraws only the widgets whose data changed
(and the view panel, which queries the database, at most every VIEW_REFRESH_TICKS frames)."""

from __future__ import annotations

from cqrs_lab.lab.metrics import LabMetrics
from cqrs_lab.lab.snapshot import LabSnapshot, LaneState
from cqrs_lab.read.view_specs import VIEW_LANES

VIEW_REFRESH_TICKS = 8
"""The view panel queries the database: at most every 8th tick (about 4 times a second)."""
BUSY_IN_FLIGHT = 200
"""Deliveries in flight above which the lab is busy (a load runs): its view panel, whose
tables and layout then cost more than a frame, is redrawn at most every
BUSY_VIEW_REFRESH_TICKS ticks (about once a second), leaving the frames to the rest."""
BUSY_VIEW_REFRESH_TICKS = 30
SERVICES_REFRESH_TICKS = 3
"""The services' picture reads their tables: at most every 3rd tick (about 10 times a
second, as often as the tenths of a second on its labels change)."""
METRICS_SAMPLE_SECONDS = 0.25
"""Lab seconds between two lag samples of the metrics strip (also drawn on any change)."""


class Redraw:
    """Each question answers whether to draw that part of `snapshot` now, and remembers it."""

    def __init__(self) -> None:
        self.ticks = 0
        self._view_tick = -VIEW_REFRESH_TICKS
        self.forget()

    def forget(self) -> None:
        """Draw everything at the next frame (the lab changed under the screen)."""
        self._lanes: tuple[LaneState, ...] = ()
        self._log: tuple[int, int] | None = None
        self._metrics: tuple[object, ...] | None = None
        self._metrics_at = float("-inf")
        self._services_tick = -SERVICES_REFRESH_TICKS
        self.forget_views()

    def forget_views(self) -> None:
        self._views: tuple[object, ...] | None = None

    def bus(self, snapshot: LabSnapshot) -> bool:
        """Nothing moves on an idle bus: no redraw."""
        if snapshot.in_flight or snapshot.lanes != self._lanes:
            self._lanes = snapshot.lanes
            return True
        return False

    def log(self, snapshot: LabSnapshot) -> bool:
        key = (snapshot.head, len(snapshot.recent_events))
        changed, self._log = key != self._log, key
        return changed

    def metrics(self, snapshot: LabSnapshot, metrics: LabMetrics | None = None) -> bool:
        """A lag sample every quarter of a lab second, and whenever a number changed
        (queries, cache hits and session violations count too)."""
        counts = () if metrics is None else _counted(metrics)
        key = (
            snapshot.head,
            *(lane.checkpoint for lane in snapshot.lanes),
            snapshot.in_flight,
            *counts,
        )
        if key == self._metrics and snapshot.now - self._metrics_at < METRICS_SAMPLE_SECONDS:
            return False
        self._metrics, self._metrics_at = key, snapshot.now
        return True

    def services(self, *, now: bool) -> bool:
        """The services' picture: when a line ran (`now`), else every few ticks."""
        if not now and self.ticks - self._services_tick < SERVICES_REFRESH_TICKS:
            return False
        self._services_tick = self.ticks
        return True

    def views(self, snapshot: LabSnapshot, view: str, user: str, *, now: bool) -> bool:
        lane = snapshot.lane(VIEW_LANES[view])
        behind = round(lane.lag_seconds, 1) if lane.lag_events else 0.0
        key = (view, user, snapshot.head, lane.checkpoint, behind, lane.stalled is None)
        if key == self._views:
            return False
        busy = snapshot.in_flight > BUSY_IN_FLIGHT
        every = BUSY_VIEW_REFRESH_TICKS if busy else VIEW_REFRESH_TICKS
        if not now and self.ticks - self._view_tick < every:
            return False
        self._views, self._view_tick = key, self.ticks
        return True


def _counted(metrics: LabMetrics) -> tuple[int, ...]:
    return tuple(
        sum(counter.values())
        for counter in (metrics.queries, metrics.cache_hits, metrics.session_violations)
    )
