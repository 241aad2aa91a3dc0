"""Flushing projections: their applied events are written with their checkpoints in one
transaction, and a flush the database refuses is kept, said on its lane and tried again
(backing off), so nothing is lost or committed twice."""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy.engine import Connection

from cqrs_lab.read.projection import CheckpointMoved, Projection
from cqrs_lab.store.errors import StoreError
from cqrs_lab.store.event_store import EventStore
from cqrs_lab.store.pg_errors import ServerUnavailable

FLUSH_RETRY_SECONDS = 1.0
"""Wall seconds between two tries of a flush that failed (a lock may take seconds to go)."""


class Flushes:
    """The lab's flushes and what the last ones that failed left to retry."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.problems: dict[str, str] = {}
        """Projection -> why its last flush failed (cleared by the next one that works)."""
        self.retry_seconds = FLUSH_RETRY_SECONDS
        self.error: StoreError | None = None
        """Why the last flush failed, None once one works."""
        self._retry_at = 0.0

    def flush(self, chosen: Iterable[Projection]) -> None:
        """Commit the `chosen` projections' applied events together with their checkpoints."""
        chosen = tuple(chosen)
        for projection in chosen:
            if not projection.dirty:  # saved since (inline, say): nothing is waiting
                self.problems.pop(projection.name, None)
        dirty = [p for p in chosen if p.dirty]
        if not dirty or (self.problems and time.monotonic() < self._retry_at):
            return  # each try may wait out the database's busy timeout: not every frame
        try:
            try:
                self._pipelined(dirty)
            except CheckpointMoved:  # another lab flushed: rolled back, written the careful way
                self._commit(dirty, pipelined=False)
        except StoreError as error:  # a lock, a full disk, a lost connection: retried
            for projection in dirty:  # nothing was committed, and nothing is forgotten
                self.problems[projection.name] = f"flush failed: {error}; retrying"
            self._retry_at = time.monotonic() + self.retry_seconds
            self.error = error
            return
        self.error = None
        for projection in dirty:
            projection.committed()
            self.problems.pop(projection.name, None)

    def _pipelined(self, dirty: list[Projection]) -> None:
        """The flush in a transaction of its own, sent whole with its COMMIT (PostgreSQL:
        `pg_unit.at_commit`): a kept connection found dead there is replaced once, as
        at any unit's BEGIN (the next unit takes a fresh one from the pool). Once more is
        safe even after a lost COMMIT: the checkpoint's guard then says it moved."""
        try:
            self._commit(dirty, pipelined=True)
        except ServerUnavailable:
            self._commit(dirty, pipelined=True)

    def _commit(self, dirty: list[Projection], *, pipelined: bool) -> None:
        with self.store.transaction() as connection:
            for projection in dirty:
                self.write(projection, connection, pipelined=pipelined)

    def write(
        self, projection: Projection, connection: Connection, *, pipelined: bool = False
    ) -> None:
        """Write, unless another process moved the shared checkpoint since we last did.

        Two labs on one database share the read tables. If the stored checkpoint is not the
        one we committed, our mirror is out of date: reload the rows the other lab wrote and
        re-apply our events after its checkpoint, so no event is applied twice or lost.
        `pipelined`: the transaction is the flush's own (see `write_if_current`).
        """
        if projection.dirty and projection.write_if_current(connection, pipelined=pipelined):
            return  # the checkpoint was still ours: moved and written in one statement
        stored = projection.stored_checkpoint(connection)
        if stored != projection.committed_checkpoint:
            target = projection.checkpoint
            projection.open(connection, self.store.read_rows)
            if target > stored:
                limit = target - stored
                for event in self.store.read_all(stored, limit, connection=connection):
                    projection.apply(event)
        projection.write(connection)
