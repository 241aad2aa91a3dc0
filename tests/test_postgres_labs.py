"""Many labs on one PostgreSQL server, as a workshop runs them (issue 13): every restock of
every lab is accepted, nothing is missed or applied twice, and the password never shows on
a command line. Also positions (gap-free, restarted by reset) on both backends."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from cqrs_lab.commands.serve import visitor_argv
from cqrs_lab.environment import DB_ENV
from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.store.errors import ConcurrencyError
from cqrs_lab.store.event_store import EventMetadata, NewEvent, StreamAppend
from cqrs_lab.tui.serve.server import LabServer
from tests.backends import fresh_postgres_database
from tests.robust_helpers import check_store, child_env, cqrs_lab_command

RESTOCKS = 300
TIMEOUT = 300.0


@pytest.fixture
def pg_db() -> Iterator[str]:
    yield from fresh_postgres_database()


def catalog_tea(lab: Lab, *, crud: bool) -> int:
    rows = lab.query("catalog", crud=crud).rows.as_dicts()
    return {row["sku"]: row["available"] for row in rows}["tea"]


def cmdlines() -> list[str]:
    """Every process's command line, as `ps` shows them."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
            except OSError:
                continue
    return found


@pytest.mark.parametrize("labs", [2, 4])
def test_labs_restocking_at_once_on_one_server_lose_nothing(
    pg_db: str, tmp_path: Path, labs: int
) -> None:
    password = make_url(pg_db).password
    assert password
    setup = Lab.open(pg_db, seed=1, password_cost=2**4)
    assert execute(setup, 'add-product tea "Green tea" 3.00 30').ok
    setup.close()
    script = tmp_path / "restock.lab"
    script.write_text("restock tea 1\n" * RESTOCKS, "utf-8")

    env = child_env(**{DB_ENV: pg_db})  # the URL in the environment, not on argv
    children = [
        subprocess.Popen(
            cqrs_lab_command("run", str(script), "--seed", str(seed)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for seed in range(10, 10 + labs)
    ]
    assert not [line for line in cmdlines() if password in line], "the password shows in ps"
    for child in children:
        out, err = child.communicate(timeout=TIMEOUT)
        assert child.returncode == 0, err
        assert err == "", err  # no traceback, no message
        assert out.count("ok restock") == RESTOCKS, out[-2000:]

    events = check_store(pg_db)  # positions 1..head without a hole, versions, whole commands
    assert len(events) == 1 + labs * RESTOCKS
    settled = Lab.open(pg_db, seed=99, password_cost=2**4)
    try:
        assert execute(settled, "settle").ok
        assert catalog_tea(settled, crud=True) == 30 + labs * RESTOCKS
        assert catalog_tea(settled, crud=False) == 30 + labs * RESTOCKS
    finally:
        settled.close()


def test_reset_starts_positions_again_from_one(db: str) -> None:
    lab = Lab.open(db, seed=1, password_cost=2**4)
    try:
        assert execute(lab, 'add-product tea "Green tea" 3.00 30').ok
        assert execute(lab, "restock tea 1").ok
        assert lab.store.head() == 2
        assert execute(lab, "reset").ok
        assert execute(lab, 'add-product tea "Green tea" 3.00 30').ok
        assert [event.position for event in lab.store.read_all()] == [1]
    finally:
        lab.close()


def test_a_refused_append_leaves_no_hole(db: str) -> None:
    lab = Lab.open(db, seed=1, password_cost=2**4)
    meta = EventMetadata("c1", "c1", "c1", 0.0)
    one = [NewEvent("Note", {"n": 1})]
    try:
        store = lab.store
        store.append("s", 0, one, meta)
        with pytest.raises(ConcurrencyError), store.transaction() as conn:
            store.append_many([StreamAppend("t", 0, one)], meta, connection=conn)
            store.append("s", 0, one, meta, connection=conn)  # clashes: all rolled back
        store.append("t", 0, one, meta)
        assert [event.position for event in store.read_all()] == [1, 2]
    finally:
        lab.close()


def test_serve_hands_the_database_to_visitors_in_their_environment(tmp_path: Path) -> None:
    url = "postgresql+psycopg://lab:s3cret@db.example/lab"
    argv = visitor_argv(seed=3)
    assert argv == ["tui", "--seed", "3"]
    server = LabServer(
        argv,
        host="127.0.0.1",
        port=1,
        public_url="http://127.0.0.1:1",
        token="t0ken",
        visitors_dir=tmp_path,
        shared_db=True,
        db=url,
    )
    env = server._visitor_env()
    assert env[DB_ENV] == url
    assert "s3cret" not in " ".join(server.argv)
