"""Performing the lines of production's problems (`script/production_actions.py`) on a Lab:
poison events and error policies, parked events, snapshots, the query cache, replicas and
routes, upcasters and an event written in its old shape. The interpreter registers
`PERFORMERS`."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from cqrs_lab.lab.outcome import Outcome, control
from cqrs_lab.lab.service_performers import reset_services
from cqrs_lab.read.cache import CachePolicy
from cqrs_lab.read.poison import ErrorPolicy
from cqrs_lab.read.replicas import Route
from cqrs_lab.script import production_actions as pa
from cqrs_lab.shop.commands import RegisterUser
from cqrs_lab.shop.state import user_stream
from cqrs_lab.sim.durations import format_duration
from cqrs_lab.store.errors import ConcurrencyError
from cqrs_lab.store.event_store import EventMetadata, NewEvent, StreamAppend
from cqrs_lab.store.upcasters import UPCASTERS
from cqrs_lab.write.snapshots import LoadStrategy

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab

Performer = Callable[[Any, "Lab", str], Outcome]

_POLICY_SAYS = {
    ErrorPolicy.RETRY: "a failing event is retried with backoff (1s, 2s, 4s), then parked",
    ErrorPolicy.PARK: "a failing event is parked (the dead-letter queue) and the lane goes on",
    ErrorPolicy.SKIP: "a failing event is skipped: its projection never has it",
    ErrorPolicy.STOP: "a failing event stops the lane until the policy or the poison changes",
}


def on_error(action: pa.SetErrorPolicy, lab: Lab, line: str) -> Outcome:
    policy = ErrorPolicy(action.policy)
    for name in lab.lanes_named(action.lane):
        lab.subscribers[name].set_error_policy(policy)
    lab.flush()
    return control(line, f"on-error {action.lane}: {policy} ({_POLICY_SAYS[policy]})")


def poison(action: pa.SetPoison, lab: Lab, line: str) -> Outcome:
    names = lab.lanes_named(action.lane)
    for name in names:
        subscriber = lab.subscribers[name]
        switch = subscriber.guard.poison
        if action.kind == "next":
            switch.next_armed, switch.next_fails = True, action.fails
        elif action.kind == "type" and action.event_type:
            switch.types = switch.types | {action.event_type}
        else:
            subscriber.lift_poison()
    lab.flush()
    shown = "; ".join(f"{name}: {lab.subscribers[name].guard.poison.describe()}" for name in names)
    return control(line, f"poison {shown}")


def parked(action: pa.Parked, lab: Lab, line: str) -> Outcome:
    parts: list[str] = []
    counts: dict[str, int] = {}
    for name in lab.lanes_named(action.lane):
        subscriber = lab.subscribers[name]
        guard = subscriber.guard
        if action.verb == "replay":
            counts[name] = subscriber.replay_parked()
            left = f"; {len(guard.parked)} still parked" if guard.parked else ""
            parts.append(f"{name}: replayed {counts[name]} parked events{left}")
        elif action.verb == "discard":
            counts[name] = guard.discard()
            parts.append(f"{name}: discarded {counts[name]} parked events (never applied)")
        else:
            counts[name] = len(guard.parked)
            listed = "; ".join(p.describe() for p in guard.parked) or "none"
            parts.append(f"{name}: {len(guard.parked)} parked: {listed}")
    lab.flush()
    return control(line, " | ".join(parts), **{action.verb: counts})


def snapshots(action: pa.SetSnapshots, lab: Lab, line: str) -> Outcome:
    aggregates = lab.handler.aggregates
    if action.every is None:
        aggregates.set_strategy(LoadStrategy.CACHED)
        return control(line, "snapshots off: aggregates load from the in-memory cache again")
    aggregates.set_strategy(LoadStrategy.SNAPSHOTS, action.every)
    return control(
        line,
        f"snapshots every {action.every} versions: a command loads each aggregate from its "
        "newest snapshot plus the events after it (no in-memory cache); trace shows how",
    )


def aggregates(action: pa.SetAggregates, lab: Lab, line: str) -> Outcome:
    lab.handler.aggregates.set_strategy(LoadStrategy(action.strategy))
    says = {
        "cached": "folded states are kept in memory; a load reads only newer events",
        "replay": "every command folds each stream it reads from its first event",
    }
    return control(line, f"aggregates {action.strategy}: {says[action.strategy]}")


def cache(action: pa.SetCache, lab: Lab, line: str) -> Outcome:
    policy = CachePolicy(action.kind, action.ttl)
    lab.reads.cache.set_policy(action.view, policy)
    says = {
        "off": "answers come from the read model every time",
        "ttl": f"answers are kept {format_duration(action.ttl)}, whatever happens meanwhile",
        "invalidate": "answers are kept until the next event reaches their source",
    }
    return control(line, f"cache {action.view}: {policy} ({says[action.kind]})")


def replicas(action: pa.SetReplicas, lab: Lab, line: str) -> Outcome:
    made = lab.reads.set_replicas(action.view, action.count)
    if not made:
        return control(line, f"replicas {action.view}: none (queries read the view itself)")
    route = lab.reads.replicas.routes[action.view]
    listed = ", ".join(f"{replica.name} (lag {replica.lag})" for replica in made)
    return control(line, f"replicas {action.view}: {listed}; route {route}")


def route(action: pa.SetRoute, lab: Lab, line: str) -> Outcome:
    lab.reads.replicas.routes[action.view] = Route(action.route)
    count = len(lab.reads.replicas.of(action.view))
    note = "" if count else f" (no replicas yet: replicas {action.view} 2)"
    return control(line, f"route {action.view}: {action.route}{note}")


def upcasters(action: pa.SetUpcasters, lab: Lab, line: str) -> Outcome:
    lab.store.upcasters = dict(UPCASTERS) if action.on else {}
    lab.handler.aggregates.forget_states()  # folded through the old setting: read again
    if action.on:
        return control(line, "upcasters on: old event shapes are read as the current one")
    return control(line, "upcasters off: every event is read exactly as it was stored")


def legacy_register(action: pa.LegacyRegister, lab: Lab, line: str) -> Outcome:
    """Append a version-1 UserRegistered, as another (older) process would, and pick it up."""
    command = RegisterUser(
        username=action.username,
        email=action.email,
        password=secrets.token_urlsafe(12),  # never stored: a legacy user cannot log in
        command_id=lab.command_ids.new(),
    )
    old = NewEvent("UserRegistered", {"name": action.username, "email": action.email}, 1)
    metadata = EventMetadata(
        command.command_id, command.command_id, command.command_id, lab.clock.now()
    )
    try:
        with lab.store.transaction() as connection:
            recorded = lab.store.append_many(
                [StreamAppend(user_stream(action.username), 0, [old])],
                metadata,
                connection=connection,
            )
            lab.crud.apply(connection, command, recorded)
    except ConcurrencyError:
        message = f"{action.username} is registered already"
        return Outcome(line, False, "command", message, {}, "username_taken")
    lab.poll_store()
    position = recorded[0].position
    return Outcome(
        line,
        True,
        "command",
        f"ok legacy-register: UserRegistered #{position}, stored in its version-1 shape",
        {"accepted": True, "position": position},
    )


def reset_production(lab: Lab) -> None:
    """What `reset` puts back of these lines: aggregates cached with no snapshots, the
    upcasters on, no query cache, no replicas, fresh sessions (a lane's error policy and
    poison go back with the subscriber), services off with their tables empty."""
    lab.handler.aggregates.clear()
    reset_services(lab)
    lab.store.upcasters = dict(UPCASTERS)
    lab.reads.clear(lab.seed)


PERFORMERS: dict[type, Performer] = {
    pa.SetErrorPolicy: on_error,
    pa.SetPoison: poison,
    pa.Parked: parked,
    pa.SetSnapshots: snapshots,
    pa.SetAggregates: aggregates,
    pa.SetCache: cache,
    pa.SetReplicas: replicas,
    pa.SetRoute: route,
    pa.SetUpcasters: upcasters,
    pa.LegacyRegister: legacy_register,
}
