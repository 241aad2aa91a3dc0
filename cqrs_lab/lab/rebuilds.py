"""Rebuilding a projection: clear its tables and replay the whole store into it, a batch at
a time, so a screen can show the progress.

A rebuild is what fixes a projection bug, so the events its lane skipped or was stuck on
are applied again. Parked events are not: they wait in the lane's dead-letter queue for
`replay-parked` (or `discard-parked`), and a rebuild that applied them behind the
learner's back would empty it. They are left out of the rebuild, the projection's
checkpoint passes them as before, and the rebuild says how many stayed parked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab


@dataclass(frozen=True, slots=True)
class RebuildProgress:
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
    try:
        with lab.store.transaction() as connection:
            projection.clear(connection)
        total, done = lab.store.head(), 0
        yield RebuildProgress(name, 0, total)
        for event in lab.store.iter_all(batch=batch):
            if event.position in parked:
                projection.checkpoint = event.position
            else:
                projection.apply(event)
            done += 1
            if done % batch == 0:
                lab.flush()
                yield RebuildProgress(name, done, max(total, done))
        lab.flush()
    finally:
        subscriber.rebuilding = False
        subscriber.after_rebuild()
    lab.metrics.rebuilds[name] += 1
    yield RebuildProgress(name, done, done)


def rebuilt(lab: Lab, name: str, events: int) -> str:
    """What a rebuild of `name` from `events` events did, for its message: `orders from 40
    events`, and the parked events it left parked."""
    parked = len(lab.subscribers[name].guard.parked)
    if not parked:
        return f"{name} from {events} events"
    which = "1 parked event stays" if parked == 1 else f"{parked} parked events stay"
    return f"{name} from {events} events ({which} parked: replay-parked {name})"
