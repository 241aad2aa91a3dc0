"""Latency models: how long one delivery spends on the bus.

Each model is an immutable value with a declared `mean` (seconds), a `sample(rng)` that
draws a delay (>= 0) from the injected RNG only, and a canonical spec as its `str`, which
`parse_latency` reads back:

    zero   fixed:1s   uniform:100ms..2s   exp:800ms   lognormal:300ms,0.8
"""

from __future__ import annotations

import math
import random
from abc import ABC, abstractmethod
from dataclasses import dataclass

from cqrs_lab.sim.durations import format_duration
from cqrs_lab.sim.spec_values import read_duration, read_number, write_number

ACCEPTED_LATENCIES = "zero, fixed:1s, uniform:100ms..2s, exp:800ms, lognormal:300ms,0.8"
MAX_SIGMA = 5.0
"""Beyond this a log-normal's mean explodes (it grows as exp(sigma**2 / 2))."""


class LatencySpecError(ValueError):
    """Raised for text that is not a latency spec."""


class LatencyModel(ABC):
    """A distribution of delivery delays, in seconds."""

    mean: float

    @abstractmethod
    def sample(self, rng: random.Random) -> float:
        """Draw one delay (>= 0) using only `rng`."""


@dataclass(frozen=True)
class Zero(LatencyModel):
    """No delay: a delivery is due the moment its event is published."""

    @property
    def mean(self) -> float:
        return 0.0

    def sample(self, rng: random.Random) -> float:
        return 0.0

    def __str__(self) -> str:
        return "zero"


@dataclass(frozen=True)
class Fixed(LatencyModel):
    """The same delay every time."""

    seconds: float

    def __post_init__(self) -> None:
        _check_duration("fixed delay", self.seconds)

    @property
    def mean(self) -> float:
        return self.seconds

    def sample(self, rng: random.Random) -> float:
        return self.seconds

    def __str__(self) -> str:
        return f"fixed:{format_duration(self.seconds)}"


@dataclass(frozen=True)
class Uniform(LatencyModel):
    """Any delay between `low` and `high`, all equally likely."""

    low: float
    high: float

    def __post_init__(self) -> None:
        _check_duration("low bound", self.low)
        _check_duration("high bound", self.high)
        if self.low > self.high:
            raise ValueError(
                f"the low bound {format_duration(self.low)} is above "
                f"the high bound {format_duration(self.high)}"
            )

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    def sample(self, rng: random.Random) -> float:
        return rng.uniform(self.low, self.high)

    def __str__(self) -> str:
        return f"uniform:{format_duration(self.low)}..{format_duration(self.high)}"


@dataclass(frozen=True)
class Exponential(LatencyModel):
    """Memoryless delays: mostly short, now and then long."""

    mean: float

    def __post_init__(self) -> None:
        _check_above_zero("mean", self.mean)

    def sample(self, rng: random.Random) -> float:
        return rng.expovariate(1 / self.mean)

    def __str__(self) -> str:
        return f"exp:{format_duration(self.mean)}"


@dataclass(frozen=True)
class LogNormal(LatencyModel):
    """Delays around `median` (half are shorter) with a long right tail: `sigma`, the spread
    of the delay's logarithm, sets how long, and the mean is `median * exp(sigma**2 / 2)`."""

    median: float
    sigma: float

    def __post_init__(self) -> None:
        _check_above_zero("median", self.median)
        if not 0 < self.sigma <= MAX_SIGMA:
            raise ValueError(f"sigma must be above 0 and at most {MAX_SIGMA:g}, got {self.sigma}")

    @property
    def mean(self) -> float:
        return self.median * math.exp(self.sigma**2 / 2)

    def sample(self, rng: random.Random) -> float:
        return rng.lognormvariate(math.log(self.median), self.sigma)

    def __str__(self) -> str:
        return f"lognormal:{format_duration(self.median)},{write_number(self.sigma)}"


def parse_latency(text: str) -> LatencyModel:
    """Read a latency spec such as "exp:800ms"; the inverse of `str(model)`."""
    spec = text.strip().lower()
    if spec == "zero":
        return Zero()
    kind, _, args = spec.partition(":")
    try:
        if kind == "fixed":
            return Fixed(_duration(args))
        if kind == "uniform":
            low, high = _pair(args, "..", "uniform needs two durations, as in uniform:100ms..2s")
            return Uniform(_duration(low), _duration(high))
        if kind == "exp":
            return Exponential(_duration(args))
        if kind == "lognormal":
            needs = "lognormal needs a median and a sigma, as in lognormal:300ms,0.8"
            median, sigma = _pair(args, ",", needs)
            return LogNormal(_duration(median), _sigma(sigma))
    except ValueError as error:
        raise LatencySpecError(
            f"bad latency {text!r}: {error}; accepted: {ACCEPTED_LATENCIES}"
        ) from error
    raise LatencySpecError(
        f"bad latency {text!r}: unknown kind {kind!r}{_guess(spec)}; accepted: {ACCEPTED_LATENCIES}"
    )


def _guess(spec: str) -> str:
    """` (did you mean fixed:2s?)` for a bare duration, the likeliest slip; else ""."""
    try:
        _duration(spec)
    except ValueError:
        return ""
    return f" (did you mean fixed:{spec}?)"


def _pair(args: str, separator: str, needs: str) -> tuple[str, str]:
    """A kind's two arguments, on either side of `separator`; else a ValueError: `needs`."""
    first, found, second = args.partition(separator)
    if not found:
        raise ValueError(needs)
    return first, second


def _duration(text: str) -> float:
    return read_duration(text, "800ms or 2s")


def _sigma(text: str) -> float:
    sigma = read_number(text, "sigma")
    if math.isnan(sigma):
        raise ValueError(f"sigma {text!r} is not a number")
    return sigma


def _check_duration(name: str, seconds: float) -> None:
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ValueError(f"the {name} must be a duration of zero or more, got {seconds!r}")


def _check_above_zero(name: str, seconds: float) -> None:
    """A scale of delays: a duration, and not zero (the `Zero` model is for no delay)."""
    _check_duration(name, seconds)
    if seconds == 0:
        raise ValueError(f"the {name} must be above zero (use zero for no delay)")
