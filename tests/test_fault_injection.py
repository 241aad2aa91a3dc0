"""Fault injection on every write path: the Nth transaction of a run fails at its commit,
for every N the run has, and afterwards the lab is still consistent.

A seeded script (commands, inline and async lanes, faults, a rebuild, queries) runs once to
count its transactions (18 today); then once per N and per way a commit fails (a lock held
by another program, a full disk, a lost connection: 54 runs), on SQLite and on PostgreSQL.
After each run the lab settles and is audited (`cqrs_lab.lab.audit`: the store's
invariants, every projection against a rebuild, the CRUD twin against a replay), and no
answer given during the run said "caught up" while its table missed a write the asker had
made.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection

from cqrs_lab.lab import Lab
from cqrs_lab.lab.audit import audit
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.read.registry import PROJECTION_TYPES
from cqrs_lab.sim.clock import VirtualClock
from cqrs_lab.store.database import open_store
from cqrs_lab.store.errors import DatabaseLocked, DiskFull, StoreError
from cqrs_lab.store.pg_errors import ServerUnavailable
from tests.backends import BACKENDS, database_for

SCRIPT = """
register alice alice@example.com s3cret-pass
register bob bob@example.com bob-secret-1
add-product mug "Blue mug" 12.50 10
add-product tea "Green tea" 4.00 50
latency all fixed:500ms
mode sales inline
add-to-cart alice mug 2
add-to-cart bob tea 3
advance 1s
query cart alice --wait
place-order alice
faults orders dup=0.5
place-order bob
query orders alice
advance 1s
pay o1
restock tea 5
rebuild catalog
cancel o2
query orders bob --wait
advance 2s
query sales
"""


FAILURES: dict[str, Callable[[], StoreError]] = {
    "locked": lambda: DatabaseLocked("the lab database", 0.05),
    "disk full": lambda: DiskFull("the lab database", "database or disk is full"),
    "connection lost": lambda: ServerUnavailable(
        "the lab database", "the server closed the connection (connection lost): reconnecting"
    ),
}
"""Each way a commit fails, as the store reports it (SQLite's and PostgreSQL's)."""


class FailingCommits:
    """Counts the store's transactions; the `fail_at`th one fails at its commit."""

    def __init__(self, lab: Lab, fail_at: int | None, failure: str = "locked") -> None:
        self.count, self.fail_at, self.failure = 0, fail_at, FAILURES[failure]
        self.real = lab.store.transaction
        lab.store.transaction = self.transaction  # type: ignore[method-assign]

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        self.count += 1
        failing = self.count == self.fail_at
        with self.real() as connection:
            yield connection
            if failing:  # the body ran; the commit is refused, so all of it rolls back
                raise self.failure()


def run(
    db: str, fail_at: int | None, failure: str = "locked"
) -> tuple[Lab, FailingCommits, list[str]]:
    lab = Lab(open_store(db), seed=3, clock=VirtualClock(), password_cost=2**4)
    lab.flush_retry_seconds = 0.0
    commits = FailingCommits(lab, fail_at, failure)
    lies = []
    for line in SCRIPT.strip().splitlines():
        outcome = execute(lab, line)
        if outcome.kind == "query" and outcome.ok and outcome.data.get("stale") is False:
            lies += _missing_writes(lab, line, outcome.data)
    return lab, commits, lies


def _missing_writes(lab: Lab, line: str, data: dict[str, object]) -> list[str]:
    """An answer marked fresh must hold every write the asker made before it."""
    checkpoint = data.get("checkpoint")
    asker = (
        line.split()[2] if len(line.split()) > 2 and not line.split()[2].startswith("-") else "you"
    )
    target = lab.last_write.get(asker, 0)
    if isinstance(checkpoint, int) and checkpoint < target:
        return [f"{line!r} said fresh at #{checkpoint}, the asker wrote #{target}"]
    return []


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_failure_point_of_a_run_leaves_the_lab_consistent(
    tmp_path: Path, backend: str
) -> None:
    with database(backend, tmp_path / "clean") as db:
        clean, commits, lies = run(db, None)
        assert lies == [] and audit(clean.store).ok
        clean.close()
    points = commits.count
    assert points > 15  # commands (events, CRUD, credentials, inline), flushes, a rebuild
    for failure, fail_at in itertools.product(FAILURES, range(1, points + 1)):
        with database(backend, tmp_path / f"{failure}-{fail_at}") as db:
            lab, failing, lies = run(db, fail_at, failure)
            failing.fail_at = None  # the lock is gone, the disk has room, the server is back
            _settled(lab)
            report = audit(lab.store)
            where = f"{backend}, transaction {fail_at} of {points} failing ({failure})"
            assert report.ok, (where, [str(finding) for finding in report.findings])
            assert lies == [], where
            assert in_memory_is_stored(lab), where
            lab.close()


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """A fresh database of `backend`, removed afterwards (tests/backends.py)."""
    folder.mkdir()
    databases = database_for(backend, folder)
    yield next(databases)
    next(databases, None)  # drops a PostgreSQL database


def _settled(lab: Lab) -> None:
    """Settle, and every lane saves."""
    execute(lab, "settle")
    lab.flush()
    assert lab.flush_problems == {}


def in_memory_is_stored(lab: Lab) -> bool:
    """Each projection's rows, as it sees them, are what its tables hold (nothing applied
    that was never stored, such as an inline lane's rows from a command whose commit
    failed)."""
    with lab.store.engine.connect() as connection:
        for name, projection in lab.projections.items():
            stored = PROJECTION_TYPES[name]()
            stored.load(connection)
            for table, mirror in projection.mirrors.items():
                rows = stored.mirrors[table].rows  # a mirror holds the rows it has met
                assert {key: mirror.get(*key) for key in rows} == rows, f"{name}.{table}"
                assert set(mirror.rows) <= set(rows), f"{name}.{table}"
    return True
