"""Event store append against the floor SQLite sets: one event, one transaction, each time.

Both write the same rows to a fresh file with the store's schema, WAL and
synchronous=NORMAL (the lab's durability). The baseline is raw `sqlite3`: a prepared
INSERT of rows encoded beforehand, BEGIN IMMEDIATE ... COMMIT around each. The store does
everything an append does: check the stream's version, encode, insert, commit.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from cqrs_lab.bench.harness import Figure, Plan, Target, rate
from cqrs_lab.store.database import open_store
from cqrs_lab.store.event_store import EventMetadata, NewEvent
from cqrs_lab.store.meta_format import stored_meta

_INSERT = (
    "INSERT INTO events (stream_id, version, type, schema_version, data, meta, command_id,"
    " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_Row = tuple[str, int, NewEvent, EventMetadata]


def measure(plan: Plan, folder: Path) -> list[Figure]:
    rows = _rows(plan.appends)
    floor = _raw_sqlite(folder / "raw.db", rows)
    store = _store(folder / "store.db", rows)
    return [
        Figure(
            "event store append, one event a transaction",
            store,
            "appends/s",
            "raw sqlite3 INSERT + COMMIT",
            floor,
            Target(0.4, at_least=True, on_ratio=True),
            {
                "store_append_per_s": "value",
                "sqlite_append_per_s": "baseline",
                "store_append_ratio": "ratio",
            },
        )
    ]


def _rows(count: int) -> list[_Row]:
    rows = []
    for i in range(count):
        username = f"u{i % 500}"
        data = {
            "username": username,
            "sku": f"sku-{i % 40}",
            "quantity": 1,
            "unit_price_cents": 1250,
        }
        command_id = f"{i:032x}"
        metadata = EventMetadata(command_id, command_id, command_id, i / 50)
        rows.append((f"cart-{username}", i // 500 + 1, NewEvent("ItemAddedToCart", data), metadata))
    return rows


def _raw_sqlite(path: Path, rows: list[_Row]) -> float:
    open_store(str(path)).engine.dispose()  # the same schema and journal mode
    encoded = [
        (
            stream,
            version,
            event.type,
            event.schema_version,
            json.dumps(event.data),
            stored_meta(meta),
            meta.command_id,
            meta.recorded_at,
        )
        for stream, version, event, meta in rows
    ]
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous = NORMAL")
        began = time.perf_counter()
        for row in encoded:
            db.execute("BEGIN IMMEDIATE")
            db.execute(_INSERT, row)
            db.execute("COMMIT")
        return rate(len(encoded), time.perf_counter() - began)
    finally:
        db.close()


def _store(path: Path, rows: list[_Row]) -> float:
    store = open_store(str(path))
    try:
        began = time.perf_counter()
        for stream, version, event, meta in rows:
            store.append(stream, version - 1, [event], meta)
        return rate(len(rows), time.perf_counter() - began)
    finally:
        store.engine.dispose()
