"""A recording carries production's settings (issue 17): a lab using each of them, exported
and replayed, is the same lab: views, lanes' counts, parked lists, stalls, and what comes
next (the pending retry, replay-parked) happens the same on both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.recording import RecordingError, read, replay
from cqrs_lab.lab.recording_production import production_json
from cqrs_lab.lessons.goals.metric import LANE_FIELDS
from tests.lab_helpers import SHOP_SETUP, new_lab, run

PRODUCTION = """
latency all fixed:100ms
on-error orders park
poison orders next
on-error carts skip
poison carts next
on-error sales stop
poison sales next
on-error catalog retry
poison catalog next 2
snapshots every 2
cache catalog ttl:5s
replicas orders 2
route orders sticky
legacy-register carol carol@example.com
add-to-cart alice mug 1
place-order alice
pay o1
advance 1.5s
query orders alice
query catalog
upcasters off
"""
"""One of each: a parked orders event (and one behind it), a skipped carts event, the sales
lane stopped on an event, the catalog lane stalled with a retry coming, snapshots, a cache,
replicas with a sticky route, a legacy event with the upcasters off."""
COMPARED = ("checkpoint", "lag_events", *LANE_FIELDS[LANE_FIELDS.index("error_policy") :])
"""Each lane's position and what production's settings do to it (policy, stall, parked...)."""
VIEWS = ("catalog", "sales", "cart alice", "orders alice", "orders carol")


@pytest.fixture
def original(data_dir: Path) -> Iterator[Lab]:
    lab = new_lab(seed=5)
    run(lab, SHOP_SETUP + "settle" + PRODUCTION)
    yield lab
    lab.close()


def exported(lab: Lab, data_dir: Path) -> Path:
    outcome = execute(lab, "export production.jsonl")
    assert outcome.ok, outcome.message
    return data_dir / "exports" / "production.jsonl"


def picture(lab: Lab) -> dict[str, Any]:
    """What the two labs must agree on: lanes, views as read, parked lists, the settings."""
    lanes = lab.report()["lanes"]
    return {
        "lanes": {name: {key: lane[key] for key in COMPARED} for name, lane in lanes.items()},
        "views": {view: lab.query(*view.split(), record=False).to_json()["rows"] for view in VIEWS},
        "parked": {
            name: [p.describe() for p in subscriber.guard.parked]
            for name, subscriber in lab.subscribers.items()
        },
        "production": production_json(lab),
    }


def test_the_original_uses_every_setting(original: Lab) -> None:
    lanes = original.report()["lanes"]
    assert lanes["orders"]["parked"] == 2 and lanes["carts"]["skipped"] == 1
    assert lanes["sales"]["stalled"] and lanes["catalog"]["stalled"]
    assert original.subscribers["catalog"].guard.stall.retry_at is not None
    assert original.reads.replicas.sticky and not original.store.upcasters


def test_a_replay_is_the_same_lab(original: Lab, data_dir: Path) -> None:
    replayed = replay(exported(original, data_dir), password_cost=2**4)
    try:
        assert picture(replayed) == picture(original)
        for lab in (original, replayed):  # the catalog's retry falls due: both go on alike
            run(lab, "advance 5s\nupcasters on")
        assert picture(replayed) == picture(original)
        for lab in (original, replayed):
            run(lab, "poison orders off\npoison sales off\nreplay-parked orders\nsettle")
        assert picture(replayed) == picture(original)
        assert "o1 paid" in execute(replayed, "query orders alice").message
    finally:
        replayed.close()


def test_a_replay_cut_short_keeps_the_settings_not_the_state(
    original: Lab, data_dir: Path
) -> None:
    replayed = replay(exported(original, data_dir), 4, password_cost=2**4)
    try:
        guard = replayed.subscribers["orders"].guard
        assert guard.policy == "park" and guard.parked == [] and guard.stall is None
        assert replayed.handler.aggregates.snapshots.every == 2
        assert str(replayed.reads.cache.policy("catalog")) == "ttl:5s"
        assert len(replayed.reads.replicas.of("orders")) == 2
    finally:
        replayed.close()


def test_an_old_event_is_recorded_as_stored(original: Lab, data_dir: Path) -> None:
    recording = read(exported(original, data_dir))
    old = [e for e in recording.events if e.type == "UserRegistered" and e.schema_version == 1]
    assert [legacy.data for legacy in old] == [{"name": "carol", "email": "carol@example.com"}]


def test_bad_production_settings_are_one_clear_error(original: Lab, data_dir: Path) -> None:
    path = exported(original, data_dir)
    lines = path.read_text().splitlines()
    lines[0] = lines[0].replace('"on_error": "park"', '"on_error": "explode"')
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordingError, match="production settings: 'explode' is not a valid"):
        replay(path, password_cost=2**4)
