"""Poison events: an event a projection cannot apply, and what its lane does about it.

A lane's consumer that meets an event it cannot apply follows the lane's error policy
(`on-error LANE ...`), in the words event processors use:

- `retry`: the lane stalls on the event and tries again with backoff in lab time (1s, 2s,
  4s, ...); after `max_retries` failed retries the event is parked (retry, then
  dead-letter, as a KurrentDB persistent subscription does).
- `park`: the event goes to the lane's parked messages (its dead-letter queue) and the lane
  goes on. Later events of the same stream are parked behind it, so they are never applied
  before it (Axon's sequenced dead letters). `replay-parked` applies them again in order.
- `skip`: the event is skipped and the lane goes on: that projection never has it.
- `stop`: the lane stalls on the event until its policy changes or the poison is lifted.

A stalled lane never stops silently: `LaneGuard.stall` says why, the lane is red on the
bus, its lag keeps growing and queries of its view say "stalled".

The poison itself is switched on by a lab line: `poison LANE next [N]` makes the next event
the lane meets fail (N times, or until `poison LANE off`), `poison LANE TYPE` is a
projection bug that fails every event of that type until it is fixed (`poison LANE off`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from cqrs_lab.store.event_store import RecordedEvent
from cqrs_lab.wording import counted

MAX_RETRIES = 3
"""Retries of the `retry` policy before the event is parked."""
FIRST_BACKOFF = 1.0
"""Lab seconds before the first retry; each later retry waits twice as long."""


class ErrorPolicy(StrEnum):
    RETRY = "retry"
    PARK = "park"
    SKIP = "skip"
    STOP = "stop"


ERROR_POLICIES = tuple(policy.value for policy in ErrorPolicy)


class PoisonError(Exception):
    """A projection could not apply an event (the lab's switched-on poison)."""


@dataclass(frozen=True, slots=True)
class ParkedEvent:
    """One parked message: the event, why it failed, and when it was parked."""

    event: RecordedEvent
    reason: str
    parked_at: float
    attempts: int

    def describe(self) -> str:
        tries = counted(self.attempts, "attempt")
        return f"#{self.event.position} {self.event.type} ({self.reason}; {tries})"


@dataclass(slots=True)
class ParkHistory:
    """When an event was first parked on a lane, and when `replay-parked` applied it (for
    `trace`, which would otherwise see only the checkpoint that passed it at the park)."""

    parked_at: float
    reason: str
    replayed_at: float | None = None
    discarded: bool = False


@dataclass(frozen=True, slots=True)
class Stall:
    """The event a lane is stuck on."""

    event: RecordedEvent
    reason: str
    since: float
    attempts: int
    retry_at: float | None
    """When the next retry falls due (None: none is coming: the lane waits for a change)."""

    def describe(self, now: float) -> str:
        what = f"stalled on #{self.event.position} {self.event.type}: {self.reason}"
        if self.retry_at is None:
            return f"{what} (on-error stop: change the policy or lift the poison)"
        wait = max(0.0, self.retry_at - now)
        return f"{what} (attempt {self.attempts}, next retry in {wait:.1f}s)"


@dataclass(slots=True)
class GuardStats:
    """What a lane's guard has done about poison events so far."""

    failures: int = 0
    """Attempts to apply an event that failed."""
    retries: int = 0
    """Retries scheduled (`retry` policy)."""
    parked: int = 0
    """Events parked (each once, even if parked again after a failed replay)."""
    skipped: int = 0
    replayed: int = 0
    """Parked events applied by `replay-parked`."""
    discarded: int = 0


@dataclass(slots=True)
class Poison:
    """What fails on a lane: the next event met (`fails` times; None: until lifted), or
    every event of some types (a projection bug)."""

    next_armed: bool = False
    next_fails: int | None = None
    types: frozenset[str] = frozenset()
    victims: dict[int, int | None] = field(default_factory=dict)
    """Position -> failures left (None: until lifted) of events the `next` poison took."""

    def check(self, event: RecordedEvent) -> None:
        """Raise PoisonError if `event` is poisoned (and count one failure of it)."""
        if event.type in self.types:
            raise PoisonError(f"projection bug: {event.type} cannot be applied")
        if self.next_armed and event.position not in self.victims:
            self.next_armed = False
            self.victims[event.position] = self.next_fails
        if event.position not in self.victims:
            return
        left = self.victims[event.position]
        if left is not None:
            if left <= 0:
                del self.victims[event.position]
                return
            self.victims[event.position] = left - 1
        raise PoisonError("poison event: it cannot be applied")

    def lift(self) -> None:
        self.next_armed = False
        self.types = frozenset()
        self.victims.clear()

    def describe(self) -> str:
        parts = [f"{name} fails" for name in sorted(self.types)]
        if self.next_armed:
            times = "until lifted" if self.next_fails is None else f"{self.next_fails} times"
            parts.append(f"the next event fails {times}")
        if self.victims:
            parts.append("poisoned: " + ", ".join(f"#{p}" for p in sorted(self.victims)))
        return "; ".join(parts) or "none"


class LaneGuard:
    """One lane's error policy, its poison, the event it is stuck on and its parked events."""

    def __init__(self) -> None:
        self.policy = ErrorPolicy.RETRY
        self.max_retries = MAX_RETRIES
        self.poison = Poison()
        self.stall: Stall | None = None
        self.parked: list[ParkedEvent] = []
        self.skipped: list[int] = []
        """Positions skipped (that projection never applied them)."""
        self.stats = GuardStats()
        self.resume_to = 0
        """The furthest position a catch-up meant to read when the lane stalled."""
        self.history: dict[int, ParkHistory] = {}
        """Position -> its park and replay, for every event this lane ever parked."""

    @property
    def parked_streams(self) -> frozenset[str]:
        return frozenset(parked.event.stream_id for parked in self.parked)

    def blocked(self, event: RecordedEvent) -> bool:
        """An earlier event of the same stream is parked: this one must wait behind it."""
        return any(parked.event.stream_id == event.stream_id for parked in self.parked)

    def park(self, event: RecordedEvent, reason: str, now: float, attempts: int) -> None:
        self.parked.append(ParkedEvent(event, reason, now, attempts))
        self.parked.sort(key=lambda parked: parked.event.position)
        self.stats.parked += 1
        self.history.setdefault(event.position, ParkHistory(now, reason))

    def replayed(self, event: RecordedEvent, now: float) -> None:
        """`replay-parked` applied `event` at `now`."""
        self.stats.replayed += 1
        if (history := self.history.get(event.position)) is not None:
            history.replayed_at = now

    def skip(self, event: RecordedEvent) -> None:
        self.skipped.append(event.position)
        self.stats.skipped += 1

    def take_parked(self) -> list[ParkedEvent]:
        """Every parked event, oldest first, and an empty list of them."""
        parked, self.parked = self.parked, []
        return parked

    def discard(self) -> int:
        count = len(self.parked)
        for parked in self.parked:
            if (history := self.history.get(parked.event.position)) is not None:
                history.discarded = True
        self.parked = []
        self.stats.discarded += count
        return count

    def lift(self) -> None:
        self.poison.lift()
