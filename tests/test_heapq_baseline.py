"""The bench's baseline for `simulate`: a heapq loop delivering what simulate's bus did."""

from __future__ import annotations

import pytest

from cqrs_lab.bench.harness import Plan
from cqrs_lab.bench.heapq_loop import BusRecorder, heapq_loop, measure
from cqrs_lab.simulate import SimulationConfig, simulate


@pytest.mark.parametrize(
    "lines",
    [
        ("latency orders exp:800ms",),
        ("faults all drop=0.1 dup=0.05", "latency carts uniform:100ms..2s"),
        ("faults all reorder=on dup=0.1",),
    ],
)
def test_the_loop_delivers_what_the_bus_delivered_in_the_same_order(
    lines: tuple[str, ...],
) -> None:
    recorder = BusRecorder()
    simulate(SimulationConfig(40.0, 15.0, seed=3, lines=lines), on_open=recorder.attach)
    delivered = heapq_loop(recorder.in_send_order())
    assert len(delivered) > 200
    assert {lane for lane, _ in delivered} == {"catalog", "carts", "orders", "sales"}
    assert delivered == recorder.delivered


def test_watching_the_bus_leaves_the_report_as_it_was() -> None:
    config = SimulationConfig(40.0, 10.0, seed=2)
    assert simulate(config, on_open=BusRecorder().attach).to_json() == simulate(config).to_json()


def test_the_figure_sits_beside_the_loop() -> None:
    (figure,) = measure(Plan.of(quick=True))
    assert figure.value > figure.baseline > 0
    assert figure.extra["simulate_deliveries"] > 1000
    assert set(figure.flat()) == {
        "simulate_s",
        "simulate_heapq_s",
        "simulate_heapq_ratio",
        "simulate_deliveries",
    }
