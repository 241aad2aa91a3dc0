"""Peak memory (RSS) of a lab holding many events, against an empty lab.

Each is a fresh interpreter (`python -m cqrs_lab.bench.memory_probe`) that opens the lab,
rebuilds every projection, asks every query and reports `ru_maxrss`: the peak, not the
end. The baseline opens an empty lab the same way.
"""

from __future__ import annotations

from pathlib import Path

from cqrs_lab.bench.harness import Figure, Plan, Target, parse_pairs, run_probe

PROBE = "cqrs_lab.bench.memory_probe"


def measure(plan: Plan, full: Path, empty: Path) -> list[Figure]:
    loaded = parse_pairs(run_probe(PROBE, str(full), "--rebuild"))
    bare = parse_pairs(run_probe(PROBE, str(empty), "--rebuild"))
    return [
        Figure(
            "peak memory (RSS) of a lab with many events",
            loaded["peak_rss_mb"],
            "MB",
            "an empty lab, the same way",
            bare["peak_rss_mb"],
            Target(200, at_least=False),
            {
                "peak_rss_mb": "value",
                "peak_rss_empty_mb": "baseline",
                "peak_rss_ratio_vs_empty": "ratio",
            },
            note=f"{int(loaded['events']):,} events: open, rebuild every projection, query all",
        )
    ]
