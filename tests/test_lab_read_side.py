"""The read side through the Lab: lag, stale reads, --wait, faults, rebuild, restarts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.read.view_specs import LANES, VIEW_SPECS

from .lab_helpers import ORDER_MOVES, SHOP_SETUP, new_lab, run

VIEWS = [
    (spec.name, user)
    for spec in VIEW_SPECS
    for user in (("alice", "bob") if spec.per_user else (None,))
]


def shop_on_file(tmp_path: Path, latency: str, script: str) -> tuple[Lab, str]:
    """A lab on a database file (and the file's name): every lane at `latency`, the shop
    set up, then `script` run."""
    db = str(tmp_path / "lab.db")
    lab = new_lab(db=db)
    run(lab, f"latency all {latency}\n" + SHOP_SETUP + script)
    return lab, db


def restarted(lab: Lab, db: str) -> Lab:
    """The lab's process dies (in-flight deliveries and unflushed work are gone) and a new
    one opens the same database."""
    lab.store.engine.dispose()
    return new_lab(db=db)


def answers(lab: Lab, *, crud: bool) -> dict[tuple[str, str | None], object]:
    return {
        (view, user): lab.query(view, user, crud=crud, record=False).rows for view, user in VIEWS
    }


def order_on_its_way(mugs: int, latency: str) -> Lab:
    """A settled shop, then alice orders `mugs` mugs with the orders lane at `latency`: its
    OrderPlaced is on the way to the orders projection."""
    lab = new_lab()
    run(lab, "latency all zero\n" + SHOP_SETUP + f"add-to-cart alice mug {mugs}\nsettle")
    run(lab, f"latency orders {latency}\nplace-order alice")
    return lab


def test_a_stale_read_after_placing_an_order() -> None:
    lab = order_on_its_way(2, "fixed:2s")
    stale = execute(lab, "query orders alice")
    assert stale.data["stale"] is True
    assert stale.data["rows"] == []
    assert stale.data["behind_events"] == 1  # OrderPlaced: the one event the orders lane needs
    assert stale.data["checkpoint"] == 5 and stale.data["head"] == 8
    crud = execute(lab, "query orders alice --crud")
    assert [row[0] for row in crud.data["rows"]] == ["o1"]
    execute(lab, "advance 1.999s")
    assert execute(lab, "query orders alice").data["stale"] is True
    execute(lab, "advance 1ms")
    fresh = execute(lab, "query orders alice")
    assert fresh.data["stale"] is False and fresh.data["behind_events"] == 0
    assert fresh.data["rows"] == crud.data["rows"]
    assert lab.metrics.stale_reads["orders"] == 2


def test_query_wait_reads_your_own_write() -> None:
    lab = order_on_its_way(1, "fixed:1500ms")
    waited = execute(lab, "query orders alice --wait")
    assert waited.data["stale"] is False
    assert waited.data["waited"] == pytest.approx(1.5)
    assert [row[0] for row in waited.data["rows"]] == ["o1"]


def test_wait_times_out_when_the_event_is_lost() -> None:
    lab = new_lab()
    run(lab, "latency all zero\n" + SHOP_SETUP + "settle")
    run(lab, "faults orders drop=1 lost=on\nadd-to-cart alice mug 1\nplace-order alice")
    answer = execute(lab, "query orders alice --wait 3s")
    assert answer.data["timed_out"] is True and answer.data["stale"] is True
    assert lab.clock.now() == pytest.approx(3.0)


def test_inline_mode_never_lags() -> None:
    lab = new_lab()
    run(lab, "latency all fixed:5s\nmode orders inline\n" + SHOP_SETUP)
    run(lab, "add-to-cart alice mug 1\nplace-order alice")
    answer = execute(lab, "query orders alice")
    assert answer.data["stale"] is False and len(answer.data["rows"]) == 1
    assert lab.snapshot().lane("orders").in_flight == ()
    assert execute(lab, "query cart alice").data["stale"] is True


def test_duplicates_are_ignored_by_the_checkpoint() -> None:
    lab = new_lab(seed=4)
    run(lab, "latency all uniform:10ms..50ms\nfaults all dup=1\n" + SHOP_SETUP + "settle")
    lane = lab.snapshot().lane("catalog")
    assert lane.subscriber.duplicates == lane.bus.duplicated > 0
    assert answers(lab, crud=False) == answers(lab, crud=True)


def test_lost_events_leave_a_gap_that_catch_up_fills() -> None:
    lab = new_lab(seed=2)
    run(lab, "latency all zero\nfaults catalog drop=0.5 lost=on\n" + SHOP_SETUP)
    run(lab, "restock mug 1\nrestock tea 2\nrestock mug 3\nsettle")
    lane = lab.snapshot().lane("catalog")
    assert lane.bus.lost > 0 and lane.checkpoint < lab.head
    run(lab, "gaps catalog catch-up")
    assert lab.snapshot().lane("catalog").checkpoint == lab.head
    assert lab.query("catalog", record=False).rows == lab.query("catalog", crud=True).rows


def test_rebuild_equals_incremental() -> None:
    lab = new_lab()
    run(
        lab,
        "latency all exp:200ms\n"
        + SHOP_SETUP
        + "add-to-cart alice mug 2\nplace-order alice\npay last\nsettle",
    )
    before = answers(lab, crud=False)
    assert execute(lab, "rebuild all").ok
    assert answers(lab, crud=False) == before == answers(lab, crud=True)
    assert lab.metrics.rebuilds == dict.fromkeys(LANES, 1)


def test_a_restart_resumes_from_the_checkpoint(tmp_path: Path) -> None:
    order = "advance 1s\nadd-to-cart alice mug 1\nplace-order alice"
    lab, db = shop_on_file(tmp_path, "fixed:1s", order)
    checkpoint = lab.snapshot().lane("orders").checkpoint
    assert checkpoint < lab.head
    again = restarted(lab, db)
    assert again.snapshot().lane("orders").checkpoint == again.head
    assert answers(again, crud=False) == answers(again, crud=True)


def test_a_crash_in_the_middle_of_a_batch_loses_and_doubles_nothing(tmp_path: Path) -> None:
    lab, db = shop_on_file(tmp_path, "zero", "add-to-cart alice mug 3\nplace-order alice\nsettle")
    run(lab, "latency all fixed:1s\npay last\nadd-to-cart bob tea 4\nplace-order bob")
    subscriber = lab.subscribers["sales"]
    pending = lab.store.read_all(after=subscriber.checkpoint)
    subscriber.projection.apply(pending[0])  # applied in memory, then the process dies
    again = restarted(lab, db)
    assert answers(again, crud=False) == answers(again, crud=True)
    execute(again, "rebuild sales")
    assert answers(again, crud=False) == answers(again, crud=True)


def test_a_new_projection_fills_itself_from_history(tmp_path: Path) -> None:
    lab, db = shop_on_file(tmp_path, "zero", "add-to-cart alice mug 1\nplace-order alice\nsettle")
    with lab.store.transaction() as connection:  # as if "sales" had never existed
        lab.projections["sales"].clear(connection)
    again = restarted(lab, db)
    assert again.query("sales", record=False).rows == again.query("sales", crud=True).rows


# -- property: whatever the faults, projections end equal to a rebuild and to CRUD ---------

lines = st.sampled_from(
    [
        "add-to-cart alice mug 1",
        "add-to-cart bob tea 2",
        "add-to-cart alice tea 1",
        *ORDER_MOVES,
        "restock mug 2",
        "advance 300ms",
        "step",
        "latency all exp:300ms",
        "latency all uniform:0ms..2s",
        "faults all drop=0.3",
        "faults all dup=0.3",
        "faults all reorder=on",
        "faults all drop=0.2 lost=on",
        "faults all none",
        "gaps all catch-up",
        "gaps all wait",
        "mode sales inline",
        "mode sales async",
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), script=st.lists(lines, max_size=25))
def test_projections_converge_to_a_rebuild_and_to_crud(seed: int, script: list[str]) -> None:
    lab = new_lab(seed=seed)
    run(lab, SHOP_SETUP + "\n".join(script))
    run(lab, "faults all none\ngaps all catch-up\nsettle")
    incremental = answers(lab, crud=False)
    assert incremental == answers(lab, crud=True)
    run(lab, "rebuild all")
    assert answers(lab, crud=False) == incremental


def test_same_seed_same_run() -> None:
    script = (
        SHOP_SETUP
        + "latency all exp:500ms\nfaults all drop=0.2 dup=0.2 reorder=on\n"
        + ("add-to-cart alice mug 1\nplace-order alice\npay last\nadvance 200ms\n" * 3)
        + "settle"
    )

    def deliveries(seed: int) -> list[tuple[float, str, int, str]]:
        lab = new_lab(seed=seed)
        log: list[tuple[float, str, int, str]] = []
        lab.bus.add_observer(
            lambda d, outcome: log.append((d.due_at, d.subscription, d.position, outcome))
        )
        run(lab, script)
        return log

    assert deliveries(7) == deliveries(7)
    assert deliveries(7) != deliveries(8)
