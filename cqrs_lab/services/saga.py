"""The checkout saga, a process manager, as pure rules: where one checkout stands, and what
the Orders service does when a message (or its deadline) reaches it. No I/O: the Orders
service loads a checkout, asks `react`, then commits the command, the new state and the
message it sends in one transaction.

OrderPlaced -> PaymentRequested -> PaymentAccepted -> ShipmentRequested -> Shipped, or
PaymentDeclined / no answer by the deadline -> cancel the order (its stock is released).
A PaymentAccepted that arrives after the cancel is refunded: the money goes back
(RefundRequested), the order stays cancelled."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal

PAYMENT_TIMEOUT = 30.0
"""Lab seconds the saga waits for Payments' answer before it cancels the order."""


class State(StrEnum):
    PAYING = "paying"
    SHIPPING = "shipping"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


FINAL = frozenset({State.SHIPPED, State.CANCELLED})

OrderCommand = Literal["pay", "cancel", "ship"]


@dataclass(frozen=True, slots=True)
class Checkout:
    """One order's checkout: its state, the last step taken, and until when it waits."""

    order_id: str
    state: State
    step: str
    deadline: float | None = None
    refunded: bool = False
    """A payment accepted after the cancel was given back."""


@dataclass(frozen=True, slots=True)
class Send:
    """A message the saga sends: its type and the service it goes to."""

    type: str
    destination: str


@dataclass(frozen=True, slots=True)
class Reaction:
    """What one message does to a checkout: its new state, the order command to send and
    the message to publish (either may be None), and a few words for the trace."""

    checkout: Checkout
    command: OrderCommand | None
    send: Send | None
    said: str

    @property
    def changed(self) -> bool:
        return self.command is not None or self.send is not None


def start(order_id: str, now: float) -> tuple[Checkout, Send]:
    """An order was placed: ask for the payment and wait for the answer until the deadline."""
    checkout = Checkout(order_id, State.PAYING, "PaymentRequested", now + PAYMENT_TIMEOUT)
    return checkout, Send("PaymentRequested", "payments")


def react(checkout: Checkout, kind: str, now: float) -> Reaction:
    """The saga's rule for one message (or `PaymentTimeout`) reaching `checkout` at `now`."""
    match checkout.state, kind:
        case State.PAYING, "PaymentAccepted":
            shipping = Checkout(checkout.order_id, State.SHIPPING, "ShipmentRequested")
            return Reaction(shipping, "pay", Send("ShipmentRequested", "shipping"), "paid, ship")
        case State.PAYING, "PaymentDeclined":
            cancelled = Checkout(checkout.order_id, State.CANCELLED, "PaymentDeclined")
            return Reaction(cancelled, "cancel", None, "declined: cancel, release stock")
        case State.PAYING, "PaymentTimeout" if checkout.deadline is not None and (
            now >= checkout.deadline
        ):
            cancelled = Checkout(checkout.order_id, State.CANCELLED, "TimedOut")
            return Reaction(cancelled, "cancel", None, "no answer in time: cancel, release stock")
        case State.CANCELLED, "PaymentAccepted" if not checkout.refunded:
            refunded = replace(checkout, refunded=True)  # its step still says why it ended
            return Reaction(refunded, None, Send("RefundRequested", "payments"), "late: refund")
        case State.SHIPPING, "Shipped":
            shipped = Checkout(checkout.order_id, State.SHIPPED, "Shipped")
            return Reaction(shipped, "ship", None, "shipped")
    return Reaction(checkout, None, None, f"{kind} while {checkout.state}: nothing to do")


def cancelled_by_hand(checkout: Checkout) -> Reaction:
    """The order was cancelled outside the saga (`cancel o1`): stop waiting, and give back
    a payment already taken."""
    cancelled = Checkout(checkout.order_id, State.CANCELLED, "OrderCancelled")
    if checkout.state is State.PAYING:
        return Reaction(cancelled, None, None, "cancelled by hand")
    if checkout.state is State.SHIPPING:
        refunded = replace(cancelled, refunded=True)
        return Reaction(refunded, None, Send("RefundRequested", "payments"), "cancelled: refund")
    return Reaction(checkout, None, None, f"cancelled while {checkout.state}: nothing to do")
