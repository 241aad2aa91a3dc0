"""The services attached to one Lab: the tables, the command handler's hook, the payments
lane on the lab's bus, and the relay run after every commit a service makes (after each
delivery and each lab line too, for the shop's own commands)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, Protocol

from cqrs_lab.services import tables
from cqrs_lab.services.messages import LANE, IntegrationMessage
from cqrs_lab.services.orders import Orders
from cqrs_lab.services.outbox import Outbox
from cqrs_lab.services.payments import Payments
from cqrs_lab.shop.commands import Command
from cqrs_lab.sim.bus import Delivery, EventBus
from cqrs_lab.sim.faults import Faults
from cqrs_lab.sim.latency import LatencyModel, parse_latency
from cqrs_lab.store.event_store import EventStore
from cqrs_lab.write.handler import CommandHandler
from cqrs_lab.write.results import CommandResult

DEFAULT_LATENCY = "uniform:300ms..900ms"
"""The payments lane's latency when services go on."""
RESTART_SECONDS = 1.0
"""Lab seconds a crashed service takes to come back (and its relay to run again)."""


class Host(Protocol):
    """What the services need of a Lab."""

    store: EventStore
    handler: CommandHandler

    @property
    def bus(self) -> EventBus[Any]: ...

    def send(
        self, command: Command, *, correlation_id: str | None = None, fresh: bool = False
    ) -> CommandResult: ...


class Services:
    """Orders and Payments, an outbox and its relay, on `host`'s bus and database."""

    def __init__(self, host: Host) -> None:
        self.host = host
        engine = host.store.engine
        tables.create(engine)
        self.outbox = Outbox(engine)
        self.payments = Payments(engine, self.outbox)
        self.orders = Orders(engine, self.outbox)
        self.latency: LatencyModel = parse_latency(DEFAULT_LATENCY)
        self.faults = Faults()
        self.handled: list[str] = []
        """What each delivery on the payments lane did, in words (the services' trace)."""
        self.handled_by: Counter[str] = Counter()
        """Messages each service consumed (its inbox's duplicates not counted)."""
        self.restarting: set[str] = set()
        """Services that crashed and are not back yet."""

    def members(self) -> tuple[Orders | Payments, ...]:
        return (self.orders, self.payments)

    def lane_names(self) -> tuple[str, ...]:
        return (LANE,)

    def lane_ends(self, lane: str) -> tuple[str, str]:
        """The two services a lane joins."""
        return ("orders", lane)

    def checkouts(self) -> tuple[Any, ...]:
        """The checkout sagas (none until the saga runs)."""
        return ()

    def attach(self) -> None:
        bus = self.host.bus
        bus.subscribe(LANE, self._receive, latency=self.latency, faults=self.faults)
        bus.add_observer(self._after_delivery)
        self.host.handler.hooks.append(self.orders.hook)
        self.outbox.dirty = True  # rows an earlier run left unpublished go now

    def detach(self) -> None:
        bus = self.host.bus
        if LANE in bus.subscriptions:
            bus.unsubscribe(LANE)
        bus.remove_observer(self._after_delivery)
        if self.orders.hook in self.host.handler.hooks:
            self.host.handler.hooks.remove(self.orders.hook)

    def clear(self) -> None:
        """Forget the services' data (`reset`)."""
        with self.host.store.engine.begin() as connection:
            tables.clear(connection)

    def set_latency(self, model: LatencyModel) -> None:
        self.latency = model
        self.host.bus.set_latency(LANE, model)

    def set_faults(self, faults: Faults) -> None:
        self.faults = faults
        self.host.bus.set_faults(LANE, faults)

    def relay(self) -> int:
        """Publish what waits (after a commit); a crash on the way schedules a restart."""
        armed = set(self.outbox.crashes)
        sent = self.outbox.relay(self._publish)
        if self.outbox.on:
            for service in armed - self.outbox.crashes:  # crashed in this pass
                restart = IntegrationMessage(
                    0, f"restart:{service}", "RelayRestart", service, service
                )
                self.host.bus.retry_later(LANE, restart, RESTART_SECONDS)
                self.restarting.add(service)
        return sent

    def _publish(self, message: IntegrationMessage) -> None:
        self.host.bus.publish_to(LANE, [message])

    def _receive(self, delivery: Delivery[Any]) -> None:
        message: IntegrationMessage = delivery.event
        if delivery.kind == "retry":  # a crashed service is back: its relay runs again
            self.outbox.dirty = True
            self.restarting.discard(message.source)
            self.handled.append(f"{message.source} restarted: its relay runs")
        else:
            if message.destination == "payments":
                said = self.payments.handle(message)
            else:
                said = self.orders.handle(message, self.host.send)
            if said != "duplicate":
                self.handled_by[message.destination] += 1
            self.handled.append(
                f"{message.destination} got {message.message_id} ({delivery.kind}): {said}"
            )
        self.relay()

    def _after_delivery(self, delivery: Delivery[Any], outcome: str) -> None:
        if self.outbox.dirty:
            self.relay()

    def describe(self) -> str:
        outbox = "on" if self.outbox.on else "off (publish after commit)"
        return (
            f"outbox {outbox}; {self.outbox.relayed} relayed, {self.outbox.unpublished()} "
            f"waiting, {self.outbox.lost} lost; duplicates ignored: payments "
            f"{self.payments.duplicates}, orders {self.orders.duplicates}"
        )


Observer = Callable[[Any], None]
