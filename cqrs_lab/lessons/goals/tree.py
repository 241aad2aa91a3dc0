"""Goal trees: the registry of predicates, the groups `all`, `any` and `in_order`, and
parsing a goal table with every bad field named."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from pydantic import BaseModel, ValidationError

from cqrs_lab.lessons.goals.averages import LittlesLaw, MeanInFlight, TimeOnLane
from cqrs_lab.lessons.goals.base import GROUPS, Predicate, suggest
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
from cqrs_lab.lessons.goals.metric import Metric
from cqrs_lab.lessons.goals.states import CaughtUp, InFlight, Lag, Queried, QueryContains

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
        TimeOnLane,
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

LABEL = "label"
"""A key beside a group (or the predicates of a table) that names it in the checklist."""


@dataclass(frozen=True, slots=True)
class Group:
    """`all`: every item; `any`: one item; `in_order`: every item, each one watched only
    once the items before it are met (so its counts start from there)."""

    kind: Literal["all", "any", "in_order"]
    items: tuple[Goal, ...]
    label: str | None = None
    """Replaces the generated checklist text (a `label` key beside the group's)."""

    def describe(self) -> str:
        if self.label:
            return self.label
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
    label = raw.get(LABEL)
    entries = {key: value for key, value in raw.items() if key != LABEL}
    if LABEL in raw and (not isinstance(label, str) or not label.strip()):
        problems.append((_join(path, LABEL), "a label is the checklist text, in quotes"))
        return None
    if not entries:
        problems.append((path, "a label labels a group or predicate beside it: add one"))
        return None
    parts = [_parse_entry(key, value, _join(path, key), problems) for key, value in entries.items()]
    found = tuple(part for part in parts if part is not None)
    if len(found) != len(parts):
        return None
    goal = found[0] if len(found) == 1 else Group("all", found)
    return goal if label is None else _labelled(goal, label)


def _labelled(goal: Goal, label: str) -> Goal:
    """`goal` with the checklist text `label` (a table's `label` key)."""
    if isinstance(goal, Group):
        return Group(goal.kind, goal.items, label)
    return goal.model_copy(update={"label": label})


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
    known = [field.alias or name for name, field in model.model_fields.items()]
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
