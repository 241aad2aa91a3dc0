"""The actions of the lines that bring production's problems into the lab: poison events
and their lane's error policy, aggregate snapshots, the query cache, read replicas and their
routes, and events written in an old shape (for upcasting)."""

from __future__ import annotations

from typing import Literal, TypeAlias

from cqrs_lab.script.action_values import action
from cqrs_lab.script.names import Lane, View

ErrorPolicyWord: TypeAlias = Literal["retry", "park", "skip", "stop"]
RouteWord: TypeAlias = Literal["random", "sticky", "at-least-my-position"]
ParkedVerb: TypeAlias = Literal["list", "replay", "discard"]


@action
class SetErrorPolicy:
    """`on-error LANE retry|park|skip|stop`."""

    lane: Lane
    policy: ErrorPolicyWord


@action
class SetPoison:
    """`poison LANE next [N]` (the next event fails N times; None: until lifted), `poison
    LANE TYPE` (a projection bug: every event of TYPE fails) or `poison LANE off`."""

    lane: Lane
    kind: Literal["next", "type", "off"]
    fails: int | None = None
    event_type: str | None = None


@action
class Parked:
    """`parked LANE` lists a lane's parked events; `replay-parked LANE` applies them again;
    `discard-parked LANE` throws them away."""

    lane: Lane
    verb: ParkedVerb


@action
class SetSnapshots:
    """`snapshots every N` (N: versions between snapshots) or `snapshots off` (None)."""

    every: int | None


@action
class SetAggregates:
    """`aggregates cached|replay`: how the write side loads an aggregate without snapshots."""

    strategy: Literal["cached", "replay"]


@action
class SetCache:
    """`cache VIEW ttl:DURATION | invalidate | off`."""

    view: View
    kind: Literal["ttl", "invalidate", "off"]
    ttl: float = 0.0


@action
class SetReplicas:
    """`replicas VIEW N`: N read replicas of a view (0 removes them)."""

    view: View
    count: int


@action
class SetRoute:
    """`route VIEW random|sticky|at-least-my-position`."""

    view: View
    route: RouteWord


@action
class SetUpcasters:
    """`upcasters on|off`: read old event shapes through the upcasters, or as stored."""

    on: bool


@action
class LegacyRegister:
    """`legacy-register USER EMAIL`: a UserRegistered in its version-1 shape (the user's
    handle under `name`), as the shop's first release wrote it."""

    username: str
    email: str


ProductionAction: TypeAlias = (
    SetErrorPolicy
    | SetPoison
    | Parked
    | SetSnapshots
    | SetAggregates
    | SetCache
    | SetReplicas
    | SetRoute
    | SetUpcasters
    | LegacyRegister
)
