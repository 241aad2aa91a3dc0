"""Each order's way across the services, hop by hop, with lab times: the outbox row, the
relay's publish (or the loss), each delivery and what the inbox did with it, each saga
step. `trace o1` shows it; the most recent orders are kept."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

KEPT = 2_000
"""Orders whose journeys are kept (the oldest go first)."""

Note = Callable[[str, str, str], None]
"""(order id, service, what happened): how services tell the journeys a hop."""


@dataclass(frozen=True, slots=True)
class Hop:
    """One hop of an order's journey through the services: when, where, what."""

    at: float
    service: str
    what: str

    def describe(self) -> str:
        return f"t={self.at:.3f}s {self.service}: {self.what}"


class Journeys:
    def __init__(self, now: Callable[[], float], kept: int = KEPT) -> None:
        self._now = now
        self._kept = kept
        self._hops: OrderedDict[str, list[Hop]] = OrderedDict()

    def note(self, order_id: str, service: str, what: str) -> None:
        if not order_id:
            return
        hops = self._hops.setdefault(order_id, [])
        hops.append(Hop(self._now(), service, what))
        if len(self._hops) > self._kept:
            self._hops.popitem(last=False)

    def of(self, order_id: str) -> tuple[Hop, ...]:
        return tuple(self._hops.get(order_id, ()))
