"""Sending a lab's commands: one through the handler, or two raced against the same state,
under a new command id when another lab of the same seed drew the same one, and with the
inline projections put back when the command's transaction fails."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

from cqrs_lab.lab.publishing import account
from cqrs_lab.lab.read_tables import open_projections
from cqrs_lab.read.subscriber import Mode
from cqrs_lab.shop.commands import Command, PlaceOrder, RegisterUser
from cqrs_lab.shop.errors import DomainError, DuplicateOrder
from cqrs_lab.store.errors import StoreError
from cqrs_lab.store.event_store import RecordedEvent
from cqrs_lab.write.results import Accepted, CommandResult, Rejected

if TYPE_CHECKING:
    from cqrs_lab.lab.core import Lab


def send(lab: Lab, command: Command, correlation_id: str | None, fresh: bool) -> CommandResult:
    """Handle one command; publish what it recorded to the bus (see `Lab.send`)."""
    started = time.perf_counter()
    try:  # as `_inline_rolled_back_on_failure`, without a context manager's cost a command
        result = lab.handler.handle(command, correlation_id=correlation_id)
        while (again := _retry(lab, result, fresh)) is not None:
            result = lab.handler.handle(again, correlation_id=correlation_id)
    except StoreError:
        _inline_rolled_back(lab)
        raise
    lab.metrics.command_cpu.add(time.perf_counter() - started)
    account(lab, result)
    return result


def race(
    lab: Lab, first: Command, second: Command, fresh: bool
) -> tuple[CommandResult, CommandResult, CommandResult | None]:
    """Decide both commands against the same state, then append one after the other (see
    `Lab.race`)."""
    if fresh:
        first, second = _unrecorded(lab, first), _unrecorded(lab, second)
    try:
        decided_first = lab.handler.decide_only(first)
        decided_second = lab.handler.decide_only(second)
    except DomainError:
        lab.order_ids.give_back(second)
        lab.order_ids.give_back(first)
        raise
    with _inline_rolled_back_on_failure(lab):
        first_result = lab.handler.append_decided(first, *decided_first)
    account(lab, first_result)
    with _inline_rolled_back_on_failure(lab):
        second_result = lab.handler.append_decided(second, *decided_second)
    retry: CommandResult | None = None
    if isinstance(second_result, Rejected):
        # Not refused yet: decided again on the new state, and refused only if that fails.
        lab.metrics.concurrency_conflicts += 1
        lab.metrics.retries += 1
        retry = lab.send(second, fresh=fresh)
    else:
        account(lab, second_result)
    return first_result, second_result, retry


def save_credentials(
    lab: Lab, connection: Connection, command: Command, events: Sequence[RecordedEvent]
) -> None:
    """A registration's password hash, in the command's transaction."""
    if isinstance(command, RegisterUser):
        lab.credentials.set_password(
            command.username, command.password.get_secret_value(), connection=connection
        )


@contextmanager
def _inline_rolled_back_on_failure(lab: Lab) -> Iterator[None]:
    """An inline projection applies a command's events in memory inside the command's
    transaction; if that transaction fails, they were never stored: back to what is."""
    try:
        yield
    except StoreError:
        _inline_rolled_back(lab)
        raise


def _inline_rolled_back(lab: Lab) -> None:
    """Put the inline projections back to what is stored."""
    inline = [s.projection for s in lab.subscribers.values() if s.mode is Mode.INLINE]
    if inline:
        with contextlib.suppress(StoreError, sa_exc.DBAPIError):
            open_projections(lab.store, inline)


def _retry(lab: Lab, result: CommandResult, fresh: bool) -> Command | None:
    """The command again, if another process took an id this lab drew for it."""
    command = result.command
    if fresh and isinstance(result, Accepted) and result.duplicate:
        return _with_new_id(lab, command)
    if (
        isinstance(command, PlaceOrder)
        and isinstance(result, Rejected)
        and isinstance(result.error, DuplicateOrder)
        and lab.order_ids.made(command.order_id)
    ):  # another lab placed it
        return command.model_copy(update={"order_id": lab.order_ids.after_stored()})
    return None


def _with_new_id(lab: Lab, command: Command) -> Command:
    """`command` under a command id no other lab draws (see `cqrs_lab.lab.ids`)."""
    lab.command_ids.salt()
    return command.model_copy(update={"command_id": lab.command_ids.new()})


def _unrecorded(lab: Lab, command: Command) -> Command:
    """`command`, under a new id if its fresh id is already recorded (for a race, whose
    appends do not look for the command id)."""
    if lab.store.find_by_command_id(command.command_id):
        return _with_new_id(lab, command)
    return command
