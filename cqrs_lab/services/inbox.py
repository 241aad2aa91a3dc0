"""A service's inbox: the message ids it has handled, so a duplicate applies once. Its
statements are built once (every delivery runs them)."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from cqrs_lab.services import tables

_SEEN = select(tables.inbox.c.message_id).where(
    tables.inbox.c.service == bindparam("service"),
    tables.inbox.c.message_id == bindparam("message_id"),
)
_REMEMBER = tables.inbox.insert()


def seen(connection: Connection, service: str, message_id: str) -> bool:
    """Whether `service` has handled `message_id` already."""
    found = connection.execute(_SEEN, {"service": service, "message_id": message_id}).first()
    return found is not None


def remember(connection: Connection, service: str, message_id: str) -> None:
    """In the same transaction as the handling: `service` has handled `message_id`."""
    connection.execute(_REMEMBER, {"service": service, "message_id": message_id})


def first_time(connection: Connection, service: str, message_id: str) -> bool:
    """Remember `message_id` for `service` unless it was handled already (then False)."""
    if seen(connection, service, message_id):
        return False
    remember(connection, service, message_id)
    return True
