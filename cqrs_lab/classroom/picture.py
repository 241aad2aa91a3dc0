"""An attendee's lab as a picture the instructor can show: the bus, the views and the log.

Built from the lab's snapshot (`Lab.snapshot`) and the screen's kind of queries (not counted
as the learner's), as plain JSON: the instructor's watch screen draws it read-only.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cqrs_lab.read.view_specs import VIEW_SPECS

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab

MAX_IN_FLIGHT = 12
"""Deliveries shown per lane."""
MAX_ROWS = 12
"""Rows shown per view."""
MAX_EVENTS = 12


def lab_picture(lab: Lab, user: str | None = None) -> dict[str, Any]:
    """The picture of `lab`: per-user views are asked for `user` (skipped without one)."""
    snapshot = lab.snapshot()
    lanes = []
    for lane in snapshot.lanes:
        in_flight = [
            {
                "position": delivery.event.position,
                "type": delivery.event.type,
                "left": round(max(0.0, delivery.due_at - snapshot.now), 3),
                "travelled": _travelled(delivery.sent_at, delivery.due_at, snapshot.now),
            }
            for delivery in sorted(lane.in_flight, key=lambda d: d.due_at)[:MAX_IN_FLIGHT]
        ]
        lanes.append(
            {
                "name": lane.name,
                "mode": str(lane.mode),
                "latency": lane.latency,
                "faults": lane.faults,
                "checkpoint": lane.checkpoint,
                "lag_events": lane.lag_events,
                "lag_seconds": round(lane.lag_seconds, 3),
                "in_flight": in_flight,
                "count": len(lane.in_flight),
            }
        )
    views = []
    for spec in VIEW_SPECS:
        if spec.per_user and user is None:
            continue
        asked = user if spec.per_user else None
        projection = lab.query(spec.name, asked, record=False)
        twin = lab.query(spec.name, asked, crud=True, record=False)
        views.append(
            {
                "name": spec.name if asked is None else f"{spec.name} {asked}",
                "columns": list(projection.rows.columns),
                "rows": _rows(projection.rows.rows),
                "crud_rows": _rows(twin.rows.rows),
                "behind": projection.behind_events,
            }
        )
    events = [
        {"position": event.position, "type": event.type, "stream": event.stream_id}
        for event in snapshot.recent_events[:MAX_EVENTS]
    ]
    return {
        "now": round(snapshot.now, 3),
        "paused": snapshot.paused,
        "head": snapshot.head,
        "lanes": lanes,
        "views": views,
        "events": events,
        "conflicts": lab.metrics.concurrency_conflicts,
        "retries": lab.metrics.retries,
    }


def _travelled(sent: float, due: float, now: float) -> float:
    if due <= sent:
        return 1.0
    return round(min(1.0, max(0.0, (now - sent) / (due - sent))), 3)


def _rows(rows: tuple[tuple[Any, ...], ...]) -> list[list[Any]]:
    """The first rows, as JSON keeps them (money and the like as text)."""
    return json.loads(json.dumps([list(row) for row in rows[:MAX_ROWS]], default=str))
