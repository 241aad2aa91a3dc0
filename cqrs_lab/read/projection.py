"""The base of every projection: apply events in order, keep a checkpoint, flush atomically."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from cqrs_lab.crud.psycopg_driver import on_psycopg, psycopg_pipeline
from cqrs_lab.crud.sqlite_driver import sqlite_driver
from cqrs_lab.read.mirror import MirroredTable, Reader
from cqrs_lab.read.views import ViewRows
from cqrs_lab.shop.events import EVENT_TYPES, Event, event_from_data
from cqrs_lab.store.event_store import RecordedEvent
from cqrs_lab.store.pg_unit import Checked, at_commit
from cqrs_lab.store.records import POSITION_TYPE


class ProjectionCheckpoint(SQLModel, table=True):
    """The last global position a projection applied, committed with its rows."""

    __tablename__ = "projection_checkpoints"
    name: str = Field(primary_key=True)
    position: int = Field(default=0, sa_type=POSITION_TYPE)


_CHECKPOINTS: Any = ProjectionCheckpoint.__table__
_MOVE_CHECKPOINT = (
    _CHECKPOINTS.update()
    .where(
        _CHECKPOINTS.c.name == sa.bindparam("b_name"),
        _CHECKPOINTS.c.position == sa.bindparam("b_committed"),
    )
    .values(position=sa.bindparam("b_position"))
)
_MOVE_CHECKPOINT_SQL = (
    "UPDATE projection_checkpoints SET position = ? WHERE name = ? AND position = ?"
)
_MOVE_CHECKPOINT_PG = _MOVE_CHECKPOINT_SQL.replace("?", "%s")


_CHECKED_MOVE_PG = (
    "WITH moved AS (UPDATE projection_checkpoints SET position = %(new)s"
    " WHERE name = %(name)s AND position = %(committed)s RETURNING 1),"
    " born AS (INSERT INTO projection_checkpoints (name, position)"
    " SELECT %(name)s, %(new)s WHERE %(committed)s = 0 AND NOT EXISTS"
    " (SELECT 1 FROM projection_checkpoints WHERE name = %(name)s) RETURNING 1)"
    " SELECT (CASE WHEN (SELECT COUNT(*) FROM moved) + (SELECT COUNT(*) FROM born) = 1"
    " THEN '1' ELSE %(marker)s END)::int"
)
"""The move (or the first checkpoint, where none is stored and ours is 0), failing when
neither was made: the cast of the marker (a parameter, so PostgreSQL cannot fold the
failing branch at planning time) is an error that names the projection. The flush holds
the writers' lock, so no other lab's flush runs between the two."""


class CheckpointMoved(Exception):
    """A pipelined flush found the stored checkpoint moved by another process after it had
    sent its rows: its transaction must roll back."""


@dataclass(frozen=True, slots=True)
class CheckedMove(Checked):
    """A checkpoint's move sent with the flush's COMMIT (`pg_unit.at_commit`): it fails
    unless the stored checkpoint was still `committed`, rolling the flush back, and
    `refusal` then says CheckpointMoved."""

    name: str
    new: int
    committed: int

    @property
    def marker(self) -> str:
        return f"checkpoint moved: {self.name}"

    def __call__(self, cursor: Any) -> None:
        params = {"new": self.new, "name": self.name, "committed": self.committed}
        cursor.execute(_CHECKED_MOVE_PG, {**params, "marker": self.marker})

    def refusal(self, error: BaseException) -> CheckpointMoved | None:
        diag = getattr(error, "diag", None)
        if getattr(error, "sqlstate", None) != "22P02" or diag is None:
            return None  # 22P02: invalid_text_representation, the marker's cast
        return (
            CheckpointMoved(self.name)
            if f'"{self.marker}"' in (diag.message_primary or "")
            else None
        )


class Projection(ABC):
    """A read model built from the event stream.

    Subclasses declare `name` and `tables` and implement `handle`, which changes rows in the
    mirrors only. `apply` is called with events in position order exactly once each; the
    subscriber in front of it deals with duplicates and gaps.
    """

    name: ClassVar[str]
    tables: ClassVar[tuple[type[SQLModel], ...]]
    handles: ClassVar[frozenset[str]] = frozenset(EVENT_TYPES)  # event types sent to it

    def __init__(self) -> None:
        self.mirrors: dict[str, MirroredTable] = {
            model.__tablename__: MirroredTable(model.__table__)  # type: ignore[arg-type]
            for model in self.tables
        }
        self.checkpoint = 0
        self.committed_checkpoint = 0

    def mirror(self, model: type[SQLModel]) -> MirroredTable:
        return self.mirrors[str(model.__tablename__)]

    @abstractmethod
    def handle(self, event: Event, recorded: RecordedEvent) -> None:
        """Change rows for one event. Events of types this projection ignores are no-ops."""

    @abstractmethod
    def query(self, connection: Connection, username: str | None = None) -> ViewRows:
        """Its view, read from its tables: `username`'s for a per-user view (none: nobody's),
        the same for everyone otherwise (`username` unused)."""

    def apply(self, recorded: RecordedEvent) -> None:
        """Apply one event (a no-op for types it does not handle) and move the checkpoint."""
        if recorded.type in self.handles:
            self.handle(event_from_data(recorded.type, recorded.data), recorded)
        self.checkpoint = recorded.position

    @property
    def dirty(self) -> bool:
        """Applied work not yet committed: a moved checkpoint, or rows changed without one
        (parked events replayed behind the checkpoint)."""
        return self.checkpoint != self.committed_checkpoint or any(
            mirror.dirty for mirror in self.mirrors.values()
        )

    @property
    def schema(self) -> list[Any]:
        """Its tables and the checkpoints' table."""
        return [*(m.__table__ for m in self.tables), ProjectionCheckpoint.__table__]

    def create_tables(self, connection: Connection) -> None:
        SQLModel.metadata.create_all(connection, tables=self.schema)

    def load(self, connection: Connection) -> None:
        """Read every row and the checkpoint (for a catch-up of many events, or an audit)."""
        for mirror in self.mirrors.values():
            mirror.load(connection)
        self.checkpoint = self.committed_checkpoint = self.stored_checkpoint(connection)

    def open(self, connection: Connection, reader: Reader) -> None:
        """Start from the stored checkpoint and read rows only as events need them: opening
        costs the same however long the history behind the tables. Tables that have never
        been written (no checkpoint, no row) are held whole from the start."""
        self.checkpoint = self.committed_checkpoint = self.stored_checkpoint(connection)
        for mirror in self.mirrors.values():
            empty = self.checkpoint == 0 and _empty(connection, mirror.table)
            mirror.attach(reader, empty=empty)

    @property
    def holds_every_row(self) -> bool:
        """Whether its mirrors hold every row of its tables (and `remembered` answers)."""
        return all(mirror.complete for mirror in self.mirrors.values())

    @abstractmethod
    def remembered(self, username: str | None = None, page: int = 1) -> ViewRows:
        """Its view (`page`: the catalog's) from the rows its mirrors hold, the same as
        `query` reads once it flushed; only while it `holds_every_row`."""

    def stored_checkpoint(self, connection: Connection) -> int:
        """The checkpoint as committed in the database (another process may have moved it)."""
        table = ProjectionCheckpoint.__table__
        stored = connection.execute(
            sa.select(table.c.position).where(table.c.name == self.name)  # type: ignore[attr-defined]
        ).scalar()
        return stored or 0

    def flush(self, connection: Connection) -> None:
        """Write changed rows and the checkpoint in the caller's transaction, and count
        them as committed (for a caller whose transaction commits with them)."""
        self.write(connection)
        self.committed()

    def write(self, connection: Connection) -> None:
        """Write changed rows and the checkpoint in the caller's transaction. They still
        count as changed until `committed()`: if the transaction fails, the next write
        writes them again, so rows and checkpoint only ever move together."""
        if not self.dirty:
            return
        for mirror in self.mirrors.values():
            mirror.write(connection)
        table = ProjectionCheckpoint.__table__
        connection.execute(table.delete().where(table.c.name == self.name))  # type: ignore[attr-defined]
        connection.execute(table.insert(), {"name": self.name, "position": self.checkpoint})  # type: ignore[attr-defined]

    def write_if_current(self, connection: Connection, *, pipelined: bool = False) -> bool:
        """Move the stored checkpoint to ours and write the changed rows, if it is still the
        one we committed (no other process flushed since); else write nothing: False.

        `pipelined` (for a transaction of the flush's own): on psycopg the rows go out in
        the same round trip as the checkpoint's UPDATE (in a locked unit: with its COMMIT,
        that of every projection the flush writes too), and a checkpoint found moved raises
        `CheckpointMoved`: the caller rolls back what was written and flushes again."""
        new, name, committed = self.checkpoint, self.name, self.committed_checkpoint
        if pipelined and at_commit(connection, CheckedMove(name, new, committed)):
            at_commit(connection, self._send_rows)
            return True
        if pipelined and on_psycopg(connection):
            with psycopg_pipeline(connection) as cursor:
                checkpoint = cursor()
                checkpoint.execute(_MOVE_CHECKPOINT_PG, (new, name, committed))
                self._send_rows(cursor())
            if checkpoint.rowcount != 1:
                raise CheckpointMoved(name)
            return True
        driver = sqlite_driver(connection)
        if driver is not None:  # once a flush: SQLAlchemy's work would cost more than SQLite's
            moved = driver.execute(_MOVE_CHECKPOINT_SQL, (new, name, committed)).rowcount
        else:
            params = {"b_position": new, "b_name": name, "b_committed": committed}
            moved = connection.execute(_MOVE_CHECKPOINT, params).rowcount
        if moved != 1:
            return False
        for mirror in self.mirrors.values():
            mirror.write(connection)
        return True

    def _send_rows(self, cursor: Any) -> None:
        """The changed rows on a psycopg cursor in pipeline mode."""
        for mirror in self.mirrors.values():
            mirror.send(cursor)

    def committed(self) -> None:
        """The transaction that `write` wrote in has committed."""
        for mirror in self.mirrors.values():
            mirror.committed()
        self.committed_checkpoint = self.checkpoint

    def clear(self, connection: Connection) -> None:
        for mirror in self.mirrors.values():
            mirror.clear(connection)
        table = ProjectionCheckpoint.__table__
        connection.execute(table.delete().where(table.c.name == self.name))  # type: ignore[attr-defined]
        self.checkpoint = self.committed_checkpoint = 0


def _empty(connection: Connection, table: sa.Table) -> bool:
    return connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is None
