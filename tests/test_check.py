"""`cqrs-lab check`: the audit names what differs (store, a projection, the CRUD twin) and
exits 1; a clean lab exits 0; it never changes the database it reads."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lessons.goals import check_metric_path, read_metric
from tests.robust_helpers import run_cqrs_lab

SCRIPT = """
register alice alice@example.com s3cret-pass
add-product mug "Blue mug" 12.50 10
add-product tea "Green tea" 4.00 50
add-to-cart alice mug 2
place-order alice
pay last
add-to-cart alice tea 1
settle
"""


@pytest.fixture
def lab_file(tmp_path: Path) -> Path:
    (tmp_path / "shop.lab").write_text(SCRIPT, "utf-8")
    db = tmp_path / "lab.db"
    done = run_cqrs_lab("run", str(tmp_path / "shop.lab"), "--db", str(db))
    assert done.returncode == 0, done.stderr
    return db


def check(db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cqrs_lab("check", "--db", str(db), *extra)


def damage(db: Path, statement: str) -> None:
    with sqlite3.connect(db) as connection:
        connection.execute(statement)


def test_a_lab_that_agrees_passes_and_is_left_as_it_was(lab_file: Path) -> None:
    before = hashlib.sha256(lab_file.read_bytes()).hexdigest()
    result = check(lab_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "✓ everything agrees" in result.stdout
    assert "projection orders" in result.stdout and "CRUD twin" in result.stdout
    assert hashlib.sha256(lab_file.read_bytes()).hexdigest() == before


@pytest.mark.parametrize(
    ("statement", "said"),
    [
        ("DELETE FROM orders_by_user", "projection orders: orders_by_user misses 1 row(s): o1"),
        (
            "UPDATE catalog_products SET available = 3 WHERE sku = 'tea'",
            "projection catalog: catalog_products row tea differs: available 3 (expected 50)",
        ),
        ("DELETE FROM carts_lines", "projection carts: carts_lines misses 1 row(s): alice/tea"),
        (
            "UPDATE crud_products SET stock = 99 WHERE sku = 'mug'",
            "CRUD twin: crud_products row mug",
        ),
        (
            "UPDATE projection_checkpoints SET position = 99 WHERE name = 'sales'",
            "projection sales: checkpoint #99 is past the head",
        ),
        ("DELETE FROM events WHERE position = 3", "store: positions are not 1..8: missing 3"),
    ],
)
def test_damage_by_hand_is_named_and_exits_1(lab_file: Path, statement: str, said: str) -> None:
    damage(lab_file, statement)
    result = check(lab_file)
    assert result.returncode == 1, result.stdout + result.stderr
    assert said in result.stdout
    assert "Traceback" not in result.stderr


def test_json(lab_file: Path) -> None:
    damage(lab_file, "DELETE FROM orders_by_user")
    report = json.loads(check(lab_file, "--json").stdout)
    assert report["ok"] is False and report["head"] == 9
    assert report["findings"][0]["where"] == "projection orders"


def test_a_database_that_is_not_a_lab_is_one_line_and_exits_2(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (text)")
    result = check(other)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_the_check_line_says_what_differs(tmp_path: Path) -> None:
    from cqrs_lab.lab import Lab

    lab = Lab.open(str(tmp_path / "lab.db"), seed=1, password_cost=2**4)
    for line in SCRIPT.strip().splitlines():
        assert execute(lab, line).ok
    outcome = execute(lab, "check")
    assert outcome.ok and "agree" in outcome.message
    damage(tmp_path / "lab.db", "DELETE FROM orders_by_user")
    outcome = execute(lab, "check")
    assert not outcome.ok
    assert "projection orders: orders_by_user misses 1 row(s): o1" in outcome.message
    # a lesson's goal can ask for it: metric = { path = "metrics.checks_passed", ... }
    report = lab.report()
    for path, count in (("metrics.checks_passed", 1), ("metrics.checks_failed", 1)):
        assert read_metric(report, check_metric_path(path)) == count
    lab.close()
