"""Two labs on one database file, as two terminals in a workshop: both send commands,
optimistic concurrency keeps every stream consistent, and each lab's projections catch up
with the other's events by reading the store."""

from __future__ import annotations

import itertools
import re
import select
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.script import parse_line
from cqrs_lab.script.actions import Send
from cqrs_lab.shop.commands import Command, RegisterUser
from cqrs_lab.store.errors import ConcurrencyError
from cqrs_lab.write.results import Accepted, Rejected
from tests.backends import BACKENDS, database_for
from tests.robust_helpers import (
    answers,
    check_read_side,
    check_store,
    child_env,
    cqrs_lab_command,
    read_events,
)

SHOP = """
latency all zero
register alice alice@example.com alice-pass-1
register bob bob@example.com bob-pass-12
add-product mug "Blue mug" 12.50 1
add-product tea "Green tea" 4.00 30
settle
"""
STARTUP_TIMEOUT = 60.0


@pytest.fixture(params=BACKENDS)
def lab_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh lab database: a SQLite file, or one on the PostgreSQL test server."""
    yield from database_for(request.param, tmp_path)


def open_lab(db: str | Path, seed: int) -> Lab:
    return Lab.open(str(db), seed=seed, password_cost=2**4)


def command(line: str) -> Command:
    action = parse_line(line)
    assert isinstance(action, Send)
    return action.build()


def run(lab: Lab, script: str) -> None:
    for line in script.strip().splitlines():
        outcome = execute(lab, line)
        assert outcome.ok, (line, outcome.message)


@pytest.fixture
def two_labs(lab_db: str) -> Iterator[tuple[Lab, Lab]]:
    db = lab_db
    first = open_lab(db, seed=1)
    run(first, SHOP)
    second = open_lab(db, seed=2)
    run(second, "latency all zero")
    yield first, second
    first.close()
    second.close()


def test_each_lab_picks_up_the_others_events(two_labs: tuple[Lab, Lab]) -> None:
    first, second = two_labs
    run(first, "add-to-cart alice tea 2\nplace-order alice")
    assert second.poll_store() == 4  # ItemAdded, OrderPlaced, StockReserved, CartCheckedOut
    run(second, "settle\nadd-to-cart bob tea 3\nplace-order bob\nsettle")
    assert first.poll_store() == 4
    run(first, "settle")
    head = first.store.head()
    for lab in (first, second):
        assert lab.head == head
        assert [lane.checkpoint for lane in lab.snapshot().lanes] == [head] * 4
        assert {event.position for event in lab.recent} >= set(range(6, head + 1))
        assert answers(lab, crud=False) == answers(lab, crud=True)
    assert [row[0] for row in execute(second, "query orders alice").data["rows"]] == ["o1"]
    assert [row[0] for row in execute(first, "query orders bob").data["rows"]] == ["o2"]


def test_a_lab_that_writes_first_still_picks_up_the_others_earlier_events(
    two_labs: tuple[Lab, Lab],
) -> None:
    first, second = two_labs
    run(first, "add-to-cart alice tea 2\nplace-order alice")
    run(second, "add-to-cart bob tea 3")  # written after alice's order, before any poll
    second.poll_store()
    run(second, "settle\nplace-order bob\nsettle")
    assert second.query("catalog").rows == second.query("catalog", crud=True).rows


def test_a_lab_that_queries_first_still_picks_up_the_others_events(
    two_labs: tuple[Lab, Lab],
) -> None:
    first, second = two_labs
    run(first, "add-to-cart alice tea 2\nplace-order alice")
    run(second, "query catalog")
    second.poll_store()
    run(second, "settle\nadd-to-cart bob tea 3\nplace-order bob\nsettle")
    assert second.query("catalog").rows == second.query("catalog", crud=True).rows


def test_tick_delivers_the_other_labs_events_along_the_lanes(two_labs: tuple[Lab, Lab]) -> None:
    first, second = two_labs
    run(second, "latency all fixed:2s")
    run(first, "restock tea 5")
    assert second.tick() == 0  # picked up and published, in flight for 2 lab seconds
    assert second.snapshot().lane("catalog").lag_events == 1
    second.advance(2.0)
    assert second.tick() == 0
    lane = second.snapshot().lane("catalog")
    assert (lane.lag_events, lane.checkpoint) == (0, first.store.head())
    assert second.query("catalog").rows == second.query("catalog", crud=True).rows


def test_both_buy_the_last_mug_one_wins(two_labs: tuple[Lab, Lab], lab_db: str) -> None:
    first, second = two_labs
    run(first, "add-to-cart alice mug 1")
    run(second, "add-to-cart bob mug 1")  # both carts hold the one mug left
    alices, bobs = command("place-order alice o-alice"), command("place-order bob o-bob")

    decided_first = first.handler.decide_only(alices)  # both decide on the same state...
    decided_second = second.handler.decide_only(bobs)
    won = first.handler.append_decided(alices, *decided_first)  # ...one appends first
    lost = second.handler.append_decided(bobs, *decided_second)

    assert isinstance(won, Accepted)
    assert isinstance(lost, Rejected) and isinstance(lost.error, ConcurrencyError)
    assert lost.error.stream_id == "product-mug"
    retried = second.send(bobs)  # reload, decide again: now honestly out of stock
    assert isinstance(retried, Rejected) and retried.code == "out_of_stock"
    events = check_store(lab_db)
    assert [e["type"] for e in events].count("OrderPlaced") == 1
    catalog = first.query("catalog", crud=True).rows.as_dicts()
    assert {row["sku"]: row["available"] for row in catalog}["mug"] == 0


def test_the_same_command_sent_by_both_labs_is_recorded_once(two_labs: tuple[Lab, Lab]) -> None:
    first, second = two_labs
    register = RegisterUser(username="carol", email="carol@example.com", password="carol-pass")

    once = first.send(register)
    again = second.send(register)

    assert isinstance(once, Accepted) and not once.duplicate
    assert isinstance(again, Accepted) and again.duplicate
    assert again.events == once.events
    assert first.store.head() == second.store.head() == once.position


def test_projections_shared_by_two_labs_resume_to_a_rebuild(lab_db: str) -> None:
    db = lab_db
    ahead, behind = open_lab(db, seed=1), open_lab(db, seed=2)
    run(ahead, SHOP)
    run(behind, "latency all fixed:5s")
    behind.poll_store()
    run(behind, "settle")
    run(ahead, "restock mug 5\nrestock tea 7\nsettle")  # ahead: both restocks flushed
    behind.poll_store()
    run(behind, "step")  # behind applies and flushes the first restock only, then stops
    ahead.close()
    behind.close()

    restarted = open_lab(db, seed=3)
    try:
        check_read_side(restarted)
    finally:
        restarted.close()


# -- two processes at once -------------------------------------------------------------

LOAD_DONE = re.compile(r"^(?:lab> )+load done: .* ([\d,]+) events$", re.MULTILINE)


def start_prompt(db: str, seed: int) -> subprocess.Popen[str]:
    """`cqrs-lab prompt` on `db`, once its lab is open: ready to read lines from stdin."""
    child = subprocess.Popen(
        cqrs_lab_command("prompt", "--db", str(db), "--seed", str(seed)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], STARTUP_TIMEOUT)
    banner = child.stdout.readline() if ready else ""
    assert banner.startswith("CQRS Lab (seed"), (banner, child.stderr)
    return child


def events_written(child: subprocess.Popen[str]) -> int:
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    found = LOAD_DONE.findall(out)
    assert len(found) == 1, out[-2000:]
    (count,) = found
    return int(count.replace(",", ""))


def test_two_processes_under_load_keep_every_stream_consistent(lab_db: str) -> None:
    db = lab_db
    lab = open_lab(db, seed=1)
    run(lab, SHOP.replace("12.50 1", "12.50 40"))
    run(lab, "\n".join(f"register shopper{n} s{n}@example.com pass-{n:04}" for n in range(20)))
    lab.close()  # enough users: the workloads shop rather than register (scrypt is slow)
    setup_events = len(read_events(db))
    offset = 100_000.0  # the second lab's clock runs this far ahead: its events show it

    # Two attendees at their prompts; both labs are open before either line is sent.
    children = [start_prompt(db, seed) for seed in (11, 12)]
    for child, start in zip(children, ("", f"advance {offset:g}s"), strict=True):
        assert child.stdin is not None
        child.stdin.write(f"{start}\nload 100/s for 30s\n")
        child.stdin.flush()
    written = sum(events_written(child) for child in children)

    events = check_store(db)  # positions, versions, whole decisions, stock, credentials
    assert len(events) == setup_events + written  # no write lost, none doubled
    second = [event["recorded_at"] >= offset for event in events[setup_events:]]
    assert sum(a != b for a, b in itertools.pairwise(second)) >= 2, "the runs did not overlap"

    restarted = open_lab(db, seed=3)
    try:
        run(restarted, "rebuild all")
        assert answers(restarted, crud=False) == answers(restarted, crud=True)
    finally:
        restarted.close()
