"""Aggregate snapshots, and how the write side loads an aggregate.

A command handler folds an aggregate's stream to decide. The lab can load it three ways
(`LoadStrategy`):

- `cached` (the default): folded states are kept in memory; a load reads only the events
  written since (see `aggregates.py`).
- `replay`: no memory of folded states, as a stateless handler (a new process, a function
  per request) has: every load folds the whole stream from its first event.
- `snapshots` (`snapshots every N`): once a stream is N versions past its newest snapshot
  (or its start) the folded state is saved in the `aggregate_snapshots` table; a load
  reads the newest snapshot and folds only the events after it ("loaded from snapshot at
  v9000 + 12 events"). Nothing in memory either.

A snapshot is a cache of a fold, never a fact: the events stay the truth, and `snapshots
off` or a lost table changes only how long a load takes, never what it decides.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Literal, cast

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from cqrs_lab.shop.state import Cart, Order, Product, State, User
from cqrs_lab.store.event_store import EventStore
from cqrs_lab.wording import counted


class LoadStrategy(StrEnum):
    CACHED = "cached"
    REPLAY = "replay"
    SNAPSHOTS = "snapshots"


class AggregateSnapshot(SQLModel, table=True):
    """The newest snapshot of one stream: its folded state at `version`, as JSON."""

    __tablename__ = "aggregate_snapshots"
    stream_id: str = Field(primary_key=True)
    version: int
    state: str


_SNAPSHOTS = cast(sa.Table, AggregateSnapshot.__table__)
_ADAPTERS: dict[str, TypeAdapter[State]] = {
    kind.__name__: TypeAdapter(kind) for kind in (User, Product, Cart, Order)
}

How = Literal["cache", "stored", "replay", "snapshot"]
"""`stored`: a cache miss served by the fold the write side keeps in the store (`folds.py`)."""


def state_to_text(state: State) -> str:
    """A folded state as the snapshots and the stored folds keep it."""
    kind = type(state).__name__
    data = _ADAPTERS[kind].dump_json(state).decode()  # the kind is a class name: no escaping
    return f'{{"kind":"{kind}","data":{data}}}'


def state_from_text(text: str) -> State:
    stored = json.loads(text)
    return cast(State, _ADAPTERS[stored["kind"]].validate_python(stored["data"]))


@dataclass(frozen=True, slots=True)
class LoadReport:
    """How one stream was loaded for one command."""

    stream_id: str
    how: How
    start_version: int
    """The version the load started from (a snapshot's, the cached one's, or 0)."""
    events_read: int
    """Events folded on top of it."""

    def describe(self) -> str:
        events = counted(self.events_read, "event")
        if self.how == "snapshot":
            return f"{self.stream_id} loaded from snapshot at v{self.start_version} + {events}"
        if self.how == "cache":
            return f"{self.stream_id} from the in-memory cache at v{self.start_version} + {events}"
        if self.how == "stored":
            return f"{self.stream_id} from its stored fold at v{self.start_version} + {events}"
        return f"{self.stream_id} replayed from the start: {events}"

    def to_json(self) -> dict[str, object]:
        return asdict(self)


class SnapshotStore:
    """Reads and writes the snapshots table (created when snapshots are first switched on)."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self.every: int | None = None
        """Save a snapshot every this many versions of a stream (None: snapshots off)."""
        self.saved = 0
        self._created = False

    def switch(self, every: int | None) -> None:
        if every is not None and not self._created:
            with self.store.transaction() as connection:
                SQLModel.metadata.create_all(connection, tables=[_SNAPSHOTS])
            self._created = True
        self.every = every

    def newest(self, stream_id: str, connection: Connection) -> tuple[State, int] | None:
        if not self._created:
            return None
        row = connection.execute(
            sa.select(_SNAPSHOTS.c.version, _SNAPSHOTS.c.state).where(
                _SNAPSHOTS.c.stream_id == stream_id
            )
        ).first()
        if row is None:
            return None
        return state_from_text(row.state), int(row.version)

    def due(self, snapshot_at: int, version: int) -> bool:
        """Is a stream at `version`, whose newest snapshot is at `snapshot_at` (0: none),
        due a new one? Yes once it is N versions past it: a stream that grows one event at a
        time is saved at N, 2N, ...; a long one written before snapshots were switched on
        gets its first at its next command."""
        every = self.every
        return every is not None and version - snapshot_at >= every

    def save(self, stream_id: str, state: State, version: int, connection: Connection) -> None:
        text = state_to_text(state)
        connection.execute(_SNAPSHOTS.delete().where(_SNAPSHOTS.c.stream_id == stream_id))
        connection.execute(
            _SNAPSHOTS.insert(), {"stream_id": stream_id, "version": version, "state": text}
        )
        self.saved += 1

    def clear(self) -> None:
        """Forget every snapshot (the store was emptied) and switch them off."""
        self.every = None
        if self._created:
            with self.store.transaction() as connection:
                connection.execute(_SNAPSHOTS.delete())
