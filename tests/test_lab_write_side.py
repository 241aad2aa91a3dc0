"""The write side through the Lab: each broken rule leaves the store unchanged; idempotency."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cqrs_lab.lab.interpreter import execute
from cqrs_lab.shop import commands as c
from cqrs_lab.write.results import Accepted

from .lab_helpers import SHOP_SETUP, new_lab, run

BROKEN_RULES = [
    ("register alice alice2@example.com another-pw", "username_taken"),
    ("register carol not-an-email long-enough", "parse_error"),
    ("register carol carol@example.com short", "parse_error"),
    ("add-product mug Mug 1.00 1", "duplicate_product"),
    ("add-product cup Cup 0 1", "parse_error"),
    ("restock cup 1", "unknown_product"),
    ("add-to-cart alice mug 0", "parse_error"),
    ("add-to-cart alice mug 11", "out_of_stock"),
    ("add-to-cart zed mug 1", "unknown_user"),
    ("add-to-cart alice cup 1", "unknown_product"),
    ("remove-from-cart bob mug", "not_in_cart"),
    ("place-order bob", "empty_cart"),
    ("pay o9", "unknown_order"),
    ("pay o1", "already_paid"),
    ("ship o2", "not_paid"),
    ("cancel o3", "order_closed"),
    ("ship o3", "order_closed"),
    ("pay o4", "order_closed"),
]


def store_rows(lab) -> tuple[int, object, object, object]:
    return (
        lab.store.head(),
        lab.query("catalog", crud=True, record=False).rows,
        lab.query("orders", "alice", crud=True, record=False).rows,
        lab.query("cart", "alice", crud=True, record=False).rows,
    )


@pytest.fixture(scope="module")
def shop_lab():
    lab = new_lab()
    run(
        lab,
        "latency all zero\n"
        + SHOP_SETUP
        + """
add-to-cart alice mug 1
place-order alice
pay o1
add-to-cart alice mug 1
place-order alice
add-to-cart alice mug 1
place-order alice
pay o3
ship o3
add-to-cart alice tea 1
place-order alice
cancel o4
add-to-cart alice mug 1
""",
    )
    return lab


@pytest.mark.parametrize(("line", "code"), BROKEN_RULES)
def test_a_broken_rule_is_refused_and_writes_nothing(shop_lab, line: str, code: str) -> None:
    before = store_rows(shop_lab)
    outcome = execute(shop_lab, line)
    assert not outcome.ok and outcome.code == code, outcome.message
    assert store_rows(shop_lab) == before


def test_resending_a_command_id_writes_nothing_new() -> None:
    lab = new_lab()
    command = c.build(c.AddProduct, sku="mug", name="Mug", price_cents=100, stock=1)
    first = lab.send(command)
    again = lab.send(command)
    assert isinstance(first, Accepted) and isinstance(again, Accepted)
    assert again.duplicate and again.events == first.events
    assert lab.store.head() == 1


def test_passwords_are_hashed_not_stored() -> None:
    lab = new_lab()
    run(lab, SHOP_SETUP)
    assert execute(lab, "login alice s3cret-pass").ok
    assert not execute(lab, "login alice wrong-pass").ok
    assert not execute(lab, "login nobody s3cret-pass").ok
    assert all("s3cret-pass" not in json.dumps(e.data) for e in lab.store.read_all())
    assert all("s3cret-pass" not in line for line in lab.history)


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cqrs_lab", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_run_prints_a_result_per_line_and_json(tmp_path: Path) -> None:
    script = tmp_path / "shop.lab"
    script.write_text(
        "latency orders fixed:2s\n" + SHOP_SETUP + "add-to-cart alice mug 2\n"
        "place-order alice\nquery orders alice\nquery orders alice --crud\nadvance 2s\n"
        "query orders alice\n"
    )
    result = cli("run", str(script), "--json", "--seed", "3")
    assert result.returncode == 0, result.stderr
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    stale, crud, _, fresh, report = objects[-5:]
    assert stale["stale"] is True and stale["behind_events"] == 1
    assert {"checkpoint", "head", "behind_seconds", "rows"} <= stale.keys()
    assert crud["rows"][0][0] == "o1"
    assert fresh["stale"] is False and fresh["rows"] == crud["rows"]
    assert report["kind"] == "report" and report["seed"] == 3
    assert report["lanes"]["orders"]["lag_events"] == 0


def test_run_names_the_line_and_column_of_a_bad_line(tmp_path: Path) -> None:
    script = tmp_path / "bad.lab"
    script.write_text("register alice alice@example.com s3cret-pass\nadd-to-crt alice mug\n")
    result = cli("run", str(script))
    assert result.returncode == 2
    assert "line 2, column 1" in result.stderr and "did you mean 'add-to-cart'" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
