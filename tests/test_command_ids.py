"""Command ids come from the lab's seed, yet stay unique on a database two labs share."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from cqrs_lab.lab import Lab
from cqrs_lab.lab.ids import CommandIds
from cqrs_lab.script.control_lines import ID_PREFIX
from cqrs_lab.shop import commands
from cqrs_lab.shop.workload import Workload
from tests.lab_helpers import SHOP_SETUP, new_lab, run
from tests.robust_helpers import check_store

SCRIPT = SHOP_SETUP + "restock mug 5\nadd-to-cart alice mug 1\nplace-order alice\npay last"
LOAD = "load 20/s for 3s\nsettle"
HEX = set("0123456789abcdef")


def command_ids(lab: Lab) -> list[str]:
    return [event.metadata.command_id for event in lab.store.read_all()]


def test_the_same_seed_draws_the_same_uuid_shaped_ids() -> None:
    first, second, other = CommandIds(7), CommandIds(7), CommandIds(8)
    drawn = [first.new() for _ in range(3)]
    assert drawn == [second.new() for _ in range(3)]
    assert drawn != [other.new() for _ in range(3)]
    assert all(
        len(command_id) == 32 and command_id[12] == "8" and set(command_id) <= HEX
        for command_id in drawn
    )


def test_ids_sort_in_draw_order_and_differ_in_their_first_8_characters() -> None:
    """Each new id lands beside the last in the store's command_id index, yet the screen
    and `trace PREFIX` still tell every one apart by its first ID_PREFIX characters."""
    ids = CommandIds(1)
    drawn = [ids.new() for _ in range(100_000)]
    assert drawn == sorted(drawn)
    assert len({command_id[:ID_PREFIX] for command_id in drawn}) == len(drawn)


def test_a_salted_sequence_is_new_and_still_sorts() -> None:
    unsalted, salted = CommandIds(4), CommandIds(4)
    before = [salted.new() for _ in range(5)]
    assert before == [unsalted.new() for _ in range(5)]
    salted.salt()
    after = [salted.new() for _ in range(1_000)]
    assert after == sorted(after)
    assert set(after).isdisjoint(before + [unsalted.new() for _ in range(1_000)])


def test_the_workload_ids_sort_in_the_order_it_draws_them() -> None:
    workload = Workload(random.Random(3))
    drawn = [workload.next_request(0.0) for _ in range(300)]
    ids = [request.command_id for request in drawn if isinstance(request, commands.Command)]
    assert len(ids) > 50 and ids == sorted(ids)
    assert len({command_id[:ID_PREFIX] for command_id in ids}) == len(ids)
    assert all(len(command_id) == 32 and set(command_id) <= HEX for command_id in ids)


def test_a_seeded_lab_records_the_same_ids_every_run() -> None:
    ids = []
    for _ in range(2):
        lab = new_lab(seed=5)
        run(lab, SCRIPT + "\nrace restock mug 1 ; restock tea 1")
        ids.append(command_ids(lab))
    assert ids[0] == ids[1]
    assert len(ids[0]) == 12  # 10 commands; the order placed records 3 events under one id
    assert len(set(ids[0])) == 10


def test_reset_and_seed_start_the_sequence_again() -> None:
    lab = new_lab(seed=5)
    run(lab, SCRIPT)
    before = command_ids(lab)
    run(lab, "reset\n" + SCRIPT)
    assert command_ids(lab) == before
    run(lab, "reset\nseed 6\n" + SCRIPT)
    assert set(command_ids(lab)).isdisjoint(before)


def test_two_labs_with_one_seed_on_one_database_both_record_everything(tmp_path: Path) -> None:
    db = tmp_path / "lab.db"
    first, second = new_lab(seed=3, db=str(db)), new_lab(seed=3, db=str(db))
    run(first, SCRIPT.replace("alice", "carol").replace("bob", "dave"))
    outcomes = run(second, "restock mug 5\nrestock tea 5\nadd-to-cart carol mug 1")
    assert all(outcome.ok and "already handled" not in outcome.message for outcome in outcomes)
    assert second.command_ids.salted and not first.command_ids.salted
    run(first, "restock mug 1")  # the first lab now meets the second's ids in turn
    catalog = first.query("catalog", crud=True).rows.as_dicts()
    assert {row["sku"]: row["available"] for row in catalog}["mug"] == 10 + 5 - 1 + 5 + 1
    first.close()
    second.close()
    check_store(db)


def test_a_second_run_with_the_seed_on_the_same_file_writes_anew(tmp_path: Path) -> None:
    db = str(tmp_path / "lab.db")
    lab = new_lab(seed=3, db=db)
    run(lab, SHOP_SETUP + LOAD)
    head = lab.store.head()
    lab.close()
    lab = new_lab(seed=3, db=db)
    run(lab, "restock mug 1\nrace restock mug 1 ; restock tea 1\n" + LOAD)
    assert lab.store.head() > head + 3
    assert lab.metrics.accepted["restock"] >= 3
    lab.close()
    check_store(Path(db))


def test_an_unseeded_command_id_sorts_by_the_time_it_was_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """So a new id lands at the right edge of the store's command_id index."""
    made_at = iter(
        [1_700_000_000_000_000_000, 1_700_000_000_000_500_000, 1_700_000_000_001_000_000]
    )
    monkeypatch.setattr(commands.time, "time_ns", lambda: next(made_at))
    first, same_millisecond, later = (commands.new_command_id() for _ in range(3))
    assert first[:12] == same_millisecond[:12] == f"{1_700_000_000_000:012x}"
    assert first != same_millisecond
    assert max(first, same_millisecond) < later
    assert all(len(made) == 32 and set(made) <= HEX for made in (first, same_millisecond, later))


def test_a_command_built_without_an_id_gets_a_fresh_one() -> None:
    ids = {commands.Restock(sku="mug", quantity=1).command_id for _ in range(100)}
    assert len(ids) == 100
