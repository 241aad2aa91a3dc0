"""`simulate --services on` (issue 18.5): each checkout's end-to-end latency (order placed
-> shipped or cancelled) beside the sum of the lanes' means on the happy path."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from cqrs_lab import cli
from cqrs_lab.services import checkouts
from cqrs_lab.shop.workload import SAGA_VERBS
from cqrs_lab.simulate.checkout import render_checkouts, simulate_checkouts
from cqrs_lab.simulate.runner import SimulationConfig
from cqrs_lab.store.database import open_store


def test_with_fixed_delays_every_shipped_checkout_takes_the_estimate() -> None:
    lines = ("latency payments fixed:500ms", "latency shipping fixed:1s")
    _, figures = simulate_checkouts(SimulationConfig(20, 30, seed=4, lines=lines))
    assert figures.estimate == pytest.approx(3.0)
    assert [term[1] for term in figures.terms] == ["payments", "payments", "shipping", "shipping"]
    shipped = figures.shipped
    assert shipped.count > 20
    assert shipped.p50 == pytest.approx(3.0) and shipped.max == pytest.approx(3.0)
    assert figures.every.count == figures.shipped.count + figures.cancelled.count


def test_faults_on_the_lanes_take_the_measurement_above_the_estimate() -> None:
    lines = (
        "latency payments fixed:500ms",
        "latency shipping fixed:1s",
        "faults payments drop=0.3",
        "faults shipping drop=0.3 dup=0.2",
    )
    _, figures = simulate_checkouts(SimulationConfig(20, 30, seed=4, lines=lines))
    assert figures.shipped.mean > 1.2 * figures.estimate
    assert figures.shipped.p99 > figures.shipped.p50 > figures.estimate - 1e-9
    text = render_checkouts(figures)
    assert "estimate for the happy path (the lanes' means): 3.000s" in text
    assert "measured mean of shipped / estimate:" in text


def test_the_checkouts_cancelled_are_the_sagas_own(tmp_path: Path) -> None:
    """The load leaves paying, shipping and cancelling to the saga: every cancelled order
    was declined or timed out, none cancelled by the load."""
    db = str(tmp_path / "checkouts.db")
    lines = ("payments decline rate 0.2", "latency payments exp:6s", "faults payments reorder=on")
    result, figures = simulate_checkouts(SimulationConfig(20, 60, seed=7, lines=lines, db=db))
    assert not SAGA_VERBS & set(result.load.accepted)
    store = open_store(db)
    try:
        steps = Counter(checkout.step for checkout in checkouts.every(store.engine))
    finally:
        store.engine.dispose()
    declined, timed_out = steps["PaymentDeclined"], steps["TimedOut"]
    assert declined > 0 and timed_out > 0 and "OrderCancelled" not in steps
    assert figures.cancelled.count == declined + timed_out == result.events["OrderCancelled"]
    assert figures.shipped.count == steps["Shipped"] == result.events["OrderShipped"]


def test_the_command_line_adds_the_checkouts(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--rate", "20/s", "--for", "10s", "--seed", "3", "--services", "on"]
    assert cli.main([*argv, "--json", "--latency", "payments=exp:500ms"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["settings"][:2] == ["services on", "latency payments exp:500ms"]
    checkouts = data["checkouts"]
    assert checkouts["estimate_terms"][0] == {
        "message": "PaymentRequested",
        "lane": "payments",
        "mean_s": 0.5,
    }
    assert checkouts["every"]["count"] > 0
    assert cli.main(argv) == 0
    assert "Checkouts across services" in capsys.readouterr().out
    assert cli.main(["simulate", "--for", "5s", "--latency", "payments=zero"]) == 2
    assert "services on first" in capsys.readouterr().err
