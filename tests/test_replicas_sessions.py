"""Read replicas, their routes and the session guarantees on a headless lab (issue 17.4).
Every recorded answer is checked against its session: read-your-writes, monotonic reads,
consistent prefix (Terry et al., Bayou 1994), named and counted as they happen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.sessions import (
    CONSISTENT_PREFIX,
    MONOTONIC_READS,
    READ_YOUR_WRITES,
    Read,
    SessionChecker,
)
from cqrs_lab.read.views import ViewRows
from tests.lab_helpers import SHOP_SETUP, new_lab, run, settled_shop


@pytest.fixture
def lab() -> Iterator[Lab]:
    yield from settled_shop()


def shop_and_read(lab: Lab, reads: int, order_every: int = 20) -> list[str]:
    """Alice orders every `order_every` reads and changes her cart every 10; 300 ms between
    reads. Returns every violation the answers named."""
    named: list[str] = []
    for i in range(reads):
        if i % order_every == 0:
            run(lab, "add-to-cart alice mug 1\nplace-order alice\nrestock mug 1")
        elif i % 10 == 0:
            run(lab, "add-to-cart alice tea 1\nremove-from-cart alice tea")
        run(lab, "advance 300ms")
        named.extend(execute(lab, "query orders alice").data.get("violations", []))
    return named


def test_replicas_have_lags_of_their_own(lab: Lab) -> None:
    made = execute(lab, "replicas orders 3")
    assert "orders-r1 (lag uniform:200ms..1s), orders-r2 (lag uniform:1s..3s)" in made.message
    assert "route random" in made.message
    run(lab, "add-to-cart alice mug 1\nplace-order alice\nadvance 1500ms")
    for replica in lab.reads.replicas.of("orders"):  # each catches up in its own time
        replica.sync(
            lab.clock.now(),
            lab.head,
            lambda a, n: lab.store.read_all(after=a, limit=n),
            lab.reads.replicas.rng,
        )
    positions = [replica.position for replica in lab.reads.replicas.of("orders")]
    assert positions[0] == lab.head and positions[2] < lab.head
    assert "replicas orders: none" in execute(lab, "replicas orders 0").message
    assert "from replica" not in execute(lab, "query orders alice").message


def test_random_routing_makes_time_run_backwards_and_the_checker_names_it(lab: Lab) -> None:
    run(lab, "replicas orders 3\nroute orders random")
    named = shop_and_read(lab, 300)
    gone = [v for v in named if v.startswith("monotonic reads violated: you saw o")]
    assert gone, named[:5]
    assert "now it is gone" in gone[0] or "now they are gone" in gone[0]
    assert lab.metrics.session_violations[MONOTONIC_READS] >= len(gone)
    assert lab.metrics.session_violations[READ_YOUR_WRITES] > 0
    assert sum(lab.metrics.replica_reads.values()) == 300
    assert set(lab.metrics.replica_reads) == {"orders-r1", "orders-r2", "orders-r3"}


def test_a_seeded_run_names_the_same_violations_every_time() -> None:
    def once() -> list[str]:
        lab = new_lab(seed=7)
        try:
            run(lab, SHOP_SETUP + "settle\nreplicas orders 2\nroute orders random")
            return shop_and_read(lab, 100)
        finally:
            lab.close()

    assert once() == once()


def test_screen_refreshes_move_no_route_and_fill_no_cache() -> None:
    """A refresh (record=False) reads the view's own tables: a seeded run routes the same
    at any frame rate."""

    def once(refreshes: int) -> tuple[list[str], dict[str, int]]:
        lab = new_lab(seed=7)
        try:
            run(lab, SHOP_SETUP + "settle\nreplicas orders 3\ncache catalog ttl:1m")
            named = []
            for _ in range(40):
                for _ in range(refreshes):
                    lab.query("orders", "alice", record=False)
                    lab.query("catalog", record=False)
                named += shop_and_read(lab, 1)
            return named, dict(lab.metrics.replica_reads) | dict(lab.metrics.cache_hits)
        finally:
            lab.close()

    assert once(0) == once(3)


def test_sticky_routing_never_goes_back_but_misses_your_writes(lab: Lab) -> None:
    run(lab, "replicas orders 3\nroute orders sticky")
    named = shop_and_read(lab, 200)
    assert lab.metrics.session_violations[MONOTONIC_READS] == 0
    assert any(v.startswith("read your writes violated") for v in named)
    assert len(lab.metrics.replica_reads) == 1  # one session, one replica


def test_at_least_my_position_breaks_no_guarantee_over_10000_reads(lab: Lab) -> None:
    run(lab, "replicas orders 3\nroute orders at-least-my-position")
    assert shop_and_read(lab, 10_000, order_every=100) == []
    assert sum(lab.metrics.session_violations.values()) == 0
    assert len(lab.metrics.replica_reads) == 3  # it still spreads the reads


def test_route_without_replicas_says_how_to_add_them(lab: Lab) -> None:
    outcome = execute(lab, "route orders sticky")
    assert "no replicas yet: replicas orders 2" in outcome.message
    assert "route orders: at-least-my-position" in execute(lab, "route orders at-least").message


def test_reset_drops_the_replicas_and_the_sessions(lab: Lab) -> None:
    run(lab, "replicas orders 3\nreset\n" + SHOP_SETUP)
    assert lab.reads.replicas.of("orders") == []
    assert "from replica" not in execute(lab, "query orders alice").message


def rows(*keys: str) -> ViewRows:
    return ViewRows(("id",), tuple((key,) for key in keys))


def read(position: int, *keys: str, last_write: int = 0, missing: tuple = ()) -> Read:
    return Read("alice", "orders", "alice", "r1", position, rows(*keys), last_write, missing)


def test_the_checker_names_each_guarantee() -> None:
    checker = SessionChecker()
    assert checker.check(read(5, "o1")) == []
    [back] = checker.check(read(3))
    assert back.guarantee == MONOTONIC_READS
    assert str(back) == (
        "monotonic reads violated: you saw o1 (#5 from r1), now it is gone (r1 answers as of #3)"
    )
    [mine] = checker.check(read(6, "o1", last_write=8))
    assert mine.guarantee == READ_YOUR_WRITES and "your write #8" in str(mine)
    [prefix] = checker.check(read(9, "o1", missing=((7, "OrderPlaced, parked"),)))
    assert prefix.guarantee == CONSISTENT_PREFIX
    assert "reflects #9 but not #7 (OrderPlaced, parked)" in str(prefix)
    assert len(checker.recent) == 3


@given(st.lists(st.integers(0, 50), min_size=1, max_size=40))
def test_a_monotonic_violation_is_a_read_behind_the_newest_seen(positions: list[int]) -> None:
    checker = SessionChecker()
    newest, expected, found = -1, 0, 0
    for position in positions:
        expected += position < newest
        newest = max(newest, position)
        found += sum(v.guarantee == MONOTONIC_READS for v in checker.check(read(position)))
    assert found == expected
