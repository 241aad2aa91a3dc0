"""Read replicas of a view, and the policy that routes each query to one of them.

`replicas orders 3` gives the orders view three replicas. Each is a copy of the orders
projection in its own database (an in-memory SQLite), fed from the log with its own lag: at
each read it applies the events recorded at least one lag sample ago (its lag model, drawn
from the replicas' own seeded RNG), never beyond what its primary (the view's projection)
reflects. A replica never goes back, but two replicas are at different places: a session
whose reads go to one, then another, can see time run backwards.

`route orders random | sticky | at-least-my-position` chooses the replica of each query:

- `random`: any replica;
- `sticky`: one replica per session, chosen at its first read (a session's reads never go
  back, but may miss its own writes);
- `at-least-my-position`: a replica (or the primary) that has reached the session's
  position, the newest of its own last write and the last position it read; the Lab waits
  (in lab time) until one has.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

from cqrs_lab.read.projection import Projection
from cqrs_lab.read.views import ViewRows
from cqrs_lab.sim.latency import LatencyModel, parse_latency
from cqrs_lab.store.event_store import RecordedEvent

MAX_REPLICAS = 3
REPLICA_LAGS = ("uniform:200ms..1s", "uniform:1s..3s", "uniform:2s..6s")
"""Each replica's lag model, by its number: short, then longer."""
REPLICA_SEED_SALT = 0x5E551011
"""The replicas' RNG is the lab's seed salted: drawing their lags moves no other draw."""

ReadLog = Callable[[int, int], Sequence[RecordedEvent]]
"""(after, limit) -> the stored events after a position, oldest first."""


class Route(StrEnum):
    RANDOM = "random"
    STICKY = "sticky"
    AT_LEAST_MY_POSITION = "at-least-my-position"


ROUTES = tuple(route.value for route in Route)


class Replica:
    """One replica of a view: a copy of its projection in a database of its own."""

    def __init__(self, name: str, projection: Projection, lag: LatencyModel) -> None:
        self.name = name
        self.projection = projection
        self.lag = lag
        self.engine: Engine = sa.create_engine(
            "sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
        with self.engine.begin() as connection:
            projection.create_tables(connection)

    @property
    def position(self) -> int:
        """The log position it reflects: every event up to it applied."""
        return self.projection.checkpoint

    def sync(self, now: float, cap: int, read_log: ReadLog, rng: random.Random) -> None:
        """Apply what reached it by `now` (recorded a lag sample ago), up to `cap`: the
        primary's position, so a replica is never ahead of its view."""
        cutoff = now - self.lag.sample(rng)
        while self.position < cap:
            page = read_log(self.position, min(500, cap - self.position))
            if not page:
                break
            for event in page:
                # an event of a type it does not read is no news: passed at once, as the
                # primary's position passes it (only events it reads carry the lag)
                late = event.metadata.recorded_at > cutoff
                if late and event.type in self.projection.handles:
                    self._save()
                    return
                self.projection.apply(event)
        self._save()

    def query(self, username: str | None) -> ViewRows:
        with self.engine.connect() as connection:
            return self.projection.query(connection, username)

    def _save(self) -> None:
        if self.projection.dirty:
            with self.engine.begin() as connection:
                self.projection.flush(connection)

    def close(self) -> None:
        self.engine.dispose()


class ReplicaSet:
    """Every view's replicas and routes, and the sessions' sticky choices."""

    def __init__(self, seed: int) -> None:
        self.replicas: dict[str, list[Replica]] = {}
        self.routes: dict[str, Route] = {}
        self.sticky: dict[tuple[str, str], int] = {}
        self.rng = random.Random(seed ^ REPLICA_SEED_SALT)
        self.reads: dict[str, int] = {}
        """Reads answered by each replica."""

    def set_replicas(self, view: str, replicas: list[Replica]) -> None:
        for old in self.replicas.pop(view, []):
            old.close()
        if replicas:
            self.replicas[view] = replicas
            self.routes.setdefault(view, Route.RANDOM)
        else:
            self.routes.pop(view, None)
        for key in [key for key in self.sticky if key[0] == view]:
            del self.sticky[key]

    def of(self, view: str) -> list[Replica]:
        return self.replicas.get(view, [])

    def choose(self, view: str, session: str, eligible: Sequence[Replica]) -> Replica | None:
        """The replica a query goes to under the view's route, among `eligible` (the ones
        that have reached the session's position, for at-least-my-position)."""
        replicas = self.of(view)
        route = self.routes.get(view, Route.RANDOM)
        if route is Route.STICKY:
            index = self.sticky.setdefault((view, session), self.rng.randrange(len(replicas)))
            return replicas[index]
        pool = list(eligible) if route is Route.AT_LEAST_MY_POSITION else replicas
        return self.rng.choice(pool) if pool else None

    def counted(self, replica: Replica) -> None:
        self.reads[replica.name] = self.reads.get(replica.name, 0) + 1

    def reseed(self, seed: int) -> None:
        self.rng.seed(seed ^ REPLICA_SEED_SALT)

    def clear(self, seed: int) -> None:
        for view in list(self.replicas):
            self.set_replicas(view, [])
        self.routes.clear()
        self.reads.clear()
        self.reseed(seed)


def make_replicas(lane: str, count: int, projection: type[Projection]) -> list[Replica]:
    """`count` fresh replicas of a lane's projection, each with its number's lag."""
    return [
        Replica(f"{lane}-r{number}", projection(), parse_latency(REPLICA_LAGS[number - 1]))
        for number in range(1, count + 1)
    ]
