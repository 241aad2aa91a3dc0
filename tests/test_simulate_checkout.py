"""`simulate --services on` (issue 18.5): each checkout's end-to-end latency (order placed
-> shipped or cancelled) beside the sum of the lanes' means on the happy path."""

from __future__ import annotations

import json

import pytest

from cqrs_lab import cli
from cqrs_lab.simulate.checkout import render_checkouts, simulate_checkouts
from cqrs_lab.simulate.runner import SimulationConfig


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
