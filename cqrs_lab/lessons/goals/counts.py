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


class _Tallied(Counted):
    """A count the lab's metrics keep by name: `tally` is the metrics' mapping, `by` the
    goal's field naming the entry, and `says` how `explain` puts it ({} is that name)."""

    tally: ClassVar[str]
    by: ClassVar[str]
    says: ClassVar[str]

    def explain(self) -> str:
        return self.says.format(getattr(self, self.by)) + times(self.at_least)

    def count(self, probe: Probe) -> float:
        return getattr(probe.metrics, self.tally)[getattr(self, self.by)]


class EventSeen(_Tallied):
    key = "event"
    type: EventType
    tally = "events"
    by = "type"
    says = "see {} recorded"


class Rejected(Counted):
    key = "rejected"
    code: ErrorCode | None = None

    def explain(self) -> str:
        refused = f"have the shop refuse {_some(self.at_least, 'a command', 'commands')}"
        return f"{refused} with {self.code}" if self.code else refused

    def count(self, probe: Probe) -> float:
        rejected = probe.metrics.rejected
        return rejected[self.code] if self.code else sum(rejected.values())


class CommandAccepted(_Tallied):
    key = "command_accepted"
    verb: Verb
    tally = "accepted"
    by = "verb"
    says = "have {} accepted"


class ConcurrencyConflict(Counted):
    key = "concurrency_conflict"

    def explain(self) -> str:
        return f"run into a concurrency conflict{times(self.at_least)}"

    def count(self, probe: Probe) -> float:
        return probe.metrics.concurrency_conflicts


class StaleRead(_Tallied):
    key = "stale_read"
    view: ViewName
    tally = "stale_reads"
    by = "view"
    says = "get a stale read from {}"


class RebuildCompleted(_Tallied):
    key = "rebuild_completed"
    projection: LaneName
    tally = "rebuilds"
    by = "projection"
    says = "rebuild the {} projection"


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
