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
`tree` the registry, the groups and the parser.
"""

from __future__ import annotations

from cqrs_lab.lessons.goals.averages import (
    Averaged,
    Bounded,
    LittlesLaw,
    MeanInFlight,
    Measured,
    TimeOnLane,
    Window,
)
from cqrs_lab.lessons.goals.base import (
    CONCURRENCY_CONFLICT,
    GROUPS,
    REJECTION_CODES,
    VERBS,
    Predicate,
    Probe,
    suggest,
)
from cqrs_lab.lessons.goals.counted import Counted
from cqrs_lab.lessons.goals.counts import (
    CommandAccepted,
    ConcurrencyConflict,
    DuplicateIgnored,
    EventSeen,
    FilledFromStore,
    GapDetected,
    PredictionCorrect,
    RebuildCompleted,
    Rejected,
    StaleRead,
)
from cqrs_lab.lessons.goals.metric import (
    LANE_FIELDS,
    METRIC_COUNTERS,
    METRIC_NUMBERS,
    METRIC_STATS,
    OPERATORS,
    STAT_FIELDS,
    TOP_FIELDS,
    Metric,
    check_metric_path,
    read_metric,
)
from cqrs_lab.lessons.goals.states import (
    CaughtUp,
    InFlight,
    Lag,
    Queried,
    QueryContains,
    answer_cells,
)
from cqrs_lab.lessons.goals.tree import (
    PREDICATES,
    Goal,
    GoalError,
    Group,
    field_problems,
    leaves,
    parse_goal,
    plain_message,
)

__all__ = [
    "CONCURRENCY_CONFLICT",
    "GROUPS",
    "LANE_FIELDS",
    "METRIC_COUNTERS",
    "METRIC_NUMBERS",
    "METRIC_STATS",
    "OPERATORS",
    "PREDICATES",
    "REJECTION_CODES",
    "STAT_FIELDS",
    "TOP_FIELDS",
    "VERBS",
    "Averaged",
    "Bounded",
    "CaughtUp",
    "CommandAccepted",
    "ConcurrencyConflict",
    "Counted",
    "DuplicateIgnored",
    "EventSeen",
    "FilledFromStore",
    "GapDetected",
    "Goal",
    "GoalError",
    "Group",
    "InFlight",
    "Lag",
    "LittlesLaw",
    "MeanInFlight",
    "Measured",
    "Metric",
    "Predicate",
    "PredictionCorrect",
    "Probe",
    "Queried",
    "QueryContains",
    "RebuildCompleted",
    "Rejected",
    "StaleRead",
    "TimeOnLane",
    "Window",
    "answer_cells",
    "check_metric_path",
    "field_problems",
    "leaves",
    "parse_goal",
    "plain_message",
    "read_metric",
    "suggest",
]
