"""The way a query's rows are read: through the query cache, routed to a replica or read
from the view's own tables (or the CRUD twin's), and checked against the asker's session.

`Lab.query` asks `ReadPath.read` for the rows and the position they reflect; this module
holds the cache (`read/cache.py`), the replicas and their routes (`read/replicas.py`) and
the session-guarantee checker (`lab/sessions.py`), and counts what they do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import Connection

from cqrs_lab.lab.defaults import SESSION, WAIT_TIMEOUT
from cqrs_lab.lab.sessions import Read, SessionChecker
from cqrs_lab.read import catalog, crud_queries
from cqrs_lab.read.cache import QueryCache
from cqrs_lab.read.registry import PROJECTION_TYPES, query_crud
from cqrs_lab.read.replicas import ReadLog, Replica, ReplicaSet, Route, make_replicas
from cqrs_lab.read.subscriber import Subscriber
from cqrs_lab.read.view_specs import VIEW_LANES
from cqrs_lab.read.views import ViewRows
from cqrs_lab.store.event_store import EventStore

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab


@dataclass(frozen=True, slots=True)
class RowsRead:
    rows: ViewRows
    position: int
    """The log position the rows reflect."""
    served_by: str = ""
    cache_age: float | None = None
    stale_cache: bool = False
    stalled: str | None = None
    violations: tuple[str, ...] = ()


def private_store(store: EventStore) -> bool:
    """Whether no other lab can append to the store or write its read tables: an in-memory
    SQLite database (`make_engine`'s ':memory:', one connection for this process alone)."""
    url = store.engine.url
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _rows(
    lab: Lab, connection: Connection, view: str, username: str | None, crud: bool, page: int
) -> ViewRows:
    """The rows of `view` from its projection's tables, or from the CRUD twin's (`page`:
    the catalog's)."""
    if view == "catalog":
        query = crud_queries.query_catalog if crud else catalog.query_page
        return query(connection, page=page)
    if crud:
        return query_crud(connection, view, username)
    return lab.projections[VIEW_LANES[view]].query(connection, username)


class ReadPath:
    def __init__(self, seed: int, *, private: bool = False) -> None:
        """`private`: no other lab writes the store (`private_store`), so a
        projection whose mirrors hold every row answers from them (`from_memory`)."""
        self.cache = QueryCache()
        self.replicas = ReplicaSet(seed)
        self.sessions = SessionChecker()
        self.private = private

    def from_memory(self, lab: Lab, subscriber: Subscriber) -> bool:
        """Whether the view's rows are read from its projection's mirrors, not its tables:
        on private tables, mirrors that hold every row are the tables plus what is not
        flushed yet, so the answer is the one a flush and a read would give (one that
        failed to flush is read from its tables, as committed)."""
        projection = subscriber.projection
        return (
            self.private
            and projection.holds_every_row
            and projection.name not in lab.flush_problems
        )

    def saved_position(self, lab: Lab, subscriber: Subscriber) -> int:
        """The position the rows a query reads reflect: what the projection applied, unless
        they are read from its tables and a flush failed, then only what is committed."""
        projection = subscriber.projection
        if projection.dirty and not self.from_memory(lab, subscriber):
            return projection.committed_checkpoint
        return subscriber.position(lab.head)

    def set_replicas(self, view: str, count: int) -> list[Replica]:
        lane = VIEW_LANES[view]
        replicas = make_replicas(lane, count, PROJECTION_TYPES[lane]) if count else []
        self.replicas.set_replicas(view, replicas)
        return replicas

    def read(
        self,
        lab: Lab,
        view: str,
        username: str | None,
        crud: bool,
        target: int,
        record: bool,
        page: int = 1,
    ) -> RowsRead:
        """The rows of one query, wherever they come from. `record`: the learner's or a
        load's query, counted and checked; a screen refresh (not recorded) reads the view's
        own tables, so it neither fills the cache nor draws from the replicas' RNG (a
        seeded run routes the same whatever the frame rate). A replica answers the first
        page of the catalog; a later page is read from the view's own tables."""
        lane = VIEW_LANES[view]
        subscriber = lab.subscribers[lane]
        now = lab.clock.now()
        stall = None if crud else subscriber.guard.stall
        stalled = stall.describe(now) if stall else None
        if not record:
            rows, position = self._own_rows(lab, view, username, crud, page)
            return RowsRead(rows, position, stalled=stalled)
        source = "crud" if crud else "projection"
        own = lab.head if crud else self.saved_position(lab, subscriber)
        key = (view, username, source, page)
        hit = self.cache.lookup(key, now, own)
        if hit is not None:
            lab.metrics.cache_hits[view] += 1
            lab.metrics.stale_cache_hits[view] += hit.stale
            cached = hit.answer
            read = RowsRead(cached.rows, cached.checkpoint, "", hit.age, hit.stale, stalled)
            return self._checked(lab, read, view, username, "the cache", target)
        replica = None
        if not crud and page == 1 and self.replicas.of(view):
            replica = self._route(lab, view, username, subscriber, target)
        if replica is not None:
            rows, position, served_by = replica.query(username), replica.position, replica.name
            self.replicas.counted(replica)
            lab.metrics.replica_reads[replica.name] += 1
        else:
            (rows, position), served_by = self._own_rows(lab, view, username, crud, page), ""
        self.cache.keep(key, rows, position, now)
        read = RowsRead(rows, position, served_by, None, False, stalled)
        where = served_by or ("the CRUD twin" if crud else f"the {lane} projection")
        return self._checked(lab, read, view, username, where, target)

    def _own_rows(
        self, lab: Lab, view: str, username: str | None, crud: bool, page: int
    ) -> tuple[ViewRows, int]:
        """The view's own tables or mirrors (or the CRUD twin's tables), and the position
        they reflect."""
        subscriber = lab.subscribers[VIEW_LANES[view]]
        if not crud and self.from_memory(lab, subscriber):
            return subscriber.projection.remembered(username, page), subscriber.position(lab.head)
        with lab.store.reading() as connection:
            rows = _rows(lab, connection, view, username, crud, page)
        return rows, lab.head if crud else self.saved_position(lab, subscriber)

    def _route(
        self, lab: Lab, view: str, username: str | None, subscriber: Subscriber, target: int
    ) -> Replica | None:
        """The replica the view's route sends this query to (None: the view's own tables,
        for at-least-my-position when no replica has reached the session's position)."""
        session = username or SESSION
        replicas = self.replicas.of(view)
        required = max(target, self.sessions.position_seen(session, view, username))
        at_least = self.replicas.routes.get(view) is Route.AT_LEAST_MY_POSITION
        if at_least and self.saved_position(lab, subscriber) < required:
            lab.wait_for(subscriber, required, WAIT_TIMEOUT)  # replicas are never ahead of it
            lab.flush(subscriber.projection)  # what it applied meanwhile, in its tables
        cap = self.saved_position(lab, subscriber)
        for replica in replicas:
            replica.sync(lab.clock.now(), cap, self._read_log(lab), self.replicas.rng)
        eligible = [replica for replica in replicas if replica.position >= required]
        return self.replicas.choose(view, session, eligible)

    @staticmethod
    def _read_log(lab: Lab) -> ReadLog:
        return lambda after, limit: lab.store.read_all(after=after, limit=limit)

    def _checked(
        self,
        lab: Lab,
        read: RowsRead,
        view: str,
        username: str | None,
        where: str,
        target: int,
    ) -> RowsRead:
        missing: list[tuple[int, str]] = []
        if not read.served_by and read.cache_age is None and where != "the CRUD twin":
            guard = lab.subscribers[VIEW_LANES[view]].guard
            missing = [
                (parked.event.position, f"{parked.event.type}, parked")
                for parked in guard.parked
                if parked.event.position <= read.position
            ] + [(position, "skipped") for position in guard.skipped if position <= read.position]
            missing.sort()
        session = username or SESSION
        violations = self.sessions.check(
            Read(session, view, username, where, read.position, read.rows, target, missing)
        )
        for violation in violations:
            lab.metrics.session_violations[violation.guarantee] += 1
        if not violations:
            return read
        return RowsRead(
            read.rows,
            read.position,
            read.served_by,
            read.cache_age,
            read.stale_cache,
            read.stalled,
            tuple(str(violation) for violation in violations),
        )

    def clear(self, seed: int) -> None:
        self.cache.clear()
        self.replicas.clear(seed)
        self.sessions.clear()
