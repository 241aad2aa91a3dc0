"""Folded states the write side keeps in the store, beside the events, for long streams.

The in-memory cache (`aggregates.py`) ends with its process. A new lab on a store of a
million events would fold each long stream (a product, reserved by every order) from its
first event at its first command: a thousand rows each, read from as many places in the
file, 40 µs a row. So a command that takes a stream past a multiple of `FOLD_EVERY`
versions keeps that stream's new state in `stream_folds`, in the transaction that appends
its events; a cache miss reads the fold and folds only the events after it (fewer than
`FOLD_EVERY`, unless a writer that keeps no folds appended since). Short streams (a cart,
an order) keep none and are folded from their events, as before.

A cache of a fold, never a fact: `aggregates replay` and `snapshots` do not read it, a
fold behind its stream only costs the events after it, and `reset` clears it with the
events.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.engine import Connection

from cqrs_lab.shop.decide import evolve
from cqrs_lab.shop.events import event_from_data
from cqrs_lab.shop.state import State, initial_state
from cqrs_lab.store.event_store import EventStore
from cqrs_lab.write.snapshots import state_to_text

FOLD_EVERY = 16
"""A fold is kept each time a stream passes a multiple of this many versions: a cold load
folds fewer events than this after it (under a millisecond), and a command pays for a
fold once in this many."""


def keep_folds(
    store: EventStore, written: Mapping[str, tuple[State, int, int]], connection: Connection
) -> None:
    """Keep the folds of the written streams that passed a multiple of `FOLD_EVERY`, in
    `connection`'s transaction (stream id -> its state and version after the command, and
    its version before)."""
    folds = [
        (stream_id, version, state_to_text(state))
        for stream_id, (state, version, before) in written.items()
        if version // FOLD_EVERY > before // FOLD_EVERY
    ]
    store.keep_folds(folds, connection=connection)


def keep_every_fold(store: EventStore) -> int:
    """Fold the whole log once and keep every long stream's fold; return how many.

    For a store whose events were appended without folds (the bench's histories, filled
    straight into the store; a store an older lab wrote): one pass in position order,
    instead of each long stream read row by row at its first command.
    """
    states: dict[str, tuple[State, int]] = {}
    for recorded in store.iter_all():
        stream_id = recorded.stream_id
        state = states[stream_id][0] if stream_id in states else initial_state(stream_id)
        event = event_from_data(recorded.type, recorded.data)
        states[stream_id] = (evolve(state, event), recorded.version)
    long = {i: (state, version, 0) for i, (state, version) in states.items()}
    with store.transaction() as connection:
        keep_folds(store, long, connection)
    return sum(version >= FOLD_EVERY for _, version in states.values())
