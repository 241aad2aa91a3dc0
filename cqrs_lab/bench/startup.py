"""App start to first frame, headless, against a bare Textual app started the same way.

Each start is a fresh interpreter (`python -m cqrs_lab.bench.screen_probe first-frame ...`):
the time runs from just before the process is spawned to the moment the app hands its
first frame to the driver. The lab screen opens a lab database that already exists (a
returning learner). The figure is the median of several starts of each.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from cqrs_lab.bench.harness import Figure, Plan, Target, parse_pairs, run_probe

PROBE = "cqrs_lab.bench.screen_probe"


def measure(plan: Plan, db: Path) -> list[Figure]:
    run_probe(PROBE, "first-frame", "lab", str(db))  # creates the database; warms the disk cache
    run_probe(PROBE, "first-frame", "bare")
    lab, bare = [], []
    for _ in range(plan.starts):  # alternate, so a busy moment hits both alike
        lab.append(_first_frame("lab", str(db)))
        bare.append(_first_frame("bare"))
    return [
        Figure(
            "lab screen: start to first frame",
            statistics.median(lab),
            "s",
            "bare Textual app (Header, Footer)",
            statistics.median(bare),
            Target(1.5, at_least=False, on_ratio=True),
            {"startup_s": "value", "startup_bare_s": "baseline", "startup_ratio_vs_bare": "ratio"},
            note=f"median of {plan.starts} starts each, headless, 120x40",
        )
    ]


def _first_frame(*args: str) -> float:
    began = time.time()
    pairs = parse_pairs(run_probe(PROBE, "first-frame", *args))
    return float(pairs["first_frame"]) - began
