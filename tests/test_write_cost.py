"""A write's cost in lab time: the model, and the lab recording it per accepted command."""

from __future__ import annotations

import pytest

from cqrs_lab.lab.interpreter import execute
from cqrs_lab.sim.write_cost import WRITE_COST, WriteCost
from tests.lab_helpers import new_lab


def test_the_model_adds_transaction_events_and_inline_work() -> None:
    cost = WriteCost(transaction=0.004, per_event=0.001, per_inline_event=0.008)
    assert cost.seconds(3, 0) == pytest.approx(0.007)
    assert cost.seconds(3, 2) == pytest.approx(0.023)


def test_an_inline_projection_makes_the_write_cost_more() -> None:
    lab = new_lab()
    try:
        for line in (
            "register alice alice@example.com s3cret-pass",
            'add-product mug "Blue mug" 12.50 10',
            "add-to-cart alice mug 1",
            "place-order alice",
        ):
            assert execute(lab, line).ok
        async_cost = lab.metrics.command_lab.max
        assert async_cost == pytest.approx(WRITE_COST.seconds(3, 0))
        for line in ("mode orders inline", "mode sales inline", "add-to-cart alice mug 1"):
            assert execute(lab, line).ok
        assert execute(lab, "place-order alice").ok  # OrderPlaced: orders and sales apply it
        assert lab.metrics.command_lab.max == pytest.approx(WRITE_COST.seconds(3, 2))
        assert lab.metrics.command_lab.count == 6
        assert lab.report()["metrics"]["command_seconds"]["max"] == pytest.approx(0.023)
        assert execute(lab, "pay o9").ok is False  # refused: no write, no cost
        assert lab.metrics.command_lab.count == 6
    finally:
        lab.close()
