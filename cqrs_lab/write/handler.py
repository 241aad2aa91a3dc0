"""Command handling: load the streams a command touches, decide, append, all in one transaction.

Besides the events, the same transaction carries whatever must change with them: the CRUD
twin and the projections running in inline mode (`TransactionHook`s). A rejected command
rolls everything back, so it leaves nothing behind.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from sqlalchemy.engine import Connection

from cqrs_lab.shop.commands import Command
from cqrs_lab.shop.decide import Pending, evolve, rule_for
from cqrs_lab.shop.errors import DomainError
from cqrs_lab.shop.state import State
from cqrs_lab.store.errors import ConcurrencyError
from cqrs_lab.store.event_store import (
    EventMetadata,
    EventStore,
    NewEvent,
    RecordedEvent,
    StreamAppend,
)
from cqrs_lab.store.pg_guess import GuessFailed
from cqrs_lab.write.aggregates import AggregateCache, Loaded
from cqrs_lab.write.folds import keep_folds
from cqrs_lab.write.results import Accepted, CommandResult, Rejected
from cqrs_lab.write.snapshots import LoadReport


class TransactionHook(Protocol):
    def __call__(
        self, connection: Connection, command: Command, events: Sequence[RecordedEvent]
    ) -> None: ...


CONFLICT_RETRIES = 5
"""How many times a command that met a version conflict is decided again before it is
refused. Another writer moved a stream between our read and our append: on the new state
the decision may well still hold (two restocks commute), or may not (the last mug)."""
LOADS_KEPT = 1_000
"""How many recent commands' load reports the handler keeps (for their traces)."""


class CommandHandler:
    def __init__(
        self,
        store: EventStore,
        now: Callable[[], float],
        hooks: Sequence[TransactionHook] = (),
        may_guess: Callable[[], bool] = lambda: True,
    ) -> None:
        """`may_guess`: whether a unit may be begun on the cache's head (`_guessed_head`);
        False while a hook changes memory that a failed guess would leave changed."""
        self.store = store
        self.now = now
        self.hooks = list(hooks)
        self.may_guess = may_guess
        self.aggregates = AggregateCache(store)
        self.loads: OrderedDict[str, tuple[LoadReport, ...]] = OrderedDict()
        """Command id -> how each stream it read was loaded, for recent accepted commands."""

    def handle(
        self,
        command: Command,
        *,
        correlation_id: str | None = None,
        retries: int = CONFLICT_RETRIES,
    ) -> CommandResult:
        """Decide and record `command`; on a concurrency conflict, reload and decide again
        (up to `retries` times). The result counts the conflicts met."""
        for attempt in range(retries + 1):
            try:
                result = self._handle_once(command, correlation_id)
            except ConcurrencyError as conflict:
                if attempt == retries:
                    return Rejected(command, conflict, conflicts=attempt + 1)
                continue
            return replace(result, conflicts=attempt) if attempt else result
        raise AssertionError("unreachable")

    def decide_only(self, command: Command) -> tuple[list[Pending], dict[str, Loaded]]:
        """Decide against the current state without writing (the first half of a race)."""
        with self.store.transaction() as connection:
            self.aggregates.sync(connection)
            return self._decide(command, connection)

    def append_decided(
        self,
        command: Command,
        pending: list[Pending],
        loaded: dict[str, Loaded],
        correlation_id: str | None = None,
    ) -> CommandResult:
        """Append what was decided earlier, with the versions seen then (may conflict)."""
        try:
            with self.store.transaction() as connection:
                self.aggregates.sync(connection)
                recorded, after = self._record(connection, command, pending, loaded, correlation_id)
        except ConcurrencyError as conflict:
            return Rejected(command, conflict)
        self._remember(command, loaded, after, recorded)
        return Accepted(command, tuple(recorded))

    def _handle_once(self, command: Command, correlation_id: str | None) -> CommandResult:
        guessed, own = self._guessed_head(), False
        if guessed is not None:
            try:
                return self._handle_in_unit(command, correlation_id, guessed)
            except GuessFailed as failed:  # another writer passed the cache's head, say
                own = failed.lost
        return self._handle_in_unit(command, correlation_id, None, found_are_own=own)

    def _guessed_head(self) -> int | None:
        """The head a command's unit may take as read (`store/pg_guess.py`): the cache's,
        while no head read since has found others past it."""
        synced = self.aggregates.synced
        if not self.store.serialised or synced is None or self.store.head_seen > synced:
            return None  # SQLite's units begin IMMEDIATE, which reads nothing anyway
        return synced if self.may_guess() else None

    def _handle_in_unit(
        self,
        command: Command,
        correlation_id: str | None,
        guessed_head: int | None,
        *,
        found_are_own: bool = False,
    ) -> CommandResult:
        """`found_are_own`: a guessed unit lost its connection at its COMMIT, so events
        recorded under the command id are this command's, not a re-send's."""
        self.store.look_up_first(command.command_id, guessed_head)
        with self.store.transaction() as connection:
            self.aggregates.sync(connection)
            previous = self.store.find_by_command_id(command.command_id, connection=connection)
            if previous:
                return Accepted(command, tuple(previous), duplicate=not found_are_own)
            try:
                pending, loaded = self._decide(command, connection)
            except DomainError as error:
                return Rejected(command, error)
            recorded, after = self._record(
                connection, command, pending, loaded, correlation_id, read_in_unit=True
            )
        self._remember(command, loaded, after, recorded)
        return Accepted(command, tuple(recorded))

    def _decide(
        self, command: Command, connection: Connection
    ) -> tuple[list[Pending], dict[str, Loaded]]:
        loaded: dict[str, Loaded] = {}

        def load(stream_id: str) -> State:
            if stream_id not in loaded:
                loaded[stream_id] = self.aggregates.load(stream_id, connection)
            return loaded[stream_id].state

        return rule_for(type(command))(command, load), loaded

    def _record(
        self,
        connection: Connection,
        command: Command,
        pending: list[Pending],
        loaded: dict[str, Loaded],
        correlation_id: str | None,
        *,
        read_in_unit: bool = False,
    ) -> tuple[list[RecordedEvent], dict[str, Loaded]]:
        """Append what was decided, with the hooks and the long streams' folds; return the
        recorded events and every loaded stream's state after them. `read_in_unit`: the
        streams were loaded in this unit, under its write lock (see `append_rows`)."""
        ordered = _by_stream(pending)
        by_stream: dict[str, list[NewEvent]] = {}
        for item in ordered:
            event = item.event
            new = NewEvent(event.type_name(), event.to_data(), event.schema_version)
            if (events := by_stream.get(item.stream_id)) is None:
                by_stream[item.stream_id] = [new]
            else:
                events.append(new)
        appends = []
        for stream_id, events in by_stream.items():
            if (seen := loaded.get(stream_id)) is None:  # written without being read
                seen = loaded[stream_id] = self.aggregates.load(stream_id, connection)
            appends.append(StreamAppend(stream_id, seen.version, events))
        metadata = EventMetadata(
            command_id=command.command_id,
            correlation_id=correlation_id or command.command_id,
            causation_id=command.command_id,
            recorded_at=self.now(),
        )
        recorded = self.store.append_many(
            appends, metadata, connection=connection, read_in_unit=read_in_unit
        )
        after = _evolved(loaded, ordered, recorded)
        written = {
            e.stream_id: (after[e.stream_id].state, e.version, loaded[e.stream_id].version)
            for e in recorded
        }
        keep_folds(self.store, written, connection)
        for hook in self.hooks:
            hook(connection, command, recorded)
        return recorded, after

    def _remember(
        self,
        command: Command,
        loaded: dict[str, Loaded],
        after: dict[str, Loaded],
        recorded: list[RecordedEvent],
    ) -> None:
        """Cache the new states once the transaction has committed, keep how they were
        loaded, and save the snapshots that fell due."""
        loads = self.loads
        loads[command.command_id] = tuple(
            [item.report for item in loaded.values() if item.report is not None]
        )
        if len(loads) > LOADS_KEPT:
            loads.popitem(last=False)
        aggregates = self.aggregates
        for stream_id, state in after.items():
            aggregates.remember(stream_id, state)
        if not recorded:
            return
        aggregates.advanced(recorded[-1].position)  # positions rise in append order
        if aggregates.snapshots.every is not None:
            snapshot_at = {  # the version of each stream's newest snapshot (0: none)
                stream_id: item.report.start_version
                for stream_id, item in loaded.items()
                if item.report is not None and item.report.how == "snapshot"
            }
            written = {event.stream_id: after[event.stream_id] for event in recorded}
            with self.store.transaction() as connection:
                aggregates.save_snapshots(snapshot_at, written, connection)


def _evolved(
    loaded: dict[str, Loaded], ordered: list[Pending], recorded: list[RecordedEvent]
) -> dict[str, Loaded]:
    """Every loaded stream's state after the recorded events.

    The decided events, in the order they were recorded (`_by_stream`), are the recorded
    ones, already as objects: no need to parse back the data they were just turned into.
    """
    after = dict(loaded)
    for item, event in zip(ordered, recorded, strict=True):
        state = evolve(after[event.stream_id].state, item.event)
        after[event.stream_id] = Loaded(state, event.version)
    return after


def _by_stream(pending: list[Pending]) -> list[Pending]:
    """The decided events in the order `append_many` records them: stream by stream, in
    the order each stream first appears, each stream's events in decided order."""
    if len(pending) < 2:  # most commands decide one event
        return pending
    order: dict[str, int] = {}
    for item in pending:
        order.setdefault(item.stream_id, len(order))
    return sorted(pending, key=lambda item: order[item.stream_id])
