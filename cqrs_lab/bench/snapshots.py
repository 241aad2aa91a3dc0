"""Command latency on a 10,000-event stream, with aggregate snapshots off and on.

One product is restocked until its stream holds 10,000 events (on a file, as the lab
keeps its store). Then the same command, `restock`, is timed through `Lab.send` with
snapshots off, as a stateless handler loads (`aggregates replay`: every command folds the
whole stream), and with `snapshots every 100` (the newest snapshot plus at most 99
events). The first command after switching snapshots on replays the stream and saves the
first snapshot; it is not timed. The in-memory cache (`aggregates cached`, the lab's
default in one long-lived process) is reported beside them. Each figure is a median.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from cqrs_lab.bench.harness import Figure, Plan, ratio_figure
from cqrs_lab.lab.core import Lab
from cqrs_lab.shop.commands import AddProduct, Restock
from cqrs_lab.sim.clock import VirtualClock
from cqrs_lab.write.results import Rejected
from cqrs_lab.write.snapshots import LoadStrategy

STREAM_EVENTS = 10_000
EVERY = 100
SKU = "bench"


def measure(plan: Plan, folder: Path) -> list[Figure]:
    repeats = 20 if plan.quick else 60
    lab = Lab.open(str(folder / "snapshots.db"), seed=1, clock=VirtualClock())
    try:
        _send(lab, AddProduct(sku=SKU, name="Bench mug", price_cents=100, stock=0))
        for _ in range(STREAM_EVENTS - 1):
            _send(lab, Restock(sku=SKU, quantity=1))
        aggregates = lab.handler.aggregates
        aggregates.set_strategy(LoadStrategy.REPLAY)
        replay = _median_ms(lab, repeats)
        aggregates.set_strategy(LoadStrategy.SNAPSHOTS, EVERY)
        _send(lab, Restock(sku=SKU, quantity=1))  # replays, and saves the first snapshot
        snapshot = _median_ms(lab, repeats)
        aggregates.set_strategy(LoadStrategy.CACHED)
        _send(lab, Restock(sku=SKU, quantity=1))  # fills the cache
        cached = _median_ms(lab, repeats)
    finally:
        lab.close()
    return [
        ratio_figure(
            f"command on a {STREAM_EVENTS:,}-event stream, snapshots every {EVERY}",
            snapshot,
            "ms",
            "snapshots off (each command folds the whole stream)",
            replay,
            at_most=0.1,
            keys=("snapshot_command_ms", "replay_command_ms", "snapshot_latency_ratio"),
            note=(
                f"median of {repeats} restocks through Lab.send; the in-memory cache "
                f"(one long-lived process): {cached:.2f} ms"
            ),
            extra={"cached_command_ms": cached},
        )
    ]


def _send(lab: Lab, command: AddProduct | Restock) -> None:
    if isinstance(lab.send(command), Rejected):
        raise RuntimeError(f"the benchmark's {command.verb} was refused")


def _median_ms(lab: Lab, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        command = Restock(sku=SKU, quantity=1)
        began = time.perf_counter()
        _send(lab, command)
        times.append(time.perf_counter() - began)
        lab.clock.advance(0.02)
    return statistics.median(times) * 1000
