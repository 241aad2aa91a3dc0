"""The store's tables, declared with SQLModel.

The hot paths read and write them through SQLAlchemy Core (`EVENTS`, `CREDENTIALS`,
`LAB_META`), not through ORM sessions: the classes are the schema, the tables are the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import BigInteger, Float, Integer, LargeBinary, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

POSITION_TYPE = BigInteger().with_variant(Integer(), "sqlite")
"""A global position: BIGINT, but INTEGER on SQLite, where only that is the rowid."""


class StoredEvent(SQLModel, table=True):
    """One event row. `position` is global, 64-bit, and never reused: on SQLite it is the
    rowid, one above the highest (events are never deleted, but all at once by a reset);
    on PostgreSQL the store assigns head + 1 under its append lock, so positions are
    gap-free and commit in order (see docs/architecture.md). Not AUTOINCREMENT on SQLite:
    that would write its `sqlite_sequence` row too, a page more in every commit, for a
    guarantee (no reuse after deleting the last rows) an append-only table does not need.
    Files made before keep their AUTOINCREMENT, read and written the same.

    UNIQUE(stream_id, version) is the last line of defence against two writers; its index
    also serves every per-stream lookup, so `stream_id` needs no index of its own.
    """

    __tablename__ = "events"
    __table_args__ = (UniqueConstraint("stream_id", "version", name="uq_events_stream_version"),)

    position: int | None = Field(default=None, primary_key=True, sa_type=POSITION_TYPE)
    stream_id: str = Field(sa_type=Text, nullable=False)
    version: int = Field(nullable=False)
    type: str = Field(sa_type=Text, nullable=False)
    schema_version: int = Field(default=1, nullable=False)
    data: str = Field(sa_type=Text, nullable=False)
    meta: str = Field(sa_type=Text, nullable=False)  # what the two below do not say: meta_format
    command_id: str = Field(sa_type=Text, nullable=False, index=True)
    recorded_at: float = Field(sa_type=Float, nullable=False)


class Credential(SQLModel, table=True):
    """A salted scrypt hash per user, with the cost parameters it was made with."""

    __tablename__ = "credentials"

    username: str = Field(primary_key=True, sa_type=Text)
    salt: bytes = Field(sa_type=LargeBinary, nullable=False)
    password_hash: bytes = Field(sa_type=LargeBinary, nullable=False)
    n: int = Field(nullable=False)
    r: int = Field(nullable=False)
    p: int = Field(nullable=False)


class StreamFold(SQLModel, table=True):
    """A stream's folded state as of `version`, kept by the write side (opaque text here).

    A cache of a fold, never a fact: a load reads it and folds the events after `version`,
    so a fold left behind by a writer that does not keep folds is still exact. Cleared with
    the events."""

    __tablename__ = "stream_folds"

    stream_id: str = Field(primary_key=True, sa_type=Text)
    version: int = Field(nullable=False)
    state: str = Field(sa_type=Text, nullable=False)


class LabMeta(SQLModel, table=True):
    """Key/value facts about the database itself: app name and schema version."""

    __tablename__ = "lab_meta"

    key: str = Field(primary_key=True, sa_type=Text)
    value: str = Field(sa_type=Text, nullable=False)


READ_COLUMNS = (
    "position, stream_id, version, type, schema_version, data, meta, command_id, recorded_at"
)
"""The columns every read of events selects, in order (`Row`)."""
PREFIXED_READ_COLUMNS = ", ".join(f"e.{name}" for name in READ_COLUMNS.split(", "))
"""The same, of an `events` table named `e`."""

Row = Sequence[Any]
"""position, stream_id, version, type, schema_version, data, meta, command_id, recorded_at:
what reads return (`READ_COLUMNS`; the metadata is `meta_format.read_meta` of the last three)."""
NewRow = tuple[str, int, str, int, str, str, str, float]
"""stream_id, version, type, schema_version, data, meta, command_id, recorded_at."""
Fold = tuple[str, int, str]
"""stream_id, version, state: a stream's folded state as the write side keeps it."""

EVENTS = cast(Table, StoredEvent.__table__)
CREDENTIALS = cast(Table, Credential.__table__)
LAB_META = cast(Table, LabMeta.__table__)
STREAM_FOLDS = cast(Table, StreamFold.__table__)
STORE_TABLES: tuple[Table, ...] = (LAB_META, EVENTS, CREDENTIALS, STREAM_FOLDS)
