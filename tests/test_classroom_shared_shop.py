"""The shared shop (issue 16, item 4): ten attendees in ten processes race for five mugs.

Each attendee is a process of its own (multiprocessing's forkserver: forked from a fresh
interpreter that imported the lab once, as `serve`'s warm starter does) seated through
`take_seat`, so its lab opens on the classroom's database. All ten wait at the start line,
add a mug to their cart (five are left, so every cart gets one), then place their orders at
once: exactly five orders are accepted, five are refused out of stock, and once everyone
has settled every lab's projections equal the CRUD twin. On a SQLite file and on
PostgreSQL. No sleeps: every wait is on an event or a queue, with a timeout.
"""

from __future__ import annotations

import multiprocessing
import queue
from typing import Any

import pytest

from cqrs_lab.classroom.seat import lab_database, take_seat
from cqrs_lab.classroom.storage import ClassroomStore
from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute

ATTENDEES = 10
MUGS = 5
TIMEOUT = 60.0


def open_lab(db: str | None, seed: int) -> Lab:
    lab = Lab.open(db, seed=seed, password_cost=2**4)
    assert execute(lab, "latency all zero").ok
    return lab


def attendee(db: str, code: str, name: str, seed: int, gates: dict[str, Any]) -> None:
    """One attendee's process: seat, open the lab, wait for the start, buy a mug, settle."""
    from tests.robust_helpers import answers

    results = gates["results"]
    try:
        store = ClassroomStore.open(db)
        seat = take_seat(store, db, code, name)
        lab = open_lab(seat.lab_db, seed)
        gates["ready"].put(name)
        if not gates["start"].wait(TIMEOUT):
            raise TimeoutError("no start")
        added = execute(lab, f"add-to-cart {name} mug 1")
        results.put(("added", name, added.ok, added.code))
        if not gates["order"].wait(TIMEOUT):
            raise TimeoutError("no order")
        placed = execute(lab, f"place-order {name}")
        results.put(("placed", name, placed.ok, placed.code))
        if not gates["settle"].wait(TIMEOUT):
            raise TimeoutError("no settle")
        lab.poll_store()
        assert execute(lab, "settle").ok
        equal = answers(lab, crud=False) == answers(lab, crud=True)
        results.put(("settled", name, equal, lab.head, lab.store.head()))
        lab.close()
        seat.link.leave()
        store.close()
    except BaseException as error:
        results.put(("failed", name, repr(error)))
        raise


def test_ten_attendees_race_for_five_mugs(db: str) -> None:
    store = ClassroomStore.open(db)
    classroom = store.start(title="race", shared_shop=True)
    assert lab_database(classroom, db, "ada") == db
    names = [f"buyer{n}" for n in range(ATTENDEES)]
    shop = open_lab(db, seed=1)  # the instructor's: the shop everyone buys in
    for line in [f'add-product mug "Blue mug" 12.50 {MUGS}'] + [
        f"register {name} {name}@example.com pass-{name}" for name in names
    ]:
        assert execute(shop, line).ok, line
    assert execute(shop, "settle").ok

    spawn = multiprocessing.get_context("forkserver")
    spawn.set_forkserver_preload(
        ["cqrs_lab.lab", "cqrs_lab.classroom.seat", "tests.robust_helpers"]
    )
    gates = {
        "ready": spawn.Queue(),
        "results": spawn.Queue(),
        "start": spawn.Event(),
        "order": spawn.Event(),
        "settle": spawn.Event(),
    }
    children = [
        spawn.Process(target=attendee, args=(db, classroom.code, name, 10 + n, gates))
        for n, name in enumerate(names)
    ]
    for child in children:
        child.start()
    try:
        ready = {take(gates["ready"], gates["results"]) for _ in names}
        assert ready == set(names)
        gates["start"].set()
        added = [take(gates["results"]) for _ in names]
        gates["order"].set()
        placed = [take(gates["results"]) for _ in names]
        gates["settle"].set()
        settled = [take(gates["results"]) for _ in names]
        for child in children:
            child.join(TIMEOUT)
            assert child.exitcode == 0
    finally:
        for child in children:
            if child.is_alive():
                child.kill()

    assert all(row[0] == "added" and row[2] for row in added), added  # every cart holds one
    assert all(row[0] == "placed" for row in placed), placed
    accepted = [row[1] for row in placed if row[2]]
    refused = [row[3] for row in placed if not row[2]]
    assert len(accepted) == MUGS, placed
    assert refused == ["out_of_stock"] * (ATTENDEES - MUGS), placed
    head = shop.store.head()
    assert all(row[0] == "settled" and row[2] and row[3] == row[4] == head for row in settled), (
        settled
    )
    shop.poll_store()
    assert execute(shop, "settle").ok
    catalog = shop.query("catalog", crud=True, record=False).rows.as_dicts()
    assert [row["available"] for row in catalog] == [0]
    assert (
        shop.query("catalog", record=False).rows
        == shop.query("catalog", crud=True, record=False).rows
    )
    assert {seat.name for seat in store.attendees(classroom.code)} == set(names)
    shop.close()
    store.close()


def take(results: Any, failures: Any = None) -> Any:
    """The next row from `results` (a failure reported on `failures` fails the test)."""
    try:
        row = results.get(timeout=TIMEOUT)
    except queue.Empty:
        if failures is not None and not failures.empty():
            pytest.fail(str(failures.get()))
        raise
    if row[0] == "failed":
        pytest.fail(f"{row[1]}: {row[2]}")
    return row
