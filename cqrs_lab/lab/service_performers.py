"""Performing the services' lines (`script/service_actions.py`) on a Lab: `services on|off`,
`outbox on|off`, `crash SERVICE after-commit`, `payments decline ...`, the lanes between
services (`latency|faults|capacity payments|shipping ...`) and `query checkouts`. The
services hang off the
lab through its extension points (the handler's hooks, the bus, a line observer), so
`lab/core.py` knows nothing of them; `reset` turns them off and clears their tables
(`reset_services`, from `production.reset_production`). The
interpreter registers `SERVICE_PERFORMERS`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from cqrs_lab.lab.errors import LabError
from cqrs_lab.lab.outcome import Outcome, control
from cqrs_lab.script import service_actions as sa
from cqrs_lab.script.actions import SetCapacity, SetFaults, SetLatency
from cqrs_lab.services import tables
from cqrs_lab.services.messages import LANE, SHIPPING_LANE
from cqrs_lab.services.picture import ServicesPicture, picture
from cqrs_lab.services.runtime import Services
from cqrs_lab.sim.faults import parse_faults
from cqrs_lab.store.event_store import RecordedEvent

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab

Performer = Callable[[Any, "Lab", str], Outcome]

_ATTACHED: WeakKeyDictionary[Lab, Services] = WeakKeyDictionary()


class ServicesOff(LabError):
    def __init__(self) -> None:
        super().__init__("services are off: services on first")


def services_of(lab: Lab) -> Services | None:
    """The lab's services, or None while they are off."""
    return _ATTACHED.get(lab)


def _running(lab: Lab) -> Services:
    services = services_of(lab)
    if services is None:
        raise ServicesOff
    return services


def switch(action: sa.SetServices, lab: Lab, line: str) -> Outcome:
    if action.on:
        if services_of(lab) is None:
            services = Services(lab)
            services.attach()
            _ATTACHED[lab] = services
            lab.line_observers.append(_observer(lab))
        return control(
            line,
            "services on: placing an order starts a checkout saga: it asks Payments for the "
            f"money (the {LANE} lane), then Shipping for the parcel (the {SHIPPING_LANE} lane), "
            "through the outbox; a decline or no answer in 30 s cancels the order",
        )
    turn_off(lab)
    return control(line, "services off: one shop again")


def turn_off(lab: Lab) -> None:
    """Detach the services (their tables stay until `reset`)."""
    services = _ATTACHED.pop(lab, None)
    if services is not None:
        services.detach()


def reset_services(lab: Lab) -> None:
    """What `reset` (and following another lab's reset) does to the services: off, and
    their tables (outbox, inboxes, payment streams) emptied, wherever they exist."""
    turn_off(lab)
    tables.clear_stored(lab.store.engine)


def _observer(lab: Lab) -> Callable[[Outcome], None]:
    def after_line(outcome: Outcome) -> None:
        services = services_of(lab)
        if services is None:  # turned off (or reset): this observer goes too
            lab.line_observers.remove(after_line)
        else:  # the shop's commands of this line have committed: the relay runs
            services.relay()

    return after_line


STATUS_SHOWN = 4
"""`services status` names at most this many of the last deliveries."""


def status(action: sa.ServicesStatus, lab: Lab, line: str) -> Outcome:
    services = _running(lab)
    recent = services.handled[-STATUS_SHOWN:] + services.outbox.notes[-1:]
    said = "; ".join(recent) or "nothing delivered yet"
    data = {
        "relayed": services.outbox.relayed,
        "waiting": services.outbox.unpublished(),
        "lost": services.outbox.lost,
        "duplicates": {member.name: member.duplicates for member in services.members()},
    }
    return control(line, f"services: {services.describe()} | {said}", **data)


def outbox(action: sa.SetOutbox, lab: Lab, line: str) -> Outcome:
    services = _running(lab)
    services.relay()  # what the old setting recorded goes first
    services.outbox.on = action.on
    if action.on:
        return control(line, "outbox on: messages commit with their service's writes")
    return control(line, "outbox off: messages are published after the commit")


def crash(action: sa.Crash, lab: Lab, line: str) -> Outcome:
    services = _running(lab)
    services.outbox.crashes.add(action.service)
    what = (
        "the outbox keeps its message; the relay sends it on restart"
        if services.outbox.on
        else "its message, not yet published, will be lost"
    )
    return control(line, f"crash {action.service} after-commit armed: {what}")


def decline(action: sa.DeclinePayments, lab: Lab, line: str) -> Outcome:
    services = _running(lab)
    if action.rate is None:
        services.payments.decline_next = True
        return control(line, "payments will decline the next payment")
    services.payments.decline_rate = action.rate
    return control(line, f"payments declines each payment with probability {action.rate:g}")


def lane_setting(action: sa.ServiceLaneSetting, lab: Lab, line: str) -> Outcome:
    services = _running(lab)
    match action.setting:
        case SetLatency(lane, model):
            services.set_latency(lane, model)
            return control(line, f"latency {lane}: {model}")
        case SetFaults(lane, tokens):
            services.set_faults(lane, parse_faults(tokens, services.faults[lane]))
            return control(line, f"faults {lane}: {services.faults[lane]}")
        case SetCapacity(lane, rate):
            lab.bus.set_capacity(lane, rate)
            limit = "no limit" if rate is None else f"{rate:g} events a second"
            return control(line, f"capacity {lane}: {limit}")


def query_checkouts(action: sa.QueryCheckouts, lab: Lab, line: str) -> Outcome:
    services = _running(lab)
    now = lab.clock.now()
    found = [
        checkout
        for checkout in services.checkouts()
        if action.order_id is None or checkout.order_id == action.order_id
    ]
    if action.order_id is not None and not found:
        raise LabError(f"no checkout for order {action.order_id} (query checkouts lists them)")
    rows = [
        {
            "order_id": checkout.order_id,
            "state": checkout.state.value,
            "step": checkout.step,
            "deadline": checkout.deadline,
            "refunded": checkout.refunded,
        }
        for checkout in found
    ]
    shown = "; ".join(_checkout_words(row, now) for row in rows) or "no checkouts yet"
    return control(line, f"checkouts: {shown}", rows=rows)


def _checkout_words(row: dict[str, Any], now: float) -> str:
    words = f"{row['order_id']} {row['state']} (step {row['step']}"
    deadline = row["deadline"]
    if deadline is not None:
        words += f", times out at t={deadline:.1f}s, in {max(0.0, deadline - now):.1f}s"
    if row["refunded"]:
        words += ", late payment refunded"
    return words + ")"


SERVICE_PERFORMERS: dict[type, Performer] = {
    sa.SetServices: switch,
    sa.ServicesStatus: status,
    sa.SetOutbox: outbox,
    sa.Crash: crash,
    sa.DeclinePayments: decline,
    sa.ServiceLaneSetting: lane_setting,
    sa.QueryCheckouts: query_checkouts,
}


def services_picture(lab: Lab) -> ServicesPicture:
    """The lab's services as they are now (the screen's and lessons' read API)."""
    return picture(services_of(lab), lab.clock.now())


def order_hops(lab: Lab, events: Sequence[RecordedEvent]) -> tuple[str, ...]:
    """The way across the services of the orders `events` are about (for `trace`)."""
    services = services_of(lab)
    if services is None:
        return ()
    orders = dict.fromkeys(str(e.data["order_id"]) for e in events if "order_id" in e.data)
    return tuple(hop.describe() for order in orders for hop in services.journeys.of(order))
