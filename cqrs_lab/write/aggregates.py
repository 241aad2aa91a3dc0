"""Loading aggregate states from their streams, with an in-memory cache of folded states.

A cached state remembers its version; loading reads only the events after it, so a product
with 100,000 reservations is not refolded on every command. Other processes' writes are
still seen, because the tail is always read from the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from cqrs_lab.shop.events import event_from_data
from cqrs_lab.shop.state import State, evolve, initial_state
from cqrs_lab.store.event_store import EventStore


@dataclass(slots=True)
class Loaded:
    state: State
    version: int


@dataclass
class AggregateCache:
    store: EventStore
    entries: dict[str, Loaded] = field(default_factory=dict)

    def load(self, stream_id: str, connection: Connection) -> Loaded:
        cached = self.entries.get(stream_id)
        state, version = (cached.state, cached.version) if cached else (initial_state(stream_id), 0)
        for recorded in self.store.read_stream(stream_id, version, connection=connection):
            state = evolve(state, event_from_data(recorded.type, recorded.data))
            version = recorded.version
        return Loaded(state, version)

    def remember(self, stream_id: str, loaded: Loaded) -> None:
        self.entries[stream_id] = loaded

    def clear(self) -> None:
        self.entries.clear()
