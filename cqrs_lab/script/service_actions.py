"""The actions of the services' lines (issue 18): the switch, the outbox, a crash between
commit and publish, Payments' answers, the lanes between services and the checkouts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypeAlias

from cqrs_lab.script.action_values import action

if TYPE_CHECKING:
    from cqrs_lab.script.actions import SetCapacity, SetFaults, SetLatency

ServiceWord: TypeAlias = Literal["orders", "payments", "shipping"]
ServiceLane: TypeAlias = Literal["payments", "shipping"]
SERVICE_LANES: tuple[ServiceLane, ...] = ("payments", "shipping")
"""The lanes between services (Orders-Payments, Orders-Shipping): `latency`, `faults` and
`capacity` name them like the views' lanes while services are on."""


@action
class SetServices:
    """`services on|off`: Orders, Payments and Shipping as services with their own data."""

    on: bool


@action
class ServicesStatus:
    """`services status`: the outbox, the relay, the inboxes and the last deliveries."""


@action
class SetOutbox:
    """`outbox on|off`: integration messages through the outbox, or published after commit."""

    on: bool


@action
class Crash:
    """`crash SERVICE after-commit`: the service's next publish dies after its commit."""

    service: ServiceWord


@action
class DeclinePayments:
    """`payments decline next` (rate None) or `payments decline rate P` (seeded)."""

    rate: float | None = None


@action
class ServiceLaneSetting:
    """`latency|faults|capacity LANE ...` for a lane between services: the same setting as
    for a view's lane (its `lane` one of SERVICE_LANES), which the services apply."""

    setting: SetLatency | SetFaults | SetCapacity


@action
class QueryCheckouts:
    """`query checkouts` (every checkout saga) or `query checkout ORDER` (one)."""

    order_id: str | None = None


ServiceAction: TypeAlias = (
    SetServices
    | ServicesStatus
    | SetOutbox
    | Crash
    | DeclinePayments
    | ServiceLaneSetting
    | QueryCheckouts
)
