"""Predicates on the lab's state now (lag, caught up, in flight) and on the learner's
queries (queried, query_contains)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    StrictBool,
    StrictStr,
    model_validator,
)

from cqrs_lab.lab.answers import Source
from cqrs_lab.lessons.goals.base import (
    LaneName,
    LaneOrAll,
    Predicate,
    Probe,
    Ranged,
    ViewName,
    lane_names,
    projection_words,
)
from cqrs_lab.script.actions import LANE_ALL
from cqrs_lab.shop.money import format_cents

if TYPE_CHECKING:
    from cqrs_lab.lab import QueryAnswer


class Lag(Predicate):
    key = "lag"
    projection: LaneName
    events_at_least: PositiveInt | None = None
    seconds_at_least: PositiveFloat | None = None

    @model_validator(mode="after")
    def _one_measure(self) -> Lag:
        if (self.events_at_least is None) == (self.seconds_at_least is None):
            raise ValueError("give exactly one of events_at_least and seconds_at_least")
        return self

    def explain(self) -> str:
        if self.events_at_least is not None:
            unit = "event" if self.events_at_least == 1 else "events"
            return (
                f"the {self.projection} projection lags by at least {self.events_at_least} {unit}"
            )
        return f"the {self.projection} projection lags by at least {self.seconds_at_least:g}s"

    def holds(self, probe: Probe, start: Any) -> bool:
        lane = probe.lane(self.projection)
        if self.events_at_least is not None:
            return lane.lag_events >= self.events_at_least
        return lane.lag_seconds >= (self.seconds_at_least or 0.0)


class CaughtUp(Predicate):
    key = "caught_up"
    projection: LaneOrAll

    def explain(self) -> str:
        return f"{projection_words(self.projection)} has caught up with the head"

    def holds(self, probe: Probe, start: Any) -> bool:
        return all(probe.lane(name).lag_events == 0 for name in lane_names(self.projection))


class InFlight(Ranged):
    """How many deliveries are on the lane (or all lanes) now: `at_least`, `at_most` or
    both."""

    key = "in_flight"
    projection: LaneOrAll
    at_least: PositiveInt | None = None
    at_most: NonNegativeInt | None = None

    def explain(self) -> str:
        to = "all lanes together" if self.projection == LANE_ALL else f"the {self.projection} lane"
        if self.at_least is None:
            return f"see at most {self.at_most} events in flight on {to}"
        most = "" if self.at_most is None else f" (and at most {self.at_most})"
        return f"see at least {self.at_least} events in flight on {to}{most}"

    def holds(self, probe: Probe, start: Any) -> bool:
        total = sum(len(probe.lane(name).in_flight) for name in lane_names(self.projection))
        return self.within(total)


class Queried(Predicate):
    """A new answer from the view (and source) since the checker started watching; with
    `behind`, one given while the read model was behind the head (true) or not (false)."""

    key = "queried"
    view: ViewName
    source: Source | None = None
    behind: StrictBool | None = None

    def explain(self) -> str:
        return f"query {self.view}{_from(self.source)}{_while(self.behind)}"

    def _sources(self) -> tuple[str, ...]:
        return (self.source,) if self.source else ("projection", "crud")

    def start(self, probe: Probe) -> object:
        return {source: probe.answer(self.view, source) for source in self._sources()}

    def holds(self, probe: Probe, start: Any) -> bool:
        return any(self._fresh(probe, start, source) for source in self._sources())

    def _fresh(self, probe: Probe, start: Any, source: str) -> QueryAnswer | None:
        answer = probe.answer(self.view, source)
        if answer is None or answer is start[source]:
            return None
        if self.behind is not None and (answer.behind_events > 0) != self.behind:
            return None
        return answer


def _while(behind: bool | None) -> str:
    return {None: "", True: " while it is behind", False: " once it has caught up"}[behind]


def _listed(value: object) -> object:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise ValueError('a value in quotes, or a list of them: ["o1", "paid"]')
    return value


class QueryContains(Queried):
    """A new answer whose rows hold `value` (or, for a list, all its values in one row)."""

    key = "query_contains"
    source: Source = "projection"
    value: Annotated[list[StrictStr], BeforeValidator(_listed), Field(min_length=1)]

    def explain(self) -> str:
        shown = ", ".join(f'"{value}"' for value in self.value)
        return f"query {self.view}{_from(self.source)}{_while(self.behind)} and see {shown}"

    def holds(self, probe: Probe, start: Any) -> bool:
        answer = self._fresh(probe, start, self.source)
        if answer is None:
            return False
        wanted = {value.casefold() for value in self.value}
        return any(wanted <= row for row in answer_cells(answer))


def _from(source: str | None) -> str:
    return {None: "", "projection": " from its projection", "crud": " from the CRUD twin"}[source]


def answer_cells(answer: QueryAnswer) -> Iterator[set[str]]:
    """Each row of an answer as the set of its cells' texts (casefolded), money as 12.50;
    the summary counts as one more row, with both `value` and `key=value` texts."""
    for row in answer.rows.as_dicts():
        yield {_cell(key, value).casefold() for key, value in row.items()}
    summary: set[str] = set()
    for key, value in answer.rows.summary:
        text = _cell(key, value)
        summary |= {text.casefold(), f"{key}={text}".casefold()}
    if summary:
        yield summary


def _cell(key: str, value: Any) -> str:
    if key.endswith("_cents") and isinstance(value, int):
        return format_cents(value)
    return str(value)
