"""Poisson arrivals: when the next request of a workload comes, `rate` a second.

The gaps between arrivals are exponential with mean 1/rate, drawn from the injected
`random.Random` as each arrival is taken, so a seed replays a run. What arrives is the
workload's business (`shop/workload.py`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator


class PoissonArrivals:
    """Arrival times from `start` (exclusive) to `end` (exclusive), `rate` a second.

    Each gap is drawn when the previous arrival is taken, so arrivals interleave with the
    other draws on the same RNG the way they happen in the run.
    """

    def __init__(self, rng: random.Random, rate: float, start: float, end: float) -> None:
        if not rate > 0:
            raise ValueError(f"the rate must be above zero, got {rate}")
        self.rng = rng
        self.rate = rate
        self.end = end
        self._next: float | None = start + rng.expovariate(rate)
        if self._next >= end:
            self._next = None

    def peek(self) -> float | None:
        """The next arrival time, or None when the run has no more arrivals."""
        return self._next

    def pop(self) -> float:
        arrival = self._next
        if arrival is None:
            raise IndexError("no more arrivals")
        following = arrival + self.rng.expovariate(self.rate)
        self._next = following if following < self.end else None
        return arrival

    def stop(self) -> None:
        self._next = None

    def __iter__(self) -> Iterator[float]:
        while self._next is not None:
            yield self.pop()
