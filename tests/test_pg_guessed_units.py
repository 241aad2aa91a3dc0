"""PostgreSQL: a command's unit begun on a guessed head (`store/pg_guess.py`).

While no other writer is known to have passed its aggregate cache's head, a lab sends a
command in one round trip: the unit takes that head as read, and its guard, checked under
the writers' lock with the COMMIT, refuses it when another lab wrote meanwhile or the
command id is recorded, or a stream it took as new without reading it has events. The
command is then decided again in a careful unit, on what the other lab wrote, and never
counted as a conflict. Skipped without $CQRS_LAB_TEST_DB (see tests/backends.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.shop.commands import Restock
from cqrs_lab.store.event_store import EventStore
from cqrs_lab.store.pg_guess import GuessFailed
from cqrs_lab.write.handler import CommandHandler
from cqrs_lab.write.results import Accepted, Rejected
from tests.backends import fresh_postgres_database


@pytest.fixture
def labs() -> Iterator[tuple[Lab, Lab]]:
    """Ada's lab and Bob's on one fresh database, each with its own engine."""
    databases = fresh_postgres_database()
    db = next(databases)
    ada = Lab.open(db, seed=1, password_cost=2**4)
    bob = Lab.open(db, seed=2, password_cost=2**4)
    yield ada, bob
    ada.close()
    bob.close()
    next(databases, None)  # drops it


class CountedGuesses:
    """Counts the units `handler` begins on a guessed head, and those refused."""

    def __init__(self, handler: CommandHandler) -> None:
        self.guessed = self.refused = 0
        unit = handler._handle_in_unit

        def counted(command, correlation_id, guessed_head, **options):  # type: ignore[no-untyped-def]
            self.guessed += guessed_head is not None
            try:
                return unit(command, correlation_id, guessed_head, **options)
            except GuessFailed:
                self.refused += 1
                raise

        handler._handle_in_unit = counted  # type: ignore[method-assign]


def ran(lab: Lab, *lines: str) -> None:
    """Run `lines` on `lab`, each accepted."""
    for line in lines:
        assert execute(lab, line).ok, line


def test_a_lab_alone_guesses_every_command_after_its_first(labs: tuple[Lab, Lab]) -> None:
    ada, _ = labs
    assert execute(ada, 'add-product mug "Blue mug" 12.50 2').ok  # the cache syncs here
    counted = CountedGuesses(ada.handler)
    ran(ada, "register alice alice@example.com s3cret-pass", "add-to-cart alice mug 1")
    assert (counted.guessed, counted.refused) == (2, 0)
    assert ada.store.head() == 3


def test_another_labs_write_refuses_the_guess_and_the_command_sees_it(
    labs: tuple[Lab, Lab],
) -> None:
    ada, bob = labs
    ran(ada, 'add-product mug "Blue mug" 12.50 1', "register alice alice@example.com pw-123456")
    assert execute(bob, "register bob bob@example.com pw-567890").ok
    assert execute(bob, "add-to-cart bob mug 1").ok
    assert execute(bob, "place-order bob").ok  # the last mug, unknown to Ada's cache
    counted = CountedGuesses(ada.handler)
    refused = execute(ada, "add-to-cart alice mug 1")
    assert not refused.ok and refused.code == "out_of_stock"
    assert (counted.guessed, counted.refused) == (1, 1)  # Ada guessed; Bob had written
    assert ada.metrics.concurrency_conflicts == 0  # a wrong guess is no conflict


def test_a_refusal_on_a_stale_cache_is_checked_and_decided_again(
    labs: tuple[Lab, Lab],
) -> None:
    ada, bob = labs
    ran(ada, 'add-product mug "Blue mug" 12.50 0', "register alice alice@example.com pw-123456")
    assert execute(bob, "restock mug 3").ok  # Ada's cache still says none in stock
    counted = CountedGuesses(ada.handler)
    assert execute(ada, "add-to-cart alice mug 2").ok
    assert execute(ada, "place-order alice").ok
    assert counted.refused == 1
    assert ada.store.head() == 7  # added, registered, restocked, in the cart, ordered (3)


def test_a_command_id_another_lab_recorded_is_a_duplicate(labs: tuple[Lab, Lab]) -> None:
    ada, bob = labs
    assert execute(ada, 'add-product tea "Green tea" 3.00 5').ok
    assert execute(ada, "restock tea 1").ok  # Ada's cache is synced and guessing
    command = Restock(sku="tea", quantity=2)
    first = bob.handler.handle(command)
    assert isinstance(first, Accepted) and not first.duplicate
    counted = CountedGuesses(ada.handler)
    again = ada.handler.handle(command)
    assert isinstance(again, Accepted) and again.duplicate
    assert [event.position for event in again.events] == [event.position for event in first.events]
    assert (counted.guessed, counted.refused) == (1, 1)
    assert ada.store.head() == 3


def test_no_guess_while_a_lane_is_inline(labs: tuple[Lab, Lab]) -> None:
    ada, _ = labs
    assert execute(ada, 'add-product tea "Green tea" 3.00 5').ok
    assert execute(ada, "mode catalog inline").ok
    counted = CountedGuesses(ada.handler)
    assert execute(ada, "restock tea 1").ok
    assert counted.guessed == 0
    result = ada.handler.handle(Restock(sku="nope", quantity=1))
    assert isinstance(result, Rejected)


class CountedFoldReads:
    """Counts the streams `store` reads a fold for (a load of a stream the cache lacks)."""

    def __init__(self, store: EventStore) -> None:
        self.streams: list[str] = []
        read = store.stream_fold

        def counted(stream_id: str, *, connection: Connection) -> tuple[int, str] | None:
            self.streams.append(stream_id)
            return read(stream_id, connection=connection)

        store.stream_fold = counted  # type: ignore[method-assign]


def test_a_lab_on_a_fresh_store_takes_new_streams_as_new_without_reading(
    labs: tuple[Lab, Lab],
) -> None:
    ada, _ = labs
    assert execute(ada, 'add-product mug "Blue mug" 12.50 5').ok
    reads = CountedFoldReads(ada.store)
    ran(ada, "register alice alice@example.com pw-123456", "add-to-cart alice mug 1")
    assert execute(ada, "place-order alice").ok
    assert reads.streams == []  # user, cart and order streams: new, checked by the guard
    assert execute(ada, "register alice alice@example.com pw-123456").code == "username_taken"


def test_a_lab_that_did_not_see_every_write_reads_the_streams_it_lacks(
    labs: tuple[Lab, Lab],
) -> None:
    ada, bob = labs
    assert execute(bob, "register alice alice@example.com pw-123456").ok
    assert execute(ada, 'add-product mug "Blue mug" 12.50 5').ok  # synced past Bob's write
    reads = CountedFoldReads(ada.store)
    refused = execute(ada, "register alice alice@example.com pw-123456")
    assert refused.code == "username_taken"
    assert reads.streams == ["user-alice"]


def test_a_stream_taken_as_new_that_has_events_refuses_the_guess(
    labs: tuple[Lab, Lab],
) -> None:
    ada, bob = labs
    assert execute(bob, "register alice alice@example.com pw-123456").ok
    assert execute(ada, 'add-product mug "Blue mug" 12.50 5').ok
    ada.handler.aggregates.complete = True  # wrongly: Bob's alice is not in Ada's cache
    counted = CountedGuesses(ada.handler)
    refused = execute(ada, "register alice alice@example.com pw-123456")
    assert (counted.guessed, counted.refused) == (1, 1)
    assert refused.code == "username_taken"
