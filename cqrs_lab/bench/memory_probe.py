"""Runs in a fresh interpreter: `python -m cqrs_lab.bench.memory_probe DB [--rebuild]`.

Opens the lab on DB (its projections catch up), rebuilds every projection if asked, asks
every query once, and prints the process's peak resident memory.

The peak is the kernel's high-water mark of this process's own memory (`VmHWM`). Not
`ru_maxrss`: Linux carries the parent's peak across fork and exec into it, so a probe
started by a bench holding 300 MB read 354 MB for a 60 MB lab.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

STATUS = Path("/proc/self/status")


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (`ru_maxrss` where there is no /proc)."""
    if STATUS.exists():
        for line in STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # "VmHWM:   61234 kB"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS


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
    print(f"events {events}")
    print(f"peak_rss_mb {peak_rss_mb():.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
