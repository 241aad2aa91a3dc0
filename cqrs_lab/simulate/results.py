"""A simulation's figures, measured and predicted, ready to print or to dump as JSON."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cqrs_lab.lab.load import LoadReport
from cqrs_lab.read.subscriber import Mode
from cqrs_lab.simulate.models import CountBin, poisson_table, survival_formula
from cqrs_lab.simulate.probe import SimulationProbe, StaleBucket
from cqrs_lab.simulate.stats import Bin, Summary, histogram, mean_and_variance

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab


@dataclass(frozen=True, slots=True)
class Settings:
    """How the run was set up, for the report header."""

    rate: float
    duration: float
    seed: int
    db: str
    password_cost: int
    sample_every: float
    lines: tuple[str, ...]  # lab lines applied before the load


@dataclass(frozen=True, slots=True)
class LaneResult:
    """One lane's figures: its lag as measured, and Little's law beside it."""

    name: str
    mode: str
    latency: str
    faults: str
    fifo: bool
    lag_seconds: Summary
    lag_events: Summary
    lag_before_delivery: Summary  # lag seconds just before each delivery (where it peaks)
    histogram: list[Bin]  # of the lag in seconds, at the fixed samples
    arrival_rate: float  # λ: deliveries scheduled per lab second
    delay_model: float  # the latency model's mean
    delay_measured: float  # W: mean time a delivery spent on the bus
    in_flight: float  # L: time-average deliveries in flight

    @property
    def little(self) -> float:
        """Little's law: L = λ x W, with W as measured."""
        return self.arrival_rate * self.delay_measured

    @property
    def naive(self) -> float:
        """λ x the latency model's mean: right only when deliveries never wait on others."""
        return self.arrival_rate * self.delay_model

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "latency": self.latency,
            "faults": self.faults,
            "fifo": self.fifo,
            "lag_seconds": self.lag_seconds.to_json(),
            "lag_events": self.lag_events.to_json(digits=3),
            "lag_seconds_before_delivery": self.lag_before_delivery.to_json(),
            "lag_histogram": [_bin_json(b) for b in self.histogram],
            "littles_law": {
                "arrival_rate_per_s": round(self.arrival_rate, 6),
                "mean_delay_model_s": round(self.delay_model, 6),
                "mean_delay_measured_s": round(self.delay_measured, 6),
                "predicted_in_flight": round(self.little, 6),
                "predicted_in_flight_model_delay": round(self.naive, 6),
                "measured_in_flight": round(self.in_flight, 6),
            },
        }


@dataclass(frozen=True, slots=True)
class QueryResult:
    """How often one view's reads were stale: measured, and as the model predicts."""

    view: str
    lane: str
    formula: str
    reads: int
    stale: int
    never_wrote: int
    buckets: list[StaleBucket]
    off_lane: int = 0
    """Reads whose asker's last write put nothing on the lane (left out of the model)."""
    off_lane_stale: int = 0

    @property
    def ratio(self) -> float:
        return self.stale / self.reads if self.reads else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "lane": self.lane,
            "reads": self.reads,
            "stale": self.stale,
            "stale_ratio": round(self.ratio, 6),
            "never_wrote": self.never_wrote,
            "last_write_off_lane": {"reads": self.off_lane, "stale": self.off_lane_stale},
            "model": self.formula,
            "by_time_since_write": [
                {
                    "from_s": round(b.low, 6),
                    "to_s": None if math.isinf(b.high) else round(b.high, 6),
                    "reads": b.reads,
                    "stale": b.stale,
                    "measured": round(b.stale / b.reads, 6) if b.reads else None,
                    "predicted": round(b.expected / b.reads, 6) if b.reads else None,
                }
                for b in self.buckets
            ],
        }


@dataclass(frozen=True, slots=True)
class ArrivalsResult:
    """The load's arrivals a second, beside the Poisson distribution they follow."""

    rate: float
    seconds: int
    mean: float
    variance: float
    table: list[CountBin]

    def to_json(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "seconds": self.seconds,
            "mean_per_s": round(self.mean, 6),
            "variance": round(self.variance, 6),
            "dispersion": round(self.variance / self.mean, 6) if self.mean else None,
            "table": [
                {"from": b.low, "to": b.high, "seen": b.seen, "expected": round(b.expected, 3)}
                for b in self.table
            ],
        }


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """A whole run's figures: settings, load, events, lanes, queries, arrivals."""

    settings: Settings
    load: LoadReport
    events: dict[str, int]  # appended, by type
    lanes: list[LaneResult]
    queries: list[QueryResult]
    arrivals: ArrivalsResult

    def lane(self, name: str) -> LaneResult:
        return next(lane for lane in self.lanes if lane.name == name)

    def to_json(self) -> dict[str, Any]:
        s = self.settings
        return {
            "rate": s.rate,
            "duration": s.duration,
            "seed": s.seed,
            "db": s.db,
            "password_cost": s.password_cost,
            "sample_every": s.sample_every,
            "settings": list(s.lines),
            "load": self.load.to_json(),
            "events": self.events,
            "lanes": {lane.name: lane.to_json() for lane in self.lanes},
            "queries": {query.view: query.to_json() for query in self.queries},
            "arrivals": self.arrivals.to_json(),
        }


def _bin_json(b: Bin) -> dict[str, Any]:
    high = None if math.isinf(b.high) else round(b.high, 6)
    return {"from": round(b.low, 6), "to": high, "count": b.count}


def build_result(
    settings: Settings, lab: Lab, load: LoadReport, probe: SimulationProbe
) -> SimulationResult:
    probe.finish()
    elapsed = probe.end - probe.start
    lanes = []
    for name, meter in probe.lanes.items():
        subscriber = lab.subscribers[name]
        is_async = subscriber.mode is Mode.ASYNC
        model = lab.latencies[name]
        before = meter.before_delivery_seconds
        lanes.append(
            LaneResult(
                name=name,
                mode=str(subscriber.mode),
                latency=str(model) if is_async else "inline",
                faults=str(lab.faults[name]),
                fifo=not lab.faults[name].reorder,
                lag_seconds=Summary.of(meter.lag_seconds, peak=max(before, default=0.0)),
                lag_events=Summary.of(meter.lag_events, peak=meter.peak_events),
                lag_before_delivery=Summary.of(before),
                histogram=histogram(meter.lag_seconds),
                arrival_rate=meter.scheduled / elapsed,
                delay_model=model.mean if is_async else 0.0,
                delay_measured=meter.time_on_bus / meter.fell_due if meter.fell_due else 0.0,
                in_flight=meter.area / elapsed,
            )
        )
    queries = [
        QueryResult(
            view,
            meter.lane,
            survival_formula(meter.model),
            meter.reads,
            meter.stale,
            meter.never_wrote,
            meter.buckets,
            meter.off_lane,
            meter.off_lane_stale,
        )
        for view, meter in probe.queries.items()
    ]
    whole = probe.per_second[: math.floor(elapsed)] or probe.per_second
    mean, variance = mean_and_variance(whole)
    arrivals = ArrivalsResult(
        settings.rate, len(whole), mean, variance, poisson_table(whole, settings.rate)
    )
    events = dict(sorted(lab.metrics.events.items()))
    return SimulationResult(settings, load, events, lanes, queries, arrivals)
