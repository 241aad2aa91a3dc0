"""The transactional outbox and its relay, or (outbox off) publishing after commit.

`record` runs inside a service's transaction. With the outbox on it inserts a row there, so
the message commits (or rolls back) with the service's own writes; the relay then moves
unpublished rows onto the bus and marks them. With it off the message waits in memory for
the commit to end, and a crash armed for the service (`crash SERVICE after-commit`) loses it.
With the outbox on that crash stops only the relay's pass: the row stays, and the restarted
relay sends it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection, Engine

from cqrs_lab.services import tables
from cqrs_lab.services.journeys import Note
from cqrs_lab.services.messages import IntegrationMessage, order_of

Publish = Callable[[IntegrationMessage], None]
_COLUMNS = tables.outbox.c
_INSERT = tables.outbox.insert()
_WAITING = select(tables.outbox).where(_COLUMNS.published.is_(False)).order_by(_COLUMNS.id)
_PUBLISHED = (
    update(tables.outbox)
    .where(_COLUMNS.id.in_(bindparam("ids", expanding=True)))
    .values(published=True)
)


@dataclass(frozen=True, slots=True)
class Pending:
    """A message recorded by `service`, not yet on the bus."""

    service: str
    message_id: str
    type: str
    destination: str
    data: dict[str, Any]

    @property
    def order_id(self) -> str:
        return order_of(self.data)


@dataclass
class Outbox:
    """Where services put their integration messages, and how they reach the bus."""

    engine: Engine
    on: bool = True
    crashes: set[str] = field(default_factory=set)
    """Services that crash right after their next commit, before publishing."""
    lost: int = 0
    """Messages lost between a commit and its publish (outbox off)."""
    relayed: int = 0
    notes: list[str] = field(default_factory=list)
    """What happened, in words, newest last (the services' trace)."""
    _after_commit: list[Pending] = field(default_factory=list)
    _sequence: int = 0
    dirty: bool = False
    """Something may wait to be published: the relay has work."""
    note: Note = lambda order_id, service, what: None
    """Tells each order's journey what happened to its messages."""

    def record(self, connection: Connection, message: Pending) -> None:
        """Inside the service's transaction: the outbox row, or (off) a publish to come."""
        if self.on:
            self.note(message.order_id, message.service, f"{message.type} recorded in the outbox")
            connection.execute(
                _INSERT,
                {
                    "service": message.service,
                    "message_id": message.message_id,
                    "type": message.type,
                    "destination": message.destination,
                    "data": message.data,
                    "published": False,
                },
            )
        else:
            self.note(
                message.order_id, message.service, f"{message.type} to publish after the commit"
            )
            self._after_commit.append(message)
        self.dirty = True

    def relay(self, publish: Publish) -> int:
        """After commit: put what waits onto the bus; a crashed service publishes nothing."""
        if not self.dirty:
            return 0
        self.dirty = False
        sent = self._publish_after_commit(publish)
        with self.engine.begin() as connection:
            rows = connection.execute(_WAITING).all()
            crashed: set[str] = set()
            published: list[int] = []
            for row in rows:
                message = Pending(
                    row.service, row.message_id, row.type, row.destination, dict(row.data)
                )
                if message.service in self.crashes:
                    crashed.add(message.service)
                    self._crash(
                        message,
                        "stays in the outbox for the relay to send on restart",
                        "stays in the outbox",
                    )
                if message.service not in crashed:
                    publish(self._message(message))
                    published.append(row.id)
            if published:
                connection.execute(_PUBLISHED, {"ids": published})
            sent += len(published)
        self.relayed += sent
        return sent

    def _publish_after_commit(self, publish: Publish) -> int:
        sent = 0
        waiting, self._after_commit = self._after_commit, []
        for message in waiting:
            if message.service in self.crashes:
                self.lost += 1
                self._crash(message, "was never published: lost", "never published, lost")
            else:
                publish(self._message(message))
                sent += 1
        return sent

    def _crash(self, message: Pending, fate: str, in_short: str) -> None:
        """The armed crash of `message`'s service goes off before the message is published:
        said with its `fate` in the services' trace, `in_short` in its order's journey."""
        self.crashes.discard(message.service)
        crashed = f"crashed after commit: {message.type}"
        self.notes.append(f"{message.service} {crashed} ({message.message_id}) {fate}")
        self.note(message.order_id, message.service, f"{crashed} {in_short}")

    def send_again(self, message_ids: Collection[str]) -> None:
        """Rows the relay published whose messages never arrived (their lanes went with
        `services off`): the relay sends them again; the inboxes drop any duplicate."""
        if not message_ids:
            return
        with self.engine.begin() as connection:
            connection.execute(
                update(tables.outbox)
                .where(_COLUMNS.message_id.in_(list(message_ids)))
                .values(published=False)
            )
        self.dirty = True

    def unpublished(self) -> int:
        """Rows in the outbox the relay has not sent yet."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(_COLUMNS.id).where(_COLUMNS.published.is_(False))
            ).all()
        return len(rows)

    def _message(self, message: Pending) -> IntegrationMessage:
        self._sequence += 1
        return IntegrationMessage(
            self._sequence,
            message.message_id,
            message.type,
            message.service,
            message.destination,
            message.data,
        )
