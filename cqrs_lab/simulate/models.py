"""The simple models a simulation report sets beside its measurements.

- Little's law: mean number in flight L = arrival rate λ x mean time in flight W.
- A read t seconds after the asker's write is stale when that write's delivery takes
  longer than t: P(delay > t), which is exp(-t/d) for exponential delays of mean d.
- Arrivals counted per second follow the Poisson distribution P(k) with mean = rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cqrs_lab.sim.latency import Exponential, Fixed, LatencyModel, LogNormal, Uniform, Zero
from cqrs_lab.simulate.stats import poisson_cdf

TAIL_SDS = 3.5  # the arrivals table shows counts within this many standard deviations


def survival(model: LatencyModel, t: float) -> float:
    """P(delay > t) for a delivery whose delay follows `model`."""
    match model:
        case Zero():
            return 0.0
        case Fixed(seconds=seconds):
            return 1.0 if seconds > t else 0.0
        case Uniform(low=low, high=high):
            if t < low:
                return 1.0
            if t >= high:
                return 0.0
            return (high - t) / (high - low)
        case Exponential(mean=mean):
            return math.exp(-max(t, 0.0) / mean)
        case LogNormal(median=median, sigma=sigma):
            if t <= 0:
                return 1.0
            return 0.5 * math.erfc((math.log(t) - math.log(median)) / (sigma * math.sqrt(2)))
    raise TypeError(f"no survival function for {type(model).__name__}")


def survival_formula(model: LatencyModel) -> str:
    """How the stale-read model reads for this latency, for report headers."""
    match model:
        case Exponential(mean=mean):
            return f"e^(-t/{mean:g}s)"
        case Zero():
            return "0"
    return f"P({model} > t)"


@dataclass(frozen=True, slots=True)
class CountBin:
    """Seconds in which between `low` and `high` arrivals came (inclusive)."""

    low: int
    high: int | None  # None: `low` or more
    seen: int
    expected: float


def poisson_table(counts: list[int], rate: float) -> list[CountBin]:
    """Per-second arrival counts in bins around the mean, with the Poisson expectation."""
    seconds = len(counts)
    if not seconds:
        return []
    sd = math.sqrt(rate)
    width = max(1, round(sd / 2))
    first = max(0, math.floor(rate - TAIL_SDS * sd))
    last = math.ceil(rate + TAIL_SDS * sd)
    bins: list[tuple[int, int | None]] = []
    low = 0
    high = first + width - 1
    while high < last:
        bins.append((low, high))
        low, high = high + 1, high + width
    bins.append((low, None))
    table = []
    for low, high in bins:
        seen = sum(1 for c in counts if c >= low and (high is None or c <= high))
        upper = 1.0 if high is None else poisson_cdf(high, rate)
        chance = upper - poisson_cdf(low - 1, rate)
        table.append(CountBin(low, high, seen, seconds * chance))
    return table
