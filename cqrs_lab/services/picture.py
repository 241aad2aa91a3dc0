"""What the services look like right now, for a screen or a lesson goal: one frozen value
built from a lab's services (`picture`), read-only, so nothing that draws it can change
them. Field names stay stable; new facts come as new fields."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cqrs_lab.services.messages import WAKE_UPS
from cqrs_lab.sim.bus import Delivery

if TYPE_CHECKING:
    from cqrs_lab.services.runtime import Services


@dataclass(frozen=True, slots=True)
class ServicePicture:
    """One service as a box: what it handled, what its inbox skipped, its own data."""

    name: str
    handled: int
    """Integration messages it consumed (duplicates not counted)."""
    duplicates: int
    """Deliveries its inbox had seen already: they applied nothing."""
    counters: dict[str, int] = field(default_factory=dict)
    """Its own data, by name (e.g. payments: accepted, declined, refunded)."""
    crashing: bool = False
    """A crash after its next commit is armed, or it is down until its restart."""


@dataclass(frozen=True, slots=True)
class MessagePicture:
    """One integration message on its way."""

    message_id: str
    type: str
    source: str
    destination: str
    order_id: str
    kind: str
    """first, duplicate, redelivery (after a drop) or retry (a service's restart)."""
    remaining: float
    """Lab seconds until it is due."""
    will_drop: bool


@dataclass(frozen=True, slots=True)
class LanePicture:
    """A lane between two services, with its settings, its counters and what travels."""

    name: str
    ends: tuple[str, str]
    latency: str
    faults: str
    in_flight: tuple[MessagePicture, ...]
    delivered: int
    dropped: int
    duplicated: int


@dataclass(frozen=True, slots=True)
class CheckoutPicture:
    """One checkout saga: where it is and when it gives up waiting."""

    order_id: str
    state: str
    step: str
    deadline: float | None
    """Lab time at which an unanswered step times out; None once nothing is awaited."""
    refunded: bool = False
    """Cancelled after Payments took the money, which it gave back (RefundRequested)."""


@dataclass(frozen=True, slots=True)
class ServicesPicture:
    """The services, the lanes between them, the outbox, the inboxes and the sagas."""

    on: bool
    outbox_on: bool = True
    services: tuple[ServicePicture, ...] = ()
    lanes: tuple[LanePicture, ...] = ()
    outbox_pending: int = 0
    """Rows recorded in the outbox that the relay has not published yet."""
    outbox_relayed: int = 0
    outbox_lost: int = 0
    """Messages lost between a commit and its publish (outbox off)."""
    inbox_duplicates: dict[str, int] = field(default_factory=dict)
    """Per service, deliveries its inbox skipped."""
    sagas: dict[str, int] = field(default_factory=dict)
    """Checkout sagas by state."""
    checkouts: tuple[CheckoutPicture, ...] = ()
    notes: tuple[str, ...] = ()
    """The last things that happened, in words, newest last."""
    now: float = 0.0


OFF = ServicesPicture(on=False)
"""The picture while services are off."""
NOTES_SHOWN = 6


def picture(services: Services | None, now: float) -> ServicesPicture:
    """The services of one lab as they are at lab time `now` (OFF when there are none)."""
    if services is None:
        return OFF
    outbox = services.outbox
    boxes = tuple(
        ServicePicture(
            service.name,
            services.handled_by[service.name],
            service.duplicates,
            service.counters(),
            service.name in outbox.crashes or service.name in services.restarting,
        )
        for service in services.members()
    )
    checkouts = tuple(
        CheckoutPicture(c.order_id, c.state.value, c.step, c.deadline, c.refunded)
        for c in services.checkouts()
    )
    return ServicesPicture(
        on=True,
        outbox_on=outbox.on,
        services=boxes,
        lanes=tuple(_lane(services, name, now) for name in services.lane_names()),
        outbox_pending=outbox.unpublished(),
        outbox_relayed=outbox.relayed,
        outbox_lost=outbox.lost,
        inbox_duplicates={box.name: box.duplicates for box in boxes},
        sagas=dict(Counter(c.state for c in checkouts)),
        checkouts=checkouts,
        notes=tuple(services.handled[-NOTES_SHOWN:]),
        now=now,
    )


def _lane(services: Services, name: str, now: float) -> LanePicture:
    bus = services.host.bus
    stats = bus.stats(name)
    return LanePicture(
        name,
        services.lane_ends(name),
        str(bus.latency(name)),
        str(bus.faults(name)),
        tuple(
            _message(delivery, now)
            for delivery in bus.in_flight_for(name)
            if delivery.event.type not in WAKE_UPS  # a deadline is the checkout's to show
        ),
        stats.delivered,
        stats.dropped,
        stats.duplicated,
    )


def _message(delivery: Delivery[Any], now: float) -> MessagePicture:
    message = delivery.event
    return MessagePicture(
        message.message_id,
        message.type,
        message.source,
        message.destination,
        message.order_id,
        delivery.kind,
        max(0.0, delivery.due_at - now),
        delivery.will_drop,
    )
