"""Predicates measured over a window of lab time: the mean number in flight on a lane (L),
the mean time a delivery spends on it (W), and Little's law between them (L = λ x W).

W is measured, not taken from the lane's latency model: on a lane that delivers in order, a
delivery waits behind every slower one sent before it (head-of-line blocking), and on a lane
with a consumer capacity it also waits its turn to be handled. With random delays W is then
several times the latency's mean, and only the measured W makes Little's law hold.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar

from pydantic import Field, NonNegativeFloat, PositiveFloat

from cqrs_lab.lessons.goals.base import LaneName, Predicate, Probe, Ranged

if TYPE_CHECKING:
    from cqrs_lab.sim.bus import Delivery


@dataclass(slots=True)
class Window:
    """What a time-average needs: when watching began, and the deliveries that fell due
    (sent_at, due_at) on the watched lane, forgotten once they leave the window."""

    since: float
    done: deque[tuple[float, float]] = field(default_factory=deque)
    reading: str | None = None


@dataclass(frozen=True, slots=True)
class Measured:
    """One window's figures."""

    mean_in_flight: float
    """L: the time-average number of deliveries on the lane."""
    rate: float
    """λ: deliveries sent down the lane per second."""
    time_on_lane: float | None
    """W: the mean time from sending to handling of the deliveries handled in the window
    (None when none was)."""


class Averaged(Predicate):
    """Measured over the last `over_seconds` of lab time, once that much has passed.

    The number in flight is integrated exactly: each delivery counts for the part of the
    window it spent on the lane, whether it fell due already or is still travelling."""

    projection: LaneName
    over_seconds: PositiveFloat = 20.0

    def start(self, probe: Probe) -> object:
        return Window(probe.now)

    def observe(self, start: Any, delivery: Delivery[Any]) -> None:
        if delivery.subscription == self.projection:
            start.done.append((delivery.sent_at, delivery.due_at))

    def reading(self, start: Any) -> str | None:
        return start.reading

    def measure(self, probe: Probe, window: Window) -> Measured | None:
        """The figures of the last window, or None before a whole window has passed."""
        now = probe.now
        if now - window.since < self.over_seconds:
            return None
        begin = now - self.over_seconds
        while window.done and window.done[0][1] <= begin:
            window.done.popleft()
        travelling = [(d.sent_at, now) for d in probe.lane(self.projection).in_flight]
        area = sent = 0.0
        for left, right in (*window.done, *travelling):
            area += max(0.0, min(right, now) - max(left, begin))
            sent += left >= begin
        times = [due - sent_at for sent_at, due in window.done]
        time_on_lane = sum(times) / len(times) if times else None
        return Measured(area / self.over_seconds, sent / self.over_seconds, time_on_lane)


def _bounds(at_least: float | None, at_most: float | None, unit: str = "") -> str:
    bounds = [f"at least {at_least:g}{unit}"] if at_least is not None else []
    bounds += [f"at most {at_most:g}{unit}"] if at_most is not None else []
    return " and ".join(bounds)


class Bounded(Averaged, Ranged):
    """An average that must fall between `at_least` and `at_most` (either may be left off):
    the window's `figure`, in `unit`; `explain` puts the bounds into `what` ({} is them)."""

    at_least: NonNegativeFloat | None = None
    at_most: NonNegativeFloat | None = None
    figure: ClassVar[str]
    """The `Measured` attribute this goal bounds."""
    unit: ClassVar[str]
    what: ClassVar[str]

    def explain(self) -> str:
        bounds = _bounds(self.at_least, self.at_most, self.unit)
        return (
            f"over {self.over_seconds:g}s, {self.what.format(bounds)} on the {self.projection} "
            "lane on average"
        )

    def says(self, average: float, probe: Probe) -> str:
        """The checklist's reading of `average`."""
        raise NotImplementedError

    def holds(self, probe: Probe, start: Any) -> bool:
        measured = self.measure(probe, start)
        average = None if measured is None else getattr(measured, self.figure)
        if average is None:
            return False
        start.reading = self.says(average, probe)
        return self.within(average)


class MeanInFlight(Bounded):
    key = "mean_in_flight"
    figure = "mean_in_flight"
    unit = ""
    what = "{} events in flight"

    def says(self, average: float, probe: Probe) -> str:
        return f"{average:.1f} in flight on average"


class TimeOnLane(Bounded):
    """W, the mean time a delivery spent on the lane, measured (seconds)."""

    key = "time_on_lane"
    figure = "time_on_lane"
    unit = "s"
    what = "events spend {}"

    def says(self, average: float, probe: Probe) -> str:
        delay = probe.lab.latencies[self.projection].mean
        return f"measured W = {average:.2f}s on the lane (the lane's delay averages {delay:g}s)"


class LittlesLaw(Averaged):
    """The measured mean number in flight L matches λ x W: the measured rate of deliveries
    sent down the lane times the measured mean time a delivery spent on it."""

    key = "littles_law"
    within: Annotated[float, Field(gt=0, lt=1)] = 0.15
    at_least: PositiveFloat = 5.0
    """Only judged while at least this many are in flight on average (an idle lane obeys
    the law trivially: 0 = 0 x W)."""

    def explain(self) -> str:
        return (
            f"over {self.over_seconds:g}s with at least {self.at_least:g} in flight, the "
            f"{self.projection} lane's mean in flight matches rate x time on the lane within "
            f"{self.within:.0%}"
        )

    def holds(self, probe: Probe, start: Any) -> bool:
        measured = self.measure(probe, start)
        if measured is None or measured.time_on_lane is None:
            return False
        mean, rate, time_on_lane = measured.mean_in_flight, measured.rate, measured.time_on_lane
        predicted = rate * time_on_lane
        delay = probe.lab.latencies[self.projection].mean
        start.reading = (
            f"measured L = {mean:.1f} in flight; λ x W = {rate:.1f}/s x {time_on_lane:.2f}s = "
            f"{predicted:.1f} (the lane's delay averages {delay:g}s)"
        )
        return mean >= self.at_least and abs(mean - predicted) <= self.within * predicted
