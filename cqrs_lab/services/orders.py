"""The Orders service and its checkout saga (process manager). Placing an order starts a
checkout and records PaymentRequested in the outbox, in the order's own transaction (a
command handler hook). Each answer (and the payment's deadline) asks the saga's rules
(`saga.react`) what to do; the order command it calls for, the checkout's new state, the
message it sends and the inbox's mark commit in one transaction, once per message."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection, Engine

from cqrs_lab.services import checkouts, inbox, saga
from cqrs_lab.services.journeys import Note
from cqrs_lab.services.messages import TIMEOUT, IntegrationMessage, order_of
from cqrs_lab.services.outbox import Outbox, Pending
from cqrs_lab.shop.commands import CancelOrder, Command, PayOrder, ShipOrder
from cqrs_lab.store.event_store import RecordedEvent
from cqrs_lab.write.results import CommandResult

SERVICE = "orders"
Send = Callable[[Command], CommandResult]
_COMMANDS: dict[saga.OrderCommand, type[PayOrder | CancelOrder | ShipOrder]] = {
    "pay": PayOrder,
    "cancel": CancelOrder,
    "ship": ShipOrder,
}
_DONE = {"pay": "paid", "cancel": "cancelled", "ship": "shipped"}


def command_id_for(message_id: str) -> str:
    """The command a message causes has an id drawn from the message: sent twice, it
    appends once (the handler's idempotency), whatever the inbox says."""
    return f"msg:{message_id}"[:64]


@dataclass(frozen=True, slots=True)
class _Step:
    """A saga step waiting for its order command's transaction."""

    reaction: saga.Reaction
    message_id: str | None
    """The message that caused it (None: the deadline)."""
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Finished:
    """A checkout that ended: shipped or cancelled, `seconds` of lab time after its order."""

    order_id: str
    state: saga.State
    seconds: float


@dataclass
class Orders:
    """What the Orders service adds to the shop's command handler: the checkout saga."""

    engine: Engine
    outbox: Outbox
    now: Callable[[], float]
    note: Note
    name: str = SERVICE
    duplicates: int = 0
    done: Counter[str] = field(default_factory=Counter)
    """Orders the saga paid, cancelled or shipped (the shop accepted the command)."""
    deadlines: list[tuple[str, float]] = field(default_factory=list)
    """Checkouts started since the relay last ran: (order, deadline), timers to set."""
    started: dict[str, float] = field(default_factory=dict)
    """Order -> the lab time it was placed, while its checkout runs."""
    finished: list[Finished] = field(default_factory=list)
    """Checkouts that ended while this lab ran, in the order they ended (simulate's figures)."""
    _steps: dict[str, _Step] = field(default_factory=dict)
    """Command id -> the saga step its command carries, while the command runs."""

    def hook(
        self, connection: Connection, command: Command, events: Sequence[RecordedEvent]
    ) -> None:
        """In the command's transaction: the saga's step this command carries, or, for the
        shop's own commands, a new checkout (an order placed) or one stopped by hand."""
        step = self._steps.pop(command.command_id, None)
        if step is not None:
            self._commit(connection, step)
            return
        for event in events:
            order_id = order_of(event.data)
            if event.type == "OrderPlaced":
                checkout, send = saga.start(order_id, self.now())
                data = {
                    "order_id": order_id,
                    "username": event.data.get("username"),
                    "amount_cents": event.data.get("total_cents", 0),
                }
                reaction = saga.Reaction(checkout, None, send, "payment requested")
                self._commit(connection, _Step(reaction, None, data))
                self.deadlines.append((order_id, checkout.deadline or 0.0))
                self.started[order_id] = self.now()
            elif event.type == "OrderCancelled":
                found = checkouts.load(connection, order_id)
                if found is not None:
                    reaction = saga.cancelled_by_hand(found)
                    self._commit(connection, _Step(reaction, None, _money(event.data, order_id)))

    def handle(self, message: IntegrationMessage, send: Send) -> str:
        """Consume an answer from Payments or Shipping. Says what the saga did."""
        with self.engine.connect() as connection:
            if inbox.seen(connection, SERVICE, message.message_id):
                self.duplicates += 1
                return "duplicate"
            found = checkouts.load(connection, message.order_id)
        if found is None:  # its checkout went with a reset
            with self.engine.begin() as connection:
                inbox.remember(connection, SERVICE, message.message_id)
            return "no checkout: ignored"
        reaction = saga.react(found, message.type, self.now())
        step = _Step(reaction, message.message_id, _money(message.data, message.order_id))
        return self._apply(step, send, command_id_for(message.message_id))

    def timeout(self, order_id: str, send: Send) -> str:
        """The payment's deadline passed: cancel the order if Payments has not answered."""
        with self.engine.connect() as connection:
            found = checkouts.load(connection, order_id)
        if found is None:
            return "no checkout: ignored"
        reaction = saga.react(found, TIMEOUT, self.now())
        if not reaction.changed:
            return reaction.said
        step = _Step(reaction, None, {"order_id": order_id})
        return self._apply(step, send, f"timeout:{order_id}")

    def _apply(self, step: _Step, send: Send, command_id: str) -> str:
        reaction = step.reaction
        if reaction.command is None:
            with self.engine.begin() as connection:
                self._commit(connection, step)
            return reaction.said
        order_id = reaction.checkout.order_id
        self._steps[command_id] = step
        result = send(_COMMANDS[reaction.command](order_id=order_id, command_id=command_id))
        if self._steps.pop(command_id, None) is None:  # its transaction carried the step
            self.done[_DONE[reaction.command]] += 1
            return reaction.said
        with self.engine.begin() as connection:  # refused, or sent before: the saga moves on
            self._commit(connection, step)
        return f"{reaction.said} (order {reaction.command} refused: {_code(result)})"

    def _commit(self, connection: Connection, step: _Step) -> None:
        reaction = step.reaction
        checkout = reaction.checkout
        checkouts.save(connection, checkout)
        self.note(checkout.order_id, SERVICE, f"checkout {checkout.state} (step {checkout.step})")
        if checkout.state in saga.FINAL and checkout.order_id in self.started:
            seconds = self.now() - self.started.pop(checkout.order_id)
            self.finished.append(Finished(checkout.order_id, checkout.state, seconds))
        if reaction.send is not None:
            order_id = reaction.checkout.order_id
            kind, destination = reaction.send.type, reaction.send.destination
            message = Pending(SERVICE, f"{kind}:{order_id}", kind, destination, step.data)
            self.outbox.record(connection, message)
        if step.message_id is not None:
            inbox.remember(connection, SERVICE, step.message_id)

    def counters(self) -> dict[str, int]:
        return dict(self.done)


def _money(data: dict[str, Any], order_id: str) -> dict[str, Any]:
    """What a message about `order_id`'s money carries on."""
    amount = data.get("amount_cents", data.get("paid_cents", data.get("refunded_cents", 0)))
    return {"order_id": order_id, "amount_cents": amount}


def _code(result: CommandResult) -> str:
    return str(getattr(result, "code", "duplicate"))
