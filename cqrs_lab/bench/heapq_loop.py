"""`simulate` beside a plain heapq event loop doing the same deliveries (issue 23.5: <= 30x).

The bench runs `simulate --rate 50/s --for 10m --seed 1` (1 min with `--quick`, in-memory
database, as `cqrs-lab simulate` runs by default) and records from the bus every delivery
that fell due: its lane, its event's position, when it was sent and when it fell due (the
latency draw). The baseline is the event loop at the heart of the bus without the lab
around it: the same sends, in the order they were sent, each pushed on a heap by due time;
before each send, every delivery due by then is popped and handed to its lane (a
checkpoint and a count). The loop's deliveries must be the bus's, in the same order: a
difference is a failure, not a figure. The figure is simulate's time over the loop's
(median of 5 loops), in one process; watching the bus is counted in simulate's time.
"""

from __future__ import annotations

import heapq
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cqrs_lab.bench.harness import Figure, Plan, ratio_figure, timed
from cqrs_lab.sim.bus import Delivery, Outcome
from cqrs_lab.simulate import SimulationConfig, simulate
from cqrs_lab.store.event_store import RecordedEvent

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab

RATE = 50.0
SEED = 1
LOOPS = 5

Delivered = tuple[str, int]
"""A lane and the position of the event handed to it."""


@dataclass(frozen=True, slots=True)
class Send:
    """One delivery put on the bus: when, down which lane, which event, due when (the send
    time plus its latency draw, as the bus summed them)."""

    at: float
    seq: int
    lane: str
    position: int
    due: float


@dataclass
class BusRecorder:
    """Watches a lab's bus: every delivery that fell due, in the order it did."""

    sends: list[Send] = field(default_factory=list)
    delivered: list[Delivered] = field(default_factory=list)

    def attach(self, lab: Lab) -> None:
        lab.bus.add_observer(self._fell_due)

    def _fell_due(self, delivery: Delivery[RecordedEvent], _outcome: Outcome) -> None:
        lane, position = delivery.subscription, delivery.position
        self.sends.append(Send(delivery.sent_at, delivery.seq, lane, position, delivery.due_at))
        self.delivered.append((lane, position))

    def in_send_order(self) -> list[Send]:
        return sorted(self.sends, key=lambda send: (send.at, send.seq))


def heapq_loop(sends: Sequence[Send]) -> list[Delivered]:
    """Deliver `sends` (in the order they were sent) by due time, ties in the order the bus
    scheduled them; what each lane got, in order."""
    heap: list[tuple[float, int, str, int]] = []
    checkpoints: dict[str, int] = {}
    duplicates: Counter[str] = Counter()
    delivered: list[Delivered] = []

    def deliver() -> None:
        _, _, lane, position = heapq.heappop(heap)
        if position > checkpoints.get(lane, 0):
            checkpoints[lane] = position
        else:
            duplicates[lane] += 1
        delivered.append((lane, position))

    for send in sends:
        while heap and heap[0][0] <= send.at:
            deliver()
        heapq.heappush(heap, (send.due, send.seq, send.lane, send.position))
    while heap:
        deliver()
    return delivered


def measure(plan: Plan) -> list[Figure]:
    duration = 60.0 if plan.quick else 600.0
    recorder = BusRecorder()
    config = SimulationConfig(rate=RATE, duration=duration, seed=SEED)
    began = time.perf_counter()
    simulate(config, on_open=recorder.attach)
    simulate_s = time.perf_counter() - began
    sends = recorder.in_send_order()
    if heapq_loop(sends) != recorder.delivered:
        raise RuntimeError("the heapq loop delivered otherwise than simulate's bus")
    loop_s = statistics.median(timed(lambda: heapq_loop(sends)) for _ in range(LOOPS))
    return [
        ratio_figure(
            "simulate",
            simulate_s,
            "s",
            "a heapq loop doing the same deliveries",
            loop_s,
            at_most=30,
            keys=("simulate_s", "simulate_heapq_s", "simulate_heapq_ratio"),
            note=(
                f"simulate --rate {RATE:g}/s --for {duration:g}s --seed {SEED}, in memory;"
                f" {len(sends):,} deliveries; the loop's median of {LOOPS}"
            ),
            extra={"simulate_deliveries": float(len(sends))},
        )
    ]
