"""`send` beside the `eventsourcing` library: the same restocks, on the same machine, in one run.

The anchor is the library's own Application and Aggregate: `repository.get` then `save` for
each restock, round a few products, on its SQLite recorder in a file. It is set up the way
the lab runs, so that the ratio compares code, not settings:

- SQLite, not POPO: the lab keeps its store in a file, so the anchor does too (POPO keeps
  events in a Python list and would compare a database with no database);
- WAL with `synchronous = NORMAL`, the lab's durability (the library leaves SQLite's
  default FULL, an fsync per commit, which would measure the disk instead);
- its aggregate cache on (`AGGREGATE_CACHE_MAXSIZE`), fast-forwarded from the store on
  each get, as the lab's default write side keeps folded states in memory and reads the
  events written since (without it each get replays the whole stream).

The lab side is `Lab.send(Restock(...))` end to end: it also checks the command id, updates
the CRUD twin and publishes to the bus, which the anchor has no part of. Rounds alternate
between the two and the median of each is kept, so a busy machine slows both alike.
"""

from __future__ import annotations

import importlib.util
import statistics
import time
from pathlib import Path
from typing import Any

from cqrs_lab.bench.harness import Figure, Plan, Skipped, ratio_figure
from cqrs_lab.lab.core import Lab
from cqrs_lab.shop.commands import AddProduct, Restock
from cqrs_lab.sim.clock import VirtualClock
from cqrs_lab.write.results import Rejected

PRODUCTS = 20
ROUNDS = 3
CACHE_SIZE = 1_000
NOT_INSTALLED = "the eventsourcing package is not installed (pip install -e '.[dev]')"


def measure(plan: Plan, folder: Path) -> list[Figure]:
    if importlib.util.find_spec("eventsourcing") is None:
        raise Skipped(NOT_INSTALLED)
    count = plan.commands
    lab_rates: list[float] = []
    anchor_rates: list[float] = []
    for round_ in range(ROUNDS):
        lab_rates.append(lab_restocks(folder / f"lab-{round_}.db", count))
        anchor_rates.append(anchor_restocks(folder / f"eventsourcing-{round_}.db", count))
    return [
        ratio_figure(
            "send beside the eventsourcing library (restocks)",
            statistics.median(lab_rates),
            "commands/s",
            "eventsourcing repository get + save",
            statistics.median(anchor_rates),
            at_least=2.0,
            keys=("send_restock_per_s", "eventsourcing_per_s", "send_ratio_vs_eventsourcing"),
            note=(
                f"{count:,} restocks round {PRODUCTS} products, median of {ROUNDS}; "
                "both on SQLite files, WAL, synchronous=NORMAL, aggregates cached"
            ),
        )
    ]


def lab_restocks(db: Path, count: int) -> float:
    """Restocks a second through `Lab.send`, on a fresh lab."""
    lab = Lab.open(str(db), seed=1, clock=VirtualClock())
    try:
        skus = [f"bench-{index}" for index in range(PRODUCTS)]
        for sku in skus:
            lab.send(AddProduct(sku=sku, name=sku, price_cents=100, stock=0))
        commands = [Restock(sku=skus[index % PRODUCTS], quantity=1) for index in range(count)]
        began = time.perf_counter()
        refused = sum(isinstance(lab.send(command), Rejected) for command in commands)
        elapsed = time.perf_counter() - began
    finally:
        lab.close()
    if refused:
        raise RuntimeError(f"the lab refused {refused} restocks")
    return count / elapsed


def anchor_restocks(db: Path, count: int) -> float:
    """Restocks a second through the library's repository get + save, on a fresh file."""
    from cqrs_lab.bench import eventsourcing_shop  # imports the library: installed here

    app = eventsourcing_shop.Shop(
        env={
            "PERSISTENCE_MODULE": eventsourcing_shop.FACTORY_TOPIC,
            "SQLITE_DBNAME": str(db),
            "AGGREGATE_CACHE_MAXSIZE": str(CACHE_SIZE),
        }
    )
    try:
        ids: list[Any] = [app.add_product(f"bench-{index}") for index in range(PRODUCTS)]
        began = time.perf_counter()
        for index in range(count):
            app.restock(ids[index % PRODUCTS], 1)
        elapsed = time.perf_counter() - began
    finally:
        app.close()
    return count / elapsed
