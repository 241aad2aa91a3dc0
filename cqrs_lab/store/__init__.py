"""The event store: append-only streams on SQLModel/SQLAlchemy (SQLite by default)."""

from __future__ import annotations

from cqrs_lab.store.credentials import Credentials
from cqrs_lab.store.database import default_db_path, make_engine, open_store
from cqrs_lab.store.errors import (
    ConcurrencyError,
    CorruptDatabase,
    DatabaseError,
    DatabaseLocked,
    DatabaseUnwritable,
    ForeignDatabase,
    FutureSchema,
    StoreError,
)
from cqrs_lab.store.event_store import (
    EventMetadata,
    EventStore,
    NewEvent,
    RecordedEvent,
    StreamAppend,
    Upcaster,
)

__all__ = [
    "ConcurrencyError",
    "CorruptDatabase",
    "Credentials",
    "DatabaseError",
    "DatabaseLocked",
    "DatabaseUnwritable",
    "EventMetadata",
    "EventStore",
    "ForeignDatabase",
    "FutureSchema",
    "NewEvent",
    "RecordedEvent",
    "StoreError",
    "StreamAppend",
    "Upcaster",
    "default_db_path",
    "make_engine",
    "open_store",
]
