"""What every goal predicate shares: checked choices with clear messages, the `Probe` a
predicate reads the lab through, and the `Predicate` base (`counted` has the `Counted` one)."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StrictStr,
    model_validator,
)

from cqrs_lab.read.view_specs import LANES, VIEW_NAMES
from cqrs_lab.script.actions import LANE_ALL
from cqrs_lab.shop.commands import COMMAND_TYPES
from cqrs_lab.shop.errors import ERROR_CODES
from cqrs_lab.shop.events import EVENT_TYPES

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


def times(count: int) -> str:
    return "" if count == 1 else f" {count} times"


def lane_names(lane: str) -> tuple[str, ...]:
    return LANES if lane == LANE_ALL else (lane,)


def projection_words(lane: str) -> str:
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


class Ranged(Predicate):
    """A predicate on a number that must fall between `at_least` and `at_most`: either may be
    left off, not both. Each subclass declares the two fields, of its own kind (a count of
    events, seconds), so that they come after its other fields where a goal's errors and
    suggestions list them."""

    if TYPE_CHECKING:
        at_least: float | None
        at_most: float | None

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if self.at_least is None and self.at_most is None:
            raise ValueError("give at_least, at_most or both")
        return self

    def within(self, value: float) -> bool:
        low = self.at_least if self.at_least is not None else 0.0
        high = self.at_most if self.at_most is not None else math.inf
        return low <= value <= high
