"""Runs in a fresh interpreter: `python -m cqrs_lab.bench.memory_probe DB [--rebuild]`.

Opens the lab on DB (its projections catch up), rebuilds every projection if asked, asks
every query once, and prints the process's peak resident memory.
"""

from __future__ import annotations

import resource
import sys


def main(argv: list[str]) -> None:
    from cqrs_lab.lab.core import Lab
    from cqrs_lab.read.view_specs import LANES
    from cqrs_lab.sim.clock import VirtualClock

    db, *flags = argv
    lab = Lab.open(db, seed=1, clock=VirtualClock())
    try:
        if "--rebuild" in flags:
            for lane in LANES:
                lab.rebuild(lane)
        for view in ("catalog", "sales"):
            lab.query(view, record=False)
        for view in ("cart", "orders"):
            lab.query(view, "ann1", record=False)
        events = lab.store.head()
    finally:
        lab.close()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(f"events {events}")
    print(f"peak_rss_mb {peak_kb / 1024:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
