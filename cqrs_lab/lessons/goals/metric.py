"""The `metric` predicate: a value of `Lab.report()` named by a checked path."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictBool,
    StrictStr,
    model_validator,
)

from cqrs_lab.lab.sessions import GUARANTEES
from cqrs_lab.lessons.goals.base import (
    REJECTION_CODES,
    VERBS,
    Predicate,
    Probe,
    suggest,
)
from cqrs_lab.lessons.goals.services_paths import check_services_path
from cqrs_lab.read.replicas import MAX_REPLICAS
from cqrs_lab.read.view_specs import LANES, VIEW_NAMES
from cqrs_lab.shop.events import EVENT_TYPES
from cqrs_lab.write.snapshots import How

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
    "capacity",
    "queued",
    "error_policy",
    "stalled",
    "parked",
    "parked_total",
    "apply_failures",
    "retries",
    "skipped",
    "replayed",
    "discarded",
)
TOP_FIELDS = ("now", "head", "seed")
METRIC_COUNTERS: Mapping[str, tuple[str, ...]] = {
    "events": tuple(EVENT_TYPES),
    "accepted": VERBS,
    "rejected": REJECTION_CODES,
    "queries": VIEW_NAMES,
    "stale_reads": VIEW_NAMES,
    "rebuilds": LANES,
    "cache_hits": VIEW_NAMES,
    "stale_cache_hits": VIEW_NAMES,
    "replica_reads": tuple(
        f"{lane}-r{number}" for lane in LANES for number in range(1, MAX_REPLICAS + 1)
    ),
    "session_violations": GUARANTEES,
    "aggregate_loads": get_args(How),
}
_COUNTER_KEYS = {
    "events": "event type",
    "accepted": "command verb",
    "rejected": "error code",
    "queries": "view",
    "stale_reads": "view",
    "rebuilds": "projection",
    "cache_hits": "view",
    "stale_cache_hits": "view",
    "replica_reads": "replica",
    "session_violations": "session guarantee",
    "aggregate_loads": "way of loading",
}
METRIC_STATS = (
    "command_seconds",
    "command_cpu_seconds",
    "query_cpu_seconds",
    "query_wait_seconds",
)
STAT_FIELDS = ("count", "mean", "max")
METRIC_NUMBERS = (
    "concurrency_conflicts",
    "retries",
    "bad_lines",
    "checks_passed",
    "checks_failed",
    "aggregate_events_read",
    "unreadable_events",
)


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

    need(0, [*TOP_FIELDS, "lanes", "metrics", "services"], "report section")
    if parts[0] in TOP_FIELDS:
        end(1)
    elif parts[0] == "services":
        check_services_path(path, need, end)
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
Operator = Literal[">=", "<=", "==", "!=", ">", "<"]


def _number_or_word(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be a number (or, for == and !=, a word in quotes)")
    return value


def compare(current: Any, op: str, value: float | str) -> bool:
    """`current op value`: a word compares as text, a number only with a number."""
    if isinstance(value, str):
        return OPERATORS[op](str(current), value)
    if not isinstance(current, int | float):
        return False
    return OPERATORS[op](current, value)


def _shown(value: float | str) -> str:
    return f'"{value}"' if isinstance(value, str) else f"{value:g}"


class State(BaseModel):
    """A value of the lab's report as it is now (no `change`): the `while` of a count."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    path: MetricPath
    op: Operator
    value: Annotated[float | str, BeforeValidator(_number_or_word)]

    @model_validator(mode="after")
    def _comparable(self) -> State:
        if isinstance(self.value, str) and self.op not in ("==", "!="):
            raise ValueError("a word can only be compared with == or !=")
        return self

    def explain(self) -> str:
        return f"{self.path} {self.op} {_shown(self.value)}"

    def holds(self, probe: Probe) -> bool:
        return compare(read_metric(probe.report, self.path), self.op, self.value)


class Metric(Predicate):
    """A value of the lab's report compared with a number (or, with == and !=, a word).

    With `change = true` the value is measured from the step's start (for counters)."""

    key = "metric"
    path: MetricPath
    op: Operator
    value: Annotated[float | str, BeforeValidator(_number_or_word)]
    change: StrictBool = False

    @model_validator(mode="after")
    def _comparable(self) -> Metric:
        if isinstance(self.value, str) and (self.op not in ("==", "!=") or self.change):
            raise ValueError("a word can only be compared with == or != (and without change)")
        return self

    def explain(self) -> str:
        if self.change:
            return f"{self.path} changes by {self.op} {_shown(self.value)} during this step"
        return f"{self.path} {self.op} {_shown(self.value)}"

    def start(self, probe: Probe) -> object:
        return read_metric(probe.report, self.path) if self.change else None

    def holds(self, probe: Probe, start: Any) -> bool:
        current = read_metric(probe.report, self.path)
        if self.change and isinstance(current, int | float):
            current -= start
        return compare(current, self.op, self.value)
