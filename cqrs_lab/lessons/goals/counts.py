"""Predicates met once a count has grown during the step: events, refusals, stale reads,
rebuilds, duplicates, gaps, reads from the store, right predictions."""

from __future__ import annotations

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
