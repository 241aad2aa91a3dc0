"""The lab screen under load, headless, driven the way a learner drives it.

A fresh interpreter runs the lab screen (120x40, the lab's default latency on every lane,
passwords at their real scrypt cost), types `load RATE/s for SECONDS` into its command bar
(the load then runs in the screen's worker thread, as in the app) and types a key every
0.1 s while it runs. Frames are counted where the app hands them to its driver, each turned
into terminal text as a real terminal would need; a key's time to the screen runs from the
key sent as a terminal driver sends it to the first frame showing its character.

Three runs in the same bench: about 500 events a second (frames/s), a light load of about 5
events a second (the baseline of both screen figures), and `load 1000/s` (the key echo
under the heaviest load the bar accepts, and the load's rate delivered against the rate
asked, over the load's wall time until its last request).
"""

from __future__ import annotations

from pathlib import Path

from cqrs_lab.bench.harness import Figure, Plan, Target, parse_pairs, ratio_figure, run_probe
from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.load import run_load
from cqrs_lab.sim.clock import VirtualClock

PROBE = "cqrs_lab.tui.bench_probe"
EVENTS_PER_S = 500.0
LIGHT_EVENTS_PER_S = 5.0
FULL_RATE = 1_000.0
"""Requests a second of the heaviest load a line may ask for (`load 1000/s`)."""


def measure(plan: Plan, folder: Path) -> list[Figure]:
    per_request = events_per_request()
    seconds = plan.screen_seconds
    heavy = _screen(folder / "screen-heavy.db", seconds, EVENTS_PER_S / per_request)
    light = _screen(folder / "screen-light.db", seconds, LIGHT_EVENTS_PER_S / per_request)
    full = _screen(folder / "screen-full.db", seconds, FULL_RATE)
    absorbed = heavy["appended"] / heavy["seconds"]
    delivered = full["arrivals"] / full["load_wall"]
    return [
        ratio_figure(
            "lab screen under a load of about 500 events/s",
            heavy["frames"] / heavy["seconds"],
            "frames/s",
            "the same screen under a light load (about 5 events/s)",
            light["frames"] / light["seconds"],
            at_least=0.8,
            keys=("tui_fps_at_500", "tui_fps_light", "tui_fps_ratio"),
            note=(
                f"{absorbed:,.0f} events/s appended, {heavy['applied'] / heavy['seconds']:,.0f}"
                f"/s applied by the projections over {heavy['seconds']:.1f} s; light load: "
                f"{light['appended'] / light['seconds']:.1f} events/s; a key to the screen: "
                f"p50 {_ms(heavy['key_p50'])}, p95 {_ms(heavy['key_p95'])} ms"
            ),
            extra={
                "tui_events_per_s": absorbed,
                "tui_applied_per_s": heavy["applied"] / heavy["seconds"],
                "tui_key_p50_ms_at_500": 1000 * heavy["key_p50"],
                "tui_key_p95_ms_at_500": 1000 * heavy["key_p95"],
            },
        ),
        Figure(
            f"a key to the screen (p50) under `load {FULL_RATE:g}/s`",
            1000 * full["key_p50"],
            "ms",
            "the same under the light load",
            1000 * light["key_p50"],
            Target(50, at_least=False),
            {"tui_key_p50_ms": "value", "tui_key_p50_ms_light": "baseline"},
            note=(
                f"p95 {_ms(full['key_p95'])} ms (light load: {_ms(light['key_p95'])} ms), "
                f"{full['keys']:.0f} keys typed over {full['seconds']:.1f} s"
            ),
            extra={
                "tui_key_p95_ms": 1000 * full["key_p95"],
                "tui_key_p95_ms_light": 1000 * light["key_p95"],
            },
        ),
        ratio_figure(
            f"`load {FULL_RATE:g}/s` on the screen: requests delivered a second",
            delivered,
            "requests/s",
            "the rate asked",
            FULL_RATE,
            at_least=0.9,
            keys=("tui_load_delivered_per_s", "tui_load_asked_per_s", "tui_load_delivered_ratio"),
            note=(
                f"{full['arrivals']:,.0f} requests of {seconds:g} s of load in "
                f"{full['load_wall']:.1f} s of wall time"
            ),
        ),
    ]


def events_per_request() -> float:
    """Events the workload appends per request, from a short run in virtual time."""
    lab = Lab.open(":memory:", seed=1, clock=VirtualClock(), password_cost=2**4)
    try:
        report = run_load(lab, 50, 30)
    finally:
        lab.close()
    return report.events / report.arrivals


def _screen(db: Path, seconds: float, rate: float) -> dict[str, float]:
    lines = run_probe(PROBE, "frames", "lab", str(db), f"{seconds:g}", f"{rate:.3f}")
    return parse_pairs(lines)


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.0f}"
