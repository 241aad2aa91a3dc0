"""What sending a command returns: the recorded events, or the typed reason it was refused."""

from __future__ import annotations

from dataclasses import dataclass

from cqrs_lab.shop.commands import Command
from cqrs_lab.shop.errors import DomainError
from cqrs_lab.store.errors import ConcurrencyError
from cqrs_lab.store.event_store import RecordedEvent


@dataclass(frozen=True, slots=True)
class Accepted:
    command: Command
    events: tuple[RecordedEvent, ...]
    duplicate: bool = False  # the command id was seen before: nothing new was written
    conflicts: int = 0  # version conflicts met (and retried) before it was accepted

    @property
    def retries(self) -> int:
        """Attempts made again after a conflict."""
        return self.conflicts

    @property
    def position(self) -> int:
        return self.events[-1].position

    @property
    def ok(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class Rejected:
    command: Command
    error: DomainError | ConcurrencyError
    conflicts: int = 0  # version conflicts met on the way (the last one too, if it is `error`)

    @property
    def retries(self) -> int:
        """Attempts made again after a conflict."""
        return self.conflicts - 1 if isinstance(self.error, ConcurrencyError) else self.conflicts

    @property
    def code(self) -> str:
        return getattr(self.error, "code", "concurrency_conflict")

    @property
    def ok(self) -> bool:
        return False


CommandResult = Accepted | Rejected
