"""Loading aggregate states from their streams, with an in-memory cache of folded states.

A cached state remembers its version; loading reads only the events after it, so a product
with 100,000 reservations is not refolded on every command. Other processes' writes are
still seen: each unit first `sync`s the cache with the store's head (read under the
writers' lock), and a stream written since the last sync has its tail read. While no one
else writes, a cached state is current and costs no read at all.

A stream the cache does not hold (a new process, say) starts from the fold the write side
keeps in the store for long streams (`folds.py`), if there is one, instead of its first event.
While the cache is `complete` (it holds every stream there is), a unit begun on a guessed
head takes a stream it does not hold as new without reading it (`pg_guess.assume_absent`).

The cache is one `LoadStrategy` of three (`snapshots.py`): with `replay` or `snapshots`
every load reads the store, from the first event or from the newest snapshot. Every load
says how it went (`Loaded.report`), for the command's trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from cqrs_lab.shop.decide import evolve
from cqrs_lab.shop.events import event_from_data
from cqrs_lab.shop.state import State, initial_state
from cqrs_lab.store.event_store import EventStore
from cqrs_lab.store.pg_guess import assume_absent
from cqrs_lab.write.snapshots import How, LoadReport, LoadStrategy, SnapshotStore, state_from_text

SYNC_SCAN_LIMIT = 10_000
"""Beyond this many events written by others since the last sync, the cache is dropped
instead of scanning them for the streams they touched."""


@dataclass(slots=True)
class Loaded:
    state: State
    version: int
    report: LoadReport | None = None
    """How it was loaded (None: a state the handler folded itself after a command)."""


@dataclass
class AggregateCache:
    store: EventStore
    entries: dict[str, Loaded] = field(default_factory=dict)
    synced: int | None = None
    """The head up to which every cached state is current (None: not known)."""
    unsynced: set[str] = field(default_factory=set)
    """Cached streams written by others since: their tails are read on load."""
    complete: bool = False
    """Every stream with events up to `synced` is in `entries` (synced from an empty store,
    and every stream written since remembered or cached)."""
    strategy: LoadStrategy = LoadStrategy.CACHED
    snapshots: SnapshotStore = field(init=False)

    def __post_init__(self) -> None:
        self.snapshots = SnapshotStore(self.store)

    def set_strategy(self, strategy: LoadStrategy, every: int | None = None) -> None:
        """Load aggregates that way from now on (`every`: versions between snapshots)."""
        self.strategy = strategy
        self.snapshots.switch(every if strategy is LoadStrategy.SNAPSHOTS else None)

    def sync(self, connection: Connection) -> None:
        """At the start of a unit holding the writers' lock: note which cached streams
        others wrote since the last sync (all of them, when that cannot be told)."""
        head = self.store.head(connection=connection)
        synced = self.synced
        if synced is None or head < synced or head - synced > SYNC_SCAN_LIMIT:
            self.unsynced = set(self.entries)  # a reset elsewhere, or too much to scan
            self.complete = head == 0
        elif head > synced:
            written = self.store.streams_between(synced, head, connection=connection)
            self.unsynced.update(written & self.entries.keys())
            self.complete = self.complete and written <= self.entries.keys()
        self.synced = head

    def advanced(self, head: int) -> None:
        """This unit, synced and still holding the lock, committed up to `head`."""
        if self.synced is not None:
            self.synced = max(self.synced, head)

    def load(self, stream_id: str, connection: Connection) -> Loaded:
        how: How = "replay"
        state: State | None = None
        version = 0
        if self.strategy is LoadStrategy.CACHED:
            if cached := self.entries.get(stream_id):
                how, state, version = "cache", cached.state, cached.version
                if self.synced is not None and stream_id not in self.unsynced:
                    return Loaded(state, version, LoadReport(stream_id, how, version, 0))
            elif self.complete and assume_absent(connection, stream_id):  # what a read gives
                return Loaded(initial_state(stream_id), 0, LoadReport(stream_id, how, 0, 0))
            elif fold := self.store.stream_fold(stream_id, connection=connection):
                how, version, state = "stored", fold[0], state_from_text(fold[1])
        elif self.strategy is LoadStrategy.SNAPSHOTS:
            newest = self.snapshots.newest(stream_id, connection)
            if newest is not None:
                (state, version), how = newest, "snapshot"
        if state is None:
            state = initial_state(stream_id)
        start, read = version, 0
        for recorded in self.store.read_stream(stream_id, version, connection=connection):
            state = evolve(state, event_from_data(recorded.type, recorded.data))
            version = recorded.version
            read += 1
        return Loaded(state, version, LoadReport(stream_id, how, start, read))

    def save_snapshots(
        self, snapshot_at: dict[str, int], after: dict[str, Loaded], connection: Connection
    ) -> None:
        """Snapshot each stream now `every` versions or more past its newest snapshot."""
        for stream_id, loaded in after.items():
            if self.snapshots.due(snapshot_at.get(stream_id, 0), loaded.version):
                self.snapshots.save(stream_id, loaded.state, loaded.version, connection)

    def remember(self, stream_id: str, loaded: Loaded) -> None:
        self.entries[stream_id] = loaded
        self.unsynced.discard(stream_id)

    def forget_states(self) -> None:
        """Forget the folded states (not the snapshots): the next loads read the store."""
        self.entries.clear()
        self.unsynced.clear()
        self.synced = None
        self.complete = False

    def clear(self) -> None:
        """Forget every folded state and snapshot (the store was emptied); load the
        default way again."""
        self.entries.clear()
        self.unsynced.clear()
        self.synced = None
        self.complete = False
        self.strategy = LoadStrategy.CACHED
        self.snapshots.clear()
