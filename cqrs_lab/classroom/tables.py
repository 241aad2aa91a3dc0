"""The classroom's tables, beside the labs' on the same database (SQLite file or server).

- `classrooms`: one row a classroom (its code, whether it is open, shared shop or not);
- `classroom_attendees`: one row per name in a classroom, with its last heartbeat;
- `classroom_activity`: append-only rows (joined, state, rejected, left), numbered `seq`
  1, 2, 3... per classroom without a hole, so the instructor polls `seq > last` and sees
  every row once, in order;
- `classroom_broadcasts`: what the instructor sends to everyone (or to one attendee), the
  same way;
- `classroom_pictures`: the lab picture of an attendee the instructor watches (one row each).

`storage.ClassroomStore` reads and writes them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    select,
)

metadata = MetaData()

# BigInteger ids, INTEGER on SQLite, where only that is the rowid.
_Id = BigInteger().with_variant(Integer(), "sqlite")

classrooms = Table(
    "classrooms",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("title", String(200), nullable=False, default=""),
    Column("opened_at", Float, nullable=False),
    Column("closed_at", Float, nullable=True),
    Column("shared_shop", Boolean, nullable=False, default=False),
)


def _per_attendee(name: str, *columns: Column[Any]) -> Table:
    """A table of one row per attendee of a classroom, keyed by its code and their name."""
    return Table(
        name,
        metadata,
        Column("code", String(16), primary_key=True),
        Column("name", String(64), primary_key=True),
        *columns,
    )


attendees = _per_attendee(
    "classroom_attendees",
    Column("joined_at", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
    Column("left_at", Float, nullable=True),
)


def _numbered(name: str, *columns: Column[Any]) -> Table:
    """A table of append-only rows numbered `seq` 1, 2, 3... per classroom, with `columns`
    of its own between the number and what the row says (its `kind` and JSON `data`)."""
    return Table(
        name,
        metadata,
        Column("id", _Id, primary_key=True, autoincrement=True),
        Column("code", String(16), nullable=False),
        Column("seq", _Id, nullable=False),
        *columns,
        Column("kind", String(16), nullable=False),
        Column("data", Text, nullable=False),
        Index(f"{name}_seq", "code", "seq", unique=True),
    )


activity = _numbered(
    "classroom_activity",
    Column("attendee", String(64), nullable=False),
    Column("at", Float, nullable=False),
)

broadcasts = _numbered(
    "classroom_broadcasts",
    Column("at", Float, nullable=False),
    Column("target", String(64), nullable=True),
)

pictures = _per_attendee(
    "classroom_pictures",
    Column("at", Float, nullable=False),
    Column("data", Text, nullable=False),
)


def last_seq(conn: Connection, table: Table, code: str) -> int:
    """The number of the classroom's last row in a `_numbered` table (0: none yet)."""
    return conn.scalar(select(func.max(table.c.seq)).where(table.c.code == code)) or 0
