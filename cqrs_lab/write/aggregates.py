"""Loading aggregate states from their streams, with an in-memory cache of folded states.

A cached state remembers its version; loading reads only the events after it, so a product
with 100,000 reservations is not refolded on every command. Other processes' writes are
still seen: each unit first `sync`s the cache with the store's head (read under the
writers' lock), and a stream written since the last sync has its tail read. While no one
else writes, a cached state is current and costs no read at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from cqrs_lab.shop.decide import evolve
from cqrs_lab.shop.events import event_from_data
from cqrs_lab.shop.state import State, initial_state
from cqrs_lab.store.event_store import EventStore

SYNC_SCAN_LIMIT = 10_000
"""Beyond this many events written by others since the last sync, the cache is dropped
instead of scanning them for the streams they touched."""


@dataclass(slots=True)
class Loaded:
    state: State
    version: int


@dataclass
class AggregateCache:
    store: EventStore
    entries: dict[str, Loaded] = field(default_factory=dict)
    synced: int | None = None
    """The head up to which every cached state is current (None: not known)."""
    unsynced: set[str] = field(default_factory=set)
    """Cached streams written by others since: their tails are read on load."""

    def sync(self, connection: Connection) -> None:
        """At the start of a unit holding the writers' lock: note which cached streams
        others wrote since the last sync (all of them, when that cannot be told)."""
        head = self.store.head(connection=connection)
        synced = self.synced
        if synced is None or head < synced or head - synced > SYNC_SCAN_LIMIT:
            self.unsynced = set(self.entries)  # a reset elsewhere, or too much to scan
        elif head > synced:
            written = self.store.streams_between(synced, head, connection=connection)
            self.unsynced.update(written & self.entries.keys())
        self.synced = head

    def advanced(self, head: int) -> None:
        """This unit, synced and still holding the lock, committed up to `head`."""
        if self.synced is not None:
            self.synced = max(self.synced, head)

    def load(self, stream_id: str, connection: Connection) -> Loaded:
        cached = self.entries.get(stream_id)
        if cached is not None and self.synced is not None and stream_id not in self.unsynced:
            return cached
        state, version = (cached.state, cached.version) if cached else (initial_state(stream_id), 0)
        for recorded in self.store.read_stream(stream_id, version, connection=connection):
            state = evolve(state, event_from_data(recorded.type, recorded.data))
            version = recorded.version
        return Loaded(state, version)

    def remember(self, stream_id: str, loaded: Loaded) -> None:
        self.entries[stream_id] = loaded
        self.unsynced.discard(stream_id)

    def clear(self) -> None:
        self.entries.clear()
        self.unsynced.clear()
        self.synced = None
