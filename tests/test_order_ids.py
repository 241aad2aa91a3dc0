"""Readable order ids (o1, o2, ...) count accepted orders only."""

from __future__ import annotations

from pathlib import Path

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from tests.lab_helpers import SHOP_SETUP, new_lab, run


def placed(lab: Lab, line: str = "place-order alice") -> str | None:
    outcome = execute(lab, line)
    return outcome.data.get("order_id") if outcome.ok else None


def test_a_refused_place_order_uses_up_no_id() -> None:
    lab = new_lab()
    run(lab, SHOP_SETUP + "add-to-cart alice mug 1")
    assert placed(lab) == "o1"
    assert placed(lab) is None  # the cart is empty now: refused
    run(lab, "add-to-cart alice mug 1")
    assert placed(lab) == "o2"


def test_ids_go_on_from_the_accepted_orders_after_reopening(tmp_path: Path) -> None:
    db = str(tmp_path / "lab.db")
    lab = new_lab(db=db)
    run(lab, SHOP_SETUP + "add-to-cart alice mug 1")
    assert placed(lab) == "o1"
    assert placed(lab) is None
    lab.close()
    lab = new_lab(db=db)
    assert placed(lab) is None
    run(lab, "add-to-cart alice mug 1")
    assert placed(lab) == "o2"
    lab.close()


def test_a_race_whose_loser_is_refused_uses_one_id() -> None:
    lab = new_lab()
    run(lab, SHOP_SETUP + "add-to-cart alice mug 10\nadd-to-cart bob mug 10")
    outcome = execute(lab, "race place-order alice ; place-order bob")
    assert "out_of_stock" in outcome.message
    run(lab, "restock mug 10")
    assert placed(lab, "place-order bob") == "o2"


def test_a_race_refused_before_either_append_uses_no_id() -> None:
    lab = new_lab()
    run(lab, SHOP_SETUP)
    assert not execute(lab, "race place-order alice ; place-order bob").ok  # empty carts
    run(lab, "add-to-cart alice mug 1")
    assert placed(lab) == "o1"
