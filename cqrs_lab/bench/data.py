"""Data sets for the benchmarks, made fast and the same every run (seeded).

- `shop_commands`: the Poisson workload's commands, each checked against the shop's rules
  in memory (decide + evolve), so a benchmark can time `Lab.send` alone.
- `fill_store`: a realistic event history (the same workload's events) appended in large
  transactions, for rebuilds and memory.
- `sales_orders`: many orders with lines and statuses, as the CRUD twin's rows and as the
  events the sales projection is built from.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cqrs_lab.shop import commands as cmd
from cqrs_lab.shop.decide import Pending, decide, evolve
from cqrs_lab.shop.errors import DomainError
from cqrs_lab.shop.state import State, initial_state
from cqrs_lab.shop.workload import ReadQuery, Workload
from cqrs_lab.sim.arrivals import PoissonArrivals
from cqrs_lab.store.event_store import EventMetadata, EventStore, NewEvent, StreamAppend

SEED = 20_240_601
RATE = 50.0  # requests a lab second: only sets the recorded times
BATCH = 1_000  # commands a transaction when filling a store


@dataclass(frozen=True, slots=True)
class Decided:
    """One accepted command of the workload, with the events it records."""

    command: cmd.Command
    at: float
    events: list[Pending]


class MemoryShop:
    """The shop's rules over a dict of aggregate states: no storage, no clock."""

    def __init__(self) -> None:
        self.states: dict[str, State] = {}
        self.versions: dict[str, int] = {}

    def load(self, stream_id: str) -> State:
        return self.states.get(stream_id) or initial_state(stream_id)

    def send(self, command: cmd.Command) -> list[Pending]:
        pending = decide(command, self.load)
        for item in pending:
            self.states[item.stream_id] = evolve(self.load(item.stream_id), item.event)
        return pending


def shop_history(seed: int = SEED) -> Iterator[Decided]:
    """The workload's accepted commands, forever; refused ones teach the workload only."""
    rng = random.Random(seed)
    workload = Workload(rng)
    shop = MemoryShop()
    arrivals = PoissonArrivals(rng, RATE, 0.0, math.inf)
    while True:
        now = arrivals.pop()
        request = workload.next_request(now)
        if isinstance(request, ReadQuery):
            continue
        try:
            pending = shop.send(request)
        except DomainError as error:
            workload.observe(request, now, accepted=False, code=error.code)
            continue
        workload.observe(request, now, accepted=True)
        yield Decided(request, now, pending)


def shop_commands(count: int, seed: int = SEED) -> list[cmd.Command]:
    """`count` commands the shop accepts when sent in order to an empty lab."""
    history = shop_history(seed)
    return [next(history).command for _ in range(count)]


def fill_store(store: EventStore, events: int, seed: int = SEED) -> int:
    """Append at least `events` events of the workload's history; return how many."""
    versions: dict[str, int] = {}
    written = 0
    history = shop_history(seed)
    while written < events:
        with store.transaction() as connection:
            for _ in range(BATCH):
                decided = next(history)
                appends = _appends(decided.events, versions)
                metadata = EventMetadata(
                    decided.command.command_id,
                    decided.command.command_id,
                    decided.command.command_id,
                    decided.at,
                )
                written += len(store.append_many(appends, metadata, connection=connection))
                if written >= events:
                    break
    return written


def _appends(pending: list[Pending], versions: dict[str, int]) -> list[StreamAppend]:
    by_stream: dict[str, list[NewEvent]] = {}
    for item in pending:
        new = NewEvent(item.event.type_name(), item.event.to_data(), item.event.schema_version)
        by_stream.setdefault(item.stream_id, []).append(new)
    appends = []
    for stream_id, new_events in by_stream.items():
        version = versions.get(stream_id, 0)
        appends.append(StreamAppend(stream_id, version, new_events))
        versions[stream_id] = version + len(new_events)
    return appends


@dataclass(frozen=True, slots=True)
class SalesData:
    """The same orders as CRUD rows (tuples in the tables' column order) and as events
    (type and JSON data, as the store keeps them), in order."""

    users: list[tuple[object, ...]]  # username, email
    products: list[tuple[object, ...]]  # sku, name, price_cents, stock
    orders: list[tuple[object, ...]]  # order_id, username, status, placed_at, paid_cents
    lines: list[tuple[object, ...]]  # order_id, sku, quantity, unit_price_cents
    events: list[tuple[str, dict[str, Any]]]


STATUSES = (("placed", 0.2), ("paid", 0.3), ("shipped", 0.4), ("cancelled", 0.1))


def sales_orders(count: int, seed: int = SEED) -> SalesData:
    """`count` orders of 1-3 lines over 200 products and count/20 users, in every status."""
    rng = random.Random(seed)
    users = [(f"u{i}", f"u{i}@example.com") for i in range(count // 20 + 1)]
    prices = {f"sku-{i}": rng.randrange(100, 5_000, 50) for i in range(200)}
    products = [(sku, f"Product {sku}", price, 1_000_000) for sku, price in prices.items()]
    skus = list(prices)
    statuses, weights = zip(*STATUSES, strict=True)
    data = SalesData(users, products, [], [], [])
    for number in range(1, count + 1):
        order_id, username = f"o{number}", f"u{rng.randrange(len(users))}"
        lines = [
            {"sku": sku, "quantity": rng.randint(1, 3), "unit_price_cents": prices[sku]}
            for sku in sorted(rng.sample(skus, rng.randint(1, 3)))
        ]
        total = sum(line["quantity"] * line["unit_price_cents"] for line in lines)
        status = rng.choices(statuses, weights)[0]
        paid = total if status in ("paid", "shipped") else 0
        data.orders.append((order_id, username, status, float(number), paid))
        data.lines.extend(
            (order_id, line["sku"], line["quantity"], line["unit_price_cents"]) for line in lines
        )
        data.events.extend(_order_events(order_id, username, lines, total, status))
    return data


def _order_events(
    order_id: str, username: str, lines: list[dict[str, Any]], total: int, status: str
) -> list[tuple[str, dict[str, Any]]]:
    who = {"order_id": order_id, "username": username}
    placed = ("OrderPlaced", {**who, "lines": lines, "total_cents": total})
    paid = ("OrderPaid", {**who, "amount_cents": total})
    if status == "placed":
        return [placed]
    if status == "paid":
        return [placed, paid]
    if status == "shipped":
        return [placed, paid, ("OrderShipped", who)]
    cancelled = {**who, "lines": lines, "total_cents": total, "refunded_cents": 0}
    return [placed, ("OrderCancelled", cancelled)]
