"""Rebuilding a projection: clear its tables and replay the whole store into it, a batch at
a time, so a screen can show the progress."""

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
    try:
        with lab.store.transaction() as connection:
            projection.clear(connection)
        total, done = lab.store.head(), 0
        yield RebuildProgress(name, 0, total)
        for event in lab.store.iter_all(batch=batch):
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
