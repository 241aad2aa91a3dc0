"""The Orders side of the checkout: placing an order records PaymentRequested in the outbox
(in the order's own transaction, a command handler hook), and Payments' answer pays or
cancels the order (cancelling releases its stock), once per message (its inbox)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection, Engine

from cqrs_lab.services import inbox
from cqrs_lab.services.messages import IntegrationMessage
from cqrs_lab.services.outbox import Outbox, Pending
from cqrs_lab.shop.commands import CancelOrder, Command, PayOrder
from cqrs_lab.store.event_store import RecordedEvent
from cqrs_lab.write.results import CommandResult

SERVICE = "orders"
Send = Callable[[Command], CommandResult]


def command_id_for(message_id: str) -> str:
    """The command a message causes has an id drawn from the message: sent twice, it
    appends once (the handler's idempotency), whatever the inbox says."""
    return f"msg:{message_id}"[:64]


@dataclass
class Orders:
    """What the Orders service adds to the shop's command handler."""

    engine: Engine
    outbox: Outbox
    name: str = SERVICE
    duplicates: int = 0
    notes: list[str] = field(default_factory=list)
    done: Counter[str] = field(default_factory=Counter)
    """Orders it paid, cancelled or shipped on a message's word."""
    _handling: dict[str, str] = field(default_factory=dict)
    """Command id -> the message it answers, while its command runs (for the hook)."""

    def hook(
        self, connection: Connection, command: Command, events: Sequence[RecordedEvent]
    ) -> None:
        """In the command's transaction: a placed order asks for its payment; a command
        caused by a message marks that message handled."""
        for event in events:
            if event.type == "OrderPlaced":
                order_id = str(event.data["order_id"])
                data = {
                    "order_id": order_id,
                    "username": event.data.get("username"),
                    "amount_cents": event.data.get("total_cents", 0),
                }
                message = Pending(
                    SERVICE, f"PaymentRequested:{order_id}", "PaymentRequested", "payments", data
                )
                self.outbox.record(connection, message)
        message_id = self._handling.pop(command.command_id, None)
        if message_id is not None:
            inbox.remember(connection, SERVICE, message_id)

    def counters(self) -> dict[str, int]:
        return dict(self.done)

    def handle(self, message: IntegrationMessage, send: Send) -> str:
        """Consume Payments' answer: pay the order, or cancel it. Says what it did."""
        with self.engine.connect() as connection:
            if inbox.seen(connection, SERVICE, message.message_id):
                self.duplicates += 1
                self.notes.append(f"orders: {message.message_id} seen before: ignored")
                return "duplicate"
        command_id = command_id_for(message.message_id)
        command: Command
        if message.type == "PaymentAccepted":
            command = PayOrder(order_id=message.order_id, command_id=command_id)
        else:
            command = CancelOrder(order_id=message.order_id, command_id=command_id)
        self._handling[command_id] = message.message_id
        result = send(command)
        if self._handling.pop(command_id, None) is not None:  # refused: handled all the same
            with self.engine.begin() as connection:
                inbox.remember(connection, SERVICE, message.message_id)
        done = "paid" if isinstance(command, PayOrder) else "cancelled, stock released"
        said = done if result.ok else f"refused ({getattr(result, 'code', '?')})"
        if result.ok:
            self.done["paid" if isinstance(command, PayOrder) else "cancelled"] += 1
        self.notes.append(f"orders: {message.type} for order {message.order_id}: {said}")
        return said
