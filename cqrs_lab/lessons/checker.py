"""Tracking one step's goal against a live lab.

Call `check()` after every action and every delivery. A predicate, once met within the
step, stays met (it latches), so a goal like "the projection lags, then catches up" can be
met one part at a time. Counts are measured from when the checker starts watching a
predicate: the step's start, or for an `in_order` item the moment the items before it are
met. A lab `reset` restarts every count that is not met yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cqrs_lab.lessons.goals import Goal, Predicate, Probe, leaves

if TYPE_CHECKING:
    from cqrs_lab.lab import Lab
    from cqrs_lab.sim.bus import Delivery


@dataclass(frozen=True, slots=True)
class GoalStatus:
    """One line of the checklist, and the lines below it for a group."""

    description: str
    kind: str
    """A predicate's key, or the group: all, any, in_order."""
    met: bool
    watching: bool
    """False for an `in_order` item whose turn has not come."""
    children: tuple[GoalStatus, ...] = ()
    reading: str | None = None
    """What the predicate measured last (time averages show their numbers)."""
    labelled: bool = False
    """A group with its own checklist text (a `label`): shown as a line of its own."""

    def checklist(self) -> list[tuple[int, GoalStatus]]:
        """(depth, line) in reading order. The parts of a goal that is an `all` without a
        label come at depth 0; the items of any other group are indented under it."""
        lines: list[tuple[int, GoalStatus]] = []

        def walk(status: GoalStatus, depth: int) -> None:
            lines.append((depth, status))
            for child in status.children:
                walk(child, depth + 1)

        for top in self.children if self.kind == "all" and not self.labelled else (self,):
            walk(top, 0)
        return lines


class StepChecker:
    def __init__(self, lab: Lab, goal: Goal) -> None:
        self.lab = lab
        self.goal = goal
        self._predicates = list(leaves(goal))
        count = len(self._predicates)
        self._met = [False] * count
        self._watching = [False] * count
        self._start: list[object] = [None] * count
        self._metrics = lab.metrics
        self._visit(goal, Probe(lab), 0, eligible=True, evaluate=False)

    @property
    def met(self) -> bool:
        return self._status(self.goal, 0)[0].met

    def check(self) -> bool:
        """Look at the lab now; latch what holds; say whether the whole goal is met."""
        probe = Probe(self.lab)
        if self.lab.metrics is not self._metrics:  # the lab was reset: counts start again
            self._metrics = self.lab.metrics
            for index, predicate in enumerate(self._predicates):
                if self._watching[index] and not self._met[index]:
                    self._start[index] = predicate.start(probe)
        return self._visit(self.goal, probe, 0, eligible=True, evaluate=True)[0]

    def observe(self, delivery: Delivery[Any]) -> None:
        """Tell the predicates that measure over time about a delivery that fell due; call
        it before `check()` for that delivery."""
        for index, predicate in enumerate(self._predicates):
            if self._watching[index] and not self._met[index]:
                predicate.observe(self._start[index], delivery)

    def status(self) -> GoalStatus:
        return self._status(self.goal, 0)[0]

    def unmet(self) -> list[str]:
        """Descriptions of the predicates not met yet."""
        return [p.describe() for p, met in zip(self._predicates, self._met, strict=True) if not met]

    def met_predicates(self) -> list[str]:
        return [p.describe() for p, met in zip(self._predicates, self._met, strict=True) if met]

    def _visit(
        self, goal: Goal, probe: Probe, index: int, *, eligible: bool, evaluate: bool
    ) -> tuple[bool, int]:
        """(met, index of the next predicate), watching and evaluating on the way."""
        if isinstance(goal, Predicate):
            if eligible and not self._watching[index]:
                self._watching[index] = True
                self._start[index] = goal.start(probe)
            if evaluate and self._watching[index] and not self._met[index]:
                self._met[index] = goal.holds(probe, self._start[index])
            return self._met[index], index + 1
        results = []
        open_ = eligible
        for item in goal.items:
            met, index = self._visit(item, probe, index, eligible=open_, evaluate=evaluate)
            results.append(met)
            if goal.kind == "in_order":
                open_ = open_ and met
        return (any(results) if goal.kind == "any" else all(results)), index

    def _status(self, goal: Goal, index: int) -> tuple[GoalStatus, int]:
        if isinstance(goal, Predicate):
            met, watching = self._met[index], self._watching[index]
            reading = goal.reading(self._start[index]) if watching else None
            status = GoalStatus(goal.describe(), goal.key, met, watching, reading=reading)
            return status, index + 1
        children = []
        for item in goal.items:
            child, index = self._status(item, index)
            children.append(child)
        met = any(c.met for c in children) if goal.kind == "any" else all(c.met for c in children)
        watching = any(c.watching for c in children)
        status = GoalStatus(
            goal.describe(),
            goal.kind,
            met,
            watching,
            tuple(children),
            labelled=goal.label is not None,
        )
        return status, index
