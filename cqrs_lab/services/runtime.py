"""The services attached to one Lab: the tables, the command handler's hook, the lanes
between services on the lab's bus, the saga's deadlines, and the relay run after every
commit a service makes (after each delivery and each lab line too, for the shop's own
commands)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from cqrs_lab.services import checkouts, tables
from cqrs_lab.services.journeys import Journeys
from cqrs_lab.services.messages import (
    HOME_LANES,
    LANE_ENDS,
    RESTART,
    TIMEOUT,
    WAKE,
    IntegrationMessage,
    lane_between,
)
from cqrs_lab.services.orders import Orders
from cqrs_lab.services.outbox import Outbox
from cqrs_lab.services.payments import Payments
from cqrs_lab.services.saga import Checkout, State
from cqrs_lab.services.shipping import Shipping
from cqrs_lab.shop.commands import Command
from cqrs_lab.sim.bus import Delivery, EventBus
from cqrs_lab.sim.clock import Clock
from cqrs_lab.sim.faults import Faults
from cqrs_lab.sim.latency import LatencyModel, parse_latency
from cqrs_lab.store.event_store import EventStore, RecordedEvent
from cqrs_lab.write.handler import CommandHandler
from cqrs_lab.write.results import CommandResult

DEFAULT_LATENCY = "uniform:300ms..900ms"
"""Each inter-service lane's latency when services go on."""
RESTART_SECONDS = 1.0
"""Lab seconds a crashed service takes to come back (and its relay to run again)."""
DECLINE_SALT = 0x5A6A
"""Mixed into the lab's seed for the seeded declines, so they draw apart from the lab's RNG."""


_ARRIVED = {
    "first": "arrived",
    "duplicate": "arrived again (a duplicate)",
    "redelivery": "arrived (redelivered after a drop)",
}


class Host(Protocol):
    """What the services need of a Lab."""

    store: EventStore
    handler: CommandHandler
    clock: Clock
    seed: int

    @property
    def bus(self) -> EventBus[Any]: ...

    def send(
        self, command: Command, *, correlation_id: str | None = None, fresh: bool = False
    ) -> CommandResult: ...


class Services:
    """Orders (with the checkout saga), Payments and Shipping, an outbox and its relay, on
    `host`'s bus and database."""

    def __init__(self, host: Host) -> None:
        self.host = host
        engine = host.store.engine
        tables.create(engine)
        self.journeys = Journeys(host.clock.now)
        self.outbox = Outbox(engine, note=self.journeys.note)
        self.payments = Payments(engine, self.outbox, random.Random(host.seed ^ DECLINE_SALT))
        self.shipping = Shipping(engine, self.outbox)
        self.orders = Orders(engine, self.outbox, host.clock.now, self.journeys.note)
        default = parse_latency(DEFAULT_LATENCY)
        self.latencies: dict[str, LatencyModel] = {lane: default for lane in LANE_ENDS}
        self.faults: dict[str, Faults] = {lane: Faults() for lane in LANE_ENDS}
        self.handled: list[str] = []
        """What each delivery between services did, in words (the services' trace)."""
        self.handled_by: Counter[str] = Counter()
        """Messages each service consumed (its inbox's duplicates not counted)."""
        self.restarting: set[str] = set()
        """Services that crashed and are not back yet."""
        self._receiving = False
        self._woken = False

    def members(self) -> tuple[Orders | Payments | Shipping, ...]:
        return (self.orders, self.payments, self.shipping)

    def lane_names(self) -> tuple[str, ...]:
        return tuple(LANE_ENDS)

    def lane_ends(self, lane: str) -> tuple[str, str]:
        """The two services a lane joins."""
        return LANE_ENDS[lane]

    def checkouts(self) -> list[Checkout]:
        """The checkout sagas, in the order their orders were placed."""
        return checkouts.every(self.host.store.engine)

    def attach(self) -> None:
        bus = self.host.bus
        for lane in LANE_ENDS:
            bus.subscribe(
                lane, self._receive, latency=self.latencies[lane], faults=self.faults[lane]
            )
        bus.add_observer(self._after_delivery)
        self.host.handler.hooks.extend((self.orders.hook, self._wake_relay))
        self.outbox.dirty = True  # rows an earlier run left unpublished go now
        waiting = [c for c in self.checkouts() if c.state is State.PAYING]
        self.orders.deadlines.extend((c.order_id, c.deadline or 0.0) for c in waiting)

    def detach(self) -> None:
        """Off: the lanes go, and the messages on them with their lanes; the outbox keeps
        their rows to send again when services are on again."""
        bus = self.host.bus
        travelling = {
            delivery.event.message_id
            for lane in LANE_ENDS
            if lane in bus.subscriptions
            for delivery in bus.in_flight_for(lane)
            if delivery.event.type not in (WAKE, TIMEOUT, RESTART)
        }
        if self.outbox.on:
            self.outbox.send_again(travelling)
        for lane in LANE_ENDS:
            if lane in bus.subscriptions:
                bus.unsubscribe(lane)
        bus.remove_observer(self._after_delivery)
        for hook in (self.orders.hook, self._wake_relay):
            if hook in self.host.handler.hooks:
                self.host.handler.hooks.remove(hook)

    def clear(self) -> None:
        """Forget the services' data (`reset`)."""
        with self.host.store.engine.begin() as connection:
            tables.clear(connection)

    def set_latency(self, lane: str, model: LatencyModel) -> None:
        self.latencies[lane] = model
        self.host.bus.set_latency(lane, model)

    def set_faults(self, lane: str, faults: Faults) -> None:
        self.faults[lane] = faults
        self.host.bus.set_faults(lane, faults)

    def relay(self) -> int:
        """Publish what waits (after a commit); a crash on the way schedules a restart.
        The checkouts started since are given their deadlines."""
        bus = self.host.bus
        now = self.host.clock.now()
        for order_id, deadline in self.orders.deadlines:
            timer = IntegrationMessage(
                0, f"timeout:{order_id}", TIMEOUT, "orders", "orders", {"order_id": order_id}
            )
            bus.retry_later(HOME_LANES["orders"], timer, max(0.0, deadline - now))
        self.orders.deadlines.clear()
        armed = set(self.outbox.crashes)
        sent = self.outbox.relay(self._publish)
        if self.outbox.on:
            for service in armed - self.outbox.crashes:  # crashed in this pass
                restart = IntegrationMessage(0, f"restart:{service}", RESTART, service, service)
                bus.retry_later(HOME_LANES[service], restart, RESTART_SECONDS)
                self.restarting.add(service)
        return sent

    def _wake_relay(
        self, connection: Connection, command: Command, events: Sequence[RecordedEvent]
    ) -> None:
        """In a shop command's transaction that gave the outbox work: the relay runs right
        after it, at this lab time, whether a lab line or a load sent it."""
        if self.outbox.dirty and not self._receiving and not self._woken:
            self._woken = True
            wake = IntegrationMessage(0, "wake:relay", WAKE, "orders", "orders")
            self.host.bus.retry_later(HOME_LANES["orders"], wake, 0.0)

    def _publish(self, message: IntegrationMessage) -> None:
        lane = lane_between(message.source, message.destination)
        how = "the relay published" if self.outbox.on else "published after the commit:"
        what = f"{how} {message.type} ({message.message_id}) on the {lane} lane"
        self.journeys.note(message.order_id, message.source, what)
        self.host.bus.publish_to(lane, [message])

    def _receive(self, delivery: Delivery[Any]) -> None:
        message: IntegrationMessage = delivery.event
        self._receiving = True
        try:
            self._react(message, delivery.kind)
        finally:
            self._receiving = False
        self.relay()

    def _react(self, message: IntegrationMessage, kind: str) -> None:
        if message.type == WAKE:
            self._woken = False
        elif message.type == RESTART:  # a crashed service is back: its relay runs again
            self.outbox.dirty = True
            self.restarting.discard(message.source)
            self.handled.append(f"{message.source} restarted: its relay runs")
        elif message.type == TIMEOUT:
            said = self.orders.timeout(message.order_id, self.host.send)
            self.handled.append(f"orders: {message.order_id}'s payment deadline: {said}")
            self.journeys.note(message.order_id, "orders", f"payment deadline: {said}")
        else:
            got = f"{message.type} {_ARRIVED[kind]}"
            self.journeys.note(message.order_id, message.destination, got)
            said = self._consume(message)
            if said != "duplicate":
                self.handled_by[message.destination] += 1
            self.handled.append(
                f"{message.destination} got {message.message_id} ({kind}): {said}"
            )
            inbox = "its inbox saw it before: ignored" if said == "duplicate" else said
            self.journeys.note(message.order_id, message.destination, inbox)

    def _consume(self, message: IntegrationMessage) -> str:
        if message.destination == "payments":
            return self.payments.handle(message)
        if message.destination == "shipping":
            return self.shipping.handle(message)
        return self.orders.handle(message, self.host.send)

    def _after_delivery(self, delivery: Delivery[Any], outcome: str) -> None:
        if outcome != "delivered" and delivery.subscription in LANE_ENDS:
            message: IntegrationMessage = delivery.event
            again = "redelivered later" if outcome == "dropped" else "lost"
            what = f"{message.type} dropped on the {delivery.subscription} lane: {again}"
            self.journeys.note(message.order_id, message.destination, what)
        if self.outbox.dirty:
            self.relay()

    def describe(self) -> str:
        outbox = "on" if self.outbox.on else "off (publish after commit)"
        duplicates = ", ".join(f"{member.name} {member.duplicates}" for member in self.members())
        return (
            f"outbox {outbox}; {self.outbox.relayed} relayed, {self.outbox.unpublished()} "
            f"waiting, {self.outbox.lost} lost; duplicates ignored: {duplicates}"
        )
