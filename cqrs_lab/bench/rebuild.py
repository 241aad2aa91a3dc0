"""Projection rebuild: clear a projection and replay the whole store into it.

The store holds the Poisson workload's history. Each projection is rebuilt through
`Lab.rebuild`, the path the `rebuild` line takes. The baseline is reading the same events
from the store (decoded, in pages), which every rebuild must do first.
"""

from __future__ import annotations

import time
from pathlib import Path

from cqrs_lab.bench.harness import Figure, Plan, Target, rate
from cqrs_lab.lab.core import Lab
from cqrs_lab.read.view_specs import LANES
from cqrs_lab.sim.clock import VirtualClock


def measure(plan: Plan, db: Path) -> list[Figure]:
    lab = Lab.open(str(db), seed=1, clock=VirtualClock())
    events = lab.store.head()
    try:
        began = time.perf_counter()
        read = sum(1 for _ in lab.store.iter_all())
        reading = rate(read, time.perf_counter() - began)
        rebuilt = {}
        for lane in LANES:
            began = time.perf_counter()
            count = lab.rebuild(lane)
            rebuilt[lane] = rate(count, time.perf_counter() - began)
    finally:
        lab.close()
    slowest = min(rebuilt, key=rebuilt.__getitem__)
    each = ", ".join(f"{lane} {value:,.0f}/s" for lane, value in rebuilt.items())
    return [
        Figure(
            "projection rebuild (the slowest of the four)",
            rebuilt[slowest],
            "events/s",
            "reading the events from the store",
            reading,
            Target(50_000, at_least=True),
            {
                "rebuild_events_per_s": "value",
                "store_read_events_per_s": "baseline",
                "rebuild_ratio_vs_read": "ratio",
            },
            note=f"{events:,} events; {each}",
        )
    ]
