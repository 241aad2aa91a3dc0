"""`cqrs-lab simulate`: a measured Poisson load in virtual time, beside the simple models."""

from __future__ import annotations

import itertools
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqrs_lab import cli
from cqrs_lab.commands.simulate import _rate
from cqrs_lab.sim.latency import Exponential, Fixed, LogNormal, Uniform, Zero
from cqrs_lab.simulate import (
    SimulationConfig,
    SimulationError,
    SimulationResult,
    render,
    simulate,
)
from cqrs_lab.simulate.models import poisson_table, survival
from cqrs_lab.simulate.stats import Summary, histogram, poisson_pmf, quantile

ORDERS_EXP = ("latency orders exp:800ms",)


def run(seconds: float, *lines: str, rate: float = 50.0, seed: int = 1) -> SimulationResult:
    return simulate(SimulationConfig(rate, seconds, seed=seed, lines=(*ORDERS_EXP, *lines)))


@pytest.fixture(scope="module")
def two_minutes() -> SimulationResult:
    """50/s with exp:800ms on orders, over two lab minutes (shared: it takes seconds)."""
    return run(120.0)


def test_a_seed_prints_the_same_report_twice() -> None:
    first, second = run(15.0), run(15.0)
    assert render(first) == render(second)
    assert first.to_json() == second.to_json()
    assert render(run(15.0, seed=2)) != render(first)


def test_littles_law_holds_on_every_lane(two_minutes: SimulationResult) -> None:
    for lane in two_minutes.lanes:
        assert lane.in_flight > 1
        assert lane.little == pytest.approx(lane.in_flight, rel=0.1), lane.name
    orders = two_minutes.lane("orders")
    assert orders.fifo and orders.delay_model == pytest.approx(0.8)
    assert orders.delay_measured > 2 * orders.delay_model  # head-of-line blocking


def test_without_fifo_the_latency_models_mean_predicts_what_is_in_flight() -> None:
    result = run(90.0, "faults all reorder=on")
    for lane in result.lanes:
        assert lane.delay_measured == pytest.approx(lane.delay_model, rel=0.1), lane.name
        assert lane.naive == pytest.approx(lane.in_flight, rel=0.1), lane.name


def stale_against_model(result: SimulationResult, view: str) -> tuple[int, float]:
    """Stale reads measured and predicted, over the reads by users who had written."""
    query = next(q for q in result.queries if q.view == view)
    return sum(b.stale for b in query.buckets), sum(b.expected for b in query.buckets)


def test_fifo_reads_are_staler_than_the_one_delivery_model(two_minutes: SimulationResult) -> None:
    stale, predicted = stale_against_model(two_minutes, "orders")
    assert stale > 1.3 * predicted > 0


def test_catching_up_at_gaps_makes_reads_fresher_than_the_model() -> None:
    result = run(45.0, "faults orders reorder=on", "gaps orders catch-up")
    stale, predicted = stale_against_model(result, "orders")
    assert stale < 0.8 * predicted


def test_with_fixed_delays_the_stale_read_model_is_exact() -> None:
    """A read t after the asker's write is stale exactly when t < the fixed delay — counted
    over the reads whose last write put an event on the view's lane. The others (a shopper
    reading the catalog after adding to a cart) are counted apart: they can be stale only
    behind other shoppers' events, which the model is not about."""
    result = simulate(SimulationConfig(30.0, 60.0, seed=5, lines=("latency all fixed:1s",)))
    for query in result.queries:
        for bucket in query.buckets:
            assert bucket.stale == pytest.approx(bucket.expected), (query.view, bucket.low)
        assert query.reads == (
            query.never_wrote + query.off_lane + sum(b.reads for b in query.buckets)
        )
    catalog = next(q for q in result.queries if q.view == "catalog")
    assert 0 < catalog.off_lane_stale < catalog.off_lane
    assert "write off lane" in render(result)
    assert result.to_json()["queries"]["catalog"]["last_write_off_lane"]["reads"] > 0


def test_arrivals_per_second_look_poisson(two_minutes: SimulationResult) -> None:
    arrivals = two_minutes.arrivals
    assert arrivals.seconds == 120
    assert arrivals.mean == pytest.approx(50, rel=0.05)
    assert 0.75 < arrivals.variance / arrivals.mean < 1.25
    assert sum(b.seen for b in arrivals.table) == 120
    assert sum(b.expected for b in arrivals.table) == pytest.approx(120, rel=1e-6)


def test_the_report_and_its_json() -> None:
    result = run(20.0)
    text = render(result)
    assert text.startswith("cqrs-lab simulate: 50 requests/s for 20s of lab time, seed 1")
    assert "passwords hashed at scrypt n=2**4" in text and "database :memory:" in text
    for heading in ("Lag per projection", "Little's law", "Stale reads", "Arrivals per lab"):
        assert heading in text
    data = result.to_json()
    assert set(data["lanes"]) == {"catalog", "carts", "orders", "sales"}
    orders = data["lanes"]["orders"]
    assert orders["latency"] == "exp:800ms"
    assert set(orders["lag_seconds"]) == {"count", "mean", "p50", "p95", "p99", "max"}
    assert set(data["queries"]) == {"catalog", "cart", "orders", "sales"}
    assert sum(row["seen"] for row in data["arrivals"]["table"]) == 20
    assert json.loads(json.dumps(data)) == data


def test_a_refused_setting_stops_the_run() -> None:
    with pytest.raises(SimulationError, match="latency orders slow"):
        simulate(SimulationConfig(10, 5, lines=("latency orders slow",)))


def test_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "--rate", "20/s", "--for", "10s", "--seed", "3", "--json"]
    assert cli.main([*argv, "--latency", "orders=exp:500ms", "--faults", "carts=dup=0.1"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["rate"] == 20 and data["duration"] == 10 and data["seed"] == 3
    assert data["lanes"]["orders"]["latency"] == "exp:500ms"
    assert data["lanes"]["carts"]["faults"] == "dup=0.1"
    assert "simulated 10s of lab time" in err
    assert cli.main(["simulate", "--for", "5s", "--latency", "nowhere=zero"]) == 2
    assert "unknown lane 'nowhere'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["simulate", "--rate", "fast"])


@given(st.floats(min_value=0.01, max_value=1000, allow_nan=False))
def test_rates_read_back(rate: float) -> None:
    text = f"{rate:.2f}"
    if float(text) > 0:
        assert _rate(f"{text}/s") == float(text) == _rate(text)


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1), st.floats(0, 1), st.floats(0, 1))
def test_quantiles_are_ordered_and_bounded(values: list[float], q1: float, q2: float) -> None:
    ordered = sorted(values)
    low, high = sorted((q1, q2))
    assert ordered[0] <= quantile(ordered, low) <= quantile(ordered, high) <= ordered[-1]
    summary = Summary.of(values)
    assert summary.p50 <= summary.p95 <= summary.p99 <= summary.max == ordered[-1]


def test_histogram_counts_every_value() -> None:
    values = [i / 100 for i in range(1000)]
    bins = histogram(values)
    assert sum(b.count for b in bins) == len(values)
    assert bins[0].low == 0 and all(a.high == b.low for a, b in itertools.pairwise(bins))


def test_survival_functions() -> None:
    assert survival(Exponential(0.8), 0.8) == pytest.approx(math.exp(-1))
    assert survival(Zero(), 0.0) == 0.0
    assert survival(Fixed(1.0), 0.5) == 1.0 and survival(Fixed(1.0), 1.0) == 0.0
    assert survival(Uniform(1.0, 3.0), 2.0) == pytest.approx(0.5)
    assert survival(LogNormal(0.5, 0.4), 0.5) == pytest.approx(0.5)


def test_poisson_table_covers_every_count() -> None:
    assert sum(poisson_pmf(k, 7.5) for k in range(100)) == pytest.approx(1)
    table = poisson_table([3, 5, 7, 9, 30, 0], 6.0)
    assert sum(b.seen for b in table) == 6
    assert table[0].low == 0 and table[-1].high is None


def test_a_database_url_is_reported_without_its_password() -> None:
    from cqrs_lab.store.database import redacted

    shown = redacted("postgresql+psycopg://lab:s3cret-pw@127.0.0.1:5432/shop")
    assert "s3cret-pw" not in shown and "lab:***@127.0.0.1" in shown
    assert redacted(":memory:") == ":memory:"
