"""What a recording keeps of production's settings (issue 17), so that its replay is the
same lab: the header's `production` object, written by `production_json` and put back by
`restore_production`.

- per lane: the error policy (`on-error`), the poison switched on (`poison LANE next|TYPE`
  and the events it has taken), the parked events (with when and why each was parked), the
  skipped ones, the event the lane is stalled on, and the lane's counts of all that;
- how aggregates load (`aggregates`, `snapshots every N`);
- per view: the query cache's policy, how many replicas and how far each had got, the
  route and the sessions' sticky choices;
- what each session has read of each view (the monotonic-reads check goes on from there);
- whether the upcasters are on.

A replayed lane gets its events back as it had them: its projection is filled again from
the store without the parked and skipped events (its checkpoint passes them) and up to the
event it is stalled on, which waits with every later one behind it, its next retry (if one
was coming) due when it was. All of that belongs to the recording's last moment, so a
replay cut short (`--to`, time travel) keeps the settings only, as it does a lane's latency.

Not kept: the answers in the query cache (a replay's first query is a miss) and the RNG
states (the replicas' next lag samples and routes are drawn afresh from the seed).
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from cqrs_lab.lab.rebuilds import refill
from cqrs_lab.lab.sessions import Seen
from cqrs_lab.read.cache import CachePolicy
from cqrs_lab.read.poison import ErrorPolicy, GuardStats, ParkedEvent, ParkHistory, Stall
from cqrs_lab.read.replicas import Route
from cqrs_lab.store.upcasters import UPCASTERS
from cqrs_lab.write.snapshots import LoadStrategy

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab
    from cqrs_lab.read.subscriber import Subscriber
    from cqrs_lab.store.event_store import RecordedEvent


def production_json(lab: Lab) -> dict[str, Any]:
    """The production settings and state of `lab`, as JSON data for a recording's header."""
    aggregates = lab.handler.aggregates
    reads = lab.reads
    return {
        "lanes": {name: _lane_json(subscriber) for name, subscriber in lab.subscribers.items()},
        "aggregates": {"strategy": str(aggregates.strategy), "every": aggregates.snapshots.every},
        "cache": {
            view: {"kind": policy.kind, "ttl": policy.ttl}
            for view, policy in reads.cache.policies.items()
        },
        "replicas": {
            view: [replica.position for replica in replicas]
            for view, replicas in reads.replicas.replicas.items()
        },
        "routes": {view: str(route) for view, route in reads.replicas.routes.items()},
        "sticky": [[view, session, i] for (view, session), i in reads.replicas.sticky.items()],
        "sessions": [
            [session, view, user, seen.position, sorted(seen.keys), seen.source]
            for (session, view, user), seen in reads.sessions.seen.items()
        ],
        "upcasters": bool(lab.store.upcasters),
    }


def _lane_json(subscriber: Subscriber) -> dict[str, Any]:
    guard = subscriber.guard
    poison, stall = guard.poison, guard.stall
    return {
        "on_error": str(guard.policy),
        "poison": {
            "next_armed": poison.next_armed,
            "next_fails": poison.next_fails,
            "types": sorted(poison.types),
            "victims": [[position, left] for position, left in sorted(poison.victims.items())],
        },
        "parked": [
            [p.event.position, p.reason, p.parked_at, p.attempts] for p in guard.parked
        ],
        "history": [
            [position, h.parked_at, h.reason, h.replayed_at, h.discarded]
            for position, h in sorted(guard.history.items())
        ],
        "skipped": list(guard.skipped),
        "stall": None
        if stall is None
        else [stall.event.position, stall.reason, stall.since, stall.attempts, stall.retry_at],
        "stats": asdict(guard.stats),
    }


def restore_production(lab: Lab, data: dict[str, Any], *, whole: bool) -> None:
    """Put `data` (a recording's `production`) back on a freshly replayed `lab`; `whole`:
    the replay reached the recording's last event (see the module's docstring). A bad
    value raises ValueError, KeyError or TypeError (the reader names the line)."""
    for name, lane in data.get("lanes", {}).items():
        if name in lab.subscribers:
            _restore_lane(lab, lab.subscribers[name], lane, whole)
    aggregates = data.get("aggregates")
    if aggregates:
        every = aggregates.get("every")
        lab.handler.aggregates.set_strategy(
            LoadStrategy(aggregates["strategy"]), None if every is None else int(every)
        )
    reads = lab.reads
    for view, policy in data.get("cache", {}).items():
        reads.cache.set_policy(view, CachePolicy(str(policy["kind"]), float(policy["ttl"])))
    for view, positions in data.get("replicas", {}).items():
        made = reads.set_replicas(view, len(positions))
        for replica, position in zip(made, positions, strict=True):
            if whole:  # how far each had got: every event up to it, without a lag sample
                read_log = lambda after, limit: lab.store.read_all(after=after, limit=limit)  # noqa: E731
                replica.sync(math.inf, int(position), read_log, random.Random())
    for view, route in data.get("routes", {}).items():
        reads.replicas.routes[view] = Route(route)
    if whole:
        for view, session, index in data.get("sticky", []):
            reads.replicas.sticky[str(view), str(session)] = int(index)
        for session, view, user, position, keys, source in data.get("sessions", []):
            seen = Seen(int(position), frozenset(map(str, keys)), str(source))
            reads.sessions.seen[str(session), str(view), user] = seen
    if "upcasters" in data:
        lab.store.upcasters = dict(UPCASTERS) if data["upcasters"] else {}
        lab.handler.aggregates.forget_states()


def _restore_lane(lab: Lab, subscriber: Subscriber, data: dict[str, Any], whole: bool) -> None:
    guard = subscriber.guard
    guard.policy = ErrorPolicy(data["on_error"])
    poison = data["poison"]
    guard.poison.next_armed = bool(poison["next_armed"])
    fails = poison["next_fails"]
    guard.poison.next_fails = None if fails is None else int(fails)
    guard.poison.types = frozenset(map(str, poison["types"]))
    if not whole:
        return
    guard.poison.victims = {
        int(position): None if left is None else int(left) for position, left in poison["victims"]
    }
    guard.stats = GuardStats(**{key: int(value) for key, value in data["stats"].items()})
    guard.history = {
        int(position): ParkHistory(float(at), str(reason), replayed, bool(discarded))
        for position, at, reason, replayed, discarded in data["history"]
    }
    stall = data["stall"]
    parked = {int(row[0]): row for row in data["parked"]}
    skipped = [int(position) for position in data["skipped"]]
    if not (parked or skipped or stall):
        return
    events = _events_at(lab, {*parked, *skipped, *([int(stall[0])] if stall else [])})
    guard.parked = [
        ParkedEvent(events[position], str(reason), float(at), int(attempts))
        for position, (_, reason, at, attempts) in sorted(parked.items())
    ]
    guard.skipped = skipped
    stuck = None if stall is None else int(stall[0])
    refill(lab, subscriber.name, {*parked, *skipped}, stuck)
    if stall is None:
        return
    _, reason, since, attempts, retry_at = stall
    event = events[stuck]
    retry = None if retry_at is None else float(retry_at)
    guard.stall = Stall(event, str(reason), float(since), int(attempts), retry)
    guard.resume_to = lab.head  # every later event waits behind the stuck one, in order
    waiting = lab.store.iter_all(after=stuck - 1)
    subscriber.expect(e.position for e in waiting if subscriber.handles(e))
    if retry is not None:
        subscriber.retry_later(event, max(0.0, retry - lab.clock.now()))


def _events_at(lab: Lab, positions: set[int]) -> dict[int, RecordedEvent]:
    """The stored events at `positions` (as the replayed store reads them)."""
    found = {e.position: e for e in lab.store.iter_all() if e.position in positions}
    if missing := sorted(positions - found.keys()):
        raise ValueError(f"the production settings name event #{missing[0]}, which is not stored")
    return found
