"""Rebuilding a projection: clear its tables and replay the whole store into it, a batch at
a time, so a screen can show the progress.

A rebuild is what fixes a projection bug, so the events its lane skipped or was stuck on
are applied again. Parked events are not: they wait in the lane's dead-letter queue for
`replay-parked` (or `discard-parked`), and a rebuild that applied them behind the
learner's back would empty it. They are left out of the rebuild, the projection's
checkpoint passes them as before, and the rebuild says how many stayed parked.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cqrs_lab.wording import counted

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab
    from cqrs_lab.read.projection import Projection


@dataclass(frozen=True, slots=True)
class RebuildProgress:
    """How far a projection's rebuild has got, in events."""

    projection: str
    done: int
    total: int

    @property
    def finished(self) -> bool:
        return self.done >= self.total


def rebuild_steps(lab: Lab, lane: str, batch: int = 5_000) -> Iterator[RebuildProgress]:
    """The rebuild as a generator, one batch a step."""
    (name,) = lab.lanes_named(lane)
    subscriber, projection = lab.subscribers[name], lab.projections[name]
    subscriber.rebuilding = True
    parked = {parked.event.position for parked in subscriber.guard.parked}
    done = 0
    try:
        with lab.store.transaction() as connection:
            projection.clear(connection)
        total = lab.store.head()
        yield RebuildProgress(name, 0, total)
        for done in _fill(lab, projection, parked, batch):
            yield RebuildProgress(name, done, max(total, done))
    finally:
        subscriber.rebuilding = False
        subscriber.after_rebuild()
    lab.metrics.rebuilds[name] += 1
    yield RebuildProgress(name, done, done)


def refill(lab: Lab, name: str, leave_out: Collection[int], before: int | None = None) -> None:
    """Fill `name`'s projection again from the stored events before position `before` (all
    when None), leaving out those in `leave_out` (its checkpoint passes them): how a
    replayed recording gives a lane back its parked and skipped events and the one it is
    stuck on. Not counted as a rebuild."""
    projection = lab.projections[name]
    with lab.store.transaction() as connection:
        projection.clear(connection)
    for _ in _fill(lab, projection, leave_out, 5_000, before):
        pass


def _fill(
    lab: Lab,
    projection: Projection,
    leave_out: Collection[int],
    batch: int,
    before: int | None = None,
) -> Iterator[int]:
    """Apply the stored events to a cleared projection (see `refill`), flushing every
    `batch` events; yield how many are done after each batch, and at the end."""
    done = 0
    for event in lab.store.iter_all(batch=batch):
        if before is not None and event.position >= before:
            break
        if event.position in leave_out:
            projection.checkpoint = event.position
        else:
            projection.apply(event)
        done += 1
        if done % batch == 0:
            lab.flush()
            yield done
    lab.flush()
    if done % batch:
        yield done


def rebuilt(lab: Lab, name: str, events: int) -> str:
    """What a rebuild of `name` from `events` events did, for its message: `orders from 40
    events`, and the parked events it left parked."""
    parked = len(lab.subscribers[name].guard.parked)
    if not parked:
        return f"{name} from {counted(events, 'event')}"
    which = counted(parked, "parked event stays", "parked events stay")
    return f"{name} from {counted(events, 'event')} ({which} parked: replay-parked {name})"
