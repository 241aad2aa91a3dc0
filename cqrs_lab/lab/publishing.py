"""What a lab does with recorded events, its own or another process's: counts them, keeps
the recent ones and each user's last write, and sends each lane the events its projection
handles (down the bus to an async lane; applied in the transaction by an inline one)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from cqrs_lab.lab.defaults import SESSION
from cqrs_lab.read.subscriber import Mode
from cqrs_lab.shop.commands import Command
from cqrs_lab.sim.write_cost import WRITE_COST
from cqrs_lab.store.event_store import RecordedEvent
from cqrs_lab.write.results import CommandResult, Rejected

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab


def account(lab: Lab, result: CommandResult) -> None:
    """Count a command's result; publish the events it recorded."""
    metrics = lab.metrics
    metrics.concurrency_conflicts += result.conflicts
    metrics.retries += result.retries
    if isinstance(result, Rejected):
        metrics.rejected[result.code] += 1
        lab.order_ids.give_back(result.command)
        return
    metrics.accepted[type(result.command).verb] += 1
    if result.duplicate:
        return
    metrics.count_loads(lab.handler.loads.get(result.command.command_id, ()))
    events = result.events
    if events[0].position - 1 > lab.head:  # another process's events written before ours
        pick_up(lab, events[0].position - 1)
    counts, recent, last_write = metrics.events, lab.recent, lab.last_write
    for event in events:
        counts[event.type] += 1
        recent.appendleft(event)
        username = event.data.get("username")
        if isinstance(username, str):
            last_write[username] = event.position
        if event.type == "OrderPlaced":
            lab.last_order_id = str(event.data["order_id"])
    last_write[SESSION] = events[-1].position
    lab.head = max(lab.head, events[-1].position)
    metrics.command_lab.add(write_seconds(lab, events))
    publish(lab, events)


def write_seconds(lab: Lab, events: Sequence[RecordedEvent]) -> float:
    """What appending `events` costs in lab time (`sim.write_cost`), with the inline
    projections that apply them in the same transaction."""
    inline = 0
    for subscriber in lab.subscribers.values():
        if subscriber.mode is Mode.INLINE:
            handled = subscriber.projection.handles
            inline += sum([event.type in handled for event in events])
    return WRITE_COST.seconds(len(events), inline)


def pick_up(lab: Lab, up_to: int) -> int:
    """Publish stored events after `lab.head` (the last one the lab has seen) to `up_to`."""
    if up_to <= lab.head:
        return 0
    events = lab.store.read_all(after=lab.head, limit=up_to - lab.head)
    for event in events:
        lab.metrics.events[event.type] += 1
        lab.recent.appendleft(event)
    lab.head = up_to
    publish(lab, events)
    for subscriber in lab.subscribers.values():
        if subscriber.mode is Mode.INLINE:
            subscriber.catch_up(up_to)
    lab.flush()
    return len(events)


def publish(lab: Lab, events: Sequence[RecordedEvent]) -> None:
    """Send each async lane the events its projection handles (a filtered subscription)."""
    asynchronous = Mode.ASYNC
    for name, subscriber in lab.subscribers.items():
        if subscriber.mode is not asynchronous:
            continue
        handled = subscriber.projection.handles  # `handles`, without a call an event
        routed: Sequence[RecordedEvent]
        if len(events) == 1:  # most commands: no list made for a lane that takes nothing
            routed = events if events[0].type in handled else ()
        else:
            routed = [event for event in events if event.type in handled]
        if routed:
            subscriber.expect([event.position for event in routed])
            lab.deliveries.sent(name, routed)
            lab.bus.publish_to(name, routed)


def apply_inline(
    lab: Lab, connection: Connection, command: Command, events: Sequence[RecordedEvent]
) -> None:
    """The inline lanes apply a command's events and write them in its transaction."""
    inline = Mode.INLINE
    for name, subscriber in lab.subscribers.items():
        if subscriber.mode is inline:
            subscriber.apply_inline(events)
            lab.flushing.write(subscriber.projection, connection)
            subscriber.projection.committed()  # with the command's transaction
            lab.deliveries.applied_inline(name, events)
