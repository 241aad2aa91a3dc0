"""Small statistics for reports: quantiles, distribution summaries, histograms, Poisson."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

QUANTILES = (0.5, 0.95, 0.99)


def quantile(ordered: Sequence[float], q: float) -> float:
    """The q-quantile of sorted values, interpolating linearly between neighbours."""
    if not ordered:
        return 0.0
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True)
class Summary:
    """Mean, median, tail quantiles and maximum of a sample."""

    count: int
    mean: float
    p50: float
    p95: float
    p99: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float], *, peak: float | None = None) -> Summary:
        """Summarize `values`; `peak` is a maximum observed outside the sample, if higher."""
        ordered = sorted(values)
        top = ordered[-1] if ordered else 0.0
        if peak is not None:
            top = max(top, peak)
        mean = math.fsum(ordered) / len(ordered) if ordered else 0.0
        p50, p95, p99 = (quantile(ordered, q) for q in QUANTILES)
        return cls(len(ordered), mean, p50, p95, p99, top)

    def to_json(self, digits: int = 6) -> dict[str, Any]:
        return {
            "count": self.count,
            "mean": round(self.mean, digits),
            "p50": round(self.p50, digits),
            "p95": round(self.p95, digits),
            "p99": round(self.p99, digits),
            "max": round(self.max, digits),
        }


@dataclass(frozen=True, slots=True)
class Bin:
    low: float
    high: float  # math.inf for the last, open bin
    count: int


def histogram(values: Sequence[float], bins: int = 12) -> list[Bin]:
    """Equal-width bins from 0 to the 99th percentile, plus one open bin for the tail."""
    if not values:
        return []
    ordered = sorted(values)
    top = quantile(ordered, 0.99) or ordered[-1]
    if top <= 0:
        return [Bin(0.0, math.inf, len(ordered))]
    width = _nice_width(top / bins)
    edges = [i * width for i in range(bins + 1)]
    counts = [0] * (bins + 1)
    for value in ordered:
        index = min(int(value // width), bins)
        counts[index] += 1
    result = [Bin(edges[i], edges[i + 1], counts[i]) for i in range(bins)]
    if counts[bins]:
        result.append(Bin(edges[bins], math.inf, counts[bins]))
    while len(result) > 1 and result[-1].count == 0:
        result.pop()
    return result


def _nice_width(raw: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least `raw`."""
    power = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 5, 10):
        if step * power >= raw:
            return step * power
    return 10 * power


def poisson_pmf(k: int, mean: float) -> float:
    """P(K = k) for a Poisson count with the given mean."""
    if k < 0:
        return 0.0
    if mean == 0:
        return 1.0 if k == 0 else 0.0
    return math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))


def poisson_cdf(k: int, mean: float) -> float:
    return math.fsum(poisson_pmf(i, mean) for i in range(k + 1)) if k >= 0 else 0.0


def mean_and_variance(values: Sequence[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 0.0
    mean = math.fsum(values) / len(values)
    if len(values) < 2:
        return mean, 0.0
    variance = math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)
    return mean, variance
