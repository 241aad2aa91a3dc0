"""`cqrs-lab bench --scale`: what a lab costs as its history grows, against an empty store.

Stores of 10k, 100k and 1M events of the workload's history (`--quick`: 2k and 20k) are
built once into the user's cache folder and reused by later runs (the 1M store takes
minutes to build). Every figure comes from a fresh interpreter (`bench/scale_probe.py`):

- open: a caught-up lab opened and closed (median of 3), against an empty store;
- catch-up: the first open of a copy whose read side is empty (the projections catch up
  at open), in events a second, against rebuilding every projection of the same store;
- memory: the peak RSS of the open lab, against the empty lab's;
- send: 2,000 restocks of the oldest products under the lab's own command ids (as a
  script line sends them: `lab/ids.py`), against the same on an empty store.

A store is built as a lab would have written it: `fill_store` appends the workload's
events, the projections catch up, and the long streams' folds are kept (`_with_folds`).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import platformdirs

from cqrs_lab.bench.data import SEED, fill_store
from cqrs_lab.bench.harness import Figure, Target, parse_pairs, run_probe
from cqrs_lab.store.database import SCHEMA_VERSION, open_store

PROBE = "cqrs_lab.bench.scale_probe"
SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (2_000, 20_000)
SENDS = 2_000
TIMEOUT_S = 3_600.0
KEPT_TABLES = ("events", "credentials", "lab_meta", "stream_folds")
"""What a store keeps when its read side is emptied: the log and what is not a projection
(the write side's folds among it); the CRUD twin's tables (`crud_*`) are kept too."""


def cache_folder() -> Path:
    return Path(platformdirs.user_cache_dir("cqrs-lab")) / "bench-scale"


def measure(sizes: tuple[int, ...], folder: Path, say: Callable[[str], None]) -> list[Figure]:
    empty = folder / "empty.db"
    open_store(str(empty)).engine.dispose()
    bare = _opened(empty)
    bare_send = parse_pairs(run_probe(PROBE, "send", str(_copy(empty, folder)), str(SENDS)))
    figures: list[Figure] = []
    for events in sizes:
        say(f"  {events:,} events ...")
        figures.extend(_at(events, folder, bare, bare_send))
    return figures


def _at(
    events: int, folder: Path, bare: dict[str, float], bare_send: dict[str, float]
) -> list[Figure]:
    store = built_store(events)
    opened = _opened(store)
    behind = _emptied_read_side(_copy(store, folder))
    caught_up = parse_pairs(run_probe(PROBE, "catch-up", str(behind), timeout=TIMEOUT_S))
    rebuilt = parse_pairs(run_probe(PROBE, "rebuild", str(behind), timeout=TIMEOUT_S))
    sent = parse_pairs(
        run_probe(PROBE, "send", str(_copy(store, folder)), str(SENDS), timeout=TIMEOUT_S)
    )
    size = _size(events)
    head = opened["events"]
    return [
        Figure(
            f"open a caught-up lab of {size} events",
            opened["seconds"],
            "s",
            "an empty store",
            bare["seconds"],
            Target(1.5, at_least=False, on_ratio=True),
            _keys("open", size, "s"),
        ),
        Figure(
            f"first open of {size} events behind: catch-up",
            head / caught_up["seconds"],
            "events/s",
            "rebuilding every projection of the same store",
            head / rebuilt["seconds"],
            Target(0.8, at_least=True, on_ratio=True),
            _keys("catch_up", size, "per_s", baseline=f"scale_rebuild_{size}_per_s"),
            note=f"catch-up {caught_up['seconds']:.2f} s, peak {caught_up['peak_rss_mb']:.0f} MB",
        ),
        Figure(
            f"peak memory, {size} events",
            opened["peak_rss_mb"],
            "MB",
            "an empty lab",
            bare["peak_rss_mb"],
            Target(1.2, at_least=False, on_ratio=True),
            _keys("rss", size, "mb"),
        ),
        Figure(
            f"send on {size} events",
            SENDS / sent["seconds"],
            "commands/s",
            "the same restocks on an empty store",
            SENDS / bare_send["seconds"],
            Target(0.9, at_least=True, on_ratio=True),
            _keys("send", size, "per_s"),
            note=(
                f"CPU {sent['cpu_seconds']:.2f} s against {bare_send['cpu_seconds']:.2f} s"
                f" ({bare_send['cpu_seconds'] / sent['cpu_seconds']:.2f}x)"
            ),
            extra={f"scale_send_{size}_cpu_ratio": bare_send["cpu_seconds"] / sent["cpu_seconds"]},
        ),
    ]


def _keys(what: str, size: str, unit: str, *, baseline: str = "") -> dict[str, str]:
    """Where the flat JSON puts a figure's numbers: `scale_open_10k_s` (the value) and
    `scale_open_10k_ratio`, with the `baseline` key between them where there is one."""
    keys = {f"scale_{what}_{size}_{unit}": "value"}
    if baseline:
        keys[baseline] = "baseline"
    return keys | {f"scale_{what}_{size}_ratio": "ratio"}


def _size(events: int) -> str:
    """10k, 1M: the size as the figures' names and JSON keys say it."""
    if events >= 1_000_000 and events % 1_000_000 == 0:
        return f"{events // 1_000_000}M"
    if events >= 1_000 and events % 1_000 == 0:
        return f"{events // 1_000}k"
    return str(events)


def _opened(store: Path) -> dict[str, float]:
    """The median of three opens, after one that warms the disk cache (and, on an empty
    store, creates the read side's tables)."""
    run_probe(PROBE, "open", str(store), timeout=TIMEOUT_S)
    runs = [parse_pairs(run_probe(PROBE, "open", str(store), timeout=TIMEOUT_S)) for _ in range(3)]
    return sorted(runs, key=lambda run: run["seconds"])[1]


def built_store(events: int) -> Path:
    """The store of `events` events, its projections caught up, built once and kept."""
    path = cache_folder() / f"history-{events}-seed{SEED}-schema{SCHEMA_VERSION}.db"
    if path.exists():
        return _with_folds(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    building = path.with_suffix(".building")
    building.unlink(missing_ok=True)
    store = open_store(str(building))
    try:
        fill_store(store, events)
    finally:
        store.engine.dispose()
    run_probe(PROBE, "open", str(building), timeout=TIMEOUT_S)  # the projections catch up
    _with_folds(building)
    building.rename(path)
    return path


def _with_folds(store: Path) -> Path:
    """The store, with the folds a lab keeps for its long streams as it writes them
    (`write/folds.py`): `fill_store` appends the events alone, and stores built before the
    folds existed have none. One pass over the log, once."""
    connection = sqlite3.connect(store)
    try:
        found = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'stream_folds'"
        ).fetchone() and connection.execute("SELECT 1 FROM stream_folds LIMIT 1").fetchone()
    finally:
        connection.close()
    if not found:
        run_probe(PROBE, "fold", str(store), timeout=TIMEOUT_S)
    return store


def _copy(store: Path, folder: Path) -> Path:
    """A copy of `store`, on disk before a probe opens it: the copy's pages, still dirty in
    the OS cache, would otherwise be written back by the probe's first checkpoint (its
    fdatasync), which at 1M events cost the timed sends 0.06 s a lab's store never pays."""
    copy = folder / f"copy-{store.stem}.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(store, copy)
    with copy.open("rb+") as written:
        os.fsync(written.fileno())
    return copy


def _emptied_read_side(db: Path) -> Path:
    """Every projection's rows and checkpoint removed, as a store another lab wrote."""
    connection = sqlite3.connect(db)
    try:
        tables = [
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            if name not in KEPT_TABLES and not name.startswith(("crud_", "sqlite_"))
        ]
        with connection:
            for table in tables:
                connection.execute(f'DELETE FROM "{table}"')
    finally:
        connection.close()
    return db
