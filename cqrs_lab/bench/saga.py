"""The checkout saga across services beside the single-service send (issue 18.6).

The same checkouts (add-to-cart, place-order, by 50 users round 20 products) go to two
fresh labs on files. With services on and zero latency between them, a checkout is done
when its order is shipped: the order's transaction records PaymentRequested in the outbox,
the relay publishes it, Payments charges and answers, the saga pays the order and asks
Shipping, Shipping answers, the saga ships it; every hop an inbox check and a transaction.
The commands are sent one by one, 20 ms of lab time apart, the bus delivering what falls
due between two (held back until the end, the first orders would pass their 30 s payment
deadline behind a thousand others and be cancelled); then the lab settles (the bus runs
until nothing is in flight, the deadlines' timers too). All of that is timed. The baseline
is the same commands through `Lab.send` with services off, delivered and settled the same
way: the order placed in one service. Rounds alternate between the two and each keeps its
median, so a busy machine slows both alike.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from cqrs_lab.bench.harness import Figure, Plan
from cqrs_lab.lab.core import Lab
from cqrs_lab.lab.interpreter import execute
from cqrs_lab.lab.service_performers import services_of
from cqrs_lab.services.messages import LANE, SHIPPING_LANE
from cqrs_lab.shop import commands as cmd
from cqrs_lab.sim.clock import VirtualClock
from cqrs_lab.write.results import Rejected

USERS = 50
PRODUCTS = 20
ROUNDS = 3
COMMANDS_A_CHECKOUT = 10
"""A round sends one checkout for every ten of the plan's commands (1,000; 150 with
`--quick`): with services on a checkout costs about what ten sends do."""
PASSWORD_COST = 2**4  # as in bench/send.py: hashing is not what this measures
BETWEEN_COMMANDS = 0.02  # lab seconds, as in bench/send.py
SERVICES_ON = ("services on", f"latency {LANE} zero", f"latency {SHIPPING_LANE} zero")


def measure(plan: Plan, folder: Path) -> list[Figure]:
    count = plan.commands // COMMANDS_A_CHECKOUT
    saga_rates: list[float] = []
    single_rates: list[float] = []
    for round_ in range(ROUNDS):
        single_rates.append(checkouts_per_s(folder / f"single-{round_}.db", count, saga=False))
        saga_rates.append(checkouts_per_s(folder / f"saga-{round_}.db", count, saga=True))
    return [
        Figure(
            "checkout saga across services (place-order -> shipped)",
            statistics.median(saga_rates),
            "checkouts/s",
            "the same orders placed with services off (Lab.send)",
            statistics.median(single_rates),
            None,
            {
                "saga_checkouts_per_s": "value",
                "saga_single_service_orders_per_s": "baseline",
                "saga_ratio_vs_single_service": "ratio",
            },
            note=(
                f"{count:,} checkouts, zero latency between services, delivered as sent, "
                f"settled; median of {ROUNDS} rounds, alternating"
            ),
            baseline_unit="orders/s",
        )
    ]


def checkouts_per_s(db: Path, count: int, *, saga: bool) -> float:
    """`count` checkouts on a fresh lab, delivered and settled: orders a second. With `saga`
    the services are on and every order must end shipped."""
    lab = Lab.open(str(db), seed=1, clock=VirtualClock(), password_cost=PASSWORD_COST)
    try:
        _send_all(lab, _shop())
        lab.settle()
        for line in SERVICES_ON if saga else ():
            outcome = execute(lab, line)
            if not outcome.ok:
                raise RuntimeError(f"{line!r}: {outcome.message}")
        checkouts = _checkouts(count)
        began = time.perf_counter()
        _send_all(lab, checkouts)
        lab.settle()
        elapsed = time.perf_counter() - began
        services = services_of(lab)
        shipped = 0 if services is None else services.orders.done["shipped"]
    finally:
        lab.close()
    if saga and shipped != count:
        raise RuntimeError(f"the saga shipped {shipped} of {count} orders")
    return count / elapsed


def _send_all(lab: Lab, commands: Sequence[cmd.Command]) -> None:
    for command in commands:
        result = lab.send(command)
        if isinstance(result, Rejected):
            raise RuntimeError(f"{command.verb} refused: {result.code}")
        lab.advance(BETWEEN_COMMANDS)


def _shop() -> list[cmd.Command]:
    """The users and the products (stock for every checkout), before the timed part."""
    users = [
        cmd.RegisterUser(
            command_id=f"user-{index}",
            username=f"shopper{index}",
            email=f"shopper{index}@example.com",
            password="bench-pass-1",
        )
        for index in range(USERS)
    ]
    products = [
        cmd.AddProduct(
            command_id=f"product-{index}",
            sku=f"sku-{index}",
            name=f"Product {index}",
            price_cents=100 + 50 * index,
            stock=cmd.MAX_STOCK,
        )
        for index in range(PRODUCTS)
    ]
    return [*users, *products]


def _checkouts(count: int) -> list[cmd.Command]:
    """Each checkout: one to three units in a cart, then the order placed."""
    commands: list[cmd.Command] = []
    for index in range(count):
        username = f"shopper{index % USERS}"
        commands.append(
            cmd.AddToCart(
                command_id=f"cart-{index}",
                username=username,
                sku=f"sku-{index * 7 % PRODUCTS}",
                quantity=1 + index % 3,
            )
        )
        commands.append(
            cmd.PlaceOrder(command_id=f"order-{index}", username=username, order_id=f"o{index}")
        )
    return commands
