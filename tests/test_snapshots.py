"""Aggregate snapshots on a headless lab (issue 17.2): a command loads the newest snapshot
plus the events after it, says so in its trace, and decides exactly as a full replay does."""

from __future__ import annotations

from contextlib import closing

from hypothesis import given, settings
from hypothesis import strategies as st

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from tests.lab_helpers import ORDER_MOVES, SHOP_SETUP, new_lab, run


def restocks(lab: Lab, count: int) -> int:
    """`count` restocks of mug; the last one's position."""
    position = 0
    for _ in range(count):
        outcome = execute(lab, "restock mug 1")
        assert outcome.ok, outcome.message
        position = outcome.data["position"]
    return position


def test_a_command_loads_from_the_newest_snapshot_and_trace_says_so(db: str) -> None:
    with closing(new_lab(db=db)) as lab:
        run(lab, SHOP_SETUP + "snapshots every 5")
        position = restocks(lab, 12)  # product-mug at v13: snapshots at v5 and v10
        text = execute(lab, f"trace {position}").message
        assert "product-mug loaded from snapshot at v10 + 2 events" in text
        data = execute(lab, f"trace {position}").data
        assert data["loads"] == [
            {"stream_id": "product-mug", "how": "snapshot", "start_version": 10, "events_read": 2}
        ]
        assert lab.metrics.aggregate_loads["snapshot"] > 0
        assert "catalog" in execute(lab, "query catalog --wait").message


def test_replay_folds_from_the_first_event_and_cached_says_nothing(db: str) -> None:
    with closing(new_lab(db=db)) as lab:
        run(lab, SHOP_SETUP + "aggregates replay")
        position = restocks(lab, 3)
        assert "product-mug replayed from the start: 3 events" in (
            execute(lab, f"trace {position}").message
        )
        run(lab, "aggregates cached")
        position = restocks(lab, 1)
        chain = execute(lab, f"trace {position}")
        assert "loaded" not in chain.message and chain.data["loads"] == []


def test_a_long_stream_gets_its_first_snapshot_at_its_next_command() -> None:
    with closing(new_lab()) as lab:
        run(lab, SHOP_SETUP)
        restocks(lab, 30)  # product-mug at v31, before snapshots
        run(lab, "snapshots every 10")
        first = restocks(lab, 1)  # replays 31 events, then saves a snapshot at v32
        assert "product-mug replayed from the start: 31 events" in (
            execute(lab, f"trace {first}").message
        )
        second = restocks(lab, 1)
        assert "product-mug loaded from snapshot at v32 + 0 events" in (
            execute(lab, f"trace {second}").message
        )


def test_snapshots_off_goes_back_to_the_cache_and_reset_forgets_them() -> None:
    with closing(new_lab()) as lab:
        run(lab, SHOP_SETUP + "snapshots every 2")
        restocks(lab, 5)
        assert "snapshots off" in execute(lab, "snapshots off").message
        assert lab.handler.aggregates.strategy == "cached"
        run(lab, "reset\nsnapshots every 100\n" + SHOP_SETUP)
        position = restocks(lab, 1)  # no snapshot of the old product-mug is left to load
        assert "product-mug replayed from the start: 1 event" in (
            execute(lab, f"trace {position}").message
        )
        assert "mug Blue mug 12.50 11;" in execute(lab, "query catalog --wait").message


COMMANDS = st.sampled_from(
    [
        "restock mug 1",
        "add-to-cart alice mug 3",
        "add-to-cart bob mug 4",
        "add-to-cart alice tea 2",
        *ORDER_MOVES,
    ]
)


def decisions(setting: str, lines: list[str]) -> list[tuple[bool, str | None, str]]:
    """Each line's decision (accepted, error code, the events it appended) under a setting."""
    with closing(new_lab()) as lab:
        run(lab, SHOP_SETUP + setting)
        made = []
        for line in lines:
            outcome = execute(lab, line)
            types = ",".join(event["type"] for event in outcome.data.get("events", []))
            made.append((outcome.ok, outcome.code, types))
        assert execute(lab, "check").ok
        return made


@settings(max_examples=15)
@given(st.lists(COMMANDS, min_size=1, max_size=25), st.integers(1, 4))
def test_snapshots_decide_as_a_replay_does(lines: list[str], every: int) -> None:
    """A snapshot is a cache of a fold: every decision is the one a full replay makes."""
    replayed = decisions("aggregates replay", lines)
    assert decisions(f"snapshots every {every}", lines) == replayed
    assert decisions("aggregates cached", lines) == replayed
