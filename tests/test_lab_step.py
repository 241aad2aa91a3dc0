"""`step` headless: exactly one delivery, named in the message (issue 15.4)."""

from __future__ import annotations

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute

SCENARIO = (
    "register alice alice@example.com s3cret-pass",
    'add-product mug "Blue mug" 12.50 10',
    "settle",
    "pause",
    "latency all fixed:3s",
    "add-to-cart alice mug 2",
    "place-order alice",
)


def test_step_delivers_one_event_and_names_it() -> None:
    lab = Lab.open(":memory:", seed=7, password_cost=2)
    try:
        for line in SCENARIO:
            assert execute(lab, line).ok, line
        assert lab.snapshot().in_flight == 5
        outcome = execute(lab, "step")
        assert outcome.data["delivered"] == 1
        assert outcome.message.startswith("step: delivered 1: #3 ItemAddedToCart to carts")
        assert lab.snapshot().in_flight == 4
        lab.tick()  # a paused lab's tick delivers nothing, though four are due now
        assert lab.snapshot().in_flight == 4
        assert "; " in execute(lab, "step 2").message  # both named
        assert lab.snapshot().in_flight == 2
    finally:
        lab.close()
