"""Scrubbing the rewind over a long log, beside today's replay.

A lab on a virtual clock runs a Poisson workload until it holds about `events` events, with
the lanes' default latencies (so events are in flight all along). Then:

- reading the timeline once (`Timeline.of`: the events and the delivery history);
- the replay the scrubber did before the rewind, for each position it rested on: a scratch
  lab as of the head (`Timeline.as_of`), and as of every command (estimated from a sample);
- the rewind: every moment from the last to the first, one step at a time (the bus then,
  the picture the bus widget draws, and `query orders` from the projection and from the
  CRUD twin then), and back to the last (playing forward).

`cqrs-lab bench` reports one rewind step against one replay (issue 15: the rewind costs no
more than today's replay); `python -m cqrs_lab.bench.rewind [EVENTS]` prints every figure.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from cqrs_lab.bench.harness import Figure, Plan, ratio_figure
from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.rewind_views import ViewsThen
from cqrs_lab.lab.time_travel import Timeline
from cqrs_lab.sim.clock import VirtualClock

SETUP = (
    "register alice alice@example.com s3cret-pass",
    "register bob bob@example.com bob-secret-1",
    'add-product mug "Blue mug" 12.50 100000',
    'add-product tea "Green tea" 4.00 100000',
)
RATE = 50
"""Commands a second of the workload."""
SAMPLES = 10
"""Positions replayed to estimate today's scrub over every command."""


@dataclass(frozen=True, slots=True)
class Scrub:
    """What `measure` timed on one log (seconds), and the log's size."""

    events: int
    moments: int
    """Appends and deliveries: where the rewind can rest."""
    timeline_s: float
    """Reading the timeline once (`Timeline.of`)."""
    replay_s: float
    """Today's replay of one position, as of the head (`Timeline.as_of`)."""
    commands: int
    replay_all_s: float
    """Today's scrub, resting on every command once (estimated from `SAMPLES` of them)."""
    back_s: float
    """The rewind over every moment, from the last to the first."""
    forward_s: float
    """And back to the last, playing forward."""
    slowest_step_s: float

    @property
    def steps(self) -> int:
        return 2 * self.moments

    @property
    def scrub_s(self) -> float:
        return self.back_s + self.forward_s

    @property
    def step_s(self) -> float:
        return self.scrub_s / self.steps

    def lines(self) -> list[str]:
        return [
            f"{self.events:,} events, {self.moments:,} moments (appends and deliveries)",
            f"read the timeline once: {self.timeline_s * 1000:.0f} ms",
            f"today's replay, one position (as of the head): {self.replay_s * 1000:.0f} ms",
            f"rewind, every moment back then forward ({self.steps:,} steps): "
            f"{self.scrub_s:.2f} s, {self.step_s * 1000:.2f} ms a step "
            f"(slowest {self.slowest_step_s * 1000:.0f} ms)",
            f"today's scrub, resting once on each of {self.commands:,} commands: "
            f"{self.replay_all_s:.1f} s (estimated from {SAMPLES} of them)",
            f"one rewind step / one replay: {self.step_s / self.replay_s:.4f}",
            f"rewind's whole scrub / today's: {self.scrub_s / self.replay_all_s:.4f}",
        ]


def measure(events: int = 3_000, user: str = "alice") -> Scrub:
    lab = Lab.open(":memory:", seed=1, clock=VirtualClock(), password_cost=2**4)
    try:
        for line in SETUP:
            execute(lab, line)
        while lab.head < events:
            execute(lab, f"load {RATE}/s for 5s")
        began = time.perf_counter()
        timeline = Timeline.of(lab)
        timeline_s = time.perf_counter() - began
    finally:
        lab.close()
    began = time.perf_counter()
    timeline.as_of(timeline.head).close()
    replay_s = time.perf_counter() - began
    sampled = timeline.stops[:: max(1, len(timeline.stops) // SAMPLES)]
    began = time.perf_counter()
    for stop in sampled:
        timeline.as_of(stop).close()
    replay_all_s = (time.perf_counter() - began) / len(sampled) * len(timeline.stops)
    history, views = timeline.bus, ViewsThen(timeline.events)
    slowest = 0.0
    try:

        def show(at: float) -> None:
            nonlocal slowest
            started = time.perf_counter()
            moment = history.at(at)
            moment.snapshot(timeline.live, history, paused=True)
            views.projection("orders", user, moment.lane("orders").checkpoint)
            views.crud("orders", user, moment.head)
            slowest = max(slowest, time.perf_counter() - started)

        began = time.perf_counter()
        for at in reversed(history.moments):
            show(at)
        back_s = time.perf_counter() - began
        began = time.perf_counter()
        for at in history.moments:
            show(at)
        forward_s = time.perf_counter() - began
    finally:
        views.close()
    return Scrub(
        timeline.head,
        len(history.moments),
        timeline_s,
        replay_s,
        len(timeline.stops) - 1,
        replay_all_s,
        back_s,
        forward_s,
        slowest,
    )


def figures(plan: Plan) -> list[Figure]:
    scrub = measure(1_000 if plan.quick else 3_000)
    return [
        ratio_figure(
            "rewind, one scrub step",
            scrub.step_s * 1000,
            "ms",
            "today's replay of one position",
            scrub.replay_s * 1000,
            at_most=1,
            keys=("rewind_step_ms", "rewind_replay_ms", "rewind_step_ratio"),
            note=(
                f"{scrub.events:,} events, {scrub.steps:,} steps back then forward; the whole"
                f" scrub {scrub.scrub_s:.2f} s against {scrub.replay_all_s:.1f} s resting once"
                " on every command"
            ),
        )
    ]


def main(argv: list[str]) -> None:
    events = int(argv[0]) if argv else 3_000
    print("\n".join(measure(events).lines()))


if __name__ == "__main__":
    main(sys.argv[1:])
