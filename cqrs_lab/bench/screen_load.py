"""The lab screen under load, headless: frames drawn while a Poisson workload runs.

A fresh interpreter runs the lab screen (120x40, the lab's default latency on every lane)
for a few seconds of wall time while a background load (`Lab.start_load`, polled 30 times
a second in the app's event loop) sends enough requests for about 500 events a second.
Frames are counted where the app hands them to its driver, each turned into terminal text
as a real terminal would need. The baseline is the same screen under a light load of about
5 events a second, in the same run.
"""

from __future__ import annotations

from pathlib import Path

from cqrs_lab.bench.harness import Figure, Plan, Target, parse_pairs, run_probe
from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.load import run_load
from cqrs_lab.sim.clock import VirtualClock

PROBE = "cqrs_lab.tui.bench_probe"
EVENTS_PER_S = 500.0
LIGHT_EVENTS_PER_S = 5.0


def measure(plan: Plan, folder: Path) -> list[Figure]:
    per_request = events_per_request()
    heavy = _frames(folder / "screen-heavy.db", plan.screen_seconds, EVENTS_PER_S / per_request)
    light = _frames(
        folder / "screen-light.db", plan.screen_seconds, LIGHT_EVENTS_PER_S / per_request
    )
    absorbed = heavy["appended"] / heavy["seconds"]
    return [
        Figure(
            "lab screen under a load of about 500 events/s",
            heavy["frames"] / heavy["seconds"],
            "frames/s",
            "the same screen under a light load (about 5 events/s)",
            light["frames"] / light["seconds"],
            Target(20, at_least=True),
            {"tui_fps_at_500": "value", "tui_fps_light": "baseline", "tui_fps_ratio": "ratio"},
            note=(
                f"{absorbed:,.0f} events/s appended, {heavy['applied'] / heavy['seconds']:,.0f}"
                f"/s applied by the projections over {heavy['seconds']:.1f} s; light load: "
                f"{light['appended'] / light['seconds']:.1f} events/s"
            ),
            extra={
                "tui_events_per_s": absorbed,
                "tui_applied_per_s": heavy["applied"] / heavy["seconds"],
            },
        )
    ]


def events_per_request() -> float:
    """Events the workload appends per request, from a short run in virtual time."""
    lab = Lab.open(":memory:", seed=1, clock=VirtualClock(), password_cost=2**4)
    try:
        report = run_load(lab, 50, 30)
    finally:
        lab.close()
    return report.events / report.arrivals


def _frames(db: Path, seconds: float, rate: float) -> dict[str, float]:
    lines = run_probe(PROBE, "frames", "lab", str(db), f"{seconds:g}", f"{rate:.3f}")
    return parse_pairs(lines)
