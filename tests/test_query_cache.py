"""The query cache on a headless lab (issue 17.3): one more read model with its own lag.
`cache VIEW ttl:D` keeps answers D lab seconds whatever happens; `invalidate` keeps them
until the next event reaches their source; `off` never keeps them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.read.cache import CachePolicy, QueryCache
from cqrs_lab.read.views import ViewRows
from tests.lab_helpers import SHOP_SETUP, new_lab, run, settled_shop

ORDER = "add-to-cart alice mug 1\nplace-order alice"


@pytest.fixture
def lab() -> Iterator[Lab]:
    yield from settled_shop()


def ask(lab: Lab, line: str = "query orders alice") -> dict[str, object]:
    outcome = execute(lab, line)
    assert outcome.ok, outcome.message
    return outcome.data | {"message": outcome.message}


def test_a_ttl_cache_serves_a_stale_answer_until_it_expires(lab: Lab) -> None:
    run(lab, "cache orders ttl:5s")
    assert "cache_age" not in ask(lab)  # a miss: read from the projection, kept
    run(lab, ORDER + "\nadvance 2100ms")  # the projection has o1 now; the cache has not
    hit = ask(lab)
    assert hit["cache_age"] == pytest.approx(2.1)
    assert hit["stale_cache"] is True and hit["rows"] == []
    message = str(hit["message"])
    assert "from cache, age 2.1s | STALE CACHE: its source has moved on" in message
    assert "caught up" not in message  # the cache's lag, not the projection's
    assert lab.metrics.cache_hits["orders"] == 1
    assert lab.metrics.stale_cache_hits["orders"] == 1
    assert lab.metrics.stale_reads["orders"] == 1  # counted beside the stale projection reads
    run(lab, "advance 3s")  # 5.1 s old: expired
    fresh = ask(lab)
    assert "cache_age" not in fresh and len(fresh["rows"]) == 1  # type: ignore[arg-type]


def test_an_invalidating_cache_is_dropped_by_the_next_event(lab: Lab) -> None:
    run(lab, "cache orders invalidate")
    ask(lab)
    assert ask(lab)["cache_age"] == 0.0  # nothing moved: a hit
    run(lab, ORDER + "\nsettle")
    after = ask(lab)
    assert "cache_age" not in after and len(after["rows"]) == 1  # type: ignore[arg-type]
    assert lab.metrics.stale_cache_hits["orders"] == 0


def test_the_crud_twin_has_a_cache_of_its_own(lab: Lab) -> None:
    run(lab, "cache orders invalidate")
    assert "CRUD: always current" in str(ask(lab, "query orders alice --crud")["message"])
    hit = ask(lab, "query orders alice --crud")
    assert "[CRUD twin | from cache, age 0.0s]" in str(hit["message"])
    run(lab, ORDER)  # a write invalidates the twin's answers at once
    assert "CRUD: always current" in str(ask(lab, "query orders alice --crud")["message"])


def test_off_never_keeps_an_answer_and_is_the_default(lab: Lab) -> None:
    for _ in range(3):
        assert "cache_age" not in ask(lab)
    run(lab, "cache orders ttl:1m")
    ask(lab)
    assert "cache_age" in ask(lab)
    run(lab, "cache orders off")
    assert "cache_age" not in ask(lab)
    assert lab.metrics.cache_hits["orders"] == 1


def test_a_cache_is_per_view_and_per_asker(lab: Lab) -> None:
    run(lab, "cache orders ttl:10s")
    ask(lab)
    assert "cache_age" not in ask(lab, "query orders bob")
    assert "cache_age" not in ask(lab, "query catalog")
    assert "cache_age" in ask(lab)


def test_reset_switches_every_cache_off(lab: Lab) -> None:
    run(lab, "cache orders ttl:10s\nreset\n" + SHOP_SETUP)
    ask(lab)
    assert "cache_age" not in ask(lab)


STEPS = st.lists(
    st.sampled_from(
        [
            "query orders alice",
            "query orders alice --crud",
            "query catalog",
            "add-to-cart alice mug 1\nplace-order alice",
            "restock mug 1",
            "advance 700ms",
            "advance 3s",
        ]
    ),
    min_size=1,
    max_size=30,
)


TTLS = {"ttl:2s": 2.0, "ttl:500ms": 0.5, "invalidate": None}


@settings(max_examples=20)
@given(STEPS, st.sampled_from(sorted(TTLS)))
def test_no_hit_is_older_than_its_ttl_and_invalidation_is_never_stale(
    steps: list[str], policy: str
) -> None:
    lab = new_lab()
    try:
        run(lab, f"{SHOP_SETUP}cache orders {policy}\ncache catalog {policy}")
        ttl = TTLS[policy]
        for step in steps:
            for outcome in run(lab, step):
                age = outcome.data.get("cache_age")
                if age is None:
                    continue
                if ttl is None:
                    assert not outcome.data.get("stale_cache"), outcome.message
                else:
                    assert age < ttl, outcome.message
        if ttl is None:
            assert sum(lab.metrics.stale_cache_hits.values()) == 0
    finally:
        lab.close()


def test_a_new_policy_starts_with_an_empty_cache() -> None:
    cache = QueryCache()
    cache.set_policy("orders", CachePolicy("ttl", 5.0))
    key = ("orders", "alice", "projection")
    cache.keep(key, ViewRows(("id",), ()), 3, now=0.0)
    assert cache.lookup(key, 1.0, 3) is not None
    cache.set_policy("orders", CachePolicy("ttl", 5.0))
    assert cache.lookup(key, 1.0, 3) is None
