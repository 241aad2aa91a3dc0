"""Feeding one projection from its bus lane: duplicates ignored, gaps waited for or caught up.

The lab publishes to each lane only the events its projection handles, and tells the
subscriber which positions it sent (`expect`). The bus may deliver an event twice, late, out
of order or not at all; the subscriber keeps the projection applying events strictly in
position order, exactly once each, whatever arrives.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from cqrs_lab.read.poison import FIRST_BACKOFF, ErrorPolicy, LaneGuard, PoisonError, Stall
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
RetryLater = Callable[[RecordedEvent, float], bool]
"""Schedule a retry of an event after a delay in lab seconds; False: no retry can come."""


class Subscriber:
    def __init__(
        self,
        projection: Projection,
        read_range: ReadRange,
        gap_policy: GapPolicy = GapPolicy.WAIT,
        mode: Mode = Mode.ASYNC,
        now: Callable[[], float] = lambda: 0.0,
    ) -> None:
        self.projection = projection
        self.now = now
        self.guard = LaneGuard()
        """Its error policy, poison, the event it is stalled on, its parked events."""
        self.retry_later: RetryLater = lambda event, delay: False
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
        stall = self.guard.stall
        if (
            event.position <= self.checkpoint
            or event.position in self.held
            or (stall is not None and event.position == stall.event.position)
        ):
            self.stats.duplicates += 1
            return
        if stall is not None:  # stalled: it waits behind the stuck event, no gap
            self.held[event.position] = event
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
            if event.position > self.checkpoint and not self._apply(event):
                return

    def catch_up(self, up_to: int) -> int:
        """Apply every stored event after the checkpoint up to `up_to` (inclusive)."""
        count = 0
        for event in self.read_range(self.checkpoint, up_to):
            if event.position > self.checkpoint:
                if not self._apply(event):
                    self.guard.resume_to = max(self.guard.resume_to, up_to)
                    break
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
        """Every event was applied again, the stuck and skipped ones too; the parked ones
        stay parked (`lab/rebuilds.py` leaves them out), for `replay-parked` to apply."""
        self.held.clear()
        self.guard.stall = None
        self.guard.skipped.clear()
        self._prune()

    def reset(self) -> None:
        """Forget everything received (the lab was reset)."""
        self.stats = SubscriberStats()
        self.pending.clear()
        self.held.clear()
        self.at_door.clear()
        self.holding = False
        self.guard = LaneGuard()

    # -- poison events --------------------------------------------------------------

    def retry(self, event: RecordedEvent) -> None:
        """A retry the lane's consumer scheduled fell due (an older one is ignored)."""
        stall = self.guard.stall
        if (
            stall is not None
            and stall.event.position == event.position
            and stall.retry_at is not None
            and self.now() >= stall.retry_at - 1e-9
        ):
            self._attempt_stuck()

    def set_error_policy(self, policy: ErrorPolicy) -> None:
        """A stalled lane tries its stuck event again at once, under the new policy."""
        self.guard.policy = policy
        if self.guard.stall is not None:
            self._attempt_stuck()

    def lift_poison(self) -> None:
        """The bug is fixed: a stalled lane tries its stuck event again at once."""
        self.guard.lift()
        if self.guard.stall is not None:
            self._attempt_stuck()

    def replay_parked(self) -> int:
        """Apply the parked events again, oldest first; the checkpoint stays where it is.
        One that fails again is parked again. Returns how many were applied."""
        checkpoint, applied = self.projection.checkpoint, 0
        for parked in self.guard.take_parked():
            event = parked.event
            if self.guard.blocked(event):
                self.guard.parked.append(parked)  # still behind one that failed again
                continue
            try:
                self.guard.poison.check(event)
                self.projection.apply(event)
            except PoisonError as error:
                self.guard.stats.failures += 1
                again = replace(parked, reason=str(error), attempts=parked.attempts + 1)
                self.guard.parked.append(again)
                continue
            applied += 1
            self.guard.replayed(event, self.now())
        self.projection.checkpoint = checkpoint  # rows changed: the next flush writes them
        return applied

    def _apply(self, event: RecordedEvent) -> bool:
        """Apply one event through the lane's guard; False: the lane is stalled."""
        guard = self.guard
        if guard.stall is not None:  # read from the store while stalled: later, in order
            guard.resume_to = max(guard.resume_to, event.position)
            return False
        if guard.parked and guard.blocked(event):
            first = next(p for p in guard.parked if p.event.stream_id == event.stream_id)
            reason = f"behind parked #{first.event.position} of {event.stream_id}"
            guard.park(event, reason, self.now(), 0)
            self.projection.checkpoint = event.position
            return True
        try:
            guard.poison.check(event)
            self.projection.apply(event)
        except PoisonError as error:
            return self._failed(event, str(error), 1, self.now())
        self.stats.applied += 1
        return True

    def _failed(self, event: RecordedEvent, reason: str, attempts: int, since: float) -> bool:
        """The lane's policy decides; False: the lane is stalled on `event`."""
        guard, now = self.guard, self.now()
        guard.stats.failures += 1
        guard.stall = None
        policy = guard.policy
        if policy is ErrorPolicy.RETRY and attempts > guard.max_retries:
            policy = ErrorPolicy.PARK  # retried enough: to the dead-letter queue
        if policy in (ErrorPolicy.PARK, ErrorPolicy.SKIP):
            if policy is ErrorPolicy.PARK:
                guard.park(event, reason, now, attempts)
            else:
                guard.skip(event)
            self.projection.checkpoint = event.position
            return True
        retry_at = None
        if policy is ErrorPolicy.RETRY:
            delay = FIRST_BACKOFF * 2 ** (attempts - 1)
            if self.retry_later(event, delay):
                guard.stats.retries += 1
                retry_at = now + delay
        guard.stall = Stall(event, reason, since, attempts, retry_at)
        return False

    def _attempt_stuck(self) -> None:
        stall = self.guard.stall
        assert stall is not None
        self.guard.stall = None
        event = stall.event
        try:
            self.guard.poison.check(event)
            self.projection.apply(event)
        except PoisonError as error:
            if not self._failed(event, str(error), stall.attempts + 1, stall.since):
                return
        else:
            self.stats.applied += 1
        self._resume()

    def _resume(self) -> None:
        """The stuck event is behind the lane: what waited goes on, in order."""
        self._prune()
        self._drain_held()
        guard = self.guard
        if guard.stall is None and guard.resume_to > self.checkpoint:
            target, guard.resume_to = guard.resume_to, 0
            self.catch_up(target)

    def _prune(self) -> None:
        pending, checkpoint = self.pending, self.checkpoint
        while pending and pending[0] <= checkpoint:
            pending.popleft()

    def _drain_held(self) -> None:
        for position in [p for p in self.held if p <= self.checkpoint]:
            del self.held[position]
        while (missing := self.oldest_pending()) is not None and missing in self.held:
            self._apply(self.held.pop(missing))
