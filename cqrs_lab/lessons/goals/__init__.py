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

`base` holds what predicates share, `counted` the base of those that count (and their
`while`, for causal order), `counts`, `states`, `metric` and `averages` the predicates, and
`tree` the registry, the groups and the parser. The package exports what the rest of the lab
and its tests read; everything else is imported from its module.
"""

from __future__ import annotations

from cqrs_lab.lessons.goals.base import Predicate, Probe
from cqrs_lab.lessons.goals.counts import EventSeen, PredictionCorrect
from cqrs_lab.lessons.goals.metric import (
    LANE_FIELDS,
    METRIC_COUNTERS,
    METRIC_NUMBERS,
    METRIC_STATS,
    STAT_FIELDS,
    TOP_FIELDS,
    check_metric_path,
    read_metric,
)
from cqrs_lab.lessons.goals.states import Lag
from cqrs_lab.lessons.goals.tree import (
    PREDICATES,
    Goal,
    GoalError,
    Group,
    leaves,
    parse_goal,
    plain_message,
)

__all__ = [
    "LANE_FIELDS",
    "METRIC_COUNTERS",
    "METRIC_NUMBERS",
    "METRIC_STATS",
    "PREDICATES",
    "STAT_FIELDS",
    "TOP_FIELDS",
    "EventSeen",
    "Goal",
    "GoalError",
    "Group",
    "Lag",
    "Predicate",
    "PredictionCorrect",
    "Probe",
    "check_metric_path",
    "leaves",
    "parse_goal",
    "plain_message",
    "read_metric",
]
