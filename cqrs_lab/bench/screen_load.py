"""The lab screen under load, headless, driven the way a learner drives it.

A fresh interpreter runs the lab screen (120x40, the lab's default latency on every lane,
passwords at their real scrypt cost), types `load RATE/s for SECONDS` into its command bar
(the load then runs in the screen's worker thread, as in the app) and types a key every
0.1 s while it runs. Frames are counted where the app hands them to its driver, each turned
into terminal text as a real terminal would need; a key's time to the screen runs from the
key sent as a terminal driver sends it to the first frame showing its character.

Four runs in the same bench: about 500 events a second (frames/s), a light load of about 5
events a second (the baseline of the screen figures), `load 1000/s` (the key echo under
the heaviest load the bar accepts, and the load's rate delivered against the rate asked,
over the load's wall time until its last request), and about 2,000 events a second
(frames/s and the key echo: issue 21's load, above what a line may ask for, so the probe
starts the load the line starts, at that rate).
"""

from __future__ import annotations

from dataclasses import dataclass
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
BUSIEST_EVENTS_PER_S = 2_000.0
"""Issue 21's load for the frames: more requests a second than a line may ask for, so the
probe starts the load that line would start, at this rate."""


def measure(plan: Plan, folder: Path) -> list[Figure]:
    per_request = events_per_request()
    seconds = plan.screen_seconds
    heavy = _screen(folder / "screen-heavy.db", seconds, EVENTS_PER_S / per_request)
    light = _screen(folder / "screen-light.db", seconds, LIGHT_EVENTS_PER_S / per_request)
    full = _screen(folder / "screen-full.db", seconds, FULL_RATE)
    busiest = _screen(folder / "screen-2000.db", seconds, BUSIEST_EVENTS_PER_S / per_request)
    delivered = full["arrivals"] / full["load_wall"]
    return [
        _frames(EVENTS_PER_S, heavy, light, AT_500),
        _frames(BUSIEST_EVENTS_PER_S, busiest, light, AT_2000),
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


@dataclass(frozen=True, slots=True)
class FrameKeys:
    """The JSON keys of one frames figure: frames/s, its ratio to the light load's, events
    appended and applied a second, and a key's time to the screen (p50, p95)."""

    fps: str
    ratio: str
    events: str
    applied: str
    key_p50: str
    key_p95: str


AT_500 = FrameKeys(
    *("tui_fps_at_500", "tui_fps_ratio", "tui_events_per_s", "tui_applied_per_s"),
    *("tui_key_p50_ms_at_500", "tui_key_p95_ms_at_500"),
)
AT_2000 = FrameKeys(
    *("tui_fps_at_2000", "tui_fps_ratio_2000", "tui_events_per_s_at_2000"),
    *("tui_applied_per_s_at_2000", "tui_key_p50_ms_at_2000", "tui_key_p95_ms_at_2000"),
)


def _frames(
    events_per_s: float, heavy: dict[str, float], light: dict[str, float], keys: FrameKeys
) -> Figure:
    """Frames a second under a load of about `events_per_s` against the light load's, with
    what the load did and the keys' time to the screen beside."""
    seconds = heavy["seconds"]
    return ratio_figure(
        f"lab screen under a load of about {events_per_s:,.0f} events/s",
        heavy["frames"] / seconds,
        "frames/s",
        "the same screen under a light load (about 5 events/s)",
        light["frames"] / light["seconds"],
        at_least=0.8,
        keys=(keys.fps, "tui_fps_light", keys.ratio),
        note=(
            f"{heavy['appended'] / seconds:,.0f} events/s appended, "
            f"{heavy['applied'] / seconds:,.0f}/s applied by the projections over "
            f"{seconds:.1f} s; light load: {light['appended'] / light['seconds']:.1f} "
            f"events/s; a key to the screen: p50 {_ms(heavy['key_p50'])}, "
            f"p95 {_ms(heavy['key_p95'])} ms"
        ),
        extra={
            keys.events: heavy["appended"] / seconds,
            keys.applied: heavy["applied"] / seconds,
            keys.key_p50: 1000 * heavy["key_p50"],
            keys.key_p95: 1000 * heavy["key_p95"],
        },
    )


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
