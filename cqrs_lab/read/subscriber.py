"""Feeding one projection from its bus lane: duplicates ignored, gaps waited for or caught up.

The lab publishes to each lane only the events its projection handles, and tells the
subscriber which positions it sent (`expect`). The bus may deliver an event twice, late, out
of order or not at all; the subscriber keeps the projection applying events strictly in
position order, exactly once each, whatever arrives.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from cqrs_lab.read.projection import Projection
from cqrs_lab.store.event_store import RecordedEvent


class GapPolicy(StrEnum):
    WAIT = "wait"  # hold later events until the missing one arrives
    CATCH_UP = "catch-up"  # read the missing range from the store at once


class Mode(StrEnum):
    ASYNC = "async"  # fed by the bus: lags
    INLINE = "inline"  # updated in the command's transaction: never lags


@dataclass(slots=True)
class SubscriberStats:
    deliveries: int = 0
    applied: int = 0
    duplicates: int = 0
    gaps: int = 0
    caught_up: int = 0  # events read from the store to fill gaps


ReadRange = Callable[[int, int], Iterable[RecordedEvent]]  # (after, up_to) -> events


class Subscriber:
    def __init__(
        self,
        projection: Projection,
        read_range: ReadRange,
        gap_policy: GapPolicy = GapPolicy.WAIT,
        mode: Mode = Mode.ASYNC,
    ) -> None:
        self.projection = projection
        self.read_range = read_range
        self.gap_policy = gap_policy
        self.mode = mode
        self.stats = SubscriberStats()
        self.pending: deque[int] = deque()  # positions sent on the lane, not yet applied
        self.held: dict[int, RecordedEvent] = {}  # arrived early, waiting for a gap to fill
        self.holding = False  # the presenter holds deliveries at the projection's door
        self.at_door: list[RecordedEvent] = []
        self.rebuilding = False

    @property
    def name(self) -> str:
        return self.projection.name

    @property
    def checkpoint(self) -> int:
        return self.projection.checkpoint

    def handles(self, event: RecordedEvent) -> bool:
        return event.type in self.projection.handles

    def expect(self, positions: Iterable[int]) -> None:
        """The lab sent these positions down the lane."""
        self.pending.extend(positions)

    def position(self, head: int) -> int:
        """The log position the projection reflects: everything up to it is applied."""
        self._prune()
        return self.pending[0] - 1 if self.pending else max(head, self.checkpoint)

    def behind(self) -> int:
        """Events sent to the projection and not yet applied."""
        self._prune()
        return len(self.pending)

    def oldest_pending(self) -> int | None:
        self._prune()
        return self.pending[0] if self.pending else None

    def receive(self, event: RecordedEvent) -> None:
        """One delivery from the bus."""
        if self.holding:
            self.at_door.append(event)
            return
        self.stats.deliveries += 1
        if self.rebuilding:  # the rebuild reads every event from the store anyway
            return
        if event.position <= self.checkpoint or event.position in self.held:
            self.stats.duplicates += 1
            return
        missing = self.oldest_pending()
        if missing is not None and missing < event.position:
            self.stats.gaps += 1
            if self.gap_policy is GapPolicy.WAIT:
                self.held[event.position] = event
                return
            self.catch_up(event.position - 1)
        self._apply(event)
        self._drain_held()

    def apply_inline(self, events: Iterable[RecordedEvent]) -> None:
        """Events recorded in this process's command transaction (inline mode)."""
        for event in events:
            if event.position > self.checkpoint:
                self._apply(event)

    def catch_up(self, up_to: int) -> int:
        """Apply every stored event after the checkpoint up to `up_to` (inclusive)."""
        count = 0
        for event in self.read_range(self.checkpoint, up_to):
            if event.position > self.checkpoint:
                self._apply(event)
                self.stats.caught_up += 1
                count += 1
        self._drain_held()
        return count

    def release(self) -> int:
        """Stop holding and hand over every delivery that waited at the door."""
        self.holding = False
        waiting, self.at_door = self.at_door, []
        for event in waiting:
            self.receive(event)
        return len(waiting)

    def set_gap_policy(self, policy: GapPolicy) -> None:
        self.gap_policy = policy
        if policy is GapPolicy.CATCH_UP and self.held:
            self.catch_up(max(self.held))

    def after_rebuild(self) -> None:
        self.held.clear()
        self._prune()

    def reset(self) -> None:
        """Forget everything received (the lab was reset)."""
        self.stats = SubscriberStats()
        self.pending.clear()
        self.held.clear()
        self.at_door.clear()
        self.holding = False

    def _apply(self, event: RecordedEvent) -> None:
        self.projection.apply(event)
        self.stats.applied += 1

    def _prune(self) -> None:
        pending, checkpoint = self.pending, self.checkpoint
        while pending and pending[0] <= checkpoint:
            pending.popleft()

    def _drain_held(self) -> None:
        for position in [p for p in self.held if p <= self.checkpoint]:
            del self.held[position]
        while (missing := self.oldest_pending()) is not None and missing in self.held:
            self._apply(self.held.pop(missing))
