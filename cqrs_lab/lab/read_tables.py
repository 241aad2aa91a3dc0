"""How a lab opens its projections on their tables: rows read on demand, unless far behind.

A caught-up projection reads only its checkpoint when the lab opens, and each row the first
time an event needs it (`Projection.open`), so opening costs the same at 10,000 events as at
a million. One far behind the head reads its whole tables once instead (`Projection.load`):
its catch-up then applies events in memory at rebuild speed, not a row read at a time.
"""

from __future__ import annotations

from collections.abc import Iterable

from cqrs_lab.crud.tables import CRUD_TABLES
from cqrs_lab.crud.twin import CrudTwin
from cqrs_lab.read.projection import Projection
from cqrs_lab.store.event_store import EventStore
from cqrs_lab.store.schema import missing_tables, prepare

FULL_LOAD_BEHIND = 2_000
"""Events behind the head past which a projection reads its whole tables at open."""


def open_projections(
    store: EventStore, projections: Iterable[Projection], head: int | None = None
) -> None:
    """Open each projection on its stored checkpoint; with `head`, one further behind it
    than `FULL_LOAD_BEHIND` reads its whole tables."""
    with store.engine.connect() as connection:
        for projection in projections:
            projection.open(connection, store.read_rows)
            if head is not None and head - projection.checkpoint > FULL_LOAD_BEHIND:
                projection.load(connection)


def create_read_tables(store: EventStore, crud: CrudTwin, projections: list[Projection]) -> None:
    """Create the CRUD twin's and the projections' tables that do not exist yet; when all do
    (a lab opening on a database used before), no writers' lock is taken (`store/schema.py`)."""

    def ready() -> bool:
        wanted = [*CRUD_TABLES, *(table for p in projections for table in p.schema)]
        with store.reading() as connection:
            return not missing_tables(connection, wanted)

    def create() -> None:
        with store.transaction() as connection:
            crud.create_tables(connection)
            for projection in projections:
                projection.create_tables(connection)

    prepare(ready, create)
