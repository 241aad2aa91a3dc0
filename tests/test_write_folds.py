"""The folds the write side keeps for long streams: a new process starts from them, they stay
exact when another writer appends without them, and reset forgets them."""

from __future__ import annotations

from pathlib import Path

from cqrs_lab.bench.data import fill_store
from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.shop.decide import evolve
from cqrs_lab.shop.events import event_from_data
from cqrs_lab.shop.state import initial_state
from cqrs_lab.store import EventMetadata, NewEvent, open_store
from cqrs_lab.write.folds import FOLD_EVERY, keep_every_fold
from cqrs_lab.write.snapshots import state_from_text
from tests.lab_helpers import SHOP_SETUP, new_lab, run


def restock(lab: Lab, times: int) -> str:
    """Restock mug `times` times; how the last command loaded its streams, one a line (what
    `trace` shows when aggregates are not cached)."""
    for _ in range(times):
        outcome = execute(lab, "restock mug 1")
        assert outcome.ok, outcome.message
    loads = next(reversed(lab.handler.loads.values()))
    return "\n".join(load.describe() for load in loads)


def mug_restocked(db: str, times: int) -> Lab:
    """A lab on `db` with the shop set up and mug restocked `times` times (at v1 + times)."""
    lab = new_lab(db=db)
    run(lab, SHOP_SETUP)
    restock(lab, times)
    return lab


def replayed(lab: Lab, stream_id: str) -> object:
    state = initial_state(stream_id)
    for recorded in lab.store.read_stream(stream_id):
        state = evolve(state, event_from_data(recorded.type, recorded.data))
    return state


def test_a_new_lab_starts_a_long_stream_from_its_fold(db: str) -> None:
    lab = mug_restocked(db, FOLD_EVERY)  # product-mug at v17, its fold at v16
    lab.close()
    lab = new_lab(db=db)
    try:
        assert f"product-mug from its stored fold at v{FOLD_EVERY} + 1 event" in restock(lab, 1)
        assert "product-mug from the in-memory cache at v18 + 0 events" in restock(lab, 1)
        assert lab.handler.aggregates.entries["product-mug"].state == replayed(lab, "product-mug")
        assert lab.metrics.aggregate_loads["stored"] == 1
    finally:
        lab.close()


def test_a_short_stream_keeps_no_fold(db: str) -> None:
    lab = mug_restocked(db, 2)
    lab.close()
    lab = new_lab(db=db)
    try:
        assert "product-mug replayed from the start: 3 events" in restock(lab, 1)
    finally:
        lab.close()


def test_a_fold_behind_its_stream_folds_the_events_after_it(db: str) -> None:
    lab = mug_restocked(db, FOLD_EVERY - 1)  # product-mug at v16, its fold too
    version = lab.store.stream_version("product-mug")
    lab.close()
    store = open_store(db)  # a writer that keeps no folds (an older lab, say)
    try:
        data = {"sku": "mug", "quantity": 7}
        metadata = EventMetadata("elsewhere", "elsewhere", "elsewhere", 0.0)
        store.append("product-mug", version, [NewEvent("ProductRestocked", data)], metadata)
    finally:
        store.engine.dispose()
    lab = new_lab(db=db)
    try:
        trace = restock(lab, 1)
        assert f"product-mug from its stored fold at v{version} + 1 event" in trace
        assert lab.handler.aggregates.entries["product-mug"].state == replayed(lab, "product-mug")
    finally:
        lab.close()


def test_replay_and_snapshots_do_not_read_the_folds(db: str) -> None:
    lab = mug_restocked(db, FOLD_EVERY)
    try:
        run(lab, "aggregates replay")
        assert f"product-mug replayed from the start: {FOLD_EVERY + 1} events" in restock(lab, 1)
        run(lab, "snapshots every 1000")  # none saved yet: from the first event too
        assert f"product-mug replayed from the start: {FOLD_EVERY + 2} events" in restock(lab, 1)
    finally:
        lab.close()


def test_reset_forgets_the_folds_with_the_events(db: str) -> None:
    lab = mug_restocked(db, FOLD_EVERY)
    run(lab, "reset")
    run(lab, 'add-product mug "Blue mug" 1.00 3')
    lab.close()
    lab = new_lab(db=db)
    try:
        assert "product-mug replayed from the start: 1 event" in restock(lab, 1)
        assert lab.handler.aggregates.entries["product-mug"].state == replayed(lab, "product-mug")
    finally:
        lab.close()


def test_one_pass_keeps_every_long_streams_fold_as_a_replay_would(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "filled.db"))
    try:
        fill_store(store, 3_000)
        assert keep_every_fold(store) > 0
        with store.transaction() as connection:
            for version, stream_id in [
                (version, stream_id)
                for stream_id in {event.stream_id for event in store.read_all()}
                if (version := store.stream_version(stream_id, connection=connection))
            ]:
                fold = store.stream_fold(stream_id, connection=connection)
                if version < FOLD_EVERY:
                    assert fold is None, stream_id
                    continue
                assert fold is not None and fold[0] == version, stream_id
                state = initial_state(stream_id)
                for recorded in store.read_stream(stream_id, connection=connection):
                    state = evolve(state, event_from_data(recorded.type, recorded.data))
                assert state_from_text(fold[1]) == state, stream_id
    finally:
        store.engine.dispose()
