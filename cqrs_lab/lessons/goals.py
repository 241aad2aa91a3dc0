"""Goals: declarative predicates a lesson step asks of the live lab.

A goal is data read from a lesson file, never code. A goal table's keys are predicates (all
of them must hold) or the groups `all = [...]`, `any = [...]` and `in_order = [...]`, whose
items are goal tables again:

    [steps.goal]
    event = { type = "OrderPlaced" }
    lag = { projection = "orders", events_at_least = 1 }

Predicates that count things (events, rejections, stale reads, ...) count from the moment
the checker starts watching them, so what happened before a step does not count. Every
predicate describes itself in plain words for the lesson's checklist.
"""

from __future__ import annotations

import difflib
import math
import operator
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeAlias

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    StrictBool,
    StrictStr,
    ValidationError,
    model_validator,
)

from cqrs_lab.lab.answers import Source
from cqrs_lab.read.view_specs import LANES, VIEW_NAMES
from cqrs_lab.script.actions import LANE_ALL
from cqrs_lab.shop.commands import COMMAND_TYPES
from cqrs_lab.shop.errors import ERROR_CODES
from cqrs_lab.shop.events import EVENT_TYPES
from cqrs_lab.shop.money import format_cents

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab, LaneState, QueryAnswer
    from cqrs_lab.lab.metrics import LabMetrics
    from cqrs_lab.sim.bus import Delivery

CONCURRENCY_CONFLICT = "concurrency_conflict"
REJECTION_CODES = (*ERROR_CODES, CONCURRENCY_CONFLICT)
VERBS = tuple(command.verb for command in COMMAND_TYPES)
GROUPS = ("all", "any", "in_order")


# -- choices with clear messages ----------------------------------------------------


def suggest(word: str, known: tuple[str, ...] | list[str]) -> str:
    """' — did you mean X?' for a close known word (or the few that start with `word`),
    else the list of known words."""
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    if not close and len(word) >= 2:
        close = [name for name in known if name.startswith(word)][:3]
    if close:
        return " — did you mean " + " or ".join(f"'{name}'" for name in close) + "?"
    return f" (known: {', '.join(known)})"


def _choice(known: tuple[str, ...], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in known:
            raise ValueError(f"unknown {what} '{value}'{suggest(value, known)}")
        return value

    return check


LaneName = Annotated[StrictStr, AfterValidator(_choice(LANES, "projection"))]
LaneOrAll = Annotated[StrictStr, AfterValidator(_choice((*LANES, LANE_ALL), "projection"))]
ViewName = Annotated[StrictStr, AfterValidator(_choice(VIEW_NAMES, "view"))]
EventType = Annotated[StrictStr, AfterValidator(_choice(tuple(EVENT_TYPES), "event type"))]
ErrorCode = Annotated[StrictStr, AfterValidator(_choice(REJECTION_CODES, "error code"))]
Verb = Annotated[StrictStr, AfterValidator(_choice(VERBS, "command verb"))]


def _times(count: int) -> str:
    return "" if count == 1 else f" {count} times"


def _lane_names(lane: str) -> tuple[str, ...]:
    return LANES if lane == LANE_ALL else (lane,)


def _projection_words(lane: str) -> str:
    return "every projection" if lane == LANE_ALL else f"the {lane} projection"


# -- what a predicate may read ------------------------------------------------------


class Probe:
    """One look at a lab for one check; the snapshot and report are built once, if needed."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab

    @cached_property
    def _lanes(self) -> dict[str, LaneState]:
        return {lane.name: lane for lane in self.lab.snapshot().lanes}

    @cached_property
    def report(self) -> dict[str, Any]:
        return self.lab.report()

    def lane(self, name: str) -> LaneState:
        return self._lanes[name]

    def answer(self, view: str, source: str) -> QueryAnswer | None:
        return self.lab.answers.get((view, source))

    @property
    def now(self) -> float:
        return self.lab.clock.now()

    @property
    def metrics(self) -> LabMetrics:
        return self.lab.metrics


# -- predicates ---------------------------------------------------------------------


class Predicate(BaseModel):
    """One condition on the lab. `start` reads what the condition is measured from (when
    the checker begins watching it); `holds` says whether it is met now."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    key: ClassVar[str]
    label: StrictStr | None = None
    """Replaces the generated checklist text."""

    def describe(self) -> str:
        return self.label or self.explain()

    def explain(self) -> str:
        raise NotImplementedError

    def start(self, probe: Probe) -> object:
        return None

    def holds(self, probe: Probe, start: Any) -> bool:
        raise NotImplementedError

    def observe(self, start: Any, delivery: Delivery[Any]) -> None:
        """One delivery fell due on the bus (for predicates that measure over time)."""

    def reading(self, start: Any) -> str | None:
        """What the predicate measured last, for the checklist (None: nothing to show)."""
        return None


class Counted(Predicate):
    """Met once a count has grown by `at_least` since the checker started watching."""

    at_least: PositiveInt = 1

    def count(self, probe: Probe) -> float:
        raise NotImplementedError

    def start(self, probe: Probe) -> object:
        return self.count(probe)

    def holds(self, probe: Probe, start: Any) -> bool:
        return self.count(probe) - start >= self.at_least


class EventSeen(Counted):
    key = "event"
    type: EventType

    def explain(self) -> str:
        return f"see {self.type} recorded{_times(self.at_least)}"

    def count(self, probe: Probe) -> float:
        return probe.metrics.events[self.type]


class Rejected(Counted):
    key = "rejected"
    code: ErrorCode | None = None

    def explain(self) -> str:
        refused = "have the shop refuse a command"
        if self.at_least > 1:
            refused = f"have the shop refuse {self.at_least} commands"
        return f"{refused} with {self.code}" if self.code else refused

    def count(self, probe: Probe) -> float:
        rejected = probe.metrics.rejected
        return rejected[self.code] if self.code else sum(rejected.values())


class CommandAccepted(Counted):
    key = "command_accepted"
    verb: Verb

    def explain(self) -> str:
        return f"have {self.verb} accepted{_times(self.at_least)}"

    def count(self, probe: Probe) -> float:
        return probe.metrics.accepted[self.verb]


class ConcurrencyConflict(Counted):
    key = "concurrency_conflict"

    def explain(self) -> str:
        return f"run into a concurrency conflict{_times(self.at_least)}"

    def count(self, probe: Probe) -> float:
        return probe.metrics.concurrency_conflicts


class StaleRead(Counted):
    key = "stale_read"
    view: ViewName

    def explain(self) -> str:
        return f"get a stale read from {self.view}{_times(self.at_least)}"

    def count(self, probe: Probe) -> float:
        return probe.metrics.stale_reads[self.view]


class RebuildCompleted(Counted):
    key = "rebuild_completed"
    projection: LaneName

    def explain(self) -> str:
        return f"rebuild the {self.projection} projection{_times(self.at_least)}"

    def count(self, probe: Probe) -> float:
        return probe.metrics.rebuilds[self.projection]


class DuplicateIgnored(Counted):
    key = "duplicate_ignored"
    projection: LaneName

    def explain(self) -> str:
        what = "a duplicate" if self.at_least == 1 else f"{self.at_least} duplicates"
        return f"the {self.projection} projection ignores {what}"

    def count(self, probe: Probe) -> float:
        return probe.lane(self.projection).subscriber.duplicates


class GapDetected(Counted):
    key = "gap_detected"
    projection: LaneName

    def explain(self) -> str:
        what = "a gap" if self.at_least == 1 else f"{self.at_least} gaps"
        return f"the {self.projection} projection notices {what} in the positions"

    def count(self, probe: Probe) -> float:
        return probe.lane(self.projection).subscriber.gaps


class FilledFromStore(Counted):
    key = "filled_from_store"
    projection: LaneName

    def explain(self) -> str:
        what = "a missing event" if self.at_least == 1 else f"{self.at_least} missing events"
        return f"the {self.projection} projection reads {what} from the store"

    def count(self, probe: Probe) -> float:
        return probe.lane(self.projection).subscriber.caught_up


class PredictionCorrect(Counted):
    """Predictions (`predict VIEW ...`) right on both sides, read model and CRUD twin, when
    the held lane was released; with `view`, predictions of that view only."""

    key = "prediction_correct"
    view: ViewName | None = None

    def explain(self) -> str:
        what = "a prediction" if self.at_least == 1 else f"{self.at_least} predictions"
        of = f" of {self.view}" if self.view else ""
        return f"get {what}{of} right in the read model and in CRUD when a held lane is released"

    def count(self, probe: Probe) -> float:
        predictions = probe.lab.predictions
        return predictions.correct_by_view[self.view] if self.view else predictions.correct


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
        return f"{_projection_words(self.projection)} has caught up with the head"

    def holds(self, probe: Probe, start: Any) -> bool:
        return all(probe.lane(name).lag_events == 0 for name in _lane_names(self.projection))


class InFlight(Predicate):
    key = "in_flight"
    projection: LaneOrAll
    at_least: PositiveInt

    def explain(self) -> str:
        to = "all lanes together" if self.projection == LANE_ALL else f"the {self.projection} lane"
        return f"see at least {self.at_least} events in flight on {to}"

    def holds(self, probe: Probe, start: Any) -> bool:
        total = sum(len(probe.lane(name).in_flight) for name in _lane_names(self.projection))
        return total >= self.at_least


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


# -- metric paths into Lab.report() -------------------------------------------------

LANE_FIELDS = (
    "mode",
    "gap_policy",
    "latency",
    "faults",
    "checkpoint",
    "lag_events",
    "lag_seconds",
    "in_flight",
    "waiting_on_gap",
    "deliveries",
    "applied",
    "duplicates_ignored",
    "gaps",
    "caught_up",
    "dropped",
    "lost",
    "duplicated",
    "redelivered",
)
TOP_FIELDS = ("now", "head", "seed")
METRIC_COUNTERS: Mapping[str, tuple[str, ...]] = {
    "events": tuple(EVENT_TYPES),
    "accepted": VERBS,
    "rejected": REJECTION_CODES,
    "queries": VIEW_NAMES,
    "stale_reads": VIEW_NAMES,
    "rebuilds": LANES,
}
_COUNTER_KEYS = {
    "events": "event type",
    "accepted": "command verb",
    "rejected": "error code",
    "queries": "view",
    "stale_reads": "view",
    "rebuilds": "projection",
}
METRIC_STATS = ("command_cpu_seconds", "query_cpu_seconds", "query_wait_seconds")
STAT_FIELDS = ("count", "mean", "max")
METRIC_NUMBERS = ("concurrency_conflicts", "retries", "bad_lines", "checks_passed", "checks_failed")


def check_metric_path(path: str) -> str:
    """The path if it names a value of Lab.report(); a ValueError saying what is wrong."""
    parts = path.split(".")

    def need(index: int, known: tuple[str, ...] | list[str], what: str) -> None:
        if len(parts) <= index:
            raise ValueError(f"'{path}' stops early: add one of {', '.join(known)}")
        if parts[index] not in known:
            raise ValueError(
                f"unknown {what} '{parts[index]}' in '{path}'{suggest(parts[index], known)}"
            )

    def end(length: int) -> None:
        if len(parts) > length:
            raise ValueError(f"'{path}' goes too deep: '{parts[length - 1]}' is a single value")

    need(0, [*TOP_FIELDS, "lanes", "metrics"], "report section")
    if parts[0] in TOP_FIELDS:
        end(1)
    elif parts[0] == "lanes":
        need(1, LANES, "lane")
        need(2, LANE_FIELDS, "lane field")
        end(3)
    else:
        need(1, [*METRIC_COUNTERS, *METRIC_STATS, *METRIC_NUMBERS], "metric")
        name = parts[1]
        if name in METRIC_COUNTERS:
            need(2, METRIC_COUNTERS[name], _COUNTER_KEYS[name])
            end(3)
        elif name in METRIC_STATS:
            need(2, STAT_FIELDS, "statistic")
            end(3)
        else:
            end(2)
    return path


def read_metric(report: Mapping[str, Any], path: str) -> Any:
    """The value at `path` (checked by check_metric_path); an absent counter is 0."""
    value: Any = report
    for part in path.split("."):
        value = value.get(part, 0) if isinstance(value, Mapping) else 0
    return value


OPERATORS: Mapping[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
MetricPath = Annotated[StrictStr, AfterValidator(check_metric_path)]


def _number_or_word(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be a number (or, for == and !=, a word in quotes)")
    return value


class Metric(Predicate):
    """A value of the lab's report compared with a number (or, with == and !=, a word).

    With `change = true` the value is measured from the step's start (for counters)."""

    key = "metric"
    path: MetricPath
    op: Literal[">=", "<=", "==", "!=", ">", "<"]
    value: Annotated[float | str, BeforeValidator(_number_or_word)]
    change: StrictBool = False

    @model_validator(mode="after")
    def _comparable(self) -> Metric:
        if isinstance(self.value, str) and (self.op not in ("==", "!=") or self.change):
            raise ValueError("a word can only be compared with == or != (and without change)")
        return self

    def explain(self) -> str:
        value = f'"{self.value}"' if isinstance(self.value, str) else f"{self.value:g}"
        if self.change:
            return f"{self.path} changes by {self.op} {value} during this step"
        return f"{self.path} {self.op} {value}"

    def start(self, probe: Probe) -> object:
        return read_metric(probe.report, self.path) if self.change else None

    def holds(self, probe: Probe, start: Any) -> bool:
        current = read_metric(probe.report, self.path)
        if isinstance(self.value, str):
            return OPERATORS[self.op](str(current), self.value)
        if not isinstance(current, int | float):
            return False
        measured = current - start if self.change else current
        return OPERATORS[self.op](measured, self.value)


@dataclass(slots=True)
class Window:
    """What a time-average needs: when watching began, and the deliveries that fell due
    (sent_at, due_at) on the watched lanes, forgotten once they leave the window."""

    since: float
    done: deque[tuple[float, float]] = field(default_factory=deque)
    reading: str | None = None


class Averaged(Predicate):
    """Measured over the last `over_seconds` of lab time, once that much has passed.

    The number in flight is integrated exactly: each delivery counts for the part of the
    window it spent on the bus, whether it fell due already or is still travelling."""

    projection: LaneName
    over_seconds: PositiveFloat = 20.0

    def start(self, probe: Probe) -> object:
        return Window(probe.now)

    def observe(self, start: Any, delivery: Delivery[Any]) -> None:
        if delivery.subscription == self.projection:
            start.done.append((delivery.sent_at, delivery.due_at))

    def reading(self, start: Any) -> str | None:
        return start.reading

    def measure(self, probe: Probe, window: Window) -> tuple[float, float] | None:
        """(mean number in flight, deliveries sent per second) over the last window."""
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
        return area / self.over_seconds, sent / self.over_seconds


class MeanInFlight(Averaged):
    key = "mean_in_flight"
    at_least: NonNegativeFloat | None = None
    at_most: NonNegativeFloat | None = None

    @model_validator(mode="after")
    def _bounded(self) -> MeanInFlight:
        if self.at_least is None and self.at_most is None:
            raise ValueError("give at_least, at_most or both")
        return self

    def explain(self) -> str:
        bounds = [f"at least {self.at_least:g}"] if self.at_least is not None else []
        bounds += [f"at most {self.at_most:g}"] if self.at_most is not None else []
        return (
            f"over {self.over_seconds:g}s, {' and '.join(bounds)} events in flight on the "
            f"{self.projection} lane on average"
        )

    def holds(self, probe: Probe, start: Any) -> bool:
        measured = self.measure(probe, start)
        if measured is None:
            return False
        mean, _ = measured
        start.reading = f"{mean:.1f} in flight on average"
        low = self.at_least if self.at_least is not None else 0.0
        high = self.at_most if self.at_most is not None else math.inf
        return low <= mean <= high


class LittlesLaw(Averaged):
    """The measured mean number in flight L matches λ x W: the measured rate of deliveries
    sent down the lane times the mean of the lane's latency model."""

    key = "littles_law"
    within: Annotated[float, Field(gt=0, lt=1)] = 0.15
    at_least: PositiveFloat = 5.0
    """Only judged while at least this many are in flight on average (an idle lane obeys
    the law trivially: 0 = 0 x W)."""

    def explain(self) -> str:
        return (
            f"over {self.over_seconds:g}s with at least {self.at_least:g} in flight, the "
            f"{self.projection} lane's mean in flight matches rate x mean delay within "
            f"{self.within:.0%}"
        )

    def holds(self, probe: Probe, start: Any) -> bool:
        measured = self.measure(probe, start)
        if measured is None:
            return False
        mean, rate = measured
        delay = probe.lab.latencies[self.projection].mean
        predicted = rate * delay
        start.reading = (
            f"measured L = {mean:.1f} in flight; "
            f"λ x W = {rate:.1f}/s x {delay:g}s = {predicted:.1f}"
        )
        return mean >= self.at_least and abs(mean - predicted) <= self.within * predicted


PREDICATES: Mapping[str, type[Predicate]] = {
    cls.key: cls
    for cls in (
        EventSeen,
        Rejected,
        CommandAccepted,
        ConcurrencyConflict,
        Lag,
        CaughtUp,
        InFlight,
        MeanInFlight,
        LittlesLaw,
        StaleRead,
        DuplicateIgnored,
        GapDetected,
        FilledFromStore,
        RebuildCompleted,
        PredictionCorrect,
        Queried,
        QueryContains,
        Metric,
    )
}


# -- goal trees ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Group:
    """`all`: every item; `any`: one item; `in_order`: every item, each one watched only
    once the items before it are met (so its counts start from there)."""

    kind: Literal["all", "any", "in_order"]
    items: tuple[Goal, ...]

    def describe(self) -> str:
        return {
            "all": "all of these",
            "any": "any one of these",
            "in_order": "these, in this order",
        }[self.kind]


Goal: TypeAlias = Predicate | Group


def leaves(goal: Goal) -> Iterator[Predicate]:
    """Every predicate of a goal, depth first, in the order they are written."""
    if isinstance(goal, Group):
        for item in goal.items:
            yield from leaves(item)
    else:
        yield goal


class GoalError(ValueError):
    """Every problem of one goal: (field path below the goal, message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__(
            "; ".join(f"{path}: {message}" if path else message for path, message in problems)
        )


def parse_goal(raw: object) -> Goal:
    """Build a goal from its TOML table; raise GoalError naming every bad field."""
    problems: list[tuple[str, str]] = []
    goal = _parse_table(raw, "", problems)
    if problems or goal is None:
        raise GoalError(problems or [("", "the goal is empty")])
    return goal


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


def _parse_table(raw: object, path: str, problems: list[tuple[str, str]]) -> Goal | None:
    if isinstance(raw, Predicate | Group):
        return raw
    if not isinstance(raw, dict):
        problems.append((path, "a goal is a table of predicates, like { event = { type = ... } }"))
        return None
    if not raw:
        known = ", ".join((*PREDICATES, *GROUPS))
        problems.append((path, f"the goal table is empty: name a predicate ({known})"))
        return None
    parts = [_parse_entry(key, value, _join(path, key), problems) for key, value in raw.items()]
    found = tuple(part for part in parts if part is not None)
    if len(found) != len(parts):
        return None
    return found[0] if len(found) == 1 else Group("all", found)


def _parse_entry(
    key: str, value: object, path: str, problems: list[tuple[str, str]]
) -> Goal | None:
    if key in GROUPS:
        if not isinstance(value, list) or not value:
            problems.append(
                (path, f"{key} takes a non-empty list of goal tables: {key} = [{{ ... }}]")
            )
            return None
        items = [
            _parse_table(item, f"{path}[{number}]", problems)
            for number, item in enumerate(value, 1)
        ]
        found = tuple(item for item in items if item is not None)
        return Group(key, found) if len(found) == len(items) else None  # type: ignore[arg-type]
    predicate = PREDICATES.get(key)
    if predicate is None:
        problems.append((path, f"unknown predicate '{key}'{suggest(key, [*PREDICATES, *GROUPS])}"))
        return None
    if not isinstance(value, dict):
        problems.append((path, f"{key} takes a table of fields, like {key} = {{ ... }}"))
        return None
    try:
        return predicate.model_validate(value)
    except ValidationError as error:
        problems.extend(field_problems(error, path, predicate))
        return None


def field_problems(
    error: ValidationError, path: str, model: type[BaseModel]
) -> list[tuple[str, str]]:
    """Pydantic's errors as (path, plain message), with suggestions for unknown fields."""
    known = list(model.model_fields)
    found = []
    for item in error.errors(include_url=False):
        where = path
        for part in item["loc"]:
            where = f"{where}[{part + 1}]" if isinstance(part, int) else _join(where, str(part))
        found.append((where, plain_message(item, known)))
    return found


def plain_message(item: Any, known: list[str]) -> str:
    kind = item["type"]
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden":
        name = str(item["loc"][-1])
        return f"unknown field{suggest(name, known)}"
    if kind == "value_error":
        return str(item["ctx"]["error"])
    return str(item["msg"])
