"""Predicates met once a count has grown during the step: events, refusals, stale reads,
rebuilds, duplicates, gaps, reads from the store, right predictions."""

from __future__ import annotations

from typing import ClassVar

from cqrs_lab.lessons.goals.base import (
    ErrorCode,
    EventType,
    LaneName,
    Probe,
    Verb,
    ViewName,
    times,
)
from cqrs_lab.lessons.goals.counted import Counted


def _some(count: int, one: str, many: str) -> str:
    """'a gap' or '3 gaps': how a goal says the count it wants."""
    return one if count == 1 else f"{count} {many}"


class EventSeen(Counted):
    key = "event"
    type: EventType

    def explain(self) -> str:
        return f"see {self.type} recorded{times(self.at_least)}"

    def count(self, probe: Probe) -> float:
        return probe.metrics.events[self.type]


class Rejected(Counted):
    key = "rejected"
    code: ErrorCode | None = None

    def explain(self) -> str:
        refused = f"have the shop refuse {_some(self.at_least, 'a command', 'commands')}"
        return f"{refused} with {self.code}" if self.code else refused

    def count(self, probe: Probe) -> float:
        rejected = probe.metrics.rejected
        return rejected[self.code] if self.code else sum(rejected.values())


class CommandAccepted(Counted):
    key = "command_accepted"
    verb: Verb

    def explain(self) -> str:
        return f"have {self.verb} accepted{times(self.at_least)}"

    def count(self, probe: Probe) -> float:
        return probe.metrics.accepted[self.verb]


class ConcurrencyConflict(Counted):
    key = "concurrency_conflict"

    def explain(self) -> str:
        return f"run into a concurrency conflict{times(self.at_least)}"

    def count(self, probe: Probe) -> float:
        return probe.metrics.concurrency_conflicts


class StaleRead(Counted):
    key = "stale_read"
    view: ViewName

    def explain(self) -> str:
        return f"get a stale read from {self.view}{times(self.at_least)}"

    def count(self, probe: Probe) -> float:
        return probe.metrics.stale_reads[self.view]


class RebuildCompleted(Counted):
    key = "rebuild_completed"
    projection: LaneName

    def explain(self) -> str:
        return f"rebuild the {self.projection} projection{times(self.at_least)}"

    def count(self, probe: Probe) -> float:
        return probe.metrics.rebuilds[self.projection]


class _SubscriberCounted(Counted):
    """A count the projection's subscriber keeps; `explain` puts `one` (a single one) or the
    number and `many` into `does`."""

    projection: LaneName
    counter: ClassVar[str]
    """The subscriber's attribute holding the count."""
    does: ClassVar[str]
    one: ClassVar[str]
    many: ClassVar[str]

    def explain(self) -> str:
        what = _some(self.at_least, self.one, self.many)
        return f"the {self.projection} projection {self.does.format(what=what)}"

    def count(self, probe: Probe) -> float:
        return getattr(probe.lane(self.projection).subscriber, self.counter)


class DuplicateIgnored(_SubscriberCounted):
    key = "duplicate_ignored"
    counter = "duplicates"
    does = "ignores {what}"
    one = "a duplicate"
    many = "duplicates"


class GapDetected(_SubscriberCounted):
    key = "gap_detected"
    counter = "gaps"
    does = "notices {what} in the positions"
    one = "a gap"
    many = "gaps"


class FilledFromStore(_SubscriberCounted):
    key = "filled_from_store"
    counter = "caught_up"
    does = "reads {what} from the store"
    one = "a missing event"
    many = "missing events"


class PredictionCorrect(Counted):
    """Predictions (`predict VIEW ...`) right on both sides, read model and CRUD twin, when
    the held lane was released; with `view`, predictions of that view only."""

    key = "prediction_correct"
    view: ViewName | None = None

    def explain(self) -> str:
        what = _some(self.at_least, "a prediction", "predictions")
        of = f" of {self.view}" if self.view else ""
        return f"get {what}{of} right in the read model and in CRUD when a held lane is released"

    def count(self, probe: Probe) -> float:
        predictions = probe.lab.predictions
        return predictions.correct_by_view[self.view] if self.view else predictions.correct
