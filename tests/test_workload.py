"""The Poisson workload (pure) and the load runs that play it on a Lab."""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cqrs_lab.lab import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.load import LoadRun, run_load
from cqrs_lab.shop import commands as cmd
from cqrs_lab.shop.errors import DomainError
from cqrs_lab.shop.workload import SAGA_VERBS, ReadQuery, Request, Workload
from cqrs_lab.shop.workload_model import Pool
from cqrs_lab.sim.arrivals import PoissonArrivals
from cqrs_lab.sim.clock import ScaledClock
from cqrs_lab.store.database import open_store

from .lab_helpers import SHOP_SETUP, new_lab, run
from .shop_helpers import MemoryShop

EXPECTED_REFUSALS = {
    "username_taken",
    "not_paid",
    "already_paid",
    "not_in_cart",
    "out_of_stock",
    "order_closed",
}


def play(
    seed: int, requests: int, rate: float = 50.0, saga_from: float = math.inf
) -> tuple[list[Request], Counter[str]]:
    """Drive a workload against the pure shop; return the requests and the outcome counts.
    From the `saga_from`th request on, a checkout saga runs the orders (services on)."""
    rng = random.Random(seed)
    sent: list[Request] = []
    workload = Workload(rng, saga=lambda: len(sent) >= saga_from)
    shop = MemoryShop()
    outcomes: Counter[str] = Counter()
    arrivals = PoissonArrivals(rng, rate, 0.0, math.inf)
    for _ in range(requests):
        now = arrivals.pop()
        request = workload.next_request(now)
        sent.append(request)
        if isinstance(request, ReadQuery):
            outcomes["query"] += 1
            continue
        try:
            shop.send(request)
        except DomainError as error:
            outcomes[error.code] += 1
            workload.observe(request, now, accepted=False, code=error.code)
        else:
            outcomes["accepted"] += 1
            workload.observe(request, now, accepted=True)
    return sent, outcomes


def test_arrivals_are_a_poisson_process() -> None:
    rng = random.Random(3)
    times = list(PoissonArrivals(rng, 20.0, 5.0, 505.0))
    assert all(5.0 < t < 505.0 for t in times)
    assert times == sorted(times)
    assert len(times) == pytest.approx(20 * 500, rel=0.05)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    mean = sum(gaps) / len(gaps)
    variance = sum((g - mean) ** 2 for g in gaps) / len(gaps)
    assert mean == pytest.approx(1 / 20, rel=0.05)
    assert math.sqrt(variance) == pytest.approx(mean, rel=0.05)  # exponential: sd = mean


def test_arrivals_can_stop_early() -> None:
    arrivals = PoissonArrivals(random.Random(1), 10.0, 0.0, 100.0)
    first = arrivals.pop()
    arrivals.stop()
    assert first > 0 and arrivals.peek() is None
    with pytest.raises(IndexError):
        arrivals.pop()


def test_the_mix_mostly_keeps_the_rules_and_some_commands_are_refused() -> None:
    _, outcomes = play(seed=7, requests=5_000)
    commands = outcomes.total() - outcomes["query"]
    refused = commands - outcomes["accepted"]
    assert 0.15 < outcomes["query"] / outcomes.total() < 0.45
    assert 0 < refused < 0.1 * commands
    assert set(outcomes) - {"accepted", "query"} <= EXPECTED_REFUSALS
    assert {"username_taken", "not_paid", "already_paid"} <= set(outcomes)


def test_every_kind_of_command_is_sent() -> None:
    sent, _ = play(seed=2, requests=3_000)
    verbs = {request.verb for request in sent if isinstance(request, cmd.Command)}
    assert verbs == {spec.verb for spec in cmd.COMMAND_SPECS if spec.weight}


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32), saga_from=st.integers(0, 600))
def test_while_a_saga_runs_the_orders_the_load_never_pays_ships_or_cancels(
    seed: int, saga_from: int
) -> None:
    """From the `saga_from`th request on (services on), not even a mistake of the load's
    pays, ships or cancels an order; places still come."""
    sent, _ = play(seed, 1_200, saga_from=saga_from)
    after = [r.verb for r in sent[saga_from:] if isinstance(r, cmd.Command)]
    assert not SAGA_VERBS & set(after)
    assert cmd.PlaceOrder.verb in after


def test_queries_come_from_users_who_just_wrote() -> None:
    sent, _ = play(seed=5, requests=3_000)
    queries = [r for r in sent if isinstance(r, ReadQuery)]
    views = Counter(q.view for q in queries)
    assert set(views) == {"catalog", "cart", "orders", "sales"}
    timed = [q.since_write for q in queries if q.since_write is not None]
    assert len(timed) > 0.9 * len(queries)
    assert all(t >= 0 for t in timed)
    assert sum(timed) / len(timed) < 5  # reads follow writes within seconds
    assert all(q.username is not None for q in queries if q.view in ("cart", "orders"))


def test_the_same_seed_gives_the_same_requests() -> None:
    first, _ = play(seed=11, requests=500)
    second, _ = play(seed=11, requests=500)
    assert first == second
    other, _ = play(seed=12, requests=500)
    assert other != first


def test_adopted_products_are_sold_and_taken_names_avoided() -> None:
    workload = Workload(random.Random(1))
    workload.adopt({"mug": 10}, taken_names=["ann1", "ben1"])
    shop_users = set()
    for _ in range(200):
        request = workload.next_request(0.0)
        if isinstance(request, cmd.RegisterUser):
            shop_users.add(request.username)
            workload.observe(request, 0.0, accepted=True)
        if isinstance(request, cmd.AddToCart):
            assert request.sku in workload.model.stock
    assert shop_users and not shop_users & {"ann1", "ben1"}
    assert "mug" in workload.model.products


def test_refusals_correct_the_model() -> None:
    workload = Workload(random.Random(1))
    workload.adopt({"mug": 100})
    workload.observe(
        cmd.RegisterUser(username="zed", email="z@example.com", password="password1"),
        1.0,
        accepted=False,
        code="username_taken",
    )
    assert "zed" in workload.model.taken_names
    workload.observe(
        cmd.AddToCart(username="zed", sku="mug", quantity=1),
        2.0,
        accepted=False,
        code="out_of_stock",
    )
    assert workload.model.stock["mug"] <= 10 and "mug" in workload.model.low


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 20)), max_size=200))
def test_pool_behaves_like_a_set(operations: list[tuple[bool, int]]) -> None:
    pool: Pool[int] = Pool()
    expected: set[int] = set()
    for add, item in operations:
        if add:
            pool.add(item)
            expected.add(item)
        else:
            pool.discard(item)
            expected.discard(item)
    assert set(pool) == expected and len(pool) == len(expected)
    assert all(item in pool for item in expected)
    if expected:
        assert pool.choice(random.Random(0)) in expected


# -- load runs on a Lab -------------------------------------------------------------------


def test_run_load_reports_what_it_did() -> None:
    lab = new_lab(seed=4)
    report = run_load(lab, 40, 10)
    assert lab.clock.now() == pytest.approx(10.0)
    assert report.arrivals == report.commands + report.queries.total()
    assert report.arrivals == pytest.approx(400, rel=0.25)
    assert report.accepted.total() > 0.8 * report.commands
    assert report.events == sum(lab.metrics.events.values())
    assert lab.head == report.events
    data = report.to_json()
    assert data["arrivals"] == report.arrivals and data["ended_at"] == pytest.approx(10.0)
    assert "load done: 40/s for 10s" in report.summary()
    assert lab.metrics.queries.total() == report.queries.total()  # the strip counts them (15.4)


def test_the_load_line_runs_a_workload() -> None:
    lab = new_lab()
    outcome = execute(lab, "load 20/s for 5s")
    assert outcome.ok, outcome.message
    assert outcome.message.startswith("load done: 20/s for 5s")
    assert outcome.data["arrivals"] > 0 and outcome.data["events"] == lab.head


def test_a_load_shops_beside_the_learner_without_acting_as_them() -> None:
    lab = new_lab()
    run(lab, "latency all zero\n" + SHOP_SETUP + "add-to-cart alice mug 1")
    before_alice = lab.query("cart", "alice", crud=True).rows
    run_load(lab, 30, 20)
    assert lab.query("cart", "alice", crud=True).rows == before_alice
    refused = lab.metrics.rejected
    assert refused["username_taken"] < 20  # only the deliberate mistakes
    reserved = {e.data["sku"] for e in lab.store.read_all() if e.type == "StockReserved"}
    assert reserved & {"mug", "tea"}  # the existing products sell too


def test_the_same_seed_replays_the_same_events() -> None:
    def events(seed: int) -> list[tuple[str, str, dict[str, object], str]]:
        lab = new_lab(seed=seed)
        run_load(lab, 25, 8)
        return [(e.stream_id, e.type, e.data, e.metadata.command_id) for e in lab.store.read_all()]

    assert events(9) == events(9)


def test_a_background_load_follows_the_lab_clock() -> None:
    wall = [100.0]
    lab = Lab(
        open_store(":memory:"), seed=2, clock=ScaledClock(wall=lambda: wall[0]), password_cost=16
    )
    load = LoadRun(lab, 20, 10)
    assert load.poll() == 0 and load.progress == 0.0
    wall[0] += 5
    sent = load.poll()
    assert sent > 0 and load.progress == pytest.approx(0.5)
    assert not load.done
    lab.pause()
    wall[0] += 100
    assert load.poll() == 0 and load.progress == pytest.approx(0.5)
    lab.resume()
    wall[0] += 2
    assert load.poll(limit=3) <= 3
    report = load.stop()
    assert load.done and report.stopped and load.poll() == 0 and load.progress == 1.0
    assert "load stopped" in report.summary()


def test_a_background_load_finishes_after_its_duration() -> None:
    wall = [0.0]
    lab = Lab(
        open_store(":memory:"), seed=3, clock=ScaledClock(wall=lambda: wall[0]), password_cost=16
    )
    load = LoadRun(lab, 10, 3)
    total = 0
    for _ in range(8):
        wall[0] += 0.5
        total += load.poll()
    assert load.done and not load.report.stopped
    assert total == load.report.arrivals > 0
