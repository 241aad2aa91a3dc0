"""The base of the predicates that count: met once a count has grown by `at_least` since
the checker started watching it, and with `while`, only by what it grew while a state held.

`while` checks causal order: `command_accepted = { verb = "place-order", while = { path =
"lanes.orders.mode", op = "==", value = "inline" } }` is met by an order placed while the
orders projection was inline, not by one placed before switching it. The checker looks
after every line and every delivery, and no lab line both changes a setting and sends a
command, so a count that grew in a line grew under the state that line left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import Field, PositiveInt

from cqrs_lab.lessons.goals.base import Predicate, Probe
from cqrs_lab.lessons.goals.metric import State


@dataclass(slots=True)
class _Tally:
    """What a count with `while` has seen: its last value, and what it grew while the
    state held."""

    last: float
    counted: float = 0.0


class Counted(Predicate):
    at_least: PositiveInt = 1
    while_: State | None = Field(default=None, alias="while")
    """Count only what grows while this holds."""

    def count(self, probe: Probe) -> float:
        raise NotImplementedError

    def describe(self) -> str:
        if self.label or self.while_ is None:
            return super().describe()
        return f"{self.explain()} while {self.while_.explain()}"

    def start(self, probe: Probe) -> object:
        count = self.count(probe)
        return count if self.while_ is None else _Tally(count)

    def holds(self, probe: Probe, start: Any) -> bool:
        if self.while_ is None:
            return self.count(probe) - start >= self.at_least
        now = self.count(probe)
        if now > start.last and self.while_.holds(probe):
            start.counted += now - start.last
        start.last = now
        return start.counted >= self.at_least
