"""Causation trace: a command, the events it recorded, their deliveries down each lane and
the moment each projection applied them, with lab times. With services on, an order's
trace (`trace o1`) also follows it across the services (`hops`).

The Lab keeps a `DeliveryLog` (`cqrs_lab.lab.deliveries`), fed as things happen.
`trace(lab, target)` puts it together for a position or a command id, using the events'
command and correlation ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from cqrs_lab.lab.deliveries import Applied, DeliveryRecord
from cqrs_lab.lab.recording import RecordingError, command_of
from cqrs_lab.lab.service_performers import order_hops
from cqrs_lab.read.poison import ParkHistory
from cqrs_lab.read.subscriber import Mode, Subscriber
from cqrs_lab.script.parser import ID_PREFIX, trace_target
from cqrs_lab.shop.money import format_cents
from cqrs_lab.shop.state import order_stream
from cqrs_lab.store.event_store import RecordedEvent
from cqrs_lab.write.snapshots import LoadReport

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab

REPLAYED = "replayed from the parked messages"
LaneStatus = Literal[
    "applied", "in flight", "held at the door", "waiting for a gap", "lost", "not applied yet"
]


@dataclass(frozen=True, slots=True)
class LaneTrace:
    """One event on one lane: sent, its deliveries, and when the projection applied it."""

    lane: str
    sent_at: float | None
    deliveries: tuple[DeliveryRecord, ...]
    applied: Applied | None
    status: LaneStatus
    due_at: float | None = None
    """For an event still in flight: when its next delivery is due."""
    why: str = ""
    """Why a delivered event is not applied: parked, skipped, or the lane stalled on it."""
    parked: ParkHistory | None = None
    """When the lane parked it and when `replay-parked` applied it, if it was parked."""


@dataclass(frozen=True, slots=True)
class EventTrace:
    event: RecordedEvent
    lanes: tuple[LaneTrace, ...]
    not_sent: tuple[str, ...]
    """Lanes whose projection does not handle this event type (nothing was sent)."""


@dataclass(frozen=True, slots=True)
class Trace:
    """command -> events -> deliveries per lane -> projection applied, with lab times."""

    command_id: str
    correlation_id: str
    causation_id: str
    command: str
    """The command as a lab line, from its events (passwords are never in events)."""
    recorded_at: float
    events: tuple[EventTrace, ...]
    related: tuple[RecordedEvent, ...] = ()
    """Events of other commands with the same correlation id (among the recent events)."""
    focus: int | None = None
    """The position asked about, if the trace was asked for by position."""
    loads: tuple[LoadReport, ...] = ()
    """How the command loaded each aggregate it decided on: for a recent command, when
    aggregates load by replay or from snapshots (not the default in-memory cache)."""
    hops: tuple[str, ...] = ()
    """Services on: each hop of its order across the services (outbox row, relay publish,
    delivery and what the inbox did, saga step), with lab times."""

    @property
    def positions(self) -> tuple[int, ...]:
        return tuple(item.event.position for item in self.events)


class TraceNotFound(LookupError):
    def __str__(self) -> str:
        return str(self.args[0])


def trace(lab: Lab, target: int | str) -> Trace:
    """The chain of the event at a position (`4`, `"4"`, `"#4"`) or of a command id (or the
    start of one, as the event log shows it), read as `trace_target` says: text of
    ID_PREFIX characters or more is an id, digits only too."""
    focus, command_id = _resolve(lab, target)
    lab.deliveries.sweep()
    aggregates = lab.handler.aggregates
    events = lab.store.find_by_command_id(command_id)
    if not events:
        raise TraceNotFound(f"no events of command {command_id}")
    first = events[0].metadata
    related = tuple(
        event
        for event in reversed(lab.recent)
        if event.metadata.correlation_id == first.correlation_id
        and event.metadata.command_id != command_id
    )
    return Trace(
        command_id=command_id,
        correlation_id=first.correlation_id,
        causation_id=first.causation_id,
        command=describe_command(events),
        recorded_at=first.recorded_at,
        events=tuple(_event_trace(lab, event) for event in events),
        related=related,
        focus=focus,
        loads=lab.handler.loads.get(command_id, ()) if aggregates.strategy != "cached" else (),
        hops=order_hops(lab, events),
    )


def _resolve(lab: Lab, target: int | str) -> tuple[int | None, str]:
    """(the position asked about or None, the command id)."""
    if isinstance(target, str):
        target = _target(target.strip())
    if isinstance(target, int):
        found = lab.store.read_all(after=target - 1, limit=1) if target > 0 else []
        if not found or found[0].position != target:
            raise TraceNotFound(f"no event #{target} (the head is #{lab.store.head()})")
        return target, found[0].metadata.command_id
    text = target
    if lab.store.find_by_command_id(text):
        return None, text
    for event in lab.recent:
        meta = event.metadata
        if meta.command_id.startswith(text) or meta.correlation_id.startswith(text):
            return None, meta.command_id
    placed = lab.store.read_stream(order_stream(text))
    if placed:  # an order's id: the command that placed it
        return None, placed[0].metadata.command_id
    raise TraceNotFound(f"no recent command whose id starts with {text!r}")


def _target(text: str) -> int | str:
    if not text:
        raise TraceNotFound("name an event position (like 4) or a command id")
    try:
        return trace_target(text)
    except ValueError as error:
        raise TraceNotFound(str(error)) from None


def _event_trace(lab: Lab, event: RecordedEvent) -> EventTrace:
    lanes, not_sent = [], []
    for name, subscriber in lab.subscribers.items():
        if not subscriber.handles(event):
            not_sent.append(name)
            continue
        lanes.append(_lane_trace(lab, name, subscriber, event))
    return EventTrace(event, tuple(lanes), tuple(not_sent))


def _lane_trace(lab: Lab, lane: str, subscriber: Subscriber, event: RecordedEvent) -> LaneTrace:
    position, log = event.position, lab.deliveries
    records = log.records(position, lane)
    applied = log.applied(position, lane)
    due_at = None
    status: LaneStatus
    guard, why = subscriber.guard, ""
    parked = guard.history.get(position)
    if any(parked.event.position == position for parked in guard.parked):
        why = "parked"  # delivered, and the checkpoint passed it: not applied for all that
    elif parked is not None and parked.discarded:
        why = "discarded: never applied"
    elif position in guard.skipped:
        why = "skipped"
    elif guard.stall is not None and guard.stall.event.position == position:
        why = "the lane is stalled on it"
    if why:
        status, applied = "not applied yet", None
    elif parked is not None and parked.replayed_at is not None:
        status, applied = "applied", Applied(parked.replayed_at, REPLAYED)
    elif applied is not None or subscriber.checkpoint >= position:
        status = "applied"
    elif position in {e.position for e in subscriber.at_door}:
        status = "held at the door"
    elif position in subscriber.held:
        status = "waiting for a gap"
    elif (due := _next_due(lab, lane, subscriber, position)) is not None:
        status, due_at = "in flight", due
    elif any(record.effect == "lost" for record in records):
        status = "lost"
    else:
        status = "not applied yet"
    # The bus stamps its deliveries itself: on a real clock a hair after the lab published.
    sent = [record.sent_at for record in records if record.kind != "redelivery"]
    sent_at = min(sent) if sent else log.sent_at(position, lane)
    return LaneTrace(lane, sent_at, records, applied, status, due_at, why, parked)


def _next_due(lab: Lab, lane: str, subscriber: Subscriber, position: int) -> float | None:
    if subscriber.mode is not Mode.ASYNC:
        return None
    dues = [d.due_at for d in lab.bus.in_flight_for(lane) if d.position == position]
    return min(dues) if dues else None


def describe_command(events: Sequence[RecordedEvent]) -> str:
    """The command that recorded `events`, as a lab line (without any password)."""
    try:
        command = command_of(events)
    except RecordingError:
        return "a command recording " + ", ".join(event.type for event in events)
    values = [
        format_cents(value) if name.endswith("_cents") else str(value)
        for name in type(command).model_fields
        if name in command.model_fields_set and name != "command_id"
        for value in (getattr(command, name),)
    ]
    return " ".join((command.verb, *values))


# -- as text and JSON (the `trace` line) ----------------------------------------------


def describe_trace(chain: Trace) -> str:
    """The chain as plain lines: the command, then each event and its lanes (`>` marks the
    event asked about)."""
    head = (
        f"trace of {chain.command} (command {chain.command_id[:ID_PREFIX]},"
        f" handled at t={chain.recorded_at:.3f}s)"
    )
    loads = [f"  {load.describe()}" for load in chain.loads]
    events = [_event_text(item, chain.focus) for item in chain.events]
    hops = ["  across the services:", *(f"    {hop}" for hop in chain.hops)] if chain.hops else []
    return "\n".join([head, *loads, *events, *hops])


def _event_text(item: EventTrace, focus: int | None) -> str:
    event = item.event
    lanes = "; ".join(_lane_text(lane) for lane in item.lanes) or "no projection reads it"
    mark = ">" if event.position == focus else " "
    return f"{mark} #{event.position} {event.type} on {event.stream_id}: {lanes}"


def _lane_text(lane: LaneTrace) -> str:
    park = lane.parked and f"parked at t={lane.parked.parked_at:.3f}s: {lane.parked.reason}"
    if lane.applied is not None:
        text = f"{lane.lane} applied at t={lane.applied.at:.3f}s, {lane.applied.how}"
        return text + (f" ({park})" if park else "")
    if lane.due_at is not None:
        return f"{lane.lane} {lane.status}, due t={lane.due_at:.3f}s"
    reasons = [park] if park else []
    if lane.why and not (park and lane.why == "parked"):  # the park says it, with its time
        reasons.append(lane.why)
    why = "; ".join(reasons)
    return f"{lane.lane} {lane.status}" + (f" ({why})" if why else "")


def trace_json(chain: Trace) -> dict[str, Any]:
    """The chain as JSON data (an outcome's data in `cqrs-lab run --json`)."""
    return {
        "command": chain.command,
        "command_id": chain.command_id,
        "correlation_id": chain.correlation_id,
        "causation_id": chain.causation_id,
        "recorded_at": round(chain.recorded_at, 6),
        "focus": chain.focus,
        "loads": [load.to_json() for load in chain.loads],
        "services": list(chain.hops),
        "events": [
            {
                "position": item.event.position,
                "type": item.event.type,
                "stream_id": item.event.stream_id,
                "lanes": {lane.lane: _lane_json(lane) for lane in item.lanes},
            }
            for item in chain.events
        ],
    }


def _lane_json(lane: LaneTrace) -> dict[str, Any]:
    applied = lane.applied
    return {
        "status": lane.status,
        "applied_at": None if applied is None else round(applied.at, 6),
        "how": None if applied is None else applied.how,
        "due_at": None if lane.due_at is None else round(lane.due_at, 6),
        **({"why": lane.why} if lane.why else {}),
        **({"parked_at": round(parked.parked_at, 6)} if (parked := lane.parked) else {}),
        **({"replayed_at": round(at, 6)} if parked and (at := parked.replayed_at) else {}),
    }
