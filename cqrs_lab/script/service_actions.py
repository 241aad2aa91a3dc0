"""The actions of the services' lines (issue 18): the switch, the outbox, a crash between
commit and publish, and the Payments service's answers and lane."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

from cqrs_lab.sim.latency import LatencyModel

ServiceWord: TypeAlias = Literal["orders", "payments"]


@dataclass(frozen=True, slots=True)
class SetServices:
    """`services on|off`: Orders and Payments as services with their own data."""

    on: bool


@dataclass(frozen=True, slots=True)
class ServicesStatus:
    """`services status`: the outbox, the relay, the inboxes and the last deliveries."""


@dataclass(frozen=True, slots=True)
class SetOutbox:
    """`outbox on|off`: integration messages through the outbox, or published after commit."""

    on: bool


@dataclass(frozen=True, slots=True)
class Crash:
    """`crash SERVICE after-commit`: the service's next publish dies after its commit."""

    service: ServiceWord


@dataclass(frozen=True, slots=True)
class PaymentsLine:
    """`payments decline next`, `payments latency SPEC`, `payments faults TOKENS...`."""

    kind: Literal["decline", "latency", "faults"]
    model: LatencyModel | None = None
    tokens: tuple[str, ...] = ()


ServiceAction: TypeAlias = SetServices | ServicesStatus | SetOutbox | Crash | PaymentsLine
