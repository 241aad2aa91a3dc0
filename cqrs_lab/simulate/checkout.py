"""`simulate --services on`: the checkout's end-to-end latency (order placed -> shipped or
cancelled) under the lanes' latency models and faults, beside an analytic estimate: the
sum of the lanes' means on the happy path (PaymentRequested and PaymentAccepted on the
payments lane, ShipmentRequested and Shipped on the shipping lane). Drops, duplicates'
head-of-line waits, an in-order lane's queueing and the saga's deadlines are what the
measurement has and the estimate leaves out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.service_performers import services_of
from cqrs_lab.services.messages import LANE, SHIPPING_LANE
from cqrs_lab.services.runtime import Services
from cqrs_lab.services.saga import State
from cqrs_lab.simulate.results import SimulationResult
from cqrs_lab.simulate.runner import SimulationConfig, simulate
from cqrs_lab.simulate.stats import Summary

HAPPY_PATH = (
    ("PaymentRequested", LANE),
    ("PaymentAccepted", LANE),
    ("ShipmentRequested", SHIPPING_LANE),
    ("Shipped", SHIPPING_LANE),
)
"""The messages of a checkout that ships, and the lane each travels on."""


@dataclass(frozen=True, slots=True)
class CheckoutFigures:
    """End-to-end checkout latency, measured and estimated, in lab seconds."""

    shipped: Summary
    cancelled: Summary
    every: Summary
    """Every checkout that ended, shipped or cancelled."""
    unfinished: int
    """Checkouts still running when the load stopped."""
    estimate: float
    """The sum of the lanes' mean latencies on the happy path."""
    terms: tuple[tuple[str, str, float], ...]
    """(message, lane, the lane's mean latency) for each hop of the happy path."""

    def to_json(self) -> dict[str, Any]:
        return {
            "shipped": self.shipped.to_json(),
            "cancelled": self.cancelled.to_json(),
            "every": self.every.to_json(),
            "unfinished": self.unfinished,
            "estimate_s": round(self.estimate, 6),
            "estimate_terms": [
                {"message": message, "lane": lane, "mean_s": round(mean, 6)}
                for message, lane, mean in self.terms
            ],
        }


def checkout_figures(services: Services) -> CheckoutFigures:
    """What the services' checkouts took, from the saga's record of the ones that ended."""
    finished = services.orders.finished
    terms = tuple(
        (message, lane, services.latencies[lane].mean) for message, lane in HAPPY_PATH
    )
    return CheckoutFigures(
        shipped=Summary.of([f.seconds for f in finished if f.state is State.SHIPPED]),
        cancelled=Summary.of([f.seconds for f in finished if f.state is State.CANCELLED]),
        every=Summary.of([f.seconds for f in finished]),
        unfinished=len(services.orders.started),
        estimate=sum(mean for _, _, mean in terms),
        terms=terms,
    )


def simulate_checkouts(config: SimulationConfig) -> tuple[SimulationResult, CheckoutFigures]:
    """`simulate` with services on (before the config's own lines, so they may set the
    lanes between services), and the checkouts' figures."""
    attached: list[Services] = []

    def keep(lab: Lab) -> None:
        services = services_of(lab)
        if services is not None:
            attached.append(services)

    result = simulate(replace(config, lines=("services on", *config.lines)), on_open=keep)
    return result, checkout_figures(attached[0])


def render_checkouts(figures: CheckoutFigures) -> str:
    """The checkouts' section of the report, as text."""
    hops = " + ".join(f"{mean:.3f}s ({message}, {lane})" for message, lane, mean in figures.terms)
    lines = [
        "Checkouts across services (order placed -> shipped or cancelled), lab seconds",
        f"  {'':<10} {'count':>6} {'mean':>8} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}",
        *(
            _row(name, summary)
            for name, summary in (
                ("shipped", figures.shipped),
                ("cancelled", figures.cancelled),
                ("all", figures.every),
            )
        ),
        f"  still running when the load stopped: {figures.unfinished}",
        f"  estimate for the happy path (the lanes' means): {figures.estimate:.3f}s",
        f"    = {hops}",
    ]
    if figures.shipped.count:
        ratio = figures.shipped.mean / figures.estimate if figures.estimate else 0.0
        lines.append(
            f"  measured mean of shipped / estimate: {ratio:.2f}x (drops, redeliveries and "
            "waits behind earlier messages on an in-order lane are not in the estimate)"
        )
    return "\n".join(lines) + "\n"


def _row(name: str, summary: Summary) -> str:
    return (
        f"  {name:<10} {summary.count:>6} {summary.mean:>8.3f} {summary.p50:>8.3f} "
        f"{summary.p95:>8.3f} {summary.p99:>8.3f} {summary.max:>8.3f}"
    )
