"""App start to first frame, headless, against a bare Textual app started the same way.

Each start is a fresh interpreter (`python -m cqrs_lab.tui.bench_probe first-frame ...`):
the time runs from just before the process is spawned to the moment the app hands its
first frame to the driver. The lab screen starts as `cqrs-lab --db DB` starts it, on a lab
database that already exists (a returning learner): its first frame comes before the lab is
opened, so the time until the first frame drawn with the lab open is reported too
(`startup_lab_ready_s`). The figures are medians of several starts of each.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from cqrs_lab.bench.harness import Figure, Plan, Target, parse_pairs, run_probe

PROBE = "cqrs_lab.tui.bench_probe"


def measure(plan: Plan, db: Path) -> list[Figure]:
    run_probe(PROBE, "first-frame", "lab", str(db))  # creates the database; warms the disk cache
    run_probe(PROBE, "first-frame", "bare")
    lab, ready, bare = [], [], []
    for _ in range(plan.starts):  # alternate, so a busy moment hits both alike
        first, opened = _first_frame("lab", str(db))
        lab.append(first)
        ready.append(opened)
        bare.append(_first_frame("bare")[0])
    return [
        Figure(
            "lab screen: start to first frame",
            statistics.median(lab),
            "s",
            "bare Textual app (Header, Footer)",
            statistics.median(bare),
            Target(1.5, at_least=False, on_ratio=True),
            {"startup_s": "value", "startup_bare_s": "baseline", "startup_ratio_vs_bare": "ratio"},
            note=(
                f"median of {plan.starts} starts each, headless, 120x40; the lab open and drawn"
                f" after {statistics.median(ready):.2f} s"
            ),
            extra={"startup_lab_ready_s": statistics.median(ready)},
        )
    ]


def _first_frame(*args: str) -> tuple[float, float]:
    """Seconds to the first frame, and to the first frame with the lab open (the same for
    the bare app, which has nothing to open)."""
    began = time.time()
    pairs = parse_pairs(run_probe(PROBE, "first-frame", *args))
    first = float(pairs["first_frame"]) - began
    return first, float(pairs.get("lab_ready", pairs["first_frame"])) - began
